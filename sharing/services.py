"""Writes for sharing: applications, grants and usage reports; and the timers that watch deadlines."""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from catalog.access import resources_visible_to
from dataplatform.core.actors import Actor, acts_for
from dataplatform.core.business_days import add_business_days
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import User
from dataplatform.core.notifications import notify
from dataplatform.core.people import data_admins, is_government_staff, reviewers_of

from .models import (
    OPEN_STATUSES,
    Application,
    ApplicationLine,
    ApplicationStatus,
    Attachment,
    DeadlineMiss,
    Grant,
    GrantStatus,
    UsageReport,
)
from .workflow import GRANT_MOVES, city_region, data_owner, grant_act, grant_expire, owers

EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)
APPLICATION_FIELDS = (
    "business_matter",
    "scenario",
    "information_system",
    "service_method",
    "scope",
    "end_date",
)
USAGE_REPORT_INTERVAL = dt.timedelta(days=90)  # G46: applicants report their use periodically


def _set_lines(application: Application, actor: User, lines: Iterable[dict], *, new: bool = False) -> None:
    """Replace the application's lines (``new``: it has none yet)."""
    lines = list(lines)
    # Which of the resources asked for the actor may apply for: one query for all the lines.
    applicable = set(
        resources_visible_to(actor)
        .filter(pk__in=[line["resource"].pk for line in lines], published_version__isnull=False)
        .values_list("pk", flat=True)
    )
    if not new:
        application.lines.all().delete()
    seen = set()
    rows = []
    for line in lines:
        resource = line["resource"]
        if resource.pk not in applicable:
            raise ValidationError(
                {"lines": [_("No published resource %(pk)s is visible to you.") % {"pk": resource.pk}]}
            )
        if resource.pk in seen:
            raise ValidationError(
                {"lines": [_("%(resource)s is listed twice.") % {"resource": resource.name}]}
            )
        seen.add(resource.pk)
        items = list(dict.fromkeys(line.get("items") or []))
        rows.append(ApplicationLine(application=application, resource=resource, items=items))
    ApplicationLine.objects.bulk_create(rows)


def application_create(*, actor: User, lines: Iterable[dict] = (), request=None, **fields) -> Application:
    if not is_government_staff(actor):
        raise ApplicationError(_("Sharing applications are made by a government unit's data administrator."))
    application = Application(applicant_unit=actor.unit, applicant=actor, **fields)
    # The applicant and its unit are the actor and the unit just read with it: no need to ask whether they exist.
    application.full_clean(exclude=["due", "applicant", "applicant_unit"])
    with transaction.atomic():
        application.save()
        _set_lines(application, actor, lines, new=True)
        audit_record(action="application.create", actor=actor, request=request, target=application)
    return application


def application_update(
    *, actor: User, application: Application, lines: Iterable[dict] | None = None, request=None, **fields
) -> Application:
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status not in EDITABLE:
            raise ApplicationError(_("Only a draft or a returned application can be changed."))
        for name, value in fields.items():
            if name in APPLICATION_FIELDS:
                setattr(application, name, value)
        application.full_clean(exclude=["due"])
        application.save()
        if lines is not None:
            _set_lines(application, actor, lines)
        audit_record(action="application.update", actor=actor, request=request, target=application)
    return application


def attachment_add(*, actor: User, application: Application, title: str, file, request=None) -> Attachment:
    if application.status not in EDITABLE:
        raise ApplicationError(_("Attachments are added before submission."))
    if file.size > settings.ATTACHMENT_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(size)s MB.") % {"size": settings.ATTACHMENT_MAX_BYTES // 2**20}
        )
    with transaction.atomic():
        # Without a title, the file's name stands in, cut to the title's length.
        title = title or file.name[: Attachment._meta.get_field("title").max_length]
        attachment = Attachment.objects.create(application=application, title=title, file=file)
        audit_record(
            action="application.attach",
            actor=actor,
            request=request,
            target=application,
            detail={"file": file.name},
        )
    return attachment


# --- grants ----------------------------------------------------------------------------------------


def grant_change(*, actor: Actor, grant: Grant, move: str, reason: str, request=None) -> Grant:
    """Suspend, resume or end a grant on misuse (Q5.10, FB34); a reason is always given. ``actor`` None
    is the platform itself (misuse detection)."""
    if move not in GRANT_MOVES:
        raise ApplicationError(_("Unknown change %(move)s.") % {"move": repr(move)})
    return grant_act(grant=grant, action=move, actor=actor, reason=reason, request=request)


def grants_expire(today: dt.date | None = None) -> int:
    """Timer: a grant past its end date expires by itself."""
    today = today or timezone.localdate()
    expired = 0
    for grant in Grant.objects.filter(
        status__in=(GrantStatus.ACTIVE, GrantStatus.SUSPENDED), end_date__lt=today
    ).only("pk"):
        try:
            grant_expire(grant, today)
        except ApplicationError:
            continue  # changed meanwhile (ended, or given a later end date); the lock made it see so
        expired += 1
    return expired


def usage_report_file(*, actor: User, grant: Grant, request=None, **fields) -> UsageReport:
    if not acts_for(actor, grant.unit_id):
        raise ApplicationError(_("The grant holder's data administrator files its usage reports."))
    report = UsageReport(grant=grant, filed_by=actor, **fields)
    report.full_clean()
    if report.period_end < report.period_start:
        raise ApplicationError(_("The period ends before it starts."))
    with transaction.atomic():
        report.save()
        audit_record(
            action="grant.usage_report",
            actor=actor,
            request=request,
            target=grant,
            owner_unit=grant.resource.producer,
        )
    return report


def usage_reports_remind(now: dt.datetime | None = None) -> int:
    """Timer: remind holders of active grants with no report in the last interval, once per interval."""
    now = now or timezone.now()
    cutoff = now - USAGE_REPORT_INTERVAL
    reminded = 0
    for grant in Grant.objects.filter(status=GrantStatus.ACTIVE, granted_at__lt=cutoff).select_related(
        "resource"
    ):
        if grant.usage_reports.filter(filed_at__gte=cutoff).exists():
            continue
        not_reminded = Q(usage_reminded_at__isnull=True) | Q(usage_reminded_at__lt=cutoff)
        if not Grant.objects.filter(not_reminded, pk=grant.pk).update(usage_reminded_at=now):
            continue
        notify(
            recipients=data_admins(grant.unit_id),
            title=gettext_noop("Report how the data is used: %(resource)s"),
            params={"resource": grant.resource.name},
            url="/sharing/grants/",
        )
        reminded += 1
    return reminded


# --- deadlines -------------------------------------------------------------------------------------


def applications_remind(today: dt.date | None = None) -> int:
    """Timer: one business day before a step is due, remind whoever owes it. Once per step."""
    today = today or timezone.localdate()
    horizon = add_business_days(today, 1).date
    reminded = 0
    for application in Application.objects.filter(
        status__in=OPEN_STATUSES, due__isnull=False, due__lte=horizon, reminded_at__isnull=True
    ):
        # Claim first (compare-and-swap), so that a second timer run sends nothing twice.
        if not Application.objects.filter(
            pk=application.pk, reminded_at__isnull=True, due=application.due
        ).update(reminded_at=timezone.now()):
            continue
        notify(
            recipients=owers(application),
            title=gettext_noop("Sharing application due on %(due)s: %(application)s"),
            params={"due": application.due, "application": application},
            url=f"/sharing/applications/{application.pk}/",
        )
        reminded += 1
    return reminded


def applications_mark_overdue(today: dt.date | None = None) -> int:
    """Timer: on the day after the due date, mark the step overdue and escalate to the authority."""
    today = today or timezone.localdate()
    marked = 0
    for application in Application.objects.filter(
        status__in=OPEN_STATUSES, due__lt=today, overdue_since__isnull=True
    ).select_related("applicant_unit__region"):
        if not Application.objects.filter(
            pk=application.pk, overdue_since__isnull=True, due=application.due
        ).update(overdue_since=timezone.now()):
            continue
        owing = owers(application)
        DeadlineMiss.objects.get_or_create(
            application=application,
            status=application.status,
            due=application.due,
            defaults={"owing_unit": owing[0].unit if owing else None},
        )
        audit_record(
            action="application.overdue",
            target=application,
            owner_unit=data_owner(application),
            detail={"status": application.status},
        )
        notify(
            recipients=reviewers_of(city_region(application.applicant_unit.region)),
            title=gettext_noop("Overdue: %(application)s (%(status)s, due by %(due)s)"),
            params={
                "application": application,
                "status": ApplicationStatus(application.status).label,
                "due": application.due,
            },
            url=f"/sharing/applications/{application.pk}/",
        )
        marked += 1
    return marked
