"""Messages written now and read later, each reader in their own language (a notification's title).

What is stored is the English message id (marked with ``gettext_noop`` or ``gettext_lazy``, so that
makemessages collects it) and its parameters; the message is translated when it is shown. A parameter
that is itself a message (a status's label, ``GrantStatus.ACTIVE.label``, a lazy string) is stored as
``{"msgid": ...}`` and translated too; names, numbers and dates are stored as they read.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

Param = str | int | float | dict[str, str]


def message_id(text: str | Promise) -> str:
    """The English message id of ``text``: a lazy string untranslated, or the marked string itself."""
    with translation.override(None):  # no catalog: a lazy string gives its message id
        return str(text)


def message_params(params: Mapping[str, Any]) -> dict[str, Param]:
    """The parameters as stored: a lazy string as its message id, a date as yyyy-mm-dd."""
    stored: dict[str, Param] = {}
    for name, value in params.items():
        if isinstance(value, Promise):
            stored[name] = {"msgid": message_id(value)}
        elif isinstance(value, int | float) and not isinstance(value, bool):
            stored[name] = value
        elif isinstance(value, dt.datetime):
            stored[name] = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, dt.date):
            stored[name] = value.isoformat()
        else:
            stored[name] = str(value)
    return stored


def message_render(message: str, params: Mapping[str, Param]) -> str:
    """The message in the active language, its parameters put in."""
    values = {
        name: gettext(value["msgid"]) if isinstance(value, dict) else value for name, value in params.items()
    }
    if not values:
        return gettext(message)
    try:
        return gettext(message) % values
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder: the English one
        return message % values
