"""The production deployment: the Dockerfile, docker-compose.yml and the settings they run with.

Docker does not run in the test suite, so these tests read the two files and hold them to the code:
every service runs something that exists, every variable the stack sets is one the settings read,
and with a production environment the settings pass ``manage.py check --deploy`` without a warning.
"""

import importlib
import json
import os
import re
import secrets
import shlex
import string
import subprocess
import sys
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from django.conf import settings

import dataplatform

REPO = Path(__file__).resolve().parent.parent
APP_SERVICES = ["web", "worker", "beat"]
OWNER_SERVICES = ["migrate", "maintenance"]  # run as the owner of the tables (DATABASE_OWNER_URL)
PRODUCTION_VARIABLES = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}
# What the operator gives `docker compose` for the ${...:?...} it requires.
OPERATOR_VARIABLES = {
    "SECRET_KEY": "operator-secret",
    "ALLOWED_HOSTS": "data.example.gov.cn",
    "POSTGRES_PASSWORD": "operator-password",
    "POSTGRES_APP_PASSWORD": "operator-app-password",
    "METRICS_TOKEN": "operator-metrics-token",
}
# env("NAME", ...), env.str("NAME", ...), env.db("NAME", ...) and so on in the settings modules.
SETTINGS_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
COMPOSE_VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
TEMPLATE_STATIC = re.compile(r"""\{%\s*static\s+["']([^"']+)["']""")


@cache
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def service(name: str) -> dict:
    return compose()["services"][name]


@cache
def variables_the_settings_read() -> frozenset[str]:
    sources = (REPO / "dataplatform" / "settings").glob("*.py")
    return frozenset(name for path in sources for name in SETTINGS_READ.findall(path.read_text()))


def environment(name: str) -> dict[str, str]:
    """A service's environment as compose gives it, written either as a mapping or as a list."""
    env = service(name).get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def interpolate(value: str) -> str:
    """Substitute ${...} as `docker compose` does, with the operator's variables set."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        if name in OPERATOR_VARIABLES:
            return OPERATOR_VARIABLES[name]
        if operator in (":-", "-"):
            return argument
        pytest.fail(f"compose requires ${name}, which the operator is not expected to set")

    return COMPOSE_VARIABLE.sub(substitute, value)


def command(name: str) -> list[str]:
    value = service(name)["command"]
    return shlex.split(value) if isinstance(value, str) else list(value)


def production_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with none of the settings' own variables, plus ``overrides``."""
    env = {key: value for key, value in os.environ.items() if key not in variables_the_settings_read()}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for this process only
    env["DJANGO_SETTINGS_MODULE"] = "dataplatform.settings"
    env.update(overrides)
    return env


def random_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(60))


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


# --- docker-compose.yml ---------------------------------------------------------------------------


def test_compose_defines_the_web_worker_beat_db_and_redis_services():
    assert {"web", "worker", "beat", "db", "redis", *OWNER_SERVICES} <= set(compose()["services"])


def test_compose_migrates_then_grants_the_application_role_once_before_the_app_starts():
    shell, flag, script = command("migrate")
    assert (shell, flag) == ("sh", "-c")
    steps = [shlex.split(step) for step in script.split("&&")]
    assert steps == [
        ["python", "manage.py", "migrate", "--no-input"],
        ["python", "manage.py", "grant_app_role"],
    ]
    assert service("migrate")["restart"] == "no"
    for name in [*APP_SERVICES, "maintenance"]:
        assert service(name)["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_maintenance_runs_the_audit_partition_maintenance_daily():
    shell, flag, script = command("maintenance")
    assert (shell, flag) == ("sh", "-c")
    assert "python manage.py archive_audit;" in script and "sleep 86400" in script


def test_compose_web_serves_the_wsgi_application_with_gunicorn():
    shell, flag, script = command("web")
    assert (shell, flag) == ("sh", "-c")
    steps = [shlex.split(step) for step in script.split("&&")]
    assert not any("migrate" in step for step in steps)  # the migrate service's, as the owner
    last = [word for word in steps[-1] if "=" not in word or word.startswith("-")]  # VAR=value exec ...
    gunicorn = last[1:] if last[0] == "exec" else last
    assert gunicorn[0] == "gunicorn"
    assert "dataplatform.wsgi:application" in gunicorn
    assert callable(importlib.import_module("dataplatform.wsgi").application)


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_compose_worker_and_beat_run_the_celery_app_of_the_settings(name):
    celery, flag, module, role, *_ = command(name)
    assert [celery, flag, module, role] == ["celery", "-A", "dataplatform", name]

    app = find_app(module)  # the lookup `celery -A` does
    assert isinstance(app, Celery)
    assert app is dataplatform.celery_app
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_builds_web_worker_and_beat_from_the_dockerfile_of_the_repository(name):
    build = service(name)["build"]
    if isinstance(build, str):
        build = {"context": build}
    context = (REPO / build.get("context", ".")).resolve()
    assert context == REPO
    assert (context / build.get("dockerfile", "Dockerfile")).is_file()


def test_compose_web_worker_and_beat_run_one_image_with_one_environment():
    assert len({service(name).get("image") for name in APP_SERVICES}) == 1
    assert environment("worker") == environment("web") == environment("beat")


def test_the_settings_scan_finds_the_variables_production_needs():
    assert PRODUCTION_VARIABLES - variables_the_settings_read() == set()


@pytest.mark.parametrize("name", APP_SERVICES + OWNER_SERVICES)
def test_compose_sets_only_environment_variables_the_settings_read(name):
    assert set(environment(name)) - variables_the_settings_read() == set()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_sets_every_environment_variable_production_needs(name):
    assert PRODUCTION_VARIABLES - set(environment(name)) == set()


def test_compose_requires_a_secret_key_and_turns_debug_off():
    env = environment("web")
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), "no default secret key may be shipped"
    assert environ.Env.parse_value(interpolate(env["DEBUG"]), bool) is False


def test_compose_points_the_database_at_the_db_service_and_the_broker_at_the_redis_service():
    env = {key: interpolate(value) for key, value in environment("web").items()}

    database = environ.Env.db_url_config(env["DATABASE_URL"])
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"]) == ("db", 5432)
    assert database["NAME"] == service("db")["environment"]["POSTGRES_DB"]

    redis = urlsplit(env["REDIS_URL"])
    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379)


def database_of(name: str, variable: str) -> dict:
    return environ.Env.db_url_config(interpolate(environment(name)[variable]))


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_web_worker_and_beat_connect_as_the_application_role_never_as_the_owner(name):
    owner = service("db")["environment"]["POSTGRES_USER"]  # the image makes it, and it owns the tables
    assert "DATABASE_OWNER_URL" not in environment(name)
    application = database_of(name, "DATABASE_URL")
    assert application["USER"] != owner
    assert application["PASSWORD"] != interpolate(service("db")["environment"]["POSTGRES_PASSWORD"])


@pytest.mark.parametrize("name", OWNER_SERVICES)
def test_compose_migrates_and_maintains_as_the_owner_and_grants_to_the_role_the_app_uses(name):
    owner = database_of(name, "DATABASE_OWNER_URL")
    assert owner["USER"] == service("db")["environment"]["POSTGRES_USER"]
    assert owner["PASSWORD"] == interpolate(service("db")["environment"]["POSTGRES_PASSWORD"])
    # grant_app_role grants to, and sets the password of, the user of DATABASE_URL: the app's.
    assert database_of(name, "DATABASE_URL") == database_of("web", "DATABASE_URL")
    assert {key: owner[key] for key in ("NAME", "HOST", "PORT")} == {
        key: database_of("web", "DATABASE_URL")[key] for key in ("NAME", "HOST", "PORT")
    }


def test_compose_starts_the_app_once_the_database_is_healthy_and_redis_is_up():
    db = service("db")
    assert db["image"].startswith("postgres:15")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert db["healthcheck"]["test"]
    assert service("redis")["image"].startswith("redis:7")
    for name in APP_SERVICES:
        depends_on = service(name)["depends_on"]
        assert depends_on["db"]["condition"] == "service_healthy"
        assert "redis" in depends_on


def test_the_audit_files_outside_the_database_live_on_a_volume_of_the_web_and_the_worker():
    env = environment("web")
    for setting in ("AUDIT_CHECKPOINT_DIR", "AUDIT_ARCHIVE_DIR"):
        folder = env[setting]
        assert setting in variables_the_settings_read()
        for name in ("web", "worker", "maintenance"):
            mounts = [volume.split("#")[0].strip().split(":") for volume in service(name)["volumes"]]
            assert any(
                folder.startswith(target.rstrip("/") + "/") and source in compose()["volumes"]
                for source, target in mounts
            ), f"{setting}={folder} is on no named volume of {name}"


# --- Dockerfile -----------------------------------------------------------------------------------


def test_dockerfile_takes_the_assets_from_node_and_serves_gunicorn_as_a_non_root_user():
    instructions = [
        line.strip()
        for line in (REPO / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    stages = [line.split()[1] for line in instructions if line.startswith("FROM ")]
    assert stages == ["node:20-slim", "python:3.11-slim"]
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "EXPOSE 8000" in instructions
    (cmd,) = [json.loads(line.removeprefix("CMD ")) for line in instructions if line.startswith("CMD ")]
    assert cmd[:2] == ["gunicorn", "dataplatform.wsgi:application"]
    assert "0.0.0.0:8000" in cmd


def test_dockerignore_keeps_local_environments_and_data_out_of_the_image():
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".venv", "node_modules", "var", ".git"} <= ignored
    assert ignored & {"__pycache__", "**/__pycache__"}


# --- The settings in production -------------------------------------------------------------------


def test_production_settings_pass_the_deploy_checks_without_a_warning(tmp_path):
    env = production_environment(
        DEBUG="false",
        SECRET_KEY=random_secret_key(),
        ALLOWED_HOSTS="data.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output


def test_settings_refuse_to_load_with_debug_off_and_no_secret_key(tmp_path):
    env = production_environment(DEBUG="false", DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_settings_refuse_an_owner_url_naming_another_database(tmp_path):
    env = production_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        DATABASE_OWNER_URL=f"sqlite:///{tmp_path / 'y.sqlite3'}",
    )
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DATABASE_OWNER_URL must name the database of DATABASE_URL" in result.stderr


def test_collectstatic_as_the_image_runs_it_collects_every_file_the_templates_use(tmp_path):
    # The image collects with DEBUG=false (hashed, compressed files); STATIC_ROOT is moved to
    # tmp_path so that the test leaves the working tree alone.
    static_root = tmp_path / "static"
    (tmp_path / "collect_settings.py").write_text(
        f"from dataplatform.settings import *  # noqa: F403\nSTATIC_ROOT = {str(static_root)!r}\n"
    )
    env = production_environment(
        DEBUG="false",
        SECRET_KEY=random_secret_key(),
        DJANGO_SETTINGS_MODULE="collect_settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
    )
    result = manage("collectstatic", "--no-input", "-v", "0", env=env)
    assert result.returncode == 0, result.stdout + result.stderr

    collected = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    templates = [
        path
        for package in (
            "dataplatform",
            "catalog",
            "sharing",
            "opening",
            "correction",
            "audit",
            "supervision",
            "governance",
        )
        for path in (REPO / package).rglob("templates/**/*.html")
    ]
    used = {name for path in templates for name in TEMPLATE_STATIC.findall(path.read_text())}
    assert "vendor/bootstrap/css/bootstrap.min.css" in used
    assert used - set(collected) == set()


def test_production_settings_harden_sessions_cookies_and_headers(tmp_path):
    env = production_environment(
        DEBUG="false",
        SECRET_KEY=random_secret_key(),
        ALLOWED_HOSTS="data.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
        "AXES_FAILURE_LIMIT",
        "CONTENT_SECURITY_POLICY",
    ]
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SECURE_SSL_REDIRECT"]
    assert values["SESSION_COOKIE_HTTPONLY"] and values["SESSION_EXPIRE_AT_BROWSER_CLOSE"]
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] and values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert 0 < values["AXES_FAILURE_LIMIT"] <= 10
    directives = values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert "'unsafe-inline'" not in directives["script-src"] and directives["object-src"] == ["'none'"]
