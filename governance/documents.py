"""Documents attached to a step: checked before the transaction, stored under MEDIA_ROOT with names of
our own (``models.document_path``); the uploader's name is kept only as text, for display."""

import pathlib

from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from dataplatform.core.errors import ApplicationError

from .models import DOCUMENT_EXTENSIONS, Step, StepDocument

MAX_DOCUMENT_BYTES = 20 * 2**20
MAX_DOCUMENTS = 10


def documents_check(files: list[UploadedFile]) -> None:
    if len(files) > MAX_DOCUMENTS:
        raise ApplicationError(
            _("Attach at most %(max_documents)s documents at a time.") % {"max_documents": MAX_DOCUMENTS}
        )
    for upload in files:
        suffix = pathlib.PurePath(upload.name or "").suffix.lower()
        if suffix not in DOCUMENT_EXTENSIONS:
            allowed = ", ".join(sorted(DOCUMENT_EXTENSIONS))
            raise ApplicationError(
                _("%(file)s is not a document this platform keeps (%(allowed)s).")
                % {"file": display_name(upload.name), "allowed": allowed}
            )
        if (upload.size or 0) > MAX_DOCUMENT_BYTES:  # (an upload has its size)
            raise ApplicationError(
                _("%(file)s is larger than %(size)s MB.")
                % {"file": display_name(upload.name), "size": MAX_DOCUMENT_BYTES // 2**20}
            )


def display_name(name: str | None) -> str:
    """The uploader's file name without any directory part, for pages and the download's name."""
    base = pathlib.PurePath((name or "").replace("\\", "/")).name
    return base[:200] or "document"


def documents_save(step: Step, files: list[UploadedFile]) -> list[StepDocument]:
    saved = []
    for upload in files:
        assert upload.size is not None  # an upload has its size
        document = StepDocument(step=step, original_name=display_name(upload.name), size=upload.size)
        document.file.save(get_valid_filename(document.original_name) or "document", upload, save=True)
        saved.append(document)
    return saved
