"""Personas for the roles, shared by every test (STYLE rule 8), and the fixtures more than one app's
tests need. Plain factory functions are in ``tests/factories/``."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from tests import factories
from tests.factories.sharing import publish


@pytest.fixture
def city():
    return factories.region()


@pytest.fixture
def jinjiang():
    return factories.county()


@pytest.fixture
def authority(city):
    return factories.unit("泉州市大数据管理局", UnitKind.AUTHORITY, city)


@pytest.fixture
def county_authority(jinjiang):
    return factories.unit("晋江市数据管理局", UnitKind.AUTHORITY, jinjiang)


@pytest.fixture
def tech_service(city):
    return factories.unit("泉州市大数据服务中心", UnitKind.TECH_SERVICE, city)


@pytest.fixture
def producer_unit(city):
    return factories.unit("泉州市市场监督管理局", UnitKind.GOVERNMENT, city)


@pytest.fixture
def applicant_unit(city):
    return factories.unit("泉州市人力资源和社会保障局", UnitKind.GOVERNMENT, city)


@pytest.fixture
def producer(producer_unit):
    return factories.person(producer_unit, Role.DATA_ADMIN, username="producer")


@pytest.fixture
def applicant(applicant_unit):
    return factories.person(applicant_unit, Role.DATA_ADMIN, username="applicant")


@pytest.fixture
def reviewer(authority):
    return factories.person(authority, Role.REVIEWER, username="reviewer")


@pytest.fixture
def county_reviewer(county_authority):
    return factories.person(county_authority, Role.REVIEWER, username="county_reviewer")


@pytest.fixture
def evaluator(tech_service):
    return factories.person(tech_service, Role.EVALUATOR, username="evaluator")


@pytest.fixture
def platform_admin(tech_service):
    return factories.person(tech_service, Role.PLATFORM_ADMIN, username="platform_admin")


@pytest.fixture
def outsider(jinjiang):
    """Another unit's data administrator: sees its own unit's work, none of the others'."""
    unit = factories.unit("晋江市某局", UnitKind.GOVERNMENT, jinjiang)
    return factories.person(unit, Role.DATA_ADMIN, username="outsider")


@pytest.fixture
def unconditional(producer, reviewer):
    """A published, unconditionally shared entry (the sharing and hardening tests use it)."""
    return publish(producer, reviewer, code="U-1")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    """An API client logged in as a person: ``api_as(producer)``."""

    def login(user):
        api.force_authenticate(user)
        return api

    return login


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 is slow on purpose; tests hash many passwords and need none of that strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks run in the test's own process, as in the embedded demo. The worker tests turn this off
    to go through a real worker on Redis."""
    from dataplatform.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A test that switches the language, or a request's Accept-Language, leaves the next test Chinese."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def local_cache(settings):
    """A fresh in-process cache per test: counters (rate limits, crawler signs) start from zero and
    never meet the counters of another run in the shared Redis."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploads written by a test stay in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def audit_checkpoints_in_tmp(settings, tmp_path):
    """Chain heads written by a test's timers stay in its own folder, never beside the demo database."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit-archives"


@pytest.fixture(scope="session")
def app_role(django_db_setup, django_db_blocker):
    """The application's database role (``manage.py grant_app_role``) in the test database, PostgreSQL
    only. Roles belong to the whole cluster, which other test runs share: the name is this session's
    own, and the role is dropped at its end."""
    import io
    import uuid

    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    role = f"dp_app_test_{uuid.uuid4().hex[:12]}"
    with django_db_blocker.unblock():
        call_command("grant_app_role", role=role, stdout=io.StringIO())
    yield role
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')
