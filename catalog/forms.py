from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dataplatform.core.models import Unit

from .item_names import item_flags_settle, item_names_clash_message, item_names_clashing
from .models import Classification, DataItem, Resource, ServiceMethod
from .serializers import ENTRY_FIELDS
from .snapshots import DATA_ITEM_FIELDS


class RelatedCodesField(forms.Field):
    """The related resource codes, one a line (or separated by commas)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        text = str(value or "")
        return [code.strip() for code in text.replace(",", "\n").splitlines() if code.strip()]


class ClassificationField(forms.ModelChoiceField):
    """The classification as a tree: each node indented by its level."""

    def label_from_instance(self, obj) -> str:
        return f"{'— ' * (obj.level - 1)}{obj.code} {obj.name}"


class ResourceForm(forms.ModelForm):
    service_methods = forms.MultipleChoiceField(
        label=_("Service methods"), choices=ServiceMethod.choices, widget=forms.CheckboxSelectMultiple
    )
    related_codes = RelatedCodesField(
        label=_("Related resource codes"), required=False, help_text=_("One code a line.")
    )
    classification = ClassificationField(
        label=_("Classification"), queryset=Classification.objects.exclude(category=""), required=False
    )
    holds_no_classified_data = forms.BooleanField(
        label=_("This entry holds no classified data (Q8.3)"),
        required=False,  # required to submit: the submission rules say so by field
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
        self.fields["code"].required = False
        self.fields["code"].help_text = _("Leave empty to have the platform give the national code.")
        self.fields["category"].required = False
        for name, field in self.fields.items():
            if name == "holds_no_classified_data":
                field.widget.attrs["class"] = "form-check-input"
            elif name != "service_methods":
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

    def clean(self) -> dict[str, Any]:
        return item_flags_settle(super().clean() or {})

    def validate_unique(self):
        pass  # unique within the entry: the formset and the service check all items together


class BaseDataItemFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        names = [
            form.cleaned_data.get("name")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("name")
        ]
        clashing = item_names_clashing(names)
        if clashing:
            raise forms.ValidationError(item_names_clash_message(clashing))


DataItemFormSet = forms.formset_factory(DataItemForm, formset=BaseDataItemFormSet, extra=2, can_delete=True)


class ReasonForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
