"""Forms of the sharing pages: the application wizard, the data-item picker, usage reports."""

from collections.abc import Iterable
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import DataItem, Resource, ServiceMethod, ShareType

from .models import UsageReport

# Titles the papers of a verification application are filed under (Q-A2.1); data, like the demo's.
REQUIREMENTS_TITLE = "应用需求"
TECHNICAL_PLAN_TITLE = "技术方案"


def offered_methods(resources: Iterable[Resource]) -> list[str]:
    """The service methods every chosen resource offers; not-shared data is usable but invisible,
    through cross-verification only (Q5.4, F16). Submission checks the same again."""
    methods = list(ServiceMethod.values)
    for resource in resources:
        offered = set(resource.service_methods)
        if resource.share_type == ShareType.NOT_SHARED:
            offered &= {ServiceMethod.VERIFICATION}
        methods = [method for method in methods if method in offered]
    return methods


class ResourceSearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100, widget=forms.SearchInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {
                "class": "form-control",
                "placeholder": _("e.g. social insurance, business registration, population"),
            }
        )


class ApplicationForm(forms.Form):
    """Steps 3 and 4: the service method, the business details and the papers."""

    service_method = forms.ChoiceField(label=_("Service method"), widget=forms.RadioSelect)
    business_matter = forms.CharField(label=_("Business matter"), max_length=200)
    scenario = forms.CharField(label=_("Application scenario"), widget=forms.Textarea(attrs={"rows": 3}))
    information_system = forms.CharField(label=_("Information system that will use the data"), max_length=200)
    scope = forms.CharField(
        label=_("Scope"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who will use the data, for which area and roughly how much."),
    )
    end_date = forms.DateField(
        label=_("End date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    requirements = forms.FileField(label=_("Requirements"), required=False)
    technical_plan = forms.FileField(label=_("Technical plan"), required=False)
    other_paper = forms.FileField(label=_("Other paper"), required=False)

    PAPERS = ("requirements", "technical_plan", "other_paper")

    def __init__(self, *args, methods: list[str], has_papers: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.has_papers = has_papers
        cast(forms.ChoiceField, self.fields["service_method"]).choices = [
            (m, ServiceMethod(m).label) for m in methods
        ]
        if len(methods) == 1:
            self.fields["service_method"].initial = methods[0]
        for name, field in self.fields.items():
            if name == "service_method":
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs.setdefault("class", "form-control")

    def clean_end_date(self):
        end_date = self.cleaned_data["end_date"]
        if end_date <= timezone.localdate():
            raise ValidationError(_("The end date must be in the future."))
        return end_date

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("service_method") == ServiceMethod.VERIFICATION and not self.has_papers:
            # Q-A2.1: a verification application uploads its requirements and technical plan.
            for name in ("requirements", "technical_plan"):
                if not data.get(name):
                    self.add_error(name, _("A cross-verification application uploads this paper."))
        return data

    def papers(self) -> list[tuple[str, UploadedFile]]:
        titles = {"requirements": REQUIREMENTS_TITLE, "technical_plan": TECHNICAL_PLAN_TITLE}
        return [
            (titles.get(name, self.cleaned_data[name].name), self.cleaned_data[name])
            for name in self.PAPERS
            if self.cleaned_data.get(name)
        ]


class LineForm(forms.Form):
    """Step 2 for one resource: its data items picked one by one, none by default (最少够用)."""

    items = forms.MultipleChoiceField(label=_("Data items"), required=False)
    remove = forms.BooleanField(label=_("Remove this resource from the application"), required=False)

    def __init__(self, *args, resource: Resource, removable: bool = False, **kwargs) -> None:
        # args holds at most data and files: the prefix is always this form's own.
        super().__init__(*args, prefix=f"line-{resource.pk}", **kwargs)  # type: ignore[misc]
        self.resource = resource
        self.data_items: list[DataItem] = list(resource.items.all())
        cast(forms.ChoiceField, self.fields["items"]).choices = [
            (item.name, item.label) for item in self.data_items
        ]
        if removable:
            self.fields["remove"].widget.attrs["class"] = "form-check-input"
        else:
            del self.fields["remove"]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("remove") and not data.get("items"):
            raise ValidationError(_("Tick the data items you need, one by one (minimum necessary)."))
        return data

    @property
    def kept(self) -> bool:
        return not self.cleaned_data.get("remove")

    @property
    def items_name(self) -> str:
        return self.add_prefix("items")

    def rows(self) -> list[tuple[DataItem, bool]]:
        chosen = set(self["items"].value() or [])
        return [(item, item.name in chosen) for item in self.data_items]


class UsageReportForm(forms.ModelForm):
    class Meta:
        model = UsageReport
        fields = [
            "period_start",
            "period_end",
            "purpose",
            "users",
            "approver",
            "data_content",
            "method",
            "medium",
        ]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "users": forms.Textarea(attrs={"rows": 2}),
            "data_content": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
