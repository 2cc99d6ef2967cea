"""The open-data portal (/open/): no login. Home with search, browsing and sorting, dataset pages,
downloads. Its pages are a public site of their own (opening/portal_base.html)."""

from django import forms
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, OpenType
from dataplatform.core.models import Unit
from dataplatform.core.site import absolute_url

from .downloads import FORMATS, download_response
from .models import DeidRule
from .portal import dataset_download, dataset_preview
from .public import public_dataset, public_datasets
from .selectors import PORTAL_SORTS, provenance, public_entries, public_entry, public_search


class PortalSearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100, widget=forms.SearchInput)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Any category")), *Category.choices], required=False
    )
    open_type = forms.ChoiceField(
        label=_("Open type"),
        choices=[
            ("", _("Any open type")),
            (OpenType.UNIVERSAL, OpenType.UNIVERSAL.label),
            (OpenType.ON_APPLICATION, OpenType.ON_APPLICATION.label),
        ],
        required=False,
    )
    tag = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)
    sort = forms.ChoiceField(label=_("Sort by"), choices=list(PORTAL_SORTS.items()), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"class": "form-control", "placeholder": _("e.g. 企业, 土地"), "id": "portal-q"}
        )
        for name in ("category", "open_type"):
            self.fields[name].widget.attrs["class"] = "form-select"
        # The sort box sits above the results, outside the search form's card, and belongs to it.
        self.fields["sort"].widget.attrs.update(
            {
                "class": "form-select form-select-sm w-auto",
                "id": "portal-sort",
                "form": "portal-search",
                "data-autosubmit": "",
            }
        )


def portal_home(request: HttpRequest) -> HttpResponse:
    form = PortalSearchForm(request.GET)
    results = public_search(**form.cleaned_data) if form.is_valid() else public_entries().none()
    entries = public_entries()
    categories = dict(Category.choices)
    shown = list(results[:100])
    context = {
        "form": form,
        "results": shown,
        "datasets": public_datasets(shown),  # what the page shows of them: reviewed content only
        "result_count": results.count(),
        "dataset_total": entries.count(),
        "active_filters": active_filters(request, form),
        "categories": [
            (row["resource__category"], categories.get(row["resource__category"], ""), row["n"])
            for row in entries.values("resource__category")
            .annotate(n=Count("id"))
            .order_by("resource__category")
        ],
        "units": Unit.objects.filter(resources__open_entry__in=entries)
        .annotate(n=Count("resources"))
        .order_by("name"),
    }
    return render(request, "opening/home.html", context)


def active_filters(request: HttpRequest, form: PortalSearchForm) -> list[tuple[str, str]]:
    """The unit and keyword a list is narrowed to (set by the browse links, kept by the search form as
    hidden fields): each with its label and the address of the same list without it."""
    if not form.is_valid():
        return []
    unit, tag = form.cleaned_data["unit"], form.cleaned_data["tag"]
    labels = {
        "unit": Unit.objects.filter(pk=unit).values_list("name", flat=True).first() if unit else None,
        "tag": tag or None,
    }
    filters = []
    for name, label in labels.items():
        if label:
            query = request.GET.copy()
            query.pop(name, None)
            filters.append((label, f"?{query.urlencode()}"))
    return filters


def item_rows(entry) -> list[tuple]:
    """Each reviewed data item with its de-identification rule (value, label), or none."""
    rules = dict(entry.rules.values_list("item_name", "rule"))
    return [
        (item, rules.get(item.name, ""), DeidRule(rules[item.name]).label if item.name in rules else "")
        for item in public_dataset(entry).items.all()
    ]


def dataset_page(request: HttpRequest, slug: str) -> HttpResponse:
    entry = public_entry(slug)
    view, preview = (None, []) if not entry.is_public else dataset_preview(entry=entry, request=request)
    entry.refresh_from_db(fields=["view_count", "download_count"])
    return render(
        request,
        "opening/dataset.html",
        {
            "entry": entry,
            "resource": public_dataset(entry),  # reviewed content only, never a revision's draft
            "view": view,
            "item_rows": item_rows(entry),
            "preview": [list(row.values()) for row in preview],
            "formats": list(FORMATS) if entry.is_downloadable else [],
            # At the platform's public address (SITE_URL), whatever host or proxy the request came through.
            "api_url": absolute_url(f"{reverse('ckan-action', args=['package_show'])}?id={entry.slug}"),
            "records_api_url": absolute_url(reverse("open-api-records", args=[entry.slug])),
        },
    )


def dataset_file(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    entry = public_entry(slug)
    if fmt not in FORMATS or not entry.is_downloadable:
        raise Http404
    view = dataset_download(entry=entry, fmt=fmt, request=request)
    url = absolute_url(reverse("open-dataset", args=[slug]))
    return download_response(entry, view, provenance(entry, url=url), fmt)
