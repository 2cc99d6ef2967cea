"""/catalog/search/: the applicant's search page."""

from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from dataplatform.core.models import Unit
from dataplatform.core.models.units import PUBLIC_ORGANIZATION_KINDS
from dataplatform.core.request_types import AuthenticatedHttpRequest

from ..collection.services import legal_source_of, legal_sources
from ..models import Category, OpenType, ShareType
from .selectors import resource_search
from .text import CappedPaginator

PAGE_SIZE = 20
OTHER_CATALOGS_LIMIT = 5  # each provider's block: a glance, with a link to its own search


def _any(
    label: str | Promise, choices: Sequence[tuple[str, str | Promise]]
) -> list[tuple[str, str | Promise]]:
    return [("", label), *choices]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100, widget=forms.SearchInput)
    unit = forms.ModelChoiceField(
        label=_("Producing unit"),
        queryset=Unit.objects.exclude(kind__in=PUBLIC_ORGANIZATION_KINDS).filter(is_active=True),
        required=False,
        empty_label=_("Any unit"),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=_any(_("Any category"), Category.choices), required=False
    )
    share_type = forms.ChoiceField(
        label=_("Share type"), choices=_any(_("Any share type"), ShareType.choices), required=False
    )
    open_type = forms.ChoiceField(
        label=_("Open type"), choices=_any(_("Any open type"), OpenType.choices), required=False
    )
    item = forms.CharField(label=_("Data item"), required=False, max_length=100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
        self.fields["q"].widget.attrs["placeholder"] = _(
            "e.g. population, business registration, credit code"
        )


@login_required
def resource_search_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    page = None
    elsewhere: list = []
    if form.is_valid():
        params = {**form.cleaned_data, "unit": getattr(form.cleaned_data["unit"], "pk", None)}
        results = resource_search(user=request.user, **params)
        page = CappedPaginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        _mark_legal_sources(page)
        elsewhere = _other_catalogs(request.user, form.cleaned_data["q"])
    return render(request, "catalog/search.html", {"form": form, "page": page, "elsewhere": elsewhere})


def _other_catalogs(user, q: str) -> list:
    """What the CATALOG_SEARCH_PROVIDERS (settings) find for the same words: the other nodes' catalogs,
    shown under this node's entries. Each answers None or an object with ``title``, ``results`` and
    ``more_url``; the catalog knows none of the apps that register them."""
    if not q.split():
        return []
    found = (
        import_string(path)(user=user, q=q, limit=OTHER_CATALOGS_LIMIT)
        for path in settings.CATALOG_SEARCH_PROVIDERS
    )
    return [block for block in found if block is not None]


def _mark_legal_sources(page) -> None:
    """Each shown item with its legal source (Q3.1), so applicants ask the source, not a copy."""
    sources = legal_sources()
    for resource in page:
        for item in resource.items.all():
            item.legal_source = legal_source_of(sources, item)
