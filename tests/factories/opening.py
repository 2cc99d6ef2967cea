"""Opening factories: a published entry with personal and sensitive items, its records, the
de-identification rules, and the fields of an open-data application."""

import datetime as dt

from catalog.aggregation.services import records_upsert
from catalog.models import Category, DataFormat, GradingLevel, OpenType, ShareType, UpdateFrequency
from catalog.services import resource_create
from catalog.workflow import resource_transition
from tests.factories.catalog import with_lengths

ITEMS = with_lengths(
    [
        {
            "name": "id_number",
            "label": "公民身份号码",
            "is_key": True,
            "required": True,
            "is_personal": True,
            "is_sensitive": True,
        },
        {"name": "full_name", "label": "姓名", "is_personal": True},
        {"name": "phone", "label": "联系电话", "is_personal": True},
        {"name": "birth_date", "label": "出生日期", "item_type": "date", "is_personal": True},
        {"name": "address", "label": "住址", "is_personal": True},
        {"name": "note", "label": "备注", "is_sensitive": True},
        {"name": "district", "label": "所属区县"},
        {"name": "licence_kind", "label": "证照类型"},
    ]
)

RULES = {
    "id_number": "mask_id_number",
    "full_name": "mask_name",
    "phone": "mask_phone",
    "birth_date": "generalise_date",
    "address": "generalise_address",
    "note": "drop",
}

# Raw values of the personal and sensitive items: none may appear in any open output.
PEOPLE = [
    ("350503199001011234", "陈伟明", "13812345678", "1990-01-01", "泉州市鲤城区刺桐路12号", "保密备注甲"),
    ("350582198512125678", "欧阳娜娜", "13987654321", "1985-12-12", "泉州市晋江市世纪大道88号", "保密备注乙"),
    ("35052119770707001X", "林芳", "13700001111", "1977-07-07", "泉州市丰泽区丰泽街5号", "保密备注丙"),
]


def rows(extra: int = 0) -> list[dict]:
    data = [
        {
            "id_number": id_,
            "full_name": name,
            "phone": phone,
            "birth_date": birth,
            "address": address,
            "note": note,
            "district": "鲤城区",
            "licence_kind": '=HYPERLINK("http://evil")' if n == 0 else "食品经营许可",
        }
        for n, (id_, name, phone, birth, address, note) in enumerate(PEOPLE)
    ]
    for n in range(extra):
        data.append(
            {
                "id_number": f"3505001990{n:08d}",
                "full_name": "测试",
                "district": "丰泽区" if n % 2 else "洛江区",
                "licence_kind": "其他",
            }
        )
    return data


def raw_values() -> list[str]:
    values = []
    for person in PEOPLE:
        values += list(person)
    return values


def make_resource(
    producer, reviewer, *, code="QZ-KF-0001", name="个体工商户证照信息", open_type=OpenType.UNIVERSAL, extra=0
):
    resource = resource_create(
        actor=producer,
        producer=producer.unit,
        code=code,
        name=name,
        description="全市个体工商户的证照信息",
        category=Category.E_LICENCE,
        data_format=DataFormat.TABLE,
        update_frequency=UpdateFrequency.DAILY,
        share_type=ShareType.UNCONDITIONAL,
        open_type=open_type,
        grading_level=GradingLevel.LEVEL_1,
        service_methods=["interface"],
        holds_no_classified_data=True,
        items=ITEMS,
    )
    resource = resource_transition(resource=resource, to="submitted", actor=producer)
    resource = resource_transition(resource=resource, to="published", actor=reviewer)
    records_upsert(actor=producer, resource=resource, records=rows(extra))
    resource.refresh_from_db()
    return resource


def application_fields(**overrides) -> dict:
    today = dt.date.today()
    fields = {
        "scenario": "城市商业网点布局研究",
        "purpose": "分析各区县个体工商户分布",
        "use_kind": "research",
        "requirements": "按区县汇总",
        "period_start": today,
        "period_end": today + dt.timedelta(days=180),
    }
    return {**fields, **overrides}
