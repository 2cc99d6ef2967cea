from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app notification; also e-mailed by a task that claims it (``emailed_at``)."""

    recipient = models.ForeignKey(
        "core.User", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    # The title as e-mailed, in the platform's language. A title written with ``message`` (the English
    # message id) and ``params`` is shown to each reader in their own language (``display_title``).
    title = models.CharField(_("title"), max_length=200)
    message = models.CharField(_("message"), max_length=200, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Sends tried (each claim is one); at the sender's limit (notifications.EMAIL_MAX_ATTEMPTS) the e-mail
    # is given up, so a row that always fails never holds up the others.
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language (rows written before titles had messages keep their text)."""
        from ..messages import message_render
        from ..notifications import title_fit

        return title_fit(message_render(self.message, self.params)) if self.message else self.title
