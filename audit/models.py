from collections.abc import Mapping
from datetime import UTC
from typing import Any

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.events import Outcome

GENESIS_HASH = "0" * 64  # prev_hash of the first event of every chain


def action_choices() -> list[tuple[str, str]]:
    """The vocabulary with its labels, read when asked: a new action or label needs no migration."""
    return AuditAction.choices


class AuditEvent(models.Model):
    """One operation on information resources or one decision (Q8.4, F24).

    Rows are only ever inserted, through ``audit.services.audit_record``. The fields are plain
    values (names and labels are copied, not only referenced) so that an event still reads the
    same in three years, and so that a hash over ``canonical()`` can chain the events later.
    """

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=60, db_index=True, choices=action_choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OK)
    # The foreign keys' own single-column indexes are left out where an index in Meta starts with the
    # column (it serves the joins and PROTECT checks too): each index costs every insert and every seal.
    actor = models.ForeignKey(
        "core.User",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField(_("person's name"), max_length=150, blank=True)
    actor_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    api_key = models.ForeignKey(
        "core.ApiKey",
        verbose_name=_("API key"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The unit whose data the operation touched: its usage log and, later, its hash chain.
    owner_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("data owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    data_items = models.JSONField(_("data items"), default=list, blank=True)
    record_count = models.PositiveIntegerField(_("records"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    # The request that wrote the event, as in the JSON logs (dataplatform.core.request_context); "" for timers.
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # The seal (Q8.4 tamper evidence), written once by ``audit_seal`` behind the insert: the event's
    # place in its owner's chain and sha256(prev_hash + canonical JSON). The database triggers
    # (migrations 0004, 0012) allow exactly that one UPDATE, all four at once, from unset, and no other.
    chain_seq = models.PositiveBigIntegerField(_("chain position"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["owner_unit", "occurred_at"], name="audit_owner_time"),
            models.Index(fields=["actor_unit", "occurred_at"], name="audit_actor_unit_time"),
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_time"),  # a person's events
            # The sealer's queue: small, since events leave it within a minute.
            models.Index(
                fields=["owner_unit", "id"], name="audit_unsealed", condition=models.Q(sealed_at__isnull=True)
            ),
        ]
        constraints = [
            # One event per position in a chain; the platform chain (owner NULL) counts as owner 0.
            models.UniqueConstraint(
                Coalesce("owner_unit", models.Value(0), output_field=models.BigIntegerField()),
                "chain_seq",
                name="audit_one_event_per_chain_seq",
                condition=models.Q(chain_seq__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def canonical(self) -> dict:
        """The event's content in a stable form, for hashing."""
        return canonical_content({name: getattr(self, name) for name in CANONICAL_FIELDS})


# The columns an event's hash covers: everything but its seal (and its id, given by the database).
CANONICAL_FIELDS = (
    "occurred_at",
    "action",
    "outcome",
    "actor_id",
    "actor_name",
    "actor_unit_id",
    "api_key_id",
    "owner_unit_id",
    "object_type",
    "object_id",
    "object_repr",
    "data_items",
    "record_count",
    "purpose",
    "client_ip",
    "detail",
    "request_id",
)


def canonical_content(values: Mapping[str, Any]) -> dict:
    """An event's content in a stable form, for hashing, from its CANONICAL_FIELDS values (a model
    instance's, or a row's as the verifier reads them). Serialised by ``archive_verify.canonical_json``."""
    occurred_at = values["occurred_at"]
    if not isinstance(occurred_at, str):  # else already in this form (the verifier has PostgreSQL write it)
        # UTC with microseconds always: isoformat() drops ".000000" and keeps the offset it was
        # given, and the hash must not depend on either.
        occurred_at = occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    content = {
        "occurred_at": occurred_at,
        "action": values["action"],
        "outcome": values["outcome"],
        "actor": values["actor_id"],
        "actor_name": values["actor_name"],
        "actor_unit": values["actor_unit_id"],
        "api_key": values["api_key_id"],
        "owner_unit": values["owner_unit_id"],
        "object": [values["object_type"], values["object_id"], values["object_repr"]],
        "data_items": values["data_items"],
        "record_count": values["record_count"],
        "purpose": values["purpose"],
        "client_ip": values["client_ip"],
        "detail": values["detail"],
    }
    # Events written before the request id was recorded hash as they always did.
    if values.get("request_id"):
        content["request_id"] = values["request_id"]
    return content


class AuditChain(models.Model):
    """The head of one producing unit's hash chain (the platform's own when ``owner_unit`` is NULL).

    Sealers lock this row (``select_for_update``) so that two of them never give out a position twice.
    """

    owner_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("data owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head_seq = models.PositiveBigIntegerField(_("head position"), default=0)
    head_hash = models.CharField(_("head hash"), max_length=64, default=GENESIS_HASH)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")
        constraints = [
            models.UniqueConstraint(
                Coalesce("owner_unit", models.Value(0), output_field=models.BigIntegerField()),
                name="audit_one_chain_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_unit_id or 'platform'} @ {self.head_seq}"


class AuditCheckpoint(models.Model):
    """A chain head at one moment, also appended to a file outside the database (AUDIT_CHECKPOINT_DIR):
    a history rewritten or cut short after it no longer matches."""

    chain = models.ForeignKey(AuditChain, verbose_name=_("chain"), on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField(_("position"))
    hash = models.CharField(_("hash"), max_length=64)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.chain} {self.seq} {self.hash[:12]}"


class AnchorKind(models.TextChoices):
    TSA = "tsa", _("Timestamp authority")
    WITNESS = "witness", _("Witness (the producing unit)")


class AuditAnchor(models.Model):
    """Chain heads held by someone outside the platform (``audit.anchoring``): a timestamp authority's
    signed token over them, or the head a producing unit received with its usage log (a witness).

    ``heads`` are ``[{"owner_unit": id or null, "seq": n, "hash": h}]`` and ``digest`` the SHA-256 of their
    text (``anchoring.heads_text``), which the token timestamps. A TSA attempt that failed is a row too,
    with ``error`` and no token: counted, and retried by the next tick. Appended to the checkpoint files as
    well; never changed, never deleted (migration 0012's triggers).
    """

    kind = models.CharField(_("kind"), max_length=10, choices=AnchorKind.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    heads = models.JSONField(_("chain heads"), default=list)
    digest = models.CharField(_("digest"), max_length=64)
    token = models.BinaryField(_("timestamp token"), blank=True, default=bytes)
    where = models.CharField(_("held by"), max_length=500)  # the TSA's or the witness' address
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit anchor")
        verbose_name_plural = _("audit anchors")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M} {self.digest[:12]}"


class UsageWebhook(models.Model):
    """Where a producing unit wants its daily usage log pushed (Q8.4, F24). The body is signed with
    HMAC-SHA256 under ``secret``, so the unit can tell the platform's pushes from anyone else's."""

    unit = models.OneToOneField(
        "core.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="usage_webhook"
    )
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("usage log webhook")
        verbose_name_plural = _("usage log webhooks")

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.url}"


class PushStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, given up")
    NO_WEBHOOK = "no_webhook", _("No webhook set")


class UsagePush(models.Model):
    """One producing unit's usage log of one day (China Standard Time), 数据使用日志推送: written first,
    then claimed by a worker with a compare-and-swap update, so that no day is pushed twice."""

    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    event_count = models.PositiveIntegerField(_("events"), default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=PushStatus.choices, default=PushStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("usage log push")
        verbose_name_plural = _("usage log pushes")
        ordering = ["-day", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="audit_one_usage_push_per_unit_day")
        ]
        indexes = [
            models.Index(fields=["id"], name="audit_usage_push_pending", condition=models.Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.status}"


class AuditArchive(models.Model):
    """One month of audit events exported to a compressed file (AUDIT_ARCHIVE_DIR) once older than the
    retention (Q8.4, F24: at least three years), then dropped from the database.

    ``heads`` are the chain heads at the end of everything archived so far, this file included
    (``[{"owner_unit": id or null, "seq": n, "hash": h}]``): verification of what remains in the database
    starts from them. The file carries them too, and the digest of the previous archive file, so that
    ``python audit/archive_verify.py FILE PREVIOUS_FILE`` checks a file with nothing but the files.
    """

    partition = models.CharField(_("partition"), max_length=63)
    range_start = models.DateTimeField(_("from"))
    range_end = models.DateTimeField(_("until"))
    file_name = models.CharField(_("file"), max_length=200, unique=True)
    sha256 = models.CharField(_("file digest"), max_length=64)
    previous_sha256 = models.CharField(_("previous file's digest"), max_length=64, blank=True)
    event_count = models.PositiveBigIntegerField(_("events"))
    heads = models.JSONField(_("chain heads"), default=list)
    created_at = models.DateTimeField(_("archived at"), default=timezone.now)

    class Meta:
        verbose_name = _("audit archive")
        verbose_name_plural = _("audit archives")
        ordering = ["-range_start"]

    def __str__(self) -> str:
        return self.file_name
