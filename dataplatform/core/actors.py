"""Who acts: a person, a unit's information system through an API key, or the platform itself (None).

Every service takes ``actor: Actor``; ``acts_for`` is the one answer to "does this actor act for unit X in
role Y".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from .models import Role, Unit, User

if TYPE_CHECKING:
    from .authentication import ApiClient

Actor: TypeAlias = "User | ApiClient | None"


def is_person(actor: object) -> bool:
    return isinstance(actor, User)


def acts_for(actor: object, unit: Unit | int | None, *roles: str) -> bool:
    """``actor`` is a person of ``unit`` (a unit or its id) holding one of ``roles`` (the data
    administrator's by default). False for the platform, API clients, visitors and ``unit`` None."""
    if unit is None or not isinstance(actor, User):
        return False
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    return actor.unit_id == unit_id and actor.has_role(*(roles or (Role.DATA_ADMIN,)))
