"""Chinese-aware search over the catalog: jieba segments the text, the database matches words.

Index time, ``resource_index`` stores an entry's words in ``search_text``: jieba's search mode gives every
word and the dictionary words inside the long ones (泉州市 → 泉州 州市 泉州市). Query time, ``query_terms``
cuts the query into words; a word matches an entry that has the word itself or every smallest dictionary
word inside it, because jieba may cut the same characters differently in another sentence.

PostgreSQL matches with full-text search (the ``simple`` configuration, GIN index of migration 0002);
SQLite, the embedded demo, with a substring test per word.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import jieba
from django.contrib.postgres.search import CombinedSearchQuery, SearchQuery, SearchVectorField
from django.core.paginator import Paginator
from django.db.models import Func, Q, QuerySet

from ..models import DataItem, Resource

jieba.setLogLevel(logging.WARNING)
# jieba loads its dictionary lazily, about a second, on first use: pay it once, when the process
# imports the catalog, never inside a request.
jieba.initialize()

# Particles that carry no meaning in a query (人口的信息 is 人口 信息).
STOP_WORDS = frozenset({"的", "之", "和", "与", "及", "或", "等"})


def _words(tokens: Iterable[str]) -> list[str]:
    """jieba's tokens without blanks and punctuation, lower-cased."""
    words = (token.strip().lower() for token in tokens)
    return [word for word in words if any(ch.isalnum() for ch in word)]


def segment(text: str) -> str:
    """Words separated by spaces: 人口基本信息 → 人口 基本 信息 人口基本信息 …"""
    # jieba cuts each run of Han characters and letters on its own, so the runs can be cached: unit
    # names, item labels and phrases recur across thousands of entries.
    return " ".join(filter(None, map(_segment_run, jieba.re_han_default.split(text))))


@lru_cache(maxsize=50_000)
def _segment_run(run: str) -> str:
    return " ".join(_words(jieba.cut_for_search(run)))


def resource_words(resource: Resource, items: Iterable[DataItem]) -> str:
    """The segmented words of an entry's code, name, description, unit and data items."""
    parts = [resource.code, resource.name, resource.description, resource.producer.name]
    parts += [f"{item.label} {item.name} {item.description}" for item in items]
    return segment(" ".join(parts))


def resource_index(resource: Resource) -> None:
    """Store the segmented words of an entry's name, description, unit and data items."""
    resource.search_text = resource_words(resource, resource.items.all())
    Resource.objects.filter(pk=resource.pk).update(search_text=resource.search_text)


@dataclass(frozen=True)
class Term:
    """One word of a query, and the dictionary words inside it that stand for it together."""

    word: str
    parts: tuple[str, ...] = ()

    def contained_in(self, field: str) -> Q:
        """The word as a substring test on ``field`` (the SQLite fallback, and the name boost)."""
        match = Q(**{f"{field}__icontains": self.word})
        if self.parts:
            match |= Q(*(Q(**{f"{field}__icontains": part}) for part in self.parts))
        return match


def query_terms(query: str) -> list[Term]:
    """The words of a query, each at most once: 企业登记 信息 → 企业, 登记, 信息."""
    terms: dict[str, Term] = {}
    for word in _words(jieba.cut(query)):
        if word not in STOP_WORDS and word not in terms:
            terms[word] = Term(word, _finest_parts(word))
    return list(terms.values())


def _finest_parts(word: str) -> tuple[str, ...]:
    """The dictionary words inside ``word`` that hold no smaller one and together spell all of it:
    出生证明 → 出生, 证明 (not 出生证), so that it matches 出生医学证明. None when they leave a character
    out: 身份证 is not 身份."""
    parts = {part for part in _words(jieba.cut_for_search(word)) if part != word}
    finest = {p for p in parts if not any(q != p and q in p for q in parts)}
    for candidate in (finest, parts):
        if candidate and _covers(candidate, word):
            return tuple(sorted(candidate))
    return ()


def _covers(parts: Iterable[str], word: str) -> bool:
    covered: set[int] = set()
    for part in parts:
        start = word.find(part)
        while start != -1:
            covered.update(range(start, start + len(part)))
            start = word.find(part, start + 1)
    return len(covered) == len(word)


def terms_q(field: str, terms: Iterable[Term]) -> Q:
    """Every term appears in ``field``."""
    return Q(*(term.contained_in(field) for term in terms))


def terms_tsquery(terms: Iterable[Term]) -> SearchQuery | CombinedSearchQuery | None:
    """The terms as one tsquery: 企业 & 登记 & (出生证明 | 出生 & 证明) …"""
    query = None
    for term in terms:
        match = SearchQuery(term.word, config="simple")
        if term.parts:
            match |= SearchQuery(" ".join(term.parts), config="simple")
        query = match if query is None else query & match
    return query


class SearchTextVector(Func):
    """``to_tsvector('simple', search_text)``, spelled exactly as migration 0002 indexes it.

    Django's own SearchVector wraps the column in COALESCE, which the index would not serve.
    """

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()

    def __init__(self) -> None:
        super().__init__("search_text")


# A search shows at most this many entries, ten pages; past it, the answer says to narrow the search.
RESULT_CAP = 200


class CappedPaginator(Paginator):
    """Counts matches only up to ``COUNT_CAP``: counting every entry that says 信息 costs more than
    finding the best twenty, and nobody reads past the tenth page of a search."""

    COUNT_CAP = RESULT_CAP
    object_list: QuerySet[Resource]  # the search always pages a queryset

    @cached_property
    def matches(self) -> int:
        known = getattr(self.object_list, "matches_known", None)  # the search's window (selectors)
        if known is not None:
            return min(known, self.COUNT_CAP + 1)
        # No ordering and no rank in the count: ranking rows only to count them is wasted work.
        return self.object_list.order_by().values("pk")[: self.COUNT_CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.matches, self.COUNT_CAP)

    @property
    def count_capped(self) -> bool:
        return self.matches > self.COUNT_CAP
