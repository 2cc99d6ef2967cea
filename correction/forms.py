from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DESCRIPTION_MAX_LENGTH


class ReportForm(forms.Form):
    """One form for a unit's report and for an objection; the service tells them apart by who sends it."""

    keys = forms.CharField(
        label=_("Record keys"),
        help_text=_("The key of each wrong record (an ID number, a credit code…), one per line."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    items = forms.MultipleChoiceField(
        label=_("Wrong data items"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    description = forms.CharField(
        label=_("What is wrong"),
        help_text=_("Briefly and precisely."),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    proposed_value = forms.CharField(
        label=_("The value you believe is right"), max_length=500, required=False
    )
    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label=_("Evidence file"), required=False)

    def __init__(self, *args, items: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["items"]).choices = [
            (item["name"], f"{item['label']} ({item['name']})") for item in items
        ]
        for name, field in self.fields.items():
            if name != "items":
                field.widget.attrs.setdefault("class", "form-control")

    def clean_keys(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["keys"].splitlines() if line.strip()]


class ActForm(forms.Form):
    action = forms.CharField()
    opinion = forms.CharField(required=False)
