"""What the audit log needs to know of grants, which belong to the sharing app above it.

Events written before a data call named its resource in ``detail.resource`` name only the grant. To find them
by resource, and to show their resource in the usage log, the audit app asks the sharing app, which
registers its lookups here when Django starts (``SharingConfig.ready``); the audit app imports nothing above
it. With sharing not installed, no grant is known.
"""

from collections.abc import Callable, Iterable

GrantsOf = Callable[[int], list[int]]  # a resource id → the ids of its grants
ResourceNames = Callable[[Iterable[int]], dict[int, str]]  # grant ids → their resource's name

_grants_of: GrantsOf = lambda resource_id: []  # noqa: E731
_resource_names: ResourceNames = lambda grant_ids: {}  # noqa: E731


def register_grant_lookups(*, grants_of: GrantsOf, resource_names: ResourceNames) -> None:
    global _grants_of, _resource_names
    _grants_of, _resource_names = grants_of, resource_names


def grants_of(resource_id: int) -> list[int]:
    return _grants_of(resource_id)


def resource_names(grant_ids: Iterable[object]) -> dict[int, str]:
    """The resource names of the grants among ``grant_ids`` (values read from events' details: anything
    that is not a grant id is left out)."""
    ids = [g for g in grant_ids if isinstance(g, int)]
    return _resource_names(ids) if ids else {}
