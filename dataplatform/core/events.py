"""Writing an audit event from below the audit app.

The audit app sits above the core (it stores who did what to which unit's data), yet the core's own
services are audited too. The audit app registers its writer here when Django starts
(``AuditConfig.ready``); the core calls ``record_event`` and never imports the audit app. With no writer
registered, nothing is done silently: the call fails, so an operation is never left unaudited. The audit
app registers a reader too (``event_times``), for the core's counters rebuilt from what it recorded.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    """How an audited operation ended (``AuditEvent.outcome``); here so that the core can say so."""

    OK = "ok", _("Done")
    DENIED = "denied", _("Refused")
    FAILED = "failed", _("Failed")


_writer: Callable[..., Any] | None = None
_reader: Callable[..., list[dt.datetime]] | None = None


def register_writer(
    writer: Callable[..., Any], reader: Callable[..., list[dt.datetime]] | None = None
) -> None:
    global _writer, _reader
    _writer = writer
    _reader = reader


def record_event(**fields: Any) -> Any:
    """Record one audit event (``audit.services.audit_record``'s arguments), inside the caller's
    transaction."""
    if _writer is None:
        raise ImproperlyConfigured("No audit writer is registered: is the audit app installed?")
    return _writer(**fields)


def event_times(*, action: str, client_ip: str, since: dt.datetime) -> list[dt.datetime]:
    """When the events of ``action`` from ``client_ip`` since ``since`` were recorded, earliest first."""
    if _reader is None:
        raise ImproperlyConfigured("No audit reader is registered: is the audit app installed?")
    return _reader(action=action, client_ip=client_ip, since=since)
