"""DCAT factories: open datasets of every category, frequency, licence and open type."""

import itertools

from catalog.models import Category, OpenType, UpdateFrequency
from catalog.services import resource_create
from catalog.workflow import resource_transition
from opening.dcat.vocabularies import LICENCES
from opening.models import OpenEntry
from opening.services import open_entry_propose
from opening.workflow import open_entry_transition
from tests.factories.catalog import entry_fields

NAMES = "甲乙丙丁戊己庚辛壬癸"


def open_dataset(producer, reviewer, n: int, *, category, frequency, open_type, licence) -> OpenEntry:
    resource = resource_create(
        actor=producer,
        producer=producer.unit,
        **entry_fields(
            code=f"QZ-DCAT-{n:04d}",
            name=f"开放数据集{NAMES[n]}",
            category=category,
            update_frequency=frequency,
            open_type=open_type,
        ),
    )
    resource = resource_transition(resource=resource, to="submitted", actor=producer)
    resource = resource_transition(resource=resource, to="published", actor=reviewer)
    entry = open_entry_propose(
        actor=producer, resource=resource, open_type=open_type, tags=["测试"] if n % 2 else []
    )
    entry = open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=open_type)
    OpenEntry.objects.filter(pk=entry.pk).update(licence=licence)
    entry.refresh_from_db()
    return entry


def every_kind(city_people, county_people) -> list[OpenEntry]:
    """An open dataset for every category, with every frequency, licence and open type (so every file
    format and the API) among them; the first from a county producer (``(producer, reviewer)`` pairs)."""
    frequencies = itertools.cycle(UpdateFrequency.values)
    licences = itertools.cycle(LICENCES)
    open_types = itertools.cycle([OpenType.UNIVERSAL, OpenType.ON_APPLICATION])
    return [
        open_dataset(
            *(county_people if n == 0 else city_people),
            n,
            category=category,
            frequency=next(frequencies),
            open_type=next(open_types),
            licence=next(licences),
        )
        for n, category in enumerate(Category.values)
    ]
