"""Who acts here for another node (docs/federation.md §14).

A peer's back-flow applications are made on this node as applications of a unit that stands for that node
(``Peer.unit``), by a system person of that unit; a mirrored resource here is produced by the unit that
stands for the upper node. Both are made on first need and kept: the audit log and the pages name them.
The unit sits in this node's own region, so this node's own authority decides for it, by its own rules.
"""

from django.conf import settings
from django.db import transaction

from dataplatform.core.credit_code import check_character
from dataplatform.core.models import Region, Role, Unit, User
from dataplatform.core.models.units import Level, UnitKind
from dataplatform.core.people import role_assign

from .models import Peer


def home_region() -> Region:
    """This node's own region (``NODE_REGION``), made when the node has not recorded it yet."""
    code = settings.NODE_REGION or "000000"
    region = Region.objects.filter(code=code).first()
    if region is None:
        region = Region.objects.create(code=code, name=(settings.NODE_NAME or code)[:50], level=Level.CITY)
    return region


def peer_unit(peer: Peer) -> Unit:
    """The unit acting for ``peer`` on this node (``Peer.unit``), made on first need."""
    if peer.unit_id is not None:
        return peer.unit  # type: ignore[return-value]
    with transaction.atomic():
        peer = Peer.objects.select_for_update().get(pk=peer.pk)
        if peer.unit_id is None:
            region = home_region()
            first17 = f"11{peer.region}FN{peer.pk:07d}"  # a valid code (GB 32100) no real unit holds
            unit, _created = Unit.objects.get_or_create(
                name=peer.name[:100],
                defaults={
                    "kind": UnitKind.GOVERNMENT,
                    "region": region,
                    "level": region.level,
                    "credit_code": first17 + check_character(first17),
                },
            )
            peer.unit = unit
            peer.save(update_fields=["unit", "updated_at"])
        return peer.unit  # type: ignore[return-value]


def peer_user(peer: Peer) -> User:
    """The system person of ``peer_unit(peer)``: the applicant of the node's applications here. It has no
    usable password: nobody signs in as it; the node acts through signed messages."""
    unit = peer_unit(peer)
    username = f"node-{peer.node_id}"[:150]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, real_name=peer.name[:100], unit=unit
        )  # no password
        role_assign(actor=None, user=user, role=Role.DATA_ADMIN)
    return user
