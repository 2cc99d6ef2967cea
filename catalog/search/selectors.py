"""Reads of the catalog."""

from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import Case, FloatField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When

from ..access import resources_visible_to
from ..models import DataItem, Resource, ResourceStatus
from .text import RESULT_CAP, SearchTextVector, Term, query_terms, terms_q, terms_tsquery

# What a search result shows; the rest of the row (search_text above all) stays in the database.
RESULT_FIELDS = [
    "id",
    "code",
    "name",
    "description",
    "producer__id",
    "producer__name",
    "category",
    "data_format",
    "share_type",
    "open_type",
    "update_frequency",
    "last_aggregated_at",
    "published_version",
    "status",
]

NAME_BOOST = 1.0  # above any ts_rank of our short texts: an entry named by the query comes first
# Matches looked at to find the entries named by the query; the RESULT_CAP shown are ranked.
NAME_SCAN = 1000


def resource_search(
    *,
    user,
    q: str = "",
    unit: int | None = None,
    category: str = "",
    share_type: str = "",
    open_type: str = "",
    item: str = "",
) -> QuerySet[Resource]:
    """Available entries ``user`` may see that have every word of ``q`` and pass the filters, best
    first, each with its ``rank``; without words, in catalog order. ``item`` matches a data item's
    identifier or label (on PostgreSQL, whole words of it). On PostgreSQL a search with words returns at
    most RESULT_CAP + 1 entries, enough to say that there are more."""
    resources = resources_visible_to(user).filter(published_version__isnull=False)
    resources = resources.exclude(status=ResourceStatus.RETIRED)
    filters = {"producer_id": unit, "category": category, "share_type": share_type, "open_type": open_type}
    resources = resources.filter(**{field: value for field, value in filters.items() if value})
    if item:
        resources = resources.alias(item_hit=_first_item(item)).filter(item_hit__isnull=False)
    terms, item_terms = query_terms(q), query_terms(item)
    window: list[int] | None = None
    if connection.vendor == "postgresql" and (terms or item_terms):
        resources, window = _ranked_full_text(resources, terms, item_terms)
    elif terms:
        resources = _ranked_substrings(resources, terms)
    else:
        resources = resources.annotate(rank=Value(0.0, output_field=FloatField())).order_by("code")
    items = Prefetch(
        "items", queryset=DataItem.objects.only("id", "resource_id", "name", "label", "position")
    )
    found = resources.only(*RESULT_FIELDS).prefetch_related(items)
    if window is not None:
        # The matches are the window's entries: CappedPaginator need not count them again. A queryset
        # made from this one (filtered further) does not carry it, and is counted.
        found.matches_known = len(window)  # type: ignore[attr-defined]
    return found


def _first_item(item: str) -> Subquery:
    """The entry's first data item whose identifier or label contains ``item``.

    A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a join and, misjudging how few items
    a LIKE keeps, scans all data items (0.5 s for 100,000 entries) instead of probing each match's own.
    """
    items = DataItem.objects.filter(resource=OuterRef("pk")).filter(
        Q(name__icontains=item) | Q(label__icontains=item)
    )
    return Subquery(items.order_by().values("pk")[:1])


def _name_boost(terms: list[Term]) -> Case | Value:
    if not terms:
        return Value(0.0)
    return Case(When(terms_q("name", terms), then=Value(NAME_BOOST)), default=Value(0.0))


def _ranked_full_text(
    resources: QuerySet[Resource], terms: list[Term], item_terms: list[Term]
) -> tuple[QuerySet[Resource], list[int]]:
    """Rank by ts_rank plus the name boost, over a window of matches rather than all of them: the rank
    parses each row's text again (about 0.1 ms), too slow for the thousands of entries that say 人口."""
    # An item's words are in search_text too: the index narrows what the item filter then checks.
    query = terms_tsquery([*terms, *item_terms])
    assert query is not None  # called with words to look for
    boost = _name_boost(terms)
    matches = resources.alias(vector=SearchTextVector()).filter(vector=query)
    # Without words for the name, there is nothing to put first: the first matches will do.
    scan = NAME_SCAN if terms else RESULT_CAP + 1
    window = _named_first(matches.annotate(boost=boost).values_list("pk", "boost").order_by(), scan)
    rank = SearchRank(SearchTextVector(), query) + boost
    return resources.filter(pk__in=window).annotate(rank=rank).order_by("-rank", "name", "id"), window


def _named_first(matches: QuerySet, scan: int) -> list[int]:
    """Up to RESULT_CAP + 1 ids of (pk, boost) ``matches``: the entries named by the query among the
    first ``scan`` matches, then the others."""
    sql, params = matches.query.sql_with_params()
    # MATERIALIZED: planned for every match, the query takes the full-text index. Planned for the first
    # few, PostgreSQL would rather walk another index and parse each row's text, which it wrongly
    # thinks cheap (290 ms instead of 30 for 信息 over 100,000 entries). CTEs are still read lazily:
    # once enough named entries are found, the scan stops.
    window = (
        f"WITH matches AS MATERIALIZED ({sql}), scanned AS MATERIALIZED (SELECT * FROM matches LIMIT %s) "
        "(SELECT pk FROM scanned WHERE boost > 0 LIMIT %s) UNION ALL (SELECT pk FROM scanned WHERE boost = 0) "
        "LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(window, [*params, scan, RESULT_CAP + 1, RESULT_CAP + 1])
        return [pk for (pk,) in cursor.fetchall()]


def _ranked_substrings(resources: QuerySet[Resource], terms: list[Term]) -> QuerySet[Resource]:
    # The embedded demo's few hundred entries need no index; the name boost keeps the order sensible.
    resources = resources.filter(terms_q("search_text", terms))
    return resources.annotate(rank=_name_boost(terms)).order_by("-rank", "name", "id")
