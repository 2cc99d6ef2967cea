"""Writes for disputes (G51): a unit records a dispute with another unit of its level; the steps that
follow go through ``workflow.act``."""

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import Unit, User
from dataplatform.core.models.units import Level
from dataplatform.core.people import is_government_staff

from .documents import documents_check
from .models import Dispute, DisputeMatter
from .subjects import authority_for
from .workflow import record_step


def dispute_authority(a: Unit, b: Unit) -> Unit:
    """G51: the data authority of the parties' level: their county's for two units of one county,
    the city's otherwise."""
    region = a.region
    assert region is not None  # a government unit lies in its region
    if a.region_id == b.region_id:
        return authority_for(region)
    city = region if region.level == Level.CITY else region.parent
    assert city is not None  # a county lies in the city
    return authority_for(city)


def dispute_record(
    *,
    actor: User,
    other_party: Unit,
    title: str,
    matter: str,
    description: str,
    documents: Sequence[UploadedFile] = (),
    request=None,
) -> Dispute:
    if not is_government_staff(actor) or actor.unit is None:  # (staff always have their unit)
        raise Forbidden(_("A government unit's data administrator records a dispute."))
    unit = actor.unit
    if not other_party.is_government or other_party.pk == unit.pk:
        raise ApplicationError(_("A dispute is between two government units."))
    if matter not in DisputeMatter.values:
        raise ApplicationError(
            _("The matter is one of: %(values)s.") % {"values": ", ".join(DisputeMatter.values)}
        )
    if not title.strip() or not description.strip():
        raise ApplicationError(_("Give the dispute a title and describe it."))
    documents = list(documents)
    documents_check(documents)
    with transaction.atomic():
        dispute = Dispute.objects.create(
            title=title.strip()[:200],
            matter=matter,
            description=description.strip(),
            raised_by=unit,
            other_party=other_party,
            authority=dispute_authority(unit, other_party),
            created_by=actor,
        )
        record_step(dispute, "record", "", actor=actor, documents=documents, request=request)
    return dispute
