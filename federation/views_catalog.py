"""The other nodes' catalogs, read-only: the upper node's entries, and those the lower nodes registered here.

Visible to the people who may search the local catalog (a government unit's, and the platform
administrators); anyone else gets 404, as the catalog answers them.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Category, ItemType, OpenType, ShareType, UpdateFrequency
from catalog.spreadsheet import COLUMNS
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .backflow import backflow_may_apply
from .cascade import remote_catalog_visible, remote_entries_search, remote_entry_for_user
from .models import Peer, RemoteEntry

PAGE_SIZE = 20

# The guide's elements (catalog.spreadsheet.COLUMNS) in the reader's language; in Chinese, the guide's own words.
COLUMN = "national catalog element"
COLUMN_LABELS = {
    "信息资源分类": pgettext_lazy(COLUMN, "Resource classification"),
    "信息资源名称": pgettext_lazy(COLUMN, "Resource name"),
    "信息资源代码": pgettext_lazy(COLUMN, "Resource code"),
    "信息资源提供方": pgettext_lazy(COLUMN, "Resource provider"),
    "信息资源提供方代码": pgettext_lazy(COLUMN, "Provider code"),
    "信息资源摘要": pgettext_lazy(COLUMN, "Resource summary"),
    "信息资源格式": pgettext_lazy(COLUMN, "Resource format"),
    "信息项名称": pgettext_lazy(COLUMN, "Data item name"),
    "数据类型": pgettext_lazy(COLUMN, "Data type"),
    "数据长度": pgettext_lazy(COLUMN, "Data length"),
    "共享类型": pgettext_lazy(COLUMN, "Share type"),
    "共享条件": pgettext_lazy(COLUMN, "Share conditions"),
    "共享方式": pgettext_lazy(COLUMN, "Share method"),
    "是否向社会开放": pgettext_lazy(COLUMN, "Open to the public"),
    "开放条件": pgettext_lazy(COLUMN, "Open conditions"),
    "更新周期": pgettext_lazy(COLUMN, "Update cycle"),
    "发布日期": pgettext_lazy(COLUMN, "Release date"),
    "关联资源代码": pgettext_lazy(COLUMN, "Related resource codes"),
    "信息项标识符": pgettext_lazy(COLUMN, "Data item identifier"),
    "是否主键": pgettext_lazy(COLUMN, "Key item"),
    "是否查询项": pgettext_lazy(COLUMN, "Query item"),
    "是否必填": pgettext_lazy(COLUMN, "Required"),
    "是否个人信息": pgettext_lazy(COLUMN, "Personal information"),
    "是否敏感信息": pgettext_lazy(COLUMN, "Sensitive information"),
    "共享依据": pgettext_lazy(COLUMN, "Share basis"),
    "分级": pgettext_lazy(COLUMN, "Grading"),
    "不含涉密数据声明": pgettext_lazy(COLUMN, "No classified data declaration"),
}


class RemoteCatalogForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100, widget=forms.SearchInput)
    origin = forms.ModelChoiceField(
        label=_("Origin node"),
        queryset=Peer.objects.filter(remote_entries__isnull=False).distinct(),
        required=False,
        empty_label=_("Any node"),
    )
    relation = forms.ChoiceField(
        label=_("Catalog"),
        choices=[
            ("", _("Every node's")),
            ("upper", _("The upper node's catalog")),
            ("lower", _("Registered by lower nodes")),
        ],
        required=False,
    )
    retired = forms.BooleanField(label=_("Include retired entries"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs["class"] = (
                    "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                )


@login_required
def remote_catalog(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not remote_catalog_visible(request.user):
        raise Http404
    form = RemoteCatalogForm(request.GET)
    entries = RemoteEntry.objects.none()
    if form.is_valid():
        data = form.cleaned_data
        entries = remote_entries_search(
            q=data["q"],
            origin=getattr(data["origin"], "pk", None),
            relation=data["relation"],
            retired=data["retired"],
        )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.share_type_label = choice_label(ShareType, entry.share_type)  # type: ignore[attr-defined]
    return render(request, "federation/catalog.html", {"form": form, "page": page})


@login_required
def remote_entry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = remote_entry_for_user(request.user, pk)
    if entry is None:
        raise Http404
    headers, rows = metadata_table(entry.metadata)
    items = [item for item in entry.snapshot.get("items", []) if isinstance(item, dict)]
    for item in items:
        item["type_label"] = choice_label(ItemType, item.get("item_type"))
    labels = {
        "category": choice_label(Category, entry.category),
        "share_type": choice_label(ShareType, entry.share_type),
        "open_type": choice_label(OpenType, entry.open_type),
        "update_frequency": choice_label(UpdateFrequency, entry.update_frequency),
    }
    context = {
        "entry": entry,
        "can_apply": backflow_may_apply(request.user, entry),
        "labels": labels,
        "items": items,
        "metadata_headers": headers,
        # A column this node's guide does not know keeps the origin's word.
        "metadata_labels": [COLUMN_LABELS.get(header, header) for header in headers],
        "metadata_rows": rows,
    }
    return render(request, "federation/remote_entry.html", context)


def choice_label(choices: type[models.TextChoices], value: object) -> str:
    """This node's words for the origin's value; the value itself when this node does not know it."""
    if not isinstance(value, str):
        return ""
    return str(choices(value).label) if value in choices.values else value


def metadata_table(metadata: list) -> tuple[list[str], list[list]]:
    """The guide's columns in the guide's order (jsonb does not keep the keys' order), then any column
    the origin sent that this node's guide does not know."""
    rows = [row for row in metadata if isinstance(row, dict)]
    present = {key for row in rows for key in row}
    headers = [column for column in COLUMNS if column in present]
    headers += sorted(present - set(COLUMNS))
    return headers, [[row.get(header, "") for header in headers] for row in rows]
