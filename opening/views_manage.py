"""/open/manage/: producers propose, the authority decides, withdraws and reviews the open catalog yearly."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.models import Resource
from catalog.workflow import is_producer, is_reviewer
from dataplatform.core.pages import page_action
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .access import entries_managed_by, entry_for_manager, resources_to_propose
from .forms import ProposalForm
from .models import CatalogReview, CatalogReviewItem, DeidRule, OpenEntry, OpenEntryStatus
from .services import catalog_review_decide, open_entry_propose
from .workflow import ACTIONS, allowed_actions, open_entry_transition


@login_required
def manage_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    entries = entries_managed_by(request.user)
    return render(
        request,
        "opening/manage.html",
        {
            "entries": entries.order_by("status", "slug"),
            "to_propose": resources_to_propose(request.user),
            "review": CatalogReview.objects.first(),
        },
    )


@login_required
def proposal_edit(request: AuthenticatedHttpRequest, resource_pk: int) -> HttpResponse:
    resource = get_object_or_404(Resource.objects.select_related("producer"), pk=resource_pk)
    if not (is_producer(request.user, resource) or is_reviewer(request.user, resource)):
        raise Http404
    entry = OpenEntry.objects.filter(resource=resource).first()
    if entry is not None and entry.status != OpenEntryStatus.PROPOSED:
        return redirect("open-manage-entry", entry.pk)
    initial = {"open_type": resource.open_type, "not_open_reason": resource.not_open_reason}
    if entry is not None:
        initial = {
            "open_type": entry.open_type,
            "not_open_reason": entry.not_open_reason,
            "tags": ", ".join(entry.tags),
            "terms": entry.terms,
            **{f"rule_{r.item_name}": r.rule for r in entry.rules.all()},
        }
    items = list(resource.items.all())
    form = ProposalForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        entry = page_action(
            request,
            lambda: open_entry_propose(
                actor=request.user,
                resource=resource,
                open_type=form.cleaned_data["open_type"],
                rules=form.rules(),
                not_open_reason=form.cleaned_data["not_open_reason"],
                tags=form.tag_list(),
                terms=form.cleaned_data["terms"],
                request=request,
            ),
            form=form,
        )
        if entry is not None:
            return redirect("open-manage-entry", entry.pk)
    return render(request, "opening/proposal_form.html", {"resource": resource, "form": form, "items": items})


@login_required
def entry_manage(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_for_manager(request.user, pk)
    return render(
        request,
        "opening/manage_entry.html",
        {
            "entry": entry,
            "items": entry.resource.items.all(),
            "rules": {name: DeidRule(rule) for name, rule in entry.rules.values_list("item_name", "rule")},
            "actions": allowed_actions(request.user, entry),
            "changes": entry.changes.select_related("actor"),
            "can_amend": entry.status == OpenEntryStatus.PROPOSED,
        },
    )


@login_required
@require_POST
def entry_action(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = entry_for_manager(request.user, pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Http404
    page_action(
        request,
        lambda: open_entry_transition(
            entry=entry,
            action=action,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            open_type=request.POST.get("open_type", ""),
            request=request,
        ),
        success=_("Done."),
    )
    return redirect("open-manage-entry", pk)


@login_required
def review_page(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    review = get_object_or_404(CatalogReview, year=year)
    managed = entries_managed_by(request.user).values("pk")
    if request.method == "POST":
        item = get_object_or_404(
            CatalogReviewItem, pk=request.POST.get("item"), review=review, entry__in=managed
        )
        page_action(
            request,
            lambda: catalog_review_decide(
                item=item,
                actor=request.user,
                decision=request.POST.get("decision", ""),
                note=request.POST.get("note", ""),
                request=request,
            ),
        )
        return redirect("open-manage-review", year)
    items = review.items.filter(entry__in=managed).select_related("entry__resource__producer", "decided_by")
    return render(request, "opening/review.html", {"review": review, "items": items})
