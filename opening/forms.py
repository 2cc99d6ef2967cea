from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import OpenType
from dataplatform.core.models.units import UnitKind

from .models import DeidRule, UseKind


class ProposalForm(forms.Form):
    open_type = forms.ChoiceField(label=_("Open type"), choices=OpenType.choices)
    not_open_reason = forms.CharField(
        label=_("Reason for not opening"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    tags = forms.CharField(label=_("Keywords (comma-separated)"), required=False, max_length=300)
    terms = forms.CharField(label=_("Terms of use"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"rule_{item.name}"] = forms.ChoiceField(
                label=item.label,
                choices=[("", _("Shown as it is")), *DeidRule.choices],
                required=False,
            )
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def rules(self) -> dict[str, str]:
        return {item.name: self.cleaned_data.get(f"rule_{item.name}", "") for item in self.items}

    def tag_list(self) -> list[str]:
        return [t for t in self.cleaned_data["tags"].replace("，", ",").split(",") if t.strip()]


class ApplicationForm(forms.Form):
    scenario = forms.CharField(label=_("Application scenario"), widget=forms.Textarea(attrs={"rows": 3}))
    purpose = forms.CharField(label=_("Use"), widget=forms.Textarea(attrs={"rows": 3}))
    use_kind = forms.ChoiceField(label=_("Kind of use"), choices=UseKind.choices)
    requirements = forms.CharField(
        label=_("Requirements"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    declares_domestic_controlled = forms.BooleanField(
        label=_("We declare that our enterprise is domestic-controlled"), required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs["class"] = (
                    "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                )


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (k, UnitKind(k).label) for k in (UnitKind.ENTERPRISE, UnitKind.UNIVERSITY, UnitKind.RESEARCH)
        ],
    )
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    declares_domestic_controlled = forms.BooleanField(
        label=_("We declare that our enterprise is domestic-controlled"), required=False
    )
    real_name = forms.CharField(label=_("Data administrator's real name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    # Issue 18: checked by the data authority before the organization acts as itself.
    proof = forms.FileField(
        label=_("Registration document (business licence or legal-person certificate: PDF, JPEG or PNG)"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs["class"] = (
                    "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                )
