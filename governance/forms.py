from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Resource
from dataplatform.core.models import IdentityStatus, Unit, User

from .models import DisputeMatter


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-control")


class ProjectForm(StyledForm):
    code = forms.CharField(label=_("Project code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    approving_unit = forms.ModelChoiceField(label=_("Approving department"), queryset=Unit.objects.none())
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    fiscal_funds = forms.BooleanField(label=_("Built with fiscal funds"), required=False, initial=True)
    assets = forms.CharField(
        label=_("Data assets the project will produce"),
        help_text=_("One per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, unit: Unit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["approving_unit"]).queryset = Unit.objects.filter(
            is_active=True
        ).exclude(pk=unit.pk)

    def clean_assets(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["assets"].splitlines() if line.strip()]


class AssetForm(StyledForm):
    name = forms.CharField(label=_("Data asset"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)


class AssetLinkForm(StyledForm):
    resource = forms.ModelChoiceField(
        label=_("Catalog entry"), queryset=Resource.objects.none(), required=False
    )

    def __init__(self, *args, unit: Unit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["resource"]).queryset = Resource.objects.filter(
            producer=unit
        )


class ObjectionForm(StyledForm):
    keys = forms.MultipleChoiceField(label=_("Records about you"), widget=forms.CheckboxSelectMultiple)
    items = forms.MultipleChoiceField(label=_("Wrong data items"), widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(
        label=_("What is wrong"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    proposed_value = forms.CharField(
        label=_("The value you believe is right"), max_length=500, required=False
    )
    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label=_("Evidence file"), required=False)

    def __init__(self, *args, keys: list[str], items: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["keys"]).choices = [(key, key) for key in keys]
        cast(forms.ChoiceField, self.fields["items"]).choices = [
            (item["name"], f"{item['label']} ({item['name']})") for item in items
        ]


class AuthorizationForm(StyledForm):
    grantee = forms.ModelChoiceField(
        label=_("Authorized unit"),
        queryset=Unit.objects.filter(is_active=True, identity_status=IdentityStatus.VERIFIED),
    )
    resources = forms.ModelMultipleChoiceField(
        label=_("Data"), queryset=Resource.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, resources: list[Resource], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["resources"]).queryset = Resource.objects.filter(
            pk__in=[r.pk for r in resources]
        )


class ComplaintForm(StyledForm):
    against = forms.ModelChoiceField(
        label=_("Unit complained of"), queryset=Unit.objects.filter(is_active=True, kind="government")
    )
    description = forms.CharField(label=_("Complaint"), widget=forms.Textarea(attrs={"rows": 3}))


class DisputeForm(StyledForm):
    other_party = forms.ModelChoiceField(label=_("Other unit"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    matter = forms.ChoiceField(label=_("Matter"), choices=DisputeMatter.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    documents = MultipleFileField(label=_("Documents"), required=False)

    def __init__(self, *args, unit: Unit, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["other_party"]).queryset = Unit.objects.filter(
            is_active=True, kind__in=("government", "authority", "tech_service")
        ).exclude(pk=unit.pk)


class IdentityForm(StyledForm):
    user = forms.ModelChoiceField(label=_("Citizen"), queryset=User.objects.filter(unit__isnull=True))
    id_number = forms.CharField(label=_("Resident ID number"), max_length=18)
    method = forms.CharField(label=_("How it was verified"), max_length=200)
