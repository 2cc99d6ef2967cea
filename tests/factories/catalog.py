"""Catalog factories: the items and fields of a valid catalog entry."""

from catalog.models import Category, DataFormat, GradingLevel, OpenType, ShareType, UpdateFrequency

ITEMS = [
    {
        "name": "credit_code",
        "label": "统一社会信用代码",
        "item_type": "string",
        "length": 18,
        "is_key": True,
        "required": True,
    },
    {"name": "company_name", "label": "企业名称", "item_type": "string", "length": 200, "required": True},
    {"name": "registered_on", "label": "成立日期", "item_type": "date"},
    {"name": "capital", "label": "注册资本", "item_type": "decimal"},
]


TEXT_LENGTH = 100  # what a text item without a given length is registered with here


def with_lengths(items: list[dict]) -> list[dict]:
    """Text items say their data length (required to submit); an explicit ``"length": None`` stays."""
    return [
        {"length": TEXT_LENGTH, **item} if item.get("item_type", "string") == "string" else item
        for item in items
    ]


def entry_fields(**overrides) -> dict:
    fields = {
        "code": "QZ-SJ-0001",
        "name": "企业登记信息",
        "description": "全市企业的登记注册信息",
        "category": Category.LEGAL_PERSON,
        "data_format": DataFormat.TABLE,
        "update_frequency": UpdateFrequency.DAILY,
        "share_type": ShareType.UNCONDITIONAL,
        "open_type": OpenType.UNIVERSAL,
        "grading_level": GradingLevel.LEVEL_1,
        "service_methods": ["interface", "bulk_exchange"],
        "holds_no_classified_data": True,  # Q8.3
        "items": ITEMS,
    }
    entry = {**fields, **overrides}
    entry["items"] = with_lengths(entry["items"])
    return entry
