"""One way for a page to call a service: a refusal that says "not you" (``Forbidden``) is a 403, as on the
API; any other refusal is shown to the person, on the form when there is one, else as a message."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .errors import ApplicationError

T = TypeVar("T")


def page_action(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    success: str | None = None,
    form: forms.BaseForm | None = None,
) -> T | None:
    """Run ``call``; on success show ``success`` and return its result, on a refusal return None (the
    refusal is on the form or in the messages). Raises ``PermissionDenied`` for ``Forbidden``."""
    try:
        result = call()
    except ValidationError as exc:
        # (field name or None for the whole form, messages)
        errors: list[tuple[str | None, list[str]]] = (
            list(exc.message_dict.items()) if hasattr(exc, "error_dict") else [(None, exc.messages)]
        )
        for name, texts in errors:
            for text in texts:
                _refuse(request, form, text, name)
        return None
    except ApplicationError as exc:
        exc.raise_if_forbidden()
        _refuse(request, form, exc.message)
        return None
    if success:
        messages.success(request, success)
    return result


def _refuse(request: HttpRequest, form: forms.BaseForm | None, text: str, name: str | None = None) -> None:
    if form is not None:
        form.add_error(name if name in form.fields else None, text)
    else:
        messages.error(request, text)
