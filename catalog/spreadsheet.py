"""The catalog as the spreadsheet units fill in (政务信息资源目录编制指南, core metadata of GB/T 21063.3):
one row per data item, the guide's elements in the guide's order and words, then the platform's extended
elements (which make an export import back to the same entries). XLSX, and CSV.

An import is all or nothing: every row is checked, and either every entry is created or updated as a
draft of the importing unit, or nothing is and the refusal lists each row's errors.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from dataplatform.core.errors import ApplicationError
from dataplatform.core.models import Unit, User
from dataplatform.core.spreadsheets import spreadsheet_row

from .models import (
    Classification,
    DataFormat,
    GradingLevel,
    ItemType,
    OpenType,
    Resource,
    ServiceMethod,
    ShareType,
    UpdateFrequency,
)
from .services import EDITABLE, resource_create, resource_update

# The guide's core elements, in its order and words.
CORE_COLUMNS = [
    "信息资源分类",
    "信息资源名称",
    "信息资源代码",
    "信息资源提供方",
    "信息资源提供方代码",
    "信息资源摘要",
    "信息资源格式",
    "信息项名称",
    "数据类型",
    "数据长度",
    "共享类型",
    "共享条件",
    "共享方式",
    "是否向社会开放",
    "开放条件",
    "更新周期",
    "发布日期",
    "关联资源代码",
]
# Extended elements (GB/T 21063.3 allows them): what the platform needs besides the core.
EXTENDED_COLUMNS = [
    "信息项标识符",
    "是否主键",
    "是否查询项",
    "是否必填",
    "是否个人信息",
    "是否敏感信息",
    "共享依据",
    "分级",
    "不含涉密数据声明",
]
COLUMNS = CORE_COLUMNS + EXTENDED_COLUMNS

FORMAT_WORDS = {DataFormat.TABLE: "数据库", DataFormat.FILE: "电子文件", DataFormat.INTERFACE: "接口"}
# The guide's data types, with their letters.
TYPE_WORDS = {
    ItemType.STRING: "字符型C",
    ItemType.INTEGER: "整型I",
    ItemType.DECIMAL: "数值型N",
    ItemType.DATE: "日期型D",
    ItemType.DATETIME: "日期时间型T",
    ItemType.BOOLEAN: "逻辑型L",
}
SHARE_WORDS = {
    ShareType.UNCONDITIONAL: "无条件共享",
    ShareType.CONDITIONAL: "有条件共享",
    ShareType.NOT_SHARED: "不予共享",
}
SHARE_SYNONYMS = {"暂不共享": ShareType.NOT_SHARED}  # the Quanzhou rules' word
METHOD_WORDS = {
    ServiceMethod.INTERFACE: "接口服务",
    ServiceMethod.VERIFICATION: "核验比对",
    ServiceMethod.BULK_EXCHANGE: "批量交换",
}
FREQUENCY_WORDS = {
    UpdateFrequency.REALTIME: "实时",
    UpdateFrequency.DAILY: "每日",
    UpdateFrequency.WEEKLY: "每周",
    UpdateFrequency.MONTHLY: "每月",
    UpdateFrequency.QUARTERLY: "每季度",
    UpdateFrequency.YEARLY: "每年",
}
ON_APPLICATION = "依申请开放"
YES, NO = "是", "否"
LIST_SEPARATOR = "；"


# --- export ---------------------------------------------------------------------------------------


def catalog_rows(resources: Iterable[Resource]) -> Iterator[list[Any]]:
    """One spreadsheet row per data item of each entry, in ``COLUMNS`` order."""
    for row in catalog_records(resources):
        # Names and descriptions are the units' own text: never let a spreadsheet run them.
        yield spreadsheet_row(row.get(column, "") for column in COLUMNS)


def catalog_records(resources: Iterable[Resource]) -> Iterator[dict[str, Any]]:
    """One record per data item of each entry, by the guide's column names, the values as they are (the
    catalog cascade's national metadata: no spreadsheet reads it)."""
    for resource in resources:
        provider = resource.provider
        opened = resource.open_type != OpenType.NOT_OPEN
        entry = {
            "信息资源分类": _classification_cell(resource.classification),
            "信息资源名称": resource.name,
            "信息资源代码": resource.code,
            "信息资源提供方": provider.name,
            "信息资源提供方代码": provider.credit_code,
            "信息资源摘要": resource.description,
            "信息资源格式": FORMAT_WORDS[DataFormat(resource.data_format)],
            "共享类型": SHARE_WORDS[ShareType(resource.share_type)],
            "共享条件": resource.share_conditions,
            "共享方式": "、".join(METHOD_WORDS[ServiceMethod(m)] for m in resource.service_methods),
            "是否向社会开放": YES if opened else NO,
            "开放条件": _open_condition(resource),
            "更新周期": FREQUENCY_WORDS[UpdateFrequency(resource.update_frequency)],
            "发布日期": resource.published_at.date().isoformat() if resource.published_at else "",
            "关联资源代码": LIST_SEPARATOR.join(resource.related_codes),
            "共享依据": resource.share_basis,
            "分级": resource.grading_level,
            "不含涉密数据声明": YES if resource.holds_no_classified_data else NO,
        }
        for item in resource.items.all():
            row = {
                **entry,
                "信息项名称": item.label,
                "数据类型": TYPE_WORDS[ItemType(item.item_type)],
                "数据长度": item.length or "",
                "信息项标识符": item.name,
                "是否主键": YES if item.is_key else NO,
                "是否查询项": YES if item.is_query else NO,
                "是否必填": YES if item.required else NO,
                "是否个人信息": YES if item.is_personal else NO,
                "是否敏感信息": YES if item.is_sensitive else NO,
            }
            yield {column: row.get(column, "") for column in COLUMNS}


def _classification_cell(node: Classification | None) -> str:
    return f"{node.code} {node.name}" if node else ""


def _open_condition(resource: Resource) -> str:
    if resource.open_type == OpenType.ON_APPLICATION:
        return ON_APPLICATION
    if resource.open_type == OpenType.NOT_OPEN:
        return resource.not_open_reason
    return ""


def catalog_export_xlsx(resources: Iterable[Resource]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = "政务信息资源目录"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in catalog_rows(resources):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def catalog_export_csv(resources: Iterable[Resource]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(catalog_rows(resources))
    return out.getvalue().encode("utf-8-sig")  # with the BOM, spreadsheet programs read it as UTF-8


def spreadsheet_response(content: bytes, *, as_csv: bool) -> HttpResponse:
    kind = "csv" if as_csv else "xlsx"
    content_type = (
        "text/csv; charset=utf-8"
        if as_csv
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="catalog.{kind}"'
    return response


# --- import ---------------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportedEntry:
    rows: list[int]
    fields: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CatalogImport:
    created: list[Resource]
    updated: list[Resource]


def catalog_read(content: bytes, *, filename: str) -> list[dict[str, str]]:
    """The sheet's rows as {header: text}; the first row is the header."""
    if filename.lower().endswith(".csv"):
        text = content.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
    else:
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ApplicationError(_("The file is not an XLSX workbook or a CSV file.")) from exc
        sheet = workbook.worksheets[0]
        table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    if not table:
        raise ApplicationError(_("The spreadsheet is empty."))
    header = [cell.strip() for cell in table[0]]
    missing = [column for column in CORE_COLUMNS if column not in header]
    if missing:
        raise ApplicationError(
            _("The spreadsheet lacks the columns: %(missing)s.") % {"missing": ", ".join(missing)}
        )
    return [
        {column: (row[i].strip() if i < len(row) else "") for i, column in enumerate(header)}
        for row in table[1:]
        if any(cell.strip() for cell in row)
    ]


def catalog_import(*, actor: User, unit: Unit, content: bytes, filename: str, request=None) -> CatalogImport:
    """Create or update ``unit``'s draft entries from a catalog spreadsheet; all or nothing."""
    rows = catalog_read(content, filename=filename)
    errors: list[RowError] = []
    entries = _entries_from_rows(rows, unit=unit, errors=errors)
    result = CatalogImport(created=[], updated=[])
    with transaction.atomic():
        if not errors:
            _save_entries(entries, actor=actor, unit=unit, request=request, errors=errors, result=result)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ApplicationError(
            _("The spreadsheet has errors; nothing was imported."),
            extra={"rows": [error.as_dict() for error in sorted(errors, key=lambda e: e.row)]},
        )
    return result


def _entries_from_rows(
    rows: list[dict[str, str]], *, unit: Unit, errors: list[RowError]
) -> list[ImportedEntry]:
    entries: dict[str, ImportedEntry] = {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        parser = _RowParser(row, number, errors)
        key = row.get("信息资源代码") or f"name:{row.get('信息资源名称', '')}"
        fields = parser.entry_fields(unit)
        if key not in entries:
            entries[key] = ImportedEntry(rows=[], fields=fields)
        elif fields != entries[key].fields:
            # The entry's cells repeat on each of its items' rows: they must say the same.
            differing = [k for k in fields if fields[k] != entries[key].fields[k]]
            parser.fail(
                FIELD_COLUMNS.get(differing[0], differing[0]),
                _("Differs from row %(row)s of the same entry.") % {"row": entries[key].rows[0]},
            )
        entries[key].rows.append(number)
        entries[key].items.append(parser.item(len(entries[key].items) + 1))
    return list(entries.values())


class _RowParser:
    def __init__(self, row: dict[str, str], number: int, errors: list[RowError]) -> None:
        self.row, self.number, self.errors = row, number, errors

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def word(self, column: str, words: dict, synonyms: dict | None = None) -> Any:
        text = self.row.get(column, "")
        found = {v: k for k, v in words.items()} | (synonyms or {})
        if text not in found:
            self.fail(
                column,
                _("'%(text)s' is not one of: %(words)s.")
                % {"text": text, "words": ", ".join(words.values())},
            )
            return None
        return found[text]

    def yes(self, column: str) -> bool:
        return self.row.get(column, "") == YES

    def entry_fields(self, unit: Unit) -> dict[str, Any]:
        row = self.row
        fields: dict[str, Any] = {
            "name": row.get("信息资源名称", ""),
            "code": row.get("信息资源代码", ""),
            "description": row.get("信息资源摘要", ""),
            "classification": self.classification(),
            "providing_unit": self.provider(unit),
            "data_format": self.word("信息资源格式", FORMAT_WORDS),
            "share_type": self.word("共享类型", SHARE_WORDS, SHARE_SYNONYMS),
            "share_conditions": row.get("共享条件", ""),
            "share_basis": row.get("共享依据", ""),
            "update_frequency": self.word("更新周期", FREQUENCY_WORDS),
            "service_methods": self.methods(),
            "related_codes": [
                c.strip() for c in row.get("关联资源代码", "").split(LIST_SEPARATOR) if c.strip()
            ],
            "grading_level": row.get("分级") or GradingLevel.LEVEL_1,
            "holds_no_classified_data": self.yes("不含涉密数据声明"),
            **self.open_fields(),
        }
        if not fields["name"]:
            self.fail("信息资源名称", _("Give the resource's name."))
        if fields["grading_level"] not in GradingLevel.values:
            self.fail(
                "分级",
                _("The grading level is one of %(values)s.") % {"values": ", ".join(GradingLevel.values)},
            )
        return fields

    def classification(self) -> Classification | None:
        text = self.row.get("信息资源分类", "")
        code = text.split(" ", 1)[0] if text else ""
        node = Classification.objects.filter(code=code).first()
        if node is None:
            self.fail("信息资源分类", _("No classification has the code '%(code)s'.") % {"code": code})
        return node

    def provider(self, unit: Unit) -> Unit | None:
        code = self.row.get("信息资源提供方代码", "")
        if not code or code == unit.credit_code:
            return None
        provider = Unit.objects.filter(credit_code=code, is_active=True).first()
        if provider is None:
            self.fail(
                "信息资源提供方代码",
                _("No unit has the unified social credit code %(code)s.") % {"code": code},
            )
        return provider

    def methods(self) -> list[str]:
        found = {v: k for k, v in METHOD_WORDS.items()}
        words = [w.strip() for w in self.row.get("共享方式", "").replace(LIST_SEPARATOR, "、").split("、")]
        unknown = [w for w in words if w and w not in found]
        if unknown:
            self.fail(
                "共享方式", _("Unknown sharing methods: %(unknown)s.") % {"unknown": ", ".join(unknown)}
            )
        return [str(found[w]) for w in words if w in found]

    def open_fields(self) -> dict[str, Any]:
        opened, condition = self.row.get("是否向社会开放", ""), self.row.get("开放条件", "")
        if opened == NO:
            return {"open_type": OpenType.NOT_OPEN, "not_open_reason": condition}
        if opened != YES:
            self.fail("是否向社会开放", _("Answer %(yes)s or %(no)s.") % {"yes": YES, "no": NO})
        return {"open_type": OpenType.ON_APPLICATION if condition else OpenType.UNIVERSAL}

    def item(self, position: int) -> dict[str, Any]:
        row = self.row
        item_type = self.word("数据类型", TYPE_WORDS)
        length: int | None = None
        text = row.get("数据长度", "")
        if text:
            try:
                length = int(float(text))
            except ValueError:
                length = 0
            if length < 1 or str(length) != text.removesuffix(".0"):
                self.fail("数据长度", _("The data length is a positive whole number."))
        elif item_type == ItemType.STRING:
            self.fail("数据长度", _("Give the data length of a text item."))
        if not row.get("信息项名称"):
            self.fail("信息项名称", _("Give the data item's name."))
        return {
            "name": row.get("信息项标识符") or f"item_{position}",
            "label": row.get("信息项名称", ""),
            "item_type": item_type or ItemType.STRING,
            "length": length,
            "is_key": self.yes("是否主键"),
            "is_query": self.yes("是否查询项"),  # a sheet without the column: the key only
            "required": self.yes("是否必填"),
            "is_personal": self.yes("是否个人信息"),
            "is_sensitive": self.yes("是否敏感信息"),
        }


def _save_entries(
    entries: list[ImportedEntry],
    *,
    actor: User,
    unit: Unit,
    request,
    errors: list[RowError],
    result: CatalogImport,
) -> None:
    codes = {entry.fields["code"] for entry in entries if entry.fields["code"]}
    deferred: list[tuple[ImportedEntry, Resource, list[str]]] = []
    for entry in entries:
        fields = dict(entry.fields)
        related = fields.pop("related_codes")
        if not set(related) & codes:
            fields["related_codes"] = related  # else set once every entry of the sheet exists
        try:
            with transaction.atomic():  # a savepoint: the next entries are still checked
                resource = _save_entry(
                    fields, entry.items, actor=actor, unit=unit, request=request, result=result
                )
        except (ValidationError, ApplicationError) as exc:
            _report(exc, entry, errors)
            continue
        if "related_codes" not in fields:
            deferred.append((entry, resource, related))
    for entry, resource, related in deferred:
        try:
            resource_update(actor=actor, resource=resource, related_codes=related, request=request)
        except ValidationError as exc:
            _report(exc, entry, errors)


def _save_entry(fields: dict, items: list[dict], *, actor: User, unit: Unit, request, result: CatalogImport):
    existing = Resource.objects.filter(code=fields["code"]).first() if fields["code"] else None
    if existing is None:
        resource = resource_create(actor=actor, producer=unit, items=items, request=request, **fields)
        result.created.append(resource)
        return resource
    if existing.producer_id != unit.pk:
        raise ValidationError({"code": [_("Another unit's entry has this code.")]})
    if existing.status not in EDITABLE:
        raise ValidationError(
            {"code": [_("This entry is not a draft: start a revision before importing it.")]}
        )
    resource = resource_update(actor=actor, resource=existing, items=items, request=request, **fields)
    result.updated.append(resource)
    return resource


# The service's field names, in the spreadsheet's words, for the error report.
FIELD_COLUMNS = {
    "code": "信息资源代码",
    "name": "信息资源名称",
    "description": "信息资源摘要",
    "classification": "信息资源分类",
    "category": "信息资源分类",
    "data_format": "信息资源格式",
    "share_type": "共享类型",
    "share_conditions": "共享条件",
    "share_basis": "共享依据",
    "service_methods": "共享方式",
    "open_type": "是否向社会开放",
    "not_open_reason": "开放条件",
    "update_frequency": "更新周期",
    "related_codes": "关联资源代码",
    "grading_level": "分级",
    "items": "信息项名称",
    "providing_unit": "信息资源提供方代码",
    "holds_no_classified_data": "不含涉密数据声明",
}


def _report(exc: ValidationError | ApplicationError, entry: ImportedEntry, errors: list[RowError]) -> None:
    if isinstance(exc, ApplicationError):
        errors.append(RowError(entry.rows[0], "信息资源代码", exc.message))
        return
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    for name, messages in by_field.items():
        for message in messages:
            errors.append(RowError(entry.rows[0], FIELD_COLUMNS.get(name, name), message))
