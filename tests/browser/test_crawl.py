"""Every page, as every demo persona and the anonymous visitor, on the full demo (issue 15, item 1).

Each person logs in through the login page and follows same-origin links breadth first (``crawl.py``
says what it visits, what it checks and what it calls broken), first in Chinese, checking every link
found; then, in the same session with the language cookie set to English, opens again one page per URL
pattern of those the Chinese pass opened, to find Chinese written into templates and code. People of
the same kind (the government units' data administrators, the two reviewers) see the same templates
filled with other data, so in English a pattern one of them opened is not opened for the next, except
each one's own home page and notifications. A test fails with every finding of both passes, so one run
shows everything; each prints the number of pages it opened.

The demo is seeded once for the module and served by a live server of the module's own: pytest-django's
``live_server`` (or ``transactional_db``) would empty the database after each test. So the tests here
ask for no database fixture, which also makes pytest-django run them last, after the transactional
tests; the module empties the database when it is done, as those do.

``CRAWL_FINDINGS=<path>`` writes every crawl's findings so far to a Markdown file, grouped by template.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test.utils import override_settings, setup_databases, teardown_databases
from playwright.sync_api import Browser, BrowserContext
from pytest_django.live_server_helper import LiveServer

from dataplatform.core.calendar_import import calendar_seed_from_package
from dataplatform.core.demo.core import DEMO_PASSWORD, PEOPLE, UNITS
from dataplatform.core.models import CalendarDay, CalendarYear
from federation import node
from operations.management.commands.seed_demo import Command as SeedDemo

from . import crawl
from .conftest import login

ANONYMOUS = "anonymous"
PERSONAS = [ANONYMOUS] + [person.username for person in PEOPLE]
START = ["/", "/open/"]  # the home page (or the login page) and the public portal
ADMIN_PAGES = 6  # of Django's admin site, for the platform administrator only
RESULTS: list[crawl.CrawlResult] = []
ENGLISH_SEEN: dict[tuple, set[str]] = {}  # by kind of person: the URL patterns opened in English
EVERYONE: dict[str, dict[str, int]] = {}  # by language: what is the same for everyone, checked once
OWN_PAGES = {"/", "/notifications/"}  # each person's own work and messages: opened in English for everyone


def kind_of(persona: str) -> tuple:
    """People who see the same templates: the same roles at the same kind of unit (or none)."""
    person = next((person for person in PEOPLE if person.username == persona), None)
    if person is None:
        return (persona,)
    unit_kinds = {name: kind for name, kind, *_ in UNITS}
    return (*sorted(person.roles), unit_kinds.get(person.unit or "", "no unit"))


class Site:
    """The seeded demo behind its live server, and what the crawl needs to read its pages."""

    def __init__(self, server: LiveServer, folder: Path) -> None:
        self.server = server
        key_file = folder / "node-ed25519.pem"
        node.generate_key_file(key_file)
        self.overrides = override_settings(
            MEDIA_ROOT=folder / "media",
            AUDIT_CHECKPOINT_DIR=folder / "audit-checkpoints",
            AUDIT_ARCHIVE_DIR=folder / "audit-archives",
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CACHES={
                "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "crawl"}
            },
            # A federated node (the Quanzhou city node), so the demo seeds its peers and the federation's
            # pages are linked; its address is the live server's (started already), so its links work.
            NODE_ID="fj-350500",
            NODE_LEVEL="city",
            NODE_REGION="350500",
            NODE_NAME="泉州市公共数据汇聚共享平台",
            NODE_URL=server.url,
            NODE_KEY_FILE=str(key_file),
        )
        self.templates = crawl.TemplateLog()
        self.values: crawl.DataValues
        self.dictionary: set[str]

    @contextmanager
    def settings(self) -> Iterator[None]:
        """The settings the demo was seeded with: its uploads and audit checkpoints live in the module's
        folder, where each test's own ``settings`` fixtures would look elsewhere."""
        with self.overrides:
            yield


@contextmanager
def own_test_database(request, blocker) -> Iterator[None]:
    """The test database: pytest-django's, or, when no other test of the session asked for one (this
    module run alone), one of our own, so that the demo never lands in the real database."""
    if connection.settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX):
        yield
        return
    keep = bool(request.config.getvalue("reuse_db"))
    with blocker.unblock():
        created = setup_databases(verbosity=0, interactive=False, keepdb=keep)
    try:
        yield
    finally:
        if not keep:
            with blocker.unblock():
                teardown_databases(created, verbosity=0)


@pytest.fixture(scope="module")
def site(request, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Site]:
    from dataplatform.celery import app

    with own_test_database(request, django_db_blocker):
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        demo = Site(server, tmp_path_factory.mktemp("crawl"))
        eager = app.conf.task_always_eager, app.conf.task_eager_propagates
        app.conf.task_always_eager = app.conf.task_eager_propagates = True
        try:
            with django_db_blocker.unblock(), demo.settings():
                if not CalendarYear.objects.exists():  # a transactional test before this one emptied it
                    calendar_seed_from_package(day_model=CalendarDay, year_model=CalendarYear)
                began = time.monotonic()
                SeedDemo().seed()
                print(f"\nThe demo is seeded in {time.monotonic() - began:.0f} s.")
                # The node's name is data too, configured rather than stored (the federation's pages show it).
                demo.values = crawl.DataValues([*crawl.data_values(), settings.NODE_NAME])
                demo.dictionary = crawl.interface_words()
            demo.templates.connect()
            yield demo
        finally:
            demo.templates.disconnect()
            server._live_server_modified_settings.disable()
            server.stop()
            app.conf.task_always_eager, app.conf.task_eager_propagates = eager
            with django_db_blocker.unblock():
                call_command("flush", interactive=False, verbosity=0)


@contextmanager
def browsing(browser: Browser, site: Site, language: str, session: Any = None) -> Iterator[BrowserContext]:
    """A browser in ``language``, with the cookies of ``session`` (a storage state) if given."""
    english = language == "en"
    context = browser.new_context(
        locale="en-US" if english else "zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1366, "height": 768},
        storage_state=session,
    )
    context.set_default_timeout(30_000)
    if english:
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": site.server.url}])
    try:
        yield context
    finally:
        context.close()


def crawl_as(
    site: Site, context: BrowserContext, persona: str, language: str, **options
) -> crawl.CrawlResult:
    start = options.pop("start", START)
    follow = options.pop("follow", True)
    crawler = crawl.Crawler(
        context,
        site.server.url,
        persona=persona,
        language=language,
        values=site.values,
        dictionary=site.dictionary,
        admin_pages=ADMIN_PAGES if persona == "admin" else 0,
        signed_in=persona != ANONYMOUS,
        templates=site.templates.by_url,
        everyone=EVERYONE.setdefault(language, {}),
        **options,
    )
    result = crawler.run(start, follow=follow)
    RESULTS.append(result)
    print(
        f"\n{persona} ({language}): {result.pages} pages visited, {result.checked} addresses checked, {result.seconds:.0f} s"
    )
    if path := os.environ.get("CRAWL_FINDINGS"):
        crawl.write_report(path, RESULTS)
    return result


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_works_and_speaks_the_persons_language(persona, site, browser, django_db_blocker):
    with django_db_blocker.unblock(), site.settings():
        with browsing(browser, site, "zh-hans") as context:
            if persona != ANONYMOUS:
                page = context.new_page()
                login(page, site.server, persona, DEMO_PASSWORD)
                page.close()
            chinese = crawl_as(site, context, persona, "zh-hans", per_route=2)
            session = context.storage_state()
        # The same session, now in English: the language cookie is what the switch would set.
        with browsing(browser, site, "en", session) as context:
            seen = ENGLISH_SEEN.setdefault(kind_of(persona), set())
            english = crawl_as(
                site,
                context,
                persona,
                "en",
                start=chinese.visited,
                follow=False,
                per_route=1,
                check_links=False,
                covered=seen,
            )
            seen -= OWN_PAGES

    assert chinese.pages > 1, "the crawl found no page beyond the first"
    failed = [result for result in (chinese, english) if result.findings]
    if failed:
        pytest.fail("\n\n".join(crawl.persona_report(result) for result in failed), pytrace=False)


# --- what the crawl calls untranslated -----------------------------------------------------------------

DICTIONARY = {"back", "to", "the", "queue", "overdue", "open", "proposed", "search"}


def test_english_words_and_raw_codes_in_chinese_text_are_found():
    assert crawl.english_in("待办 Back to the queue", DICTIONARY) == ["Back to the queue"]
    assert crawl.english_in("服务方式：interface, bulk_exchange", DICTIONARY) == ["bulk_exchange"]
    assert crawl.english_in("动作 application.overdue", DICTIONARY) == ["application.overdue"]
    assert crawl.english_in("状态：Overdue", DICTIONARY) == ["Overdue"]
    assert crawl.english_in("proposed → open", DICTIONARY) == ["proposed", "open"]


def test_formats_clauses_addresses_and_names_are_not_english():
    assert crawl.english_in("下载 CSV / XLSX / JSON-LD 文件，见 DCAT-AP 3", DICTIONARY) == []
    assert crawl.english_in("依据 Q3.1 和 G40，文件 report.xlsx", DICTIONARY) == []
    assert (
        crawl.english_in("联系 admin@demo.gov.cn 或 https://example.cn/open/ 或 /api/v1/docs/", DICTIONARY)
        == []
    )
    assert crawl.english_in("Swagger 与 Jinjiang", DICTIONARY) == []  # no word of the interface


def test_chinese_in_english_text_is_found_once_per_text():
    assert crawl.chinese_in("Status: 已逾期 since 待办") == ["Status: 已逾期 since 待办"]
    assert crawl.chinese_in("Masked names: 李** and 欧*** only") == []
    assert crawl.chinese_in("Nothing here") == []


def test_data_values_are_masked_longest_first_and_as_whole_words():
    values = crawl.DataValues(["泉州市", "泉州市公安局", "open", "是"])

    assert crawl.chinese_in(values.mask("Unit: 泉州市公安局")) == []
    assert values.mask("泉州市公安局 and 泉州市") == f"{crawl.MASK} and {crawl.MASK}"
    assert values.mask("opened, open") == f"opened, {crawl.MASK}"
    assert crawl.chinese_in(values.mask("Answer: 是否")) == ["Answer: …否"]
