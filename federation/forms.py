"""The platform administrator's forms for peers: add or edit one, suspend one with a reason."""

from functools import partial
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dataplatform.core.models import Unit

from .models import Peer


def _style(form: forms.BaseForm) -> None:
    """Bootstrap's classes on every widget, so the templates render fields plainly."""
    for field in form.fields.values():
        widget = field.widget
        widget.attrs.setdefault(
            "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
        )


class PeerForm(forms.ModelForm):
    """A peer's identity as its administrator read it out: the key is trusted only once confirmed out of band."""

    class Meta:
        model = Peer
        fields = ["node_id", "name", "url", "level", "region", "public_key", "unit"]
        field_classes = {"url": partial(forms.URLField, assume_scheme="https")}
        help_texts = {
            "node_id": _("The peer's NODE_ID, such as fj-350000."),
            "url": _("The base address the peer's platform answers at; messages go to its /federation/v1/."),
            "region": _("The 6-digit administrative division code of the peer's region."),
            "public_key": _(
                "The peer's Ed25519 public key in base64 (44 characters). Confirm its fingerprint with the peer's "
                "administrator by telephone before saving."
            ),
            "unit": _(
                "The unit that acts for that node on this platform (back-flow applications); optional."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = Unit.objects.order_by("name")
        self.fields["public_key"].widget.attrs["spellcheck"] = "false"
        _style(self)


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Why the peer is no longer trusted for now: requests from it are refused until it is resumed."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class HelloForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
