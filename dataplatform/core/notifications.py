import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.functional import Promise

from .messages import message_id, message_params, message_render
from .models import Notification, User
from .site import absolute_url

logger = logging.getLogger(__name__)

# A claim older than this is taken as abandoned (its worker died), and the e-mail may be sent again.
EMAIL_CLAIM_TIMEOUT = dt.timedelta(minutes=10)
# Sends tried before an e-mail is given up (its row stays, read in the app): a poison row is bounded.
EMAIL_MAX_ATTEMPTS = 5


TITLE_MAX = cast(int, Notification._meta.get_field("title").max_length)  # a CharField: always set
MESSAGE_MAX = cast(int, Notification._meta.get_field("message").max_length)


# Line breaks (an e-mail header may not hold one: BadHeaderError) and other control characters.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def subject_clean(text: str) -> str:
    """A title fit for one line, and for an e-mail's Subject: control characters become spaces."""
    return _CONTROL.sub(" ", text).strip()


def title_fit(text: str) -> str:
    """A title built from what people typed (an entry's or a collection's name) may run long: cut it,
    rather than fail the operation it reports on. A line break in it would refuse the e-mail: a space."""
    text = subject_clean(text)
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def notify(
    *,
    recipients: Iterable[User],
    title: str | Promise,
    params: Mapping[str, Any] | None = None,
    body: str = "",
    url: str = "",
) -> list[Notification]:
    """Notify people in the app and by e-mail. The rows are the intent: each e-mail is queued after
    commit, and the minute timer sends any whose task was lost.

    ``title`` is an English message marked for translation (``gettext_noop("Grant %(status)s: %(name)s")``
    or a lazy string) and ``params`` what goes into it: each reader sees it in their own language
    (``Notification.display_title``); the e-mail goes in the platform's language."""
    message, stored = message_id(title)[:MESSAGE_MAX], message_params(params or {})
    with translation.override(settings.LANGUAGE_CODE):
        text = title_fit(message_render(message, stored))
    notifications = Notification.objects.bulk_create(
        [
            Notification(recipient=user, title=text, message=message, params=stored, body=body, url=url)
            for user in recipients
        ]
    )
    from .tasks import send_notification_email

    for notification in notifications:
        transaction.on_commit(partial(send_notification_email.delay, notification.pk))
    return notifications


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()


def _unclaimed(now: dt.datetime) -> Q:
    return Q(emailed_at=None, email_attempts__lt=EMAIL_MAX_ATTEMPTS) & (
        Q(email_claimed_at=None) | Q(email_claimed_at__lt=now - EMAIL_CLAIM_TIMEOUT)
    )


def notification_send_email(notification_id: int) -> bool:
    """Send one notification's e-mail once; returns whether this call sent it.

    The claim is a compare-and-swap, so a second worker or a retry never sends it twice. Each claim counts
    an attempt; a send that fails gives the claim back (the timer tries again) and raises, and after
    EMAIL_MAX_ATTEMPTS the e-mail is given up.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(_unclaimed(now), pk=notification_id).update(
        email_claimed_at=now, email_attempts=F("email_attempts") + 1
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        if notification.recipient.email:
            send_mail(
                # A row written before titles were cleaned may still hold a line break.
                subject=subject_clean(notification.title),
                # The row keeps the path the app links to; a mail reader needs the whole address.
                message=f"{notification.body}\n\n{absolute_url(notification.url)}".strip(),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[notification.recipient.email],
            )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(email_claimed_at=None)
        raise
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


def notification_send_pending_emails() -> tuple[int, int]:
    """Send every pending e-mail, each on its own: one that fails is logged and counted, and never stops
    the ones after it. Returns (sent, failed)."""
    sent = failed = 0
    for pk in pending_email_ids():
        try:
            sent += notification_send_email(pk)
        except Exception:
            failed += 1
            logger.exception("Could not e-mail notification %s", pk)
    if failed:
        logger.error("%d notification e-mail(s) failed; each is tried %d times", failed, EMAIL_MAX_ATTEMPTS)
    return sent, failed


def pending_email_ids(limit: int = 500) -> list[int]:
    unclaimed = Notification.objects.filter(_unclaimed(timezone.now()))
    return list(unclaimed.order_by("id").values_list("id", flat=True)[:limit])
