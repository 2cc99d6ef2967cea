from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HistoryEntry(models.Model):
    """One row per step of a lifecycle (STYLE rule 2): the base of every history model, written by the
    workflow machine (``core.workflow.record_move``). A concrete history adds the link to its object and
    may give ``from_status``/``to_status`` its lifecycle's choices."""

    action = models.CharField(_("action"), max_length=30, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("opinion"), blank=True)
    at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"

    # The words a person reads for the row's codes, from its lifecycle's table (core/workflow.py): the
    # action's title ("Convene a joint consultation", not "convene_consultation") and the statuses' labels.

    @property
    def lifecycle_name(self) -> str | None:
        """Where several lifecycles keep their history in one model, the row's lifecycle."""
        return None

    @property
    def action_label(self) -> str:
        lifecycle = self._lifecycle()
        if lifecycle is None:
            return self.action
        return lifecycle.step_title(self.action, first=not self.from_status)

    @property
    def from_status_label(self) -> str:
        lifecycle = self._lifecycle()
        return lifecycle.status_label(self.from_status) if lifecycle is not None else self.from_status

    @property
    def to_status_label(self) -> str:
        lifecycle = self._lifecycle()
        return lifecycle.status_label(self.to_status) if lifecycle is not None else self.to_status

    def _lifecycle(self):
        from ..workflow import lifecycle_of  # the machine imports this model

        return lifecycle_of(self)
