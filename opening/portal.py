"""The public's reads of open data, each audited (Q8.4) and counted: the preview on a dataset's page and
the downloads. The audit row is written before any data is answered."""

from django.db import transaction
from django.http import HttpRequest

from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction

from .deidentify import OpenView, open_view
from .downloads import rows
from .models import OpenEntry
from .services import open_entry_count

PREVIEW_ROWS = 10


def _visitor(request: HttpRequest):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def dataset_preview(*, entry: OpenEntry, request: HttpRequest) -> tuple[OpenView, list[dict]]:
    """The first rows, de-identified; only universal-open data is previewed."""
    view = open_view(entry)
    preview = list(rows(entry, view, limit=PREVIEW_ROWS)) if entry.is_downloadable else []
    with transaction.atomic():
        open_entry_count(entry=entry, field="view_count")
        audit_record(
            action=AuditAction.OPEN_PREVIEW,
            actor=_visitor(request),
            request=request,
            target=entry,
            owner_unit=entry.resource.producer,
            data_items=view.names if preview else (),
            record_count=len(preview),
            detail={"public": True},
        )
    return view, preview


def dataset_download(*, entry: OpenEntry, fmt: str, request: HttpRequest) -> OpenView:
    view = open_view(entry)
    with transaction.atomic():
        open_entry_count(entry=entry, field="download_count")
        audit_record(
            action=AuditAction.OPEN_DOWNLOAD,
            actor=_visitor(request),
            request=request,
            target=entry,
            owner_unit=entry.resource.producer,
            data_items=view.names,
            record_count=entry.resource.record_count,
            detail={"public": True, "format": fmt},
        )
    return view
