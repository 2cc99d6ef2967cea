"""The portal's page of the lower nodes' open data (Q6.3, F9): public, no login, like the rest of the portal.

It lists what the lower-level platforms (cities, counties) synced here (``open_sync``) and links to their own dataset pages and
downloads: the data stays with its origin.
"""

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from catalog.models import OpenType

from .models import Peer
from .open_sync import remote_datasets, remote_datasets_search, remote_origins

PAGE_SIZE = 20


def _peer_name(peer: Peer) -> str:
    return peer.name


class NetworkSearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100, widget=forms.SearchInput)
    origin = forms.ModelChoiceField(
        label=_("Platform"), queryset=Peer.objects.none(), required=False, empty_label=_("Any platform")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        origin = self.fields["origin"]
        assert isinstance(origin, forms.ModelChoiceField)
        origin.queryset = remote_origins()
        origin.label_from_instance = _peer_name  # type: ignore[method-assign,assignment]
        origin.widget.attrs["class"] = "form-select"
        self.fields["q"].widget.attrs.update(
            {"class": "form-control", "placeholder": _("e.g. 企业, 土地"), "id": "network-q"}
        )


def open_network(request: HttpRequest) -> HttpResponse:
    """Open data of the lower-level platforms: search, filter by platform, 20 a page."""
    form = NetworkSearchForm(request.GET)
    if form.is_valid():
        results = remote_datasets_search(q=form.cleaned_data["q"], origin=form.cleaned_data["origin"])
    else:
        results = remote_datasets().none()
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    open_types = dict(OpenType.choices)
    for dataset in page.object_list:
        dataset.open_type_label = open_types.get(dataset.open_type, dataset.open_type)  # type: ignore[attr-defined]
    context = {"form": form, "page": page, "dataset_total": remote_datasets().count()}
    return render(request, "federation/open_network.html", context)
