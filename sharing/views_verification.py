"""The technical service unit's page for cross-verification rules (Q-A2.2: it makes the verification
models). The rules are JSON, as the API takes them; the page shows them and takes new ones."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalog.models import Resource
from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Role
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .models import VerificationRule
from .verification import verification_rule_create

EXAMPLE_INPUTS = [{"name": "id_number", "label": "公民身份号码"}, {"name": "name", "label": "姓名"}]
EXAMPLE_CHECKS = [
    {"name": "registered", "resource": 1, "match": {"id_number": "id_number", "full_name": "name"}}
]


@login_required
def verification_rules(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.EVALUATOR):
        raise PermissionDenied
    form = {
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
        "inputs": request.POST.get("inputs", json.dumps(EXAMPLE_INPUTS, ensure_ascii=False, indent=2)),
        "checks": request.POST.get("checks", json.dumps(EXAMPLE_CHECKS, ensure_ascii=False, indent=2)),
    }
    errors: list[str] = []
    if request.method == "POST":
        try:
            verification_rule_create(
                actor=request.user,
                name=form["name"].strip() or _("Unnamed rule"),
                description=form["description"],
                inputs=json.loads(form["inputs"]),
                checks=json.loads(form["checks"]),
            )
            messages.success(request, _("The rule is saved."))
            return redirect("sharing-verification-rules")
        except json.JSONDecodeError as exc:
            errors.append(_("Inputs and checks are JSON: %(error)s") % {"error": exc})
        except ValidationError as exc:
            errors.extend(exc.messages)
        except ApplicationError as exc:
            errors.append(exc.message)
    rules = list(VerificationRule.objects.select_related("created_by"))
    # The checks name their resources by id: the page says which ones.
    names = dict(
        Resource.objects.filter(pk__in={pk for rule in rules for pk in rule.resource_ids}).values_list(
            "pk", "name"
        )
    )
    rows = [
        (rule, [(check, names.get(check["resource"], check["resource"])) for check in rule.checks])
        for rule in rules
    ]
    return render(request, "sharing/verification_rules.html", {"rows": rows, "form": form, "errors": errors})
