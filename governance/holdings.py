"""Reads for data subjects: who the person acting is as a subject, and which units hold data about it.

Identity, as the platform supports it:
- a citizen (a person with no unit) is a subject once a platform administrator has recorded the ID
  number verified in person or through the province's unified identity authentication
  (``SubjectIdentity``); a number a person merely types in is never trusted;
- a company (a public organization's unit) acts through its data administrator once the data authority
  has verified the unit's registration documents against its unified social credit code (issue 18:
  anyone may register an organization under any code; ``people.acts_for_proven_organization``).

Finding the data: the records of every available, aggregated catalog entry whose data items identify a
subject of that kind (an item named like ``id_number`` / ``credit_code``, or a personal item labelled
as an ID number). When that item is the entry's key the lookup is the (resource, key) unique index;
otherwise it is a filter on ``data -> item`` within the entry's rows, reached through the same index's
leading resource column. At the demo's size (a few thousand records per entry) that is a few
milliseconds per entry; a city-wide deployment would add an expression index per identifying item.
"""

import re
from dataclasses import dataclass, field

from catalog import records
from catalog.models import DataFormat, DataItem, ItemType, Resource, ResourceStatus
from dataplatform.core.models import Role, User
from dataplatform.core.people import acts_for_proven_organization

from .models import SubjectIdentity, SubjectKind

PERSON_ITEM = re.compile(r"(^|_)(id_number|id_card|id_no|citizen_id)$")
COMPANY_ITEM = re.compile(r"(^|_)(credit_code|uscc)$")
PERSON_LABELS = ("身份号码", "身份证")
COMPANY_LABELS = ("统一社会信用代码",)
MAX_KEYS = 100  # records listed per entry; a subject with more is shown the count


@dataclass(frozen=True)
class Subject:
    kind: str
    identifier: str

    @property
    def masked(self) -> str:
        """For pages and notices: enough to recognise, not enough to copy."""
        return f"{self.identifier[:4]}{'*' * (len(self.identifier) - 8)}{self.identifier[-4:]}"


@dataclass
class Holding:
    resource: Resource
    items: list[str]  # the identifying items the subject was found by
    keys: list[str]
    count: int
    personal_items: list[dict] = field(default_factory=list)


def subject_of(user) -> Subject | None:
    """The subject ``user`` acts for, or None (API keys, government staff, unverified citizens and
    organizations)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    unit = user.unit
    if unit is None:
        identity = SubjectIdentity.objects.filter(user=user).only("id_number").first()
        return Subject(SubjectKind.PERSON, identity.id_number) if identity else None
    if acts_for_proven_organization(user) and user.has_role(Role.DATA_ADMIN):
        return Subject(SubjectKind.COMPANY, unit.credit_code)
    return None


def is_subject_of(user, obj) -> bool:
    """Whether ``user`` acts for the subject a request, authorization or complaint is about."""
    subject = subject_of(user)
    return subject is not None and (subject.kind, subject.identifier) == (obj.subject_kind, obj.subject_id)


def identifies(item: DataItem, kind: str) -> bool:
    if kind == SubjectKind.PERSON:
        return bool(PERSON_ITEM.search(item.name)) or (
            item.is_personal and any(word in item.label for word in PERSON_LABELS)
        )
    return bool(COMPANY_ITEM.search(item.name)) or any(word in item.label for word in COMPANY_LABELS)


def searchable_resources():
    """Available entries that hold records: published, not retired, not a pass-through interface."""
    return (
        Resource.objects.filter(published_version__isnull=False)
        .exclude(status=ResourceStatus.RETIRED)
        .exclude(data_format=DataFormat.INTERFACE)
        .select_related("producer")
        .prefetch_related("items")
    )


def _match(resource: Resource, kind: str, identifier: str) -> tuple[list[str], records.Where | None]:
    """The identifying items of the entry, and records whose any such item holds the identifier. Only
    text items of the published version's table are compared (an identifier is text)."""
    stored = {c.name: c for c in records.published_columns(resource) if c.item_type == ItemType.STRING}
    names, either = [], {}
    for item in resource.items.all():
        if not identifies(item, kind) or item.name not in stored:
            continue
        names.append(item.name)
        column_name, value = stored[item.name].term(identifier)
        either[column_name] = value
    return names, records.Where(any_equals=either) if either else None


def subject_records(resource: Resource, subject: Subject) -> list[records.RecordRow]:
    """The records of ``resource`` about ``subject`` (at most MAX_KEYS), in key order."""
    _names, where = _match(resource, subject.kind, subject.identifier)
    if where is None:
        return []
    return records.records_where(resource_id=resource.pk, where=where, limit=MAX_KEYS)


def subject_holdings(subject: Subject) -> list[Holding]:
    """Every entry holding records about ``subject``, with the units that produce them."""
    holdings = []
    for resource in searchable_resources():
        names, where = _match(resource, subject.kind, subject.identifier)
        if where is None:
            continue
        found = records.records_where(resource_id=resource.pk, where=where, limit=MAX_KEYS + 1)
        keys = [row.key for row in found]
        if not keys:
            continue
        count = (
            len(keys) if len(keys) <= MAX_KEYS else records.record_count(resource_id=resource.pk, where=where)
        )
        personal = [
            {"name": item.name, "label": item.label, "sensitive": item.is_sensitive}
            for item in resource.items.all()
            if item.is_personal or item.is_sensitive or item.name in names
        ]
        holdings.append(Holding(resource, names, keys[:MAX_KEYS], count, personal))
    return holdings


def holding_resources(subject: Subject) -> list[Resource]:
    return [holding.resource for holding in subject_holdings(subject)]
