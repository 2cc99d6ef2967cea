"""Retention (Q8.4, F24): audit logs are kept at least three years; less is refused."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from audit.archive import RETENTION_FLOOR_DAYS, audit_archive_expired

ROOT = Path(__file__).resolve().parents[2]


def start_django(**environment) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dataplatform.settings", **environment}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_default_retention_is_three_years():
    assert settings.AUDIT_RETENTION_DAYS == RETENTION_FLOOR_DAYS == 1096


def test_start_up_fails_with_a_retention_under_three_years():
    started = start_django(AUDIT_RETENTION_DAYS="1095")
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "AUDIT_RETENTION_DAYS is 1095" in started.stderr


def test_start_up_accepts_a_longer_retention():
    assert start_django(AUDIT_RETENTION_DAYS="3650").returncode == 0


@pytest.mark.django_db
def test_the_archiver_refuses_a_retention_lowered_after_start_up(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    with pytest.raises(ImproperlyConfigured):
        audit_archive_expired()
