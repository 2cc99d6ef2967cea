from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dataplatform.core.models import Unit

from .models import DataItem, Resource, ServiceMethod
from .serializers import ENTRY_FIELDS
from .snapshots import DATA_ITEM_FIELDS


class ResourceForm(forms.ModelForm):
    service_methods = forms.MultipleChoiceField(
        label=_("Service methods"), choices=ServiceMethod.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Resource
        fields = ENTRY_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "share_conditions": forms.Textarea(attrs={"rows": 2}),
            "share_basis": forms.Textarea(attrs={"rows": 2}),
            "not_open_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        government = Unit.objects.filter(is_active=True).exclude(
            kind__in=["enterprise", "university", "research"]
        )
        for unit_field in ("collecting_unit", "approving_unit", "providing_unit"):
            cast(forms.ModelChoiceField, self.fields[unit_field]).queryset = government
        for name, field in self.fields.items():
            if name != "service_methods":
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def validate_unique(self):
        pass  # the service reports a duplicate code with a clear message


class DataItemForm(forms.ModelForm):
    class Meta:
        model = DataItem
        fields = DATA_ITEM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"

    def validate_unique(self):
        pass  # unique within the entry: the service checks all items together


DataItemFormSet = forms.formset_factory(DataItemForm, extra=2, can_delete=True)


class ReasonForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
