"""Who may see sharing applications, grants and verification rules. Outsiders get 404."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable
from django.http import Http404

from catalog.models import Resource, ServiceMethod
from dataplatform.core.models import Role
from dataplatform.core.people import regions_reviewed_by, working_unit_id

from .models import Application, ApplicationLine, ApplicationStatus, Grant, VerificationRule


def applications_visible_to(user) -> QuerySet[Application]:
    """The applying unit's people; the producers of the resources applied for, once submitted; the
    technical service unit; and the reviewers of the applicant's region or of the producers' regions."""
    applications = Application.objects.select_related("applicant_unit", "applicant")
    if not getattr(user, "is_authenticated", False) or getattr(user, "api_key", None) is not None:
        return applications.none()
    submitted = ~Q(status=ApplicationStatus.DRAFT)
    visible: Q | Combinable = Q(pk__in=[])
    if unit_id := working_unit_id(user):  # a role at the unit, not membership alone (issue 18)
        visible |= Q(applicant_unit=unit_id)
        visible |= submitted & _has_line(resource__producer=unit_id)
    # The platform administrators read every submitted application, as they do catalog entries and
    # correction tickets (and the supervision dashboard lists every unit's overdue ones to them).
    if user.has_role(Role.EVALUATOR, Role.PLATFORM_ADMIN):
        visible |= submitted
    if user.has_role(Role.REVIEWER):
        regions = regions_reviewed_by(user)
        visible |= submitted & (
            Q(applicant_unit__region__in=regions)
            | Q(applicant_unit__region__parent__in=regions)
            | _has_line(resource__producer__region__in=regions)
        )
    return applications.filter(visible)


def _has_line(**condition) -> Exists:
    """A line of the application meets ``condition``: a subquery, so that an application of several
    lines comes once and the query needs no DISTINCT."""
    return Exists(ApplicationLine.objects.filter(application=OuterRef("pk"), **condition))


def application_for_user(user, pk: int) -> Application:
    application = applications_visible_to(user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return application


def grants_visible_to(user) -> QuerySet[Grant]:
    """The holder, the producer of the data, and the authority of either."""
    grants = Grant.objects.select_related("unit", "resource__producer", "application")
    if not getattr(user, "is_authenticated", False):
        return grants.none()
    unit_id = working_unit_id(user)
    visible = Q(unit=unit_id) | Q(resource__producer=unit_id) if unit_id else Q(pk__in=[])
    if user.has_role(Role.REVIEWER):
        regions = regions_reviewed_by(user)
        visible |= Q(unit__region__in=regions) | Q(unit__region__parent__in=regions)
        visible |= Q(resource__producer__region__in=regions)
    return grants.filter(visible)


def grant_for_user(user, pk: int) -> Grant:
    grant = grants_visible_to(user).filter(pk=pk).first()
    if grant is None:
        raise Http404
    return grant


def verification_rules_visible_to(user) -> list[VerificationRule]:
    """The active rules ``user`` may know of (issue 18): every one to the technical service unit that makes
    them and to the platform's administrators; to a reviewer those checking data of the regions reviewed;
    to a unit (a person with a role there, or its API key) the rules it may call, holding a verification
    grant (in any state: a suspended one still says why a call is refused) for every resource a rule
    checks, and the rules that check its own data. Nobody else learns that a rule exists."""
    return _rules_known_to(user, VerificationRule.objects.filter(is_active=True))


def verification_rule_for_user(user, pk: int) -> VerificationRule:
    """A rule the caller may know of; "missing" and "not yours" answer the same 404."""
    found = _rules_known_to(user, VerificationRule.objects.filter(is_active=True, pk=pk))
    if not found:
        raise Http404
    return found[0]


def _rules_known_to(user, rules: QuerySet[VerificationRule]) -> list[VerificationRule]:
    if not getattr(user, "is_authenticated", False):
        return []
    if user.has_role(Role.EVALUATOR, Role.PLATFORM_ADMIN):
        return list(rules)
    rules_list = list(rules)
    checked = {pk for rule in rules_list for pk in rule.resource_ids}
    readable = Q(pk__in=[])
    granted: set[int] = set()
    if unit_id := working_unit_id(user):
        readable |= Q(producer=unit_id)
        granted = set(
            Grant.objects.filter(unit=unit_id, service_method=ServiceMethod.VERIFICATION).values_list(
                "resource_id", flat=True
            )
        )
    if user.has_role(Role.REVIEWER):
        regions = regions_reviewed_by(user)
        readable |= Q(producer__region__in=regions) | Q(producer__region__parent__in=regions)
    own = set(Resource.objects.filter(readable, pk__in=checked).values_list("pk", flat=True))
    return [rule for rule in rules_list if _callable_or_own(set(rule.resource_ids), granted, own)]


def _callable_or_own(checked: set[int], granted: set[int], own: set[int]) -> bool:
    return bool(checked) and (checked <= granted or bool(checked & own))
