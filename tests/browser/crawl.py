"""The crawl behind ``test_crawl.py``: a person's browser follows every same-origin link breadth first and
notes whatever a person would call broken (issue 15, item 1). It only reads: links and GET, never the
log-out or the language switch (forms), never a form.

What counts as broken, per page: a 5xx; a link on it that answers 4xx, or sends a logged-in person back to
the login page (every link found is checked, those not opened by a plain GET); a console error or an
uncaught exception; a sub-resource (the icon too) that fails or answers >= 400; a page whose ``<html
lang>`` is not the language asked for; in the Chinese interface, English a person would have to read (a
run of English words, a word of the interface's English, a raw code such as ``company_name`` or
``application.overdue``); in the English interface, any Chinese character. Text that is not the
interface's own is left out: the database's data values, e-mail addresses, URLs and paths, ``<code>``,
``<pre>``, ``[translate=no]``, text marked with another ``lang`` (a language's own name in the switch),
Swagger UI's own drawing (it has no Chinese), and a short list of acronyms, formats and names.

Runtime stays bounded: at most ``per_route`` pages are opened per URL pattern (the route plus the sorted
query keys; one for a filter or a sort), of the links differing only in their query values a few are
checked, what is the same for everyone (the portal's files, the API schema and docs) is checked once for
all crawls, and of the admin site only a handful of pages are opened, for the platform administrator.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from django.urls import Resolver404, resolve
from playwright.sync_api import BrowserContext, Error, Page, Response

# --- what a page's interface says ----------------------------------------------------------------------

# Every text node and every label-like attribute, except where the text is not the interface's own.
PAGE_TEXT = """
() => {
  // .swagger-ui: the API reference Swagger UI draws, a developer's tool with no Chinese of its own.
  const SKIP = "script,style,noscript,template,code,pre,kbd,samp,textarea,[translate=no],.swagger-ui";
  const docLang = (document.documentElement.getAttribute("lang") || "").toLowerCase();
  const foreign = (el) => {
    const marked = el.closest("[lang]");
    return marked !== null && marked !== document.documentElement
      && (marked.getAttribute("lang") || "").toLowerCase() !== docLang;
  };
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    const el = node.parentElement;
    if (text && el && !el.closest(SKIP) && !foreign(el)) out.push(text);
  }
  const labelled = "[placeholder],[title],[aria-label],img[alt],input[type=submit][value],input[type=button][value]";
  for (const el of document.querySelectorAll(labelled)) {
    if (el.closest(SKIP) || foreign(el)) continue;
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      const value = (el.getAttribute(name) || "").trim();
      if (value) out.push(value);
    }
    if (el.matches("input[type=submit],input[type=button]") && el.value.trim()) out.push(el.value.trim());
  }
  return out;
}
"""

LINKS = """
() => Array.from(document.querySelectorAll("a[href]"), (a) => [a.getAttribute("href"), a.hasAttribute("download")])
"""

# Formats, standards, protocols and product names: the same in every language.
ALLOWED_WORDS = {
    word.lower()
    for word in """
    API APIs CSV XLSX XLS JSON JSONL JSON-LD LD DCAT AP CKAN SQL PostgreSQL MySQL MariaDB HTTP HTTPS URL URLs
    URI ID IDs UTF RDF TTL Turtle XML YAML PDF ZIP PNG JPEG SVG OpenAPI Swagger UI REST Solr Hydra SHACL ECharts
    Bootstrap Django Redis Celery Bearer GB SM SHA HMAC SSL TLS IP OK CC BY SA CC0 PDDL ODbL OGL KB MB TB ISO
    QPS Excel WPS Unicode SMTP Quanzhou Jinjiang X-Road
    """.split()  # noqa: SIM905 - a list of words reads better as words
}
FILE_EXTENSIONS = {
    "csv",
    "xlsx",
    "xls",
    "json",
    "jsonld",
    "ttl",
    "rdf",
    "xml",
    "pdf",
    "zip",
    "txt",
    "png",
    "docx",
}

URL_OR_MAIL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail
    r"|\b(?:https?|ftp|postgres(?:ql)?|mysql|redis)://\S+"  # URL
    r"|(?<![\w/])/(?:[\w.~%-]+/)+[\w.~%?=&-]*"  # a path: /api/v1/docs/
    r"|\b(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:com|cn|org|net|gov|local|edu)\b"  # a host name
)
CODE = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9]+)+(?![\w])")
WORD = r"[A-Za-z]+(?:['’][A-Za-z]+)?"
RUN = re.compile(rf"{WORD}(?:[ \t,;:/&()\-–—]+{WORD})*")
CJK = re.compile(
    r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)
# A value shown de-identified (opening/deidentify): a name masked to 李**, an address cut short.
DEIDENTIFIED = re.compile(r"[\u4e00-\u9fff]+\*+[\u4e00-\u9fff*]*|\*+[\u4e00-\u9fff]+")
LETTER = re.compile("[A-Za-z]")
MASK = "\u2063"  # what a data value is replaced by: no letter, no CJK, and it breaks a run of words


def english_in(text: str, dictionary: set[str]) -> list[str]:
    """The English (and raw codes) left in a Chinese page's text, data values already masked."""
    text = URL_OR_MAIL.sub(MASK, text)
    found = []
    for match in CODE.finditer(text):
        code = match.group()
        if code.rsplit(".", 1)[-1].lower() in FILE_EXTENSIONS or code.lower() in ALLOWED_WORDS:
            continue
        if not re.search("[a-z]", code) and re.search(r"\d", code):  # a clause (Q3.1, G40), a number
            continue
        found.append(code)
    text = CODE.sub(MASK, text)
    for match in RUN.finditer(text):
        words = [word for word in re.findall(WORD, match.group()) if word.lower() not in ALLOWED_WORDS]
        known = [word for word in words if word.lower() in dictionary]
        if (len(words) >= 2 and known) or any(len(word) >= 4 for word in known):
            found.append(match.group().strip(" ,;:/&()-–—"))
    return found


def chinese_in(text: str) -> list[str]:
    """The Chinese left in an English page's text, data values already masked: the text around the
    first Chinese, once per text."""
    text = DEIDENTIFIED.sub(MASK, text)
    match = CJK.search(text)
    if match is None:
        return []
    start = max(0, match.start() - 20)
    return [text[start : start + 80].replace(MASK, "…").strip()]


class DataValues:
    """The database's own strings (unit, person, resource and item names, records…), masked out of a page's
    text before it is read: they are what the people entered, not the interface.

    Matching is leftmost-longest over an index by each value's first 1, 2, 4 or 8 characters (many values
    share a prefix: the region's ID numbers all start with 3505)."""

    KEYS = (1, 2, 4, 8)

    @classmethod
    def key_length(cls, value: str) -> int:
        return max(k for k in cls.KEYS if k <= len(value))

    def __init__(self, values: Iterable[str]) -> None:
        self.index: dict[str, list[str]] = defaultdict(list)
        for value in set(values):
            value = value.strip()
            if value and (len(value) >= 2 or CJK.fullmatch(value)):
                self.index[value[: self.key_length(value)]].append(value)
        for bucket in self.index.values():
            bucket.sort(key=len, reverse=True)
        self.keys = sorted(self.KEYS, reverse=True)

    def mask(self, text: str) -> str:
        out, i, n = [], 0, len(text)
        lookups = [k for k in self.keys if k <= n]
        while i < n:
            hit = None
            for k in lookups:  # longer keys first: their values are the longer ones
                hit = next((v for v in self.index.get(text[i : i + k], ()) if text.startswith(v, i)), None)
                if hit is not None:
                    break
            if hit is not None and (not hit.isascii() or _word_bounded(text, i, i + len(hit))):
                out.append(MASK)
                i += len(hit)
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


def _word_bounded(text: str, start: int, end: int) -> bool:
    """An ASCII value counts only as a whole word: "open" in "opened" is not a data value."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


# --- the crawl -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    kind: str  # server error, broken link, console error, failed resource, English, Chinese
    url: str  # the page it was seen on (for a broken link: the page carrying the link)
    detail: str
    route: str = ""
    template: str = ""


@dataclass
class CrawlResult:
    persona: str
    language: str
    pages: int = 0
    checked: int = 0
    sampled: int = 0  # links not checked: more query variants of a link already checked
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)


NEVER = re.compile(r"^/(?:accounts/logout|i18n/|admin/logout)")
# Files and machine answers: checked by their status, not opened in the browser.
NOT_A_PAGE = re.compile(
    r"^/(?:api/|static/|media/|healthz|readyz|metrics|favicon)|\.(?:csv|xlsx|xls|json|jsonld|ttl|rdf|xml|pdf|zip|txt)$"
    r"|/(?:download|export|attachments?|file)(?:/|\.|$)|/attachments/\d+/$|/documents/\d+/$|/copies/\d+/file/$"
)
ADMIN_SAMPLE = re.compile(r"^/admin/(?:$|(?:core|catalog|sharing|opening|correction|governance|audit)/)")
LOGIN = "/accounts/login/"
ICON = """() => (document.querySelector("link[rel~=icon]") || {}).href || location.origin + "/favicon.ico" """
# The same for every person, logged in or not: the portal's files and linked data, the API's schema and
# its Swagger UI. Checked (or opened) once for all the crawls sharing ``everyone``.
SAME_FOR_EVERYONE = re.compile(
    r"^/open/(?:datasets/[\w-]+(?:/download)?\.\w+|catalog(?:\.\w+)?|organizations/\w+\.\w+)$|^/api/v1/(?:schema|docs)/$"
)
BROWSER_PAGES = re.compile(r"^/api/v1/docs/$")  # an /api/ page a person opens: Swagger UI


def route_of(path: str, query: str) -> str:
    try:
        route = "/" + resolve(path).route
    except Resolver404:
        route = path
    keys = query_keys(query)
    return route + (f"?{keys}" if keys else "")


def query_keys(query: str) -> str:
    return "&".join(sorted({key for key, _ in parse_qsl(query, keep_blank_values=True)}))


class Crawler:
    """One person's breadth-first crawl in one language, through an already logged-in browser context."""

    def __init__(
        self,
        context: BrowserContext,
        base_url: str,
        *,
        persona: str,
        language: str,
        values: DataValues,
        dictionary: set[str],
        per_route: int = 2,
        query_variants: int = 2,
        check_links: bool = True,
        admin_pages: int = 0,
        signed_in: bool = True,
        covered: set[str] | None = None,
        everyone: dict[str, int] | None = None,
        templates: dict[str, str] | None = None,
    ) -> None:
        # Routes another crawl opened already (shared with it): this one does not open them again.
        self.covered = covered
        self.everyone = everyone if everyone is not None else {}
        self.follow = True
        self.signed_in = signed_in
        self.context, self.base = context, base_url.rstrip("/")
        self.values, self.dictionary = values, dictionary
        self.per_route, self.query_variants, self.check_links = per_route, query_variants, check_links
        self.admin_pages = admin_pages
        self.variants: dict[str, int] = defaultdict(int)
        self.templates = templates if templates is not None else {}
        self.result = CrawlResult(persona=persona, language=language)
        self.visits: dict[str, int] = defaultdict(int)
        self.seen: set[str] = set()
        self.queue: deque[tuple[str, str]] = deque()  # (url, referrer)
        self.status: dict[str, int] = {}
        self.page_findings: list[Finding] = []
        self.inflight: set[object] = set()
        self.icons: set[str] = set()

    # -- bookkeeping --

    def note(self, kind: str, url: str, detail: str) -> None:
        split = urlsplit(url)
        where = split.path + (f"?{split.query}" if split.query else "")
        route = route_of(split.path, split.query)
        finding = Finding(kind, where, detail, route, self.templates.get(where, ""))
        if finding not in self.result.findings:
            self.result.findings.append(finding)

    def local(self, href: str, page_url: str) -> str | None:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            return None
        url, _ = urldefrag(urljoin(page_url, href))
        if not url.startswith(self.base + "/") and url != self.base:
            return None
        path = urlsplit(url).path
        return None if NEVER.match(path) else url

    # -- the walk --

    def run(self, start: Iterable[str], *, follow: bool = True) -> CrawlResult:
        """Visit ``start`` (paths) and, with ``follow``, every link found on the way."""
        began = time.monotonic()
        self.follow = follow
        page = self.context.new_page()
        self.watch(page)
        for path in start:
            self.offer(self.base + path, "")
        while self.queue:
            url, referrer = self.queue.popleft()
            self.visit(page, url, referrer)
        page.close()
        self.result.seconds = time.monotonic() - began
        self.result.checked = len(self.status)
        return self.result

    def offer(self, url: str, referrer: str) -> None:
        """A link found on ``referrer``: visit it if its route still has room, else check its status.

        Every link is checked once, except that of the links differing from each other in their query
        values only (sort orders, periods, pages) ``query_variants`` are, beyond those visited."""
        if url in self.seen:
            return
        self.seen.add(url)
        split = urlsplit(url)
        route = route_of(split.path, split.query)
        if split.path.startswith("/admin/"):
            # The admin site is Django's: a handful of its pages (of the platform's own models) are enough.
            if self.admin_pages <= 0 or self.visits[route] or not ADMIN_SAMPLE.match(split.path):
                return
            self.admin_pages -= 1
        elif NOT_A_PAGE.search(split.path) and not BROWSER_PAGES.match(split.path):
            if self.check_links:
                self.check(url, referrer)
            return
        if self.covered is not None and route in self.covered:
            return  # opened by another crawl sharing ``covered``
        if SAME_FOR_EVERYONE.match(split.path):
            if f"page {route}" in self.everyone:
                return
            self.everyone[f"page {route}"] = 0
        # A filter or a sort (a route's query keys) is the same page again: one visit, the rest checked.
        if self.visits[route] < (1 if split.query else self.per_route):
            self.visits[route] += 1
            self.queue.append((url, referrer))
        elif self.check_links:
            variant = split.path + "?" + query_keys(split.query)
            if split.query and self.variants[variant] >= self.query_variants:
                self.result.sampled += 1
                return
            self.variants[variant] += 1
            self.check(url, referrer)

    def check(self, url: str, referrer: str) -> None:
        public = SAME_FOR_EVERYONE.match(urlsplit(url).path) is not None
        if public and url in self.everyone:
            self.status[url] = self.everyone[url]
            return  # checked (and any failure noted) by an earlier crawl
        response = self.context.request.get(url, max_redirects=5, fail_on_status_code=False)
        self.status[url] = response.status
        response.dispose()
        if public:
            self.everyone[url] = response.status
        self.judge_link(url, self.status[url], referrer)

    def judge_link(self, url: str, status: int, referrer: str) -> None:
        target = _short(url, self.base)
        if status >= 500:
            self.note(
                "server error",
                url,
                f"{target} answers {status}"
                + (f", linked from {_short(referrer, self.base)}" if referrer else ""),
            )
        elif status >= 400 and referrer:
            self.note("broken link", referrer, f"links to {target}, which answers {status}")
        elif status >= 400:
            self.note("broken link", url, f"{target} (where the crawl starts) answers {status}")

    def watch(self, page: Page) -> None:
        def console(message) -> None:
            # A sub-resource's failure is reported with its address by ``response`` and ``failed``.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                self.page_findings.append(Finding("console error", "", message.text[:300]))

        def response(response: Response) -> None:
            self.inflight.discard(response.request)
            if response.request.resource_type != "document" and response.status >= 400:
                self.page_findings.append(
                    Finding("failed resource", "", f"{response.status} {_short(response.url, self.base)}")
                )

        def failed(request) -> None:
            self.inflight.discard(request)
            # ERR_ABORTED: the browser gave up on it, leaving the page (or after a 4xx noted already).
            if request.resource_type != "document" and "ERR_ABORTED" not in (request.failure or ""):
                self.page_findings.append(
                    Finding("failed resource", "", f"{request.failure} {_short(request.url, self.base)}")
                )

        page.on("console", console)
        page.on(
            "pageerror",
            lambda error: self.page_findings.append(Finding("console error", "", str(error)[:300])),
        )
        page.on("request", lambda request: self.inflight.add(request))
        page.on("response", response)
        page.on("requestfailed", failed)
        page.on("requestfinished", lambda request: self.inflight.discard(request))

    def visit(self, page: Page, url: str, referrer: str) -> None:
        self.page_findings, self.inflight = [], set()
        try:
            answer = page.goto(url, wait_until="load")
        except Error as error:
            if "Download is starting" in str(error) or "ERR_ABORTED" in str(error):
                self.check(url, referrer)  # a file after all
                return
            self.note("server error", url, f"the browser could not open it: {str(error).splitlines()[0]}")
            return
        status = answer.status if answer else 0
        self.status[url] = status
        self.judge_link(url, status, referrer)
        if status >= 400 or answer is None or "html" not in (answer.headers.get("content-type") or ""):
            return
        if self.signed_in and urlsplit(page.url).path == LOGIN and referrer:
            self.note(
                "broken link", referrer, f"links to {_short(url, self.base)}, which asks to log in again"
            )
            return
        self.settle(page)
        self.result.pages += 1
        self.result.visited.append(_short(page.url, self.base))
        if self.covered is not None:
            self.covered.add(route_of(urlsplit(url).path, urlsplit(url).query))
        for finding in self.page_findings:
            self.note(finding.kind, page.url, finding.detail)
        self.read(page)
        self.check_icon(page)
        for href, download in page.evaluate(LINKS) if self.follow else ():
            if (link := self.local(href, page.url)) is not None:
                if download and link not in self.seen:
                    self.seen.add(link)
                    self.check(link, page.url)
                else:
                    self.offer(link, page.url)

    def check_icon(self, page: Page) -> None:
        """The browser fetches the page's icon, but not where the page's events see it."""
        icon = page.evaluate(ICON)
        if icon in self.icons:
            return
        self.icons.add(icon)
        answer = self.context.request.get(icon, fail_on_status_code=False)
        if answer.status >= 400:
            self.note("failed resource", page.url, f"{answer.status} {_short(icon, self.base)} (the icon)")
        answer.dispose()

    def settle(self, page: Page) -> None:
        """Wait (briefly) for the page's own fetches, so their failures and errors count for it."""
        deadline = time.monotonic() + 10
        while self.inflight and time.monotonic() < deadline:
            page.wait_for_timeout(50)

    def read(self, page: Page) -> None:
        english = self.result.language == "en"
        lang = page.evaluate("document.documentElement.lang") or ""
        if lang and lang.lower() != self.result.language:  # a page in another language than asked for
            self.note(
                "English in Chinese" if not english else "Chinese in English",
                page.url,
                f"<html lang={lang!r}>",
            )
        for text in page.evaluate(PAGE_TEXT):
            if english and CJK.search(text):
                for found in chinese_in(self.values.mask(text)):
                    self.note("Chinese in English", page.url, found)
            elif not english and LETTER.search(text):
                for found in english_in(self.values.mask(text), self.dictionary):
                    self.note("English in Chinese", page.url, found)


def _short(url: str, base: str) -> str:
    return url[len(base) :] if url.startswith(base) else url


# --- the report ----------------------------------------------------------------------------------------

KINDS = [
    "server error",
    "broken link",
    "console error",
    "failed resource",
    "English in Chinese",
    "Chinese in English",
]


def report(results: Iterable[CrawlResult]) -> str:
    """Every finding, by kind, then template (or URL pattern where no template answered), with who saw
    it where."""
    results = list(results)
    lines = [
        "# Crawl findings",
        "",
        "| persona | language | pages visited | links checked | query variants not checked | seconds | findings |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        lines.append(
            f"| {result.persona} | {result.language} | {result.pages} | {result.checked} | {result.sampled} "
            f"| {result.seconds:.0f} | {len(result.findings)} |"
        )
    for kind in KINDS:
        grouped: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        routes: dict[str, set[str]] = defaultdict(set)
        for result in results:
            for finding in result.findings:
                if finding.kind == kind:
                    where = finding.template or finding.route
                    routes[where].add(finding.route)
                    grouped[where][finding.detail].add(f"{result.persona}/{result.language} {finding.url}")
        if not grouped:
            continue
        lines += ["", f"## {kind}"]
        for where in sorted(grouped):
            lines += ["", f"### {where} — {', '.join(sorted(routes[where]))}"]
            for detail in sorted(grouped[where]):
                seen = sorted(grouped[where][detail])
                more = f" (+{len(seen) - 2} more)" if len(seen) > 2 else ""
                lines.append(f"- `{detail}` — {', '.join(seen[:2])}{more}")
    if unvisited := unvisited_routes(results):
        lines += ["", "## Pages no crawl opened (no link reaches them, or only a form does)", ""]
        lines += [f"- `{route}`" for route in unvisited]
    return "\n".join(lines) + "\n"


def unvisited_routes(results: list[CrawlResult]) -> list[str]:
    """The routes of the site's pages (not the admin site, the API or files) that no crawl opened."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix: str) -> Iterable[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern).lstrip("^"))
            elif isinstance(pattern, URLPattern):
                yield "/" + prefix + str(pattern.pattern).lstrip("^")  # as ResolverMatch.route has it

    opened = {route_of(urlsplit(url).path, "") for result in results for url in result.visited}
    return sorted(
        route
        for route in set(walk(get_resolver().url_patterns, ""))
        if route not in opened
        and not (NEVER.match(route) or NOT_A_PAGE.search(route) or route.startswith("/admin/"))
        and "\\." not in route  # a file's address: a regular expression with an extension
    )


def persona_report(result: CrawlResult) -> str:
    lines = [f"{result.persona} ({result.language}): {len(result.findings)} findings on {result.pages} pages"]
    for finding in sorted(result.findings, key=lambda f: (KINDS.index(f.kind), f.route, f.url)):
        lines.append(f"  [{finding.kind}] {finding.url} ({finding.route}): {finding.detail}")
    return "\n".join(lines)


def write_report(path: str | Path, results: Iterable[CrawlResult]) -> None:
    Path(path).write_text(report(results), encoding="utf-8")


# --- what is data and what is interface ----------------------------------------------------------------

# Fields whose values are codes or the platform's own text, never a person's data: a page showing them
# raw is a finding, so they are not masked. (Fields with choices are codes too, and left out anyway.)
NOT_DATA = {
    "core.User": {"password"},
    "core.ApiKey": {"prefix", "hashed_key"},
    "core.Notification": {"title", "message", "body", "url"},
    "core.Heartbeat": {"name"},
    "audit.AuditEvent": {"action", "outcome", "object_type", "object_id", "data_items", "prev_hash", "hash"},
    "audit.AuditChain": {"head_hash"},
    "audit.AuditCheckpoint": {"hash"},
    "audit.AuditArchive": {"sha256", "previous_sha256", "heads"},
    "catalog.Resource": {"service_methods"},
    "catalog.DataItem": {"name"},
    "catalog.ResourceStatusChange": {"action"},
    "catalog.AggregationBatch": {"errors", "message"},
    "catalog.SourceConflict": {"item_name"},
    "sharing.PushTask": {"password_encrypted"},
    "sharing.PushRun": {"error"},
    "sharing.ApplicationLine": {"items"},
    "sharing.ApplicationStep": {"action"},
    "sharing.Grant": {"items"},
    "sharing.GrantEvent": {"action"},
    "sharing.VerificationRule": {"inputs", "checks"},
    "opening.OpenEntryChange": {"action"},
    "opening.ItemRule": {"item_name"},
    "opening.OpenApplicationChange": {"action"},
    "correction.CorrectionTicket": {"items"},
    "correction.TicketStep": {"action"},
    "governance.Step": {"action", "from_status", "to_status"},
    "federation.BackflowRequest": {"transfer_phase"},
    "federation.BackflowStep": {"action"},
}
PROJECT_APPS = {
    "core",
    "audit",
    "catalog",
    "sharing",
    "opening",
    "correction",
    "governance",
    "supervision",
    "federation",
}


def data_values() -> list[str]:
    """Every string the database holds as data (see ``NOT_DATA``), JSON values included."""
    from django.apps import apps
    from django.db import models

    from opening.deidentify import generalise_address

    values: list[str] = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        skip = NOT_DATA.get(model._meta.label, set())
        for fld in model._meta.concrete_fields:
            if (
                fld.name in skip
                or fld.choices
                or not isinstance(fld, models.CharField | models.TextField | models.JSONField)
            ):
                continue
            for value in (
                model._default_manager.exclude(**{f"{fld.name}__isnull": True})
                .values_list(fld.name, flat=True)
                .distinct()
            ):
                values.extend(_strings(value))
    values += [
        # Labels the pages show of the audit's detail: a person's or unit's name as written then.
        text
        for detail in apps.get_model("audit", "AuditEvent").objects.values_list("detail", flat=True)
        for text in _strings(detail)
        if CJK.search(text)
    ]
    # Records live in a table per resource (catalog.records), not in a model.
    from catalog.models import Resource
    from catalog.records import iter_records

    for resource_id in Resource.objects.values_list("pk", flat=True):
        for record in iter_records(resource_id=resource_id):
            values.extend(value for value in record.data.values() if isinstance(value, str))
    # Records as the open-data portal shows them: addresses generalised (names masked are DEIDENTIFIED).
    values += [generalise_address(value) for value in values if CJK.search(value)]
    return values


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
        # A long text shows as its lines and paragraphs too (linebreaks, truncation).
        if "\n" in value:
            yield from (line for line in value.splitlines() if line.strip())
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def interface_words() -> set[str]:
    """The English words the platform's interface is made of: every msgid of the project's catalogue and
    of Django's, and every code the models store (a choice, an audit action). A lone word counts as
    untranslated English only if it is one of these (so names and pinyin do not)."""
    import django
    from django.apps import apps
    from django.conf import settings

    words: set[str] = set()
    catalogues = [Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po"]
    catalogues.append(Path(django.__file__).parent / "conf/locale/zh_Hans/LC_MESSAGES/django.po")
    catalogues += Path(django.__file__).parent.glob("contrib/*/locale/zh_Hans/LC_MESSAGES/django.po")
    for catalogue in catalogues:
        msgid = False
        for line in catalogue.read_text(encoding="utf-8").splitlines():
            if line.startswith(("msgid ", "msgid_plural ")):
                msgid = True
            elif line.startswith("msgstr"):
                msgid = False
            if msgid:
                words.update(
                    word.lower() for word in re.findall(r"[A-Za-z]+", line.partition(" ")[2] or line)
                )
    for model in apps.get_models():
        for fld in model._meta.concrete_fields:
            for code, _label in fld.flatchoices or ():
                words.update(part.lower() for part in re.findall(r"[A-Za-z]+", str(code)))
    words.discard("msgid")
    return words - ALLOWED_WORDS


class TemplateLog:
    """Which template each page was rendered from, for the report: the live server runs in this process,
    and the test environment's instrumented renderer announces every template it renders."""

    def __init__(self) -> None:
        self.by_url: dict[str, str] = {}
        self._current: dict[int, str] = {}

    def connect(self) -> None:
        from django.core.signals import request_started
        from django.test.signals import template_rendered

        request_started.connect(self._started, dispatch_uid="crawl-templates")
        template_rendered.connect(self._rendered, dispatch_uid="crawl-templates")

    def disconnect(self) -> None:
        from django.core.signals import request_started
        from django.test.signals import template_rendered

        request_started.disconnect(dispatch_uid="crawl-templates")
        template_rendered.disconnect(dispatch_uid="crawl-templates")

    def _started(self, sender, environ=None, **kwargs) -> None:
        import threading

        if environ is not None:
            query = environ.get("QUERY_STRING", "")
            self._current[threading.get_ident()] = environ.get("PATH_INFO", "") + (
                f"?{query}" if query else ""
            )

    def _rendered(self, sender, template=None, **kwargs) -> None:
        import threading

        url = self._current.pop(threading.get_ident(), None)  # the first template is the page's own
        if url is not None and template is not None and template.name:
            self.by_url.setdefault(url, template.name)
