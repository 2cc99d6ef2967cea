"""The federation's rows: peers, and the outbox/inbox that carry signed messages between nodes (docs/federation.md §4).

Every exchange is a row on both sides: the sender's ``OutboxMessage`` and the receiver's ``InboxMessage`` share the
message id, so the two audit trails pair up (as X-Road's security servers each log the same ``X-Road-Id``).
"""

import base64
import binascii
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dataplatform.core.models import HistoryEntry, Unit

node_id_validator = RegexValidator(r"^[a-z0-9-]+$", _("Use lower-case letters, digits and hyphens."))
region_validator = RegexValidator(r"^[0-9]{6}$", _("Enter a 6-digit division code."))


def public_key_validate(value: str) -> None:
    """A raw Ed25519 public key, base64: 44 characters that decode to exactly 32 bytes (§3)."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValidationError(
            _("Enter an Ed25519 public key: 32 bytes in base64 (44 characters)."), code="invalid"
        )


class NodeLevel(models.TextChoices):
    # G4, Q-A2.4: the provincial node, the city sub-nodes, the county sub-centres.
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


LEVEL_RANK: dict[str, int] = {NodeLevel.PROVINCE: 0, NodeLevel.CITY: 1, NodeLevel.COUNTY: 2}


def levels_of(relation: str) -> list[str]:
    """The levels above (``upper``) or below (``lower``) this node's (``NODE_LEVEL``)."""
    mine = LEVEL_RANK.get(settings.NODE_LEVEL, LEVEL_RANK[NodeLevel.CITY])
    if relation == "upper":
        return [level for level, rank in LEVEL_RANK.items() if rank < mine]
    return [level for level, rank in LEVEL_RANK.items() if rank > mine]


class PeerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Peer(models.Model):
    """Another node this node trusts: its id, address and Ed25519 public key (confirmed out of band).

    The delivery fields (``failures``, ``next_attempt_at``, ``sending_until``) are the peer-wide back-off and the
    lease a delivering worker claims by compare-and-swap, so one down node holds back only its own rows.
    """

    node_id = models.CharField(_("node id"), max_length=64, unique=True, validators=[node_id_validator])
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"))
    level = models.CharField(_("level"), max_length=10, choices=NodeLevel.choices)
    region = models.CharField(_("region code"), max_length=6, validators=[region_validator])
    public_key = models.CharField(_("public key"), max_length=44, validators=[public_key_validate])
    status = models.CharField(
        _("status"), max_length=10, choices=PeerStatus.choices, default=PeerStatus.ACTIVE
    )
    status_reason = models.TextField(_("status reason"), blank=True)
    # The unit acting for that node here (the applicant of its back-flow applications, a later slice).
    unit = models.ForeignKey(
        Unit, verbose_name=_("acting unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    last_received_at = models.DateTimeField(_("last received"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sending_until = models.DateTimeField(_("sending until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("peer node")
        verbose_name_plural = _("peer nodes")
        ordering = ["node_id"]

    def __str__(self) -> str:
        return f"{self.node_id} {self.name}"

    @property
    def relation(self) -> str:
        """``upper``, ``lower`` or ``same``: where the peer stands relative to this node's ``NODE_LEVEL``."""
        mine = LEVEL_RANK.get(getattr(settings, "NODE_LEVEL", NodeLevel.CITY), LEVEL_RANK[NodeLevel.CITY])
        theirs = LEVEL_RANK[NodeLevel(self.level)]
        if theirs < mine:
            return "upper"
        if theirs > mine:
            return "lower"
        return "same"


class ReceivedNonce(models.Model):
    """A signature nonce seen from a peer; the unique row refuses its replay until the signature expires."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "nonce"], name="federation_nonce_once")]
        indexes = [models.Index(fields=["expires_at"], name="federation_nonce_expiry")]

    def __str__(self) -> str:
        return f"{self.peer_id}:{self.nonce}"


class StreamCounter(models.Model):
    """The sender's last sequence number per (peer, stream); locked to number the next message."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    stream = models.CharField(max_length=200)
    last_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "stream"], name="federation_counter_once")]

    def __str__(self) -> str:
        return f"{self.peer_id}:{self.stream}@{self.last_seq}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")


class Answer(models.TextChoices):
    APPLIED = "applied", _("Applied")
    DUPLICATE = "duplicate", _("Duplicate")
    PARKED = "parked", _("Parked")


class OutboxMessage(models.Model):
    """A message to a peer, written in the caller's transaction; its id is the message id on both sides."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    kind = models.CharField(max_length=60)
    stream = models.CharField(max_length=200)
    seq = models.PositiveBigIntegerField()
    body = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    answer = models.CharField(max_length=20, choices=Answer.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "stream", "seq"], name="outbox_seq_once")]
        indexes = [models.Index(fields=["peer", "status", "stream", "seq"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.stream}#{self.seq} ({self.id})"


class InboundStream(models.Model):
    """The receiver's last applied sequence number per (peer, stream); later numbers wait parked."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    stream = models.CharField(max_length=200)
    applied_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "stream"], name="federation_inbound_once")]

    def __str__(self) -> str:
        return f"{self.peer_id}:{self.stream}@{self.applied_seq}"


class InboxStatus(models.TextChoices):
    PARKED = "parked", _("Parked")
    APPLIED = "applied", _("Applied")


class InboxMessage(models.Model):
    """A message received from a peer; ``message_id`` is unique per peer, so one peer cannot collide with another's."""

    message_id = models.UUIDField()
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbox")
    kind = models.CharField(max_length=60)
    stream = models.CharField(max_length=200)
    seq = models.PositiveBigIntegerField()
    body = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=InboxStatus.choices, default=InboxStatus.PARKED)
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "message_id"], name="inbox_once"),
            models.UniqueConstraint(fields=["peer", "stream", "seq"], name="inbox_seq_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.stream}#{self.seq} ({self.message_id})"


class RemoteStatus(models.TextChoices):
    ACTIVE = "active", _("Available")
    RETIRED = "retired", _("Retired")


class RemoteEntry(models.Model):
    """A catalog entry of another node (docs/federation.md §11, catalog cascade): a lower node's shared entry
    registered here, or the upper node's, shown read-only to this node's units. Its content is the published
    version the origin sent; only messages from the origin change it."""

    origin = models.ForeignKey(
        Peer, verbose_name=_("origin node"), on_delete=models.PROTECT, related_name="remote_entries"
    )
    code = models.CharField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    producer_name = models.CharField(_("producing unit"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    share_type = models.CharField(_("share type"), max_length=20, blank=True)
    open_type = models.CharField(_("open type"), max_length=20, blank=True)
    update_frequency = models.CharField(_("update frequency"), max_length=20, blank=True)
    # resource_snapshot() of the version, and the national catalog metadata: the guide's rows
    # (catalog.spreadsheet.COLUMNS -> value), one per data item.
    snapshot = models.JSONField(_("content"), default=dict)
    metadata = models.JSONField(_("national catalog metadata"), default=list)
    search_text = models.TextField(editable=False, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RemoteStatus.choices, default=RemoteStatus.ACTIVE
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    message_id = models.UUIDField(_("last message"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("entry of another node")
        verbose_name_plural = _("entries of other nodes")
        ordering = ["origin", "code"]
        constraints = [models.UniqueConstraint(fields=["origin", "code"], name="remote_entry_once")]
        indexes = [models.Index(fields=["status", "origin"], name="remote_entry_status")]

    def __str__(self) -> str:
        return f"{self.origin_id}:{self.code} v{self.version}"


class RemoteDataset(models.Model):
    """An open dataset of a lower node, synced to this node's portal (Q6.3, F9): its reviewed open-catalog
    content and the links to the origin's own dataset page and downloads."""

    origin = models.ForeignKey(
        Peer, verbose_name=_("origin node"), on_delete=models.PROTECT, related_name="remote_datasets"
    )
    slug = models.SlugField(_("public name"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    publisher_name = models.CharField(_("publisher"), max_length=200, blank=True)
    open_type = models.CharField(_("open type"), max_length=20, blank=True)
    tags = models.JSONField(_("keywords"), default=list, blank=True)
    licence = models.CharField(_("licence"), max_length=40, blank=True)
    landing_url = models.URLField(_("dataset page"), max_length=500)
    # [{"format": "csv", "url": "https://…/download.csv"}], empty when the data opens on application only.
    distributions = models.JSONField(_("downloads"), default=list, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RemoteStatus.choices, default=RemoteStatus.ACTIVE
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    message_id = models.UUIDField(_("last message"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("open dataset of another node")
        verbose_name_plural = _("open datasets of other nodes")
        ordering = ["origin", "slug"]
        constraints = [models.UniqueConstraint(fields=["origin", "slug"], name="remote_dataset_once")]
        indexes = [models.Index(fields=["status", "origin"], name="remote_dataset_status")]

    def __str__(self) -> str:
        return f"{self.origin_id}:{self.slug}"


# --- back-flow (回流): an upper node's resource flows into this node (docs/federation.md §14) -------------


class BackflowStatus(models.TextChoices):
    COUNTY_REVIEW = "county_review", _("At the county authority")
    CITY_REVIEW = "city_review", _("At the city authority")
    UPSTREAM = "upstream", _("At the upper node")
    GRANTED = "granted", _("Granted: the data flows back")
    SUSPENDED = "suspended", _("Suspended by the upper node")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ENDED = "ended", _("Ended")


class BackflowRequest(models.Model):
    """A unit's application for an upper node's resource to flow back to this node (回流: Q4.3, Q-A2.4, FB12).

    Its own authority reviews it first (a county unit's: the county authority, then the city's); the upper
    node then decides it by its own routing and deadlines, as an application of the unit that acts for this
    node there. An approval grants this node; the records flow into ``mirror``, a local entry from which
    this node grants its own units under its own workflow.
    """

    remote_entry = models.ForeignKey(
        RemoteEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="backflow_requests"
    )
    applicant_unit = models.ForeignKey(
        Unit, verbose_name=_("applicant unit"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("applied by"), on_delete=models.PROTECT, related_name="+"
    )
    items = models.JSONField(_("data items"), default=list)
    business_matter = models.CharField(_("business matter"), max_length=200)
    scenario = models.TextField(_("scenario"))
    basis = models.TextField(_("basis in law or policy"), blank=True)
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=20, choices=BackflowStatus.choices, default=BackflowStatus.CITY_REVIEW
    )
    due = models.DateField(_("due"), null=True, blank=True)
    # The upper node's application made for it, and its status there in that node's words.
    upstream_application = models.PositiveBigIntegerField(
        _("application at the upper node"), null=True, blank=True
    )
    upstream_status = models.CharField(_("status at the upper node"), max_length=200, blank=True)
    mirror = models.ForeignKey(
        "catalog.Resource",
        verbose_name=_("mirrored resource"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transfer_phase = models.CharField(_("transfer"), max_length=20, blank=True)
    rows_received = models.PositiveBigIntegerField(_("records received"), default=0)
    deletions_received = models.PositiveBigIntegerField(_("deletions received"), default=0)
    last_transfer_at = models.DateTimeField(_("last transfer"), null=True, blank=True)
    usage_reported_until = models.DateField(_("usage reported until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("back-flow application")
        verbose_name_plural = _("back-flow applications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "applicant_unit"], name="backflow_status")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.remote_entry_id} → {self.applicant_unit_id}"


class BackflowStep(HistoryEntry):
    """The back-flow application's timeline: this node's moves, and each answer of the upper node
    (``upstream``), in that node's words (``status_label``)."""

    request = models.ForeignKey(BackflowRequest, on_delete=models.CASCADE, related_name="steps")
    upstream = models.BooleanField(_("at the upper node"), default=False)
    status_label = models.CharField(_("status"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("back-flow step")
        verbose_name_plural = _("back-flow steps")
        ordering = ["request", "at", "id"]


class ExportStatus(models.TextChoices):
    WAITING = "waiting", _("Application under way")
    ACTIVE = "active", _("Flowing")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")
    REFUSED = "refused", _("Refused")


class ExportPhase(models.TextChoices):
    FULL = "full", _("Full copy")
    INCREMENT = "increment", _("Increments")


class Export(models.Model):
    """A lower node's back-flow on this (the upper) node: the application made here for it (its applicant
    is the unit acting for that node), the grant the decision gave, and where the transfer of the records
    stands (a full copy up to ``horizon``, then increments and deletions after ``watermark``)."""

    peer = models.ForeignKey(Peer, verbose_name=_("node"), on_delete=models.PROTECT, related_name="exports")
    request_id = models.PositiveBigIntegerField(_("application at the node"))  # its BackflowRequest's id
    resource = models.ForeignKey(
        "catalog.Resource", verbose_name=_("data resource"), on_delete=models.PROTECT, related_name="+"
    )
    application = models.ForeignKey(
        "sharing.Application",
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grant = models.ForeignKey(
        "sharing.Grant",
        verbose_name=_("grant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    items = models.JSONField(_("data items"), default=list)
    # FB12: the records of the node's own region only (its division code without trailing 00 pairs).
    region_prefix = models.CharField(_("region filter"), max_length=6, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ExportStatus.choices, default=ExportStatus.WAITING
    )
    phase = models.CharField(
        _("transfer"), max_length=20, choices=ExportPhase.choices, default=ExportPhase.FULL
    )
    horizon = models.DateTimeField(null=True, blank=True)
    watermark = models.DateTimeField(null=True, blank=True)
    after_key = models.TextField(blank=True)
    deletions_after = models.BigIntegerField(default=0)
    rows_sent = models.PositiveBigIntegerField(_("records sent"), default=0)
    deletions_sent = models.PositiveBigIntegerField(_("deletions sent"), default=0)
    last_chunk_at = models.DateTimeField(_("last transfer"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("back-flow to a node")
        verbose_name_plural = _("back-flows to nodes")
        ordering = ["peer", "request_id"]
        constraints = [models.UniqueConstraint(fields=["peer", "request_id"], name="export_once")]
        indexes = [models.Index(fields=["status"], name="export_status")]

    def __str__(self) -> str:
        return f"{self.peer_id}#{self.request_id} → {self.resource_id}"
