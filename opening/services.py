"""Writes to the open catalog: proposals with their de-identification rules, counts, the yearly review."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from catalog.models import OpenType, Resource
from catalog.workflow import is_producer, is_reviewer
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import Role, User
from dataplatform.core.notifications import notify
from dataplatform.core.people import reviewers_of

from .models import (
    CatalogReview,
    CatalogReviewItem,
    DeidRule,
    ItemRule,
    OpenEntry,
    OpenEntryChange,
    OpenEntryStatus,
    ReviewDecision,
)
from .workflow import open_entry_transition

DEFAULT_TERMS = "数据来源须注明提供单位、数据集名称和获取日期（《泉州市政务数据管理办法》第六章第七项）。"


def _check_rules(resource: Resource, rules: dict[str, str]) -> None:
    names = set(resource.items.values_list("name", flat=True))
    unknown = sorted(set(rules) - names)
    if unknown:
        raise ApplicationError(
            _("%(resource)s has no data items: %(unknown)s.")
            % {"resource": resource.name, "unknown": ", ".join(unknown)}
        )
    bad = sorted(name for name, rule in rules.items() if rule and rule not in DeidRule.values)
    if bad:
        raise ApplicationError(_("Unknown de-identification rule for: %(bad)s.") % {"bad": ", ".join(bad)})


def open_entry_propose(
    *,
    actor: User,
    resource: Resource,
    open_type: str,
    rules: dict[str, str] | None = None,
    not_open_reason: str = "",
    tags: list[str] | None = None,
    terms: str = "",
    request=None,
) -> OpenEntry:
    """The producer proposes (or, while it waits, amends) how its published entry opens, with a rule
    for each personal or sensitive item. The authority decides (workflow)."""
    if not resource.is_available:
        raise ApplicationError(_("Only a published catalog entry enters the open catalog."))
    if not (is_producer(actor, resource) or is_reviewer(actor, resource)):
        raise Forbidden(_("The producing unit and its authority compile the open catalog."))
    if open_type not in OpenType.values:
        raise ApplicationError(_("Unknown open type %(open_type)s.") % {"open_type": repr(open_type)})
    if open_type == OpenType.NOT_OPEN and not not_open_reason.strip():
        raise ApplicationError(_("Data that is not opened needs its reason (F11)."))
    rules = {name: rule for name, rule in (rules or {}).items() if rule}
    _check_rules(resource, rules)
    with transaction.atomic():
        entry = OpenEntry.objects.select_for_update().filter(resource=resource).first()
        if entry is not None and entry.status != OpenEntryStatus.PROPOSED:
            raise ApplicationError(_("This entry has been decided; ask the authority to change it."))
        created = entry is None
        entry = entry or OpenEntry(resource=resource, slug=resource.code.lower())
        entry.open_type, entry.not_open_reason = open_type, not_open_reason.strip()
        entry.tags = [t.strip().replace("|", " ") for t in (tags or []) if t.strip()]
        entry.tags_text = "".join(OpenEntry.tag_token(tag) for tag in entry.tags)
        entry.terms = terms.strip() or entry.terms or DEFAULT_TERMS
        entry.proposed_by, entry.proposed_at = actor, timezone.now()
        entry.save()
        entry.rules.all().delete()
        ItemRule.objects.bulk_create(ItemRule(entry=entry, item_name=n, rule=r) for n, r in rules.items())
        if created:
            OpenEntryChange.objects.create(
                entry=entry,
                action="propose",
                to_status=entry.status,
                open_type=open_type,
                actor=actor,
                reason=not_open_reason,
            )
        audit_record(
            action=AuditAction.OPEN_ENTRY_PROPOSE,
            actor=actor,
            request=request,
            target=entry,
            owner_unit=resource.producer,
            detail={"open_type": open_type, "rules": rules, "created": created},
        )
        if created:
            notify(
                recipients=reviewers_of(resource.producer.region_id),
                title=gettext_noop("Open catalog entry to decide: %(resource)s"),
                params={"resource": resource.name},
                url=f"/open/manage/{entry.pk}/",
            )
    return entry


def open_entry_count(*, entry: OpenEntry, field: str) -> None:
    """One more view or download: an UPDATE … SET n = n + 1, so concurrent visitors never lose a count."""
    OpenEntry.objects.filter(pk=entry.pk).update(**{field: F(field) + 1})


# --- the yearly review (Q6.1, G34, F12) -----------------------------------------------------------


def catalog_review_open(*, year: int | None = None) -> CatalogReview:
    """The year's review task listing every entry of the open catalog. Idempotent: a second run adds
    only entries made since."""
    year = year or timezone.localdate().year
    with transaction.atomic():
        review, created = CatalogReview.objects.get_or_create(year=year)
        have = set(review.items.values_list("entry_id", flat=True))
        new = [CatalogReviewItem(review=review, entry=e) for e in OpenEntry.objects.exclude(pk__in=have)]
        CatalogReviewItem.objects.bulk_create(new)
        if created:
            audit_record(action=AuditAction.OPEN_REVIEW_OPEN, target=review, detail={"entries": len(new)})
            notify(
                recipients=User.objects.filter(role_assignments__role=Role.REVIEWER).distinct(),
                title=gettext_noop("Open catalog review of %(year)s: %(count)s entries to decide"),
                params={"year": year, "count": len(new)},
                url=f"/open/manage/reviews/{year}/",
            )
    return review


def catalog_review_decide(
    *, item: CatalogReviewItem, actor: User, decision: str, note: str = "", request=None
) -> CatalogReviewItem:
    if decision not in ReviewDecision.values:
        raise ApplicationError(_("Decide one of: %(values)s.") % {"values": ", ".join(ReviewDecision.values)})
    entry = item.entry
    if not is_reviewer(actor, entry.resource):
        raise Forbidden(_("The data authority of the producer's region decides."))
    with transaction.atomic():
        item = (
            CatalogReviewItem.objects.select_for_update(of=("self",)).select_related("review").get(pk=item.pk)
        )
        if item.decision:
            raise ApplicationError(_("This entry has been decided in this year's review."))
        if decision == ReviewDecision.WITHDRAW:
            open_entry_transition(entry=entry, action="withdraw", actor=actor, reason=note, request=request)
        item.decision, item.note, item.decided_by, item.decided_at = decision, note, actor, timezone.now()
        item.save()
        OpenEntry.objects.filter(pk=entry.pk).update(last_reviewed_year=item.review.year)
        audit_record(
            action=AuditAction.OPEN_REVIEW_DECIDE,
            actor=actor,
            request=request,
            target=entry,
            owner_unit=entry.resource.producer,
            detail={"year": item.review.year, "decision": decision, "note": note},
        )
    return item
