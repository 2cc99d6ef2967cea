"""The back-flow pages (docs/federation.md §14, the lower node): a unit's applications for an upper node's
entries to flow back, the authority's reviews, and each application's timeline with the upper node's answers.
Interfaces only: the rules are in backflow.py. Anyone not party to an application gets 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dataplatform.core.pages import page_action
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .backflow import (
    backflow_act,
    backflow_actions,
    backflow_create,
    backflow_for_user,
    backflow_may_apply,
    backflow_visible,
    backflows_of_unit,
    backflows_to_review,
    entry_items,
    step_title,
)
from .cascade import remote_entry_for_user
from .models import BackflowStatus, ExportPhase, RemoteEntry

OPEN = (BackflowStatus.COUNTY_REVIEW, BackflowStatus.CITY_REVIEW)


class BackflowForm(forms.Form):
    items = forms.MultipleChoiceField(label=gettext_lazy("Data items"), widget=forms.CheckboxSelectMultiple)
    business_matter = forms.CharField(label=gettext_lazy("Business matter"), max_length=200)
    scenario = forms.CharField(
        label=gettext_lazy("Application scenario"), widget=forms.Textarea(attrs={"rows": 3})
    )
    basis = forms.CharField(
        label=gettext_lazy("Basis in law or policy"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    end_date = forms.DateField(label=gettext_lazy("End date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, entry: RemoteEntry, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offered = entry_items(entry)
        self.key_items = [item["name"] for item in offered if item.get("is_key")]
        items = self.fields["items"]
        assert isinstance(items, forms.MultipleChoiceField)
        items.choices = [
            (item["name"], f"{item.get('label') or item['name']} ({item['name']})") for item in offered
        ]
        items.initial = self.key_items
        for name, field in self.fields.items():
            if name != "items":
                field.widget.attrs["class"] = "form-control"


@login_required
def backflow_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The reviews this person's authority owes first, then the unit's own applications."""
    if not backflow_visible(request.user):
        raise Http404
    return render(
        request,
        "federation/backflow_list.html",
        {
            "to_review": list(backflows_to_review(request.user)),
            "mine": list(backflows_of_unit(request.user)),
            "today": timezone.localdate(),
        },
    )


@login_required
def backflow_new(request: AuthenticatedHttpRequest, entry_pk: int) -> HttpResponse:
    entry = remote_entry_for_user(request.user, entry_pk)
    if entry is None or not backflow_may_apply(request.user, entry):
        raise Http404
    form = BackflowForm(request.POST or None, entry=entry)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = page_action(
            request,
            lambda: backflow_create(
                actor=request.user,
                remote_entry=entry,
                items=data["items"],
                business_matter=data["business_matter"],
                scenario=data["scenario"],
                basis=data["basis"],
                end_date=data["end_date"],
            ),
            form=form,
            success=_("Applied: the authority reviews the back-flow application."),
        )
        if created is not None:
            return redirect(reverse("federation-backflow", args=[created.pk]))
    return render(request, "federation/backflow_form.html", {"entry": entry, "form": form})


@login_required
def backflow_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The application, its timeline (the upper node's answers marked as its own) and the buttons; a POST
    takes one of the buttons' actions."""
    backflow = backflow_for_user(request.user, pk)
    if backflow is None:
        raise Http404
    if request.method == "POST":
        acted = page_action(
            request,
            lambda: backflow_act(
                request=backflow,
                action=request.POST.get("action", ""),
                actor=request.user,
                reason=request.POST.get("reason", ""),
                http_request=request,
            ),
        )
        if acted is not None:
            messages.success(
                request,
                _("Done: the application is now %(status)s.") % {"status": acted.get_status_display()},
            )
        return redirect(reverse("federation-backflow", args=[pk]))
    labels = {item["name"]: item.get("label") or item["name"] for item in entry_items(backflow.remote_entry)}
    steps = [(step, step_title(step)) for step in backflow.steps.select_related("actor__unit")]
    return render(
        request,
        "federation/backflow_detail.html",
        {
            "backflow": backflow,
            "items": [(name, labels.get(name, name)) for name in backflow.items],
            "steps": steps,
            "transfer_phase": ExportPhase(backflow.transfer_phase).label if backflow.transfer_phase else "",
            "actions": backflow_actions(request.user, backflow),
            "is_late": backflow.status in OPEN
            and backflow.due is not None
            and backflow.due < timezone.localdate(),
        },
    )
