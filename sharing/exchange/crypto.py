"""Target database passwords, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key comes from ``EXCHANGE_SECRET_KEYS`` (comma-separated Fernet keys, newest first, so that a key can
be rotated: tokens made with an older key still decrypt). Unset, one key is derived from SECRET_KEY, which
suits the demo; production sets its own, kept apart from the database backups.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext as _


def _fernet() -> MultiFernet:
    keys = list(getattr(settings, "EXCHANGE_SECRET_KEYS", None) or [])
    if not keys:
        digest = hashlib.sha256(b"dataplatform.exchange:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def secret_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def secret_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(_("The stored password cannot be decrypted with the configured keys.")) from exc
