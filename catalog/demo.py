"""Demo catalog: realistic entries for each producing unit, across the three share types and every
lifecycle state, with a few thousand synthetic records each. Idempotent."""

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from dataplatform.core.models import Role, Unit, User

from .classification import classification_by_code
from .interfaces.services import interface_register, interface_request_create, interface_review
from .models import Resource
from .services import resource_create
from .workflow import resource_transition

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SURNAMES = "陈林黄张李王吴刘蔡杨郑许谢洪郭邱曾廖赖徐周叶苏庄吕江何萧罗高"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文辉志强晓燕"
DISTRICTS = [
    "鲤城区",
    "丰泽区",
    "洛江区",
    "泉港区",
    "晋江市",
    "石狮市",
    "南安市",
    "惠安县",
    "安溪县",
    "永春县",
    "德化县",
]
ROADS = [
    "刺桐路",
    "丰泽街",
    "温陵路",
    "泉秀路",
    "田安路",
    "津头埔路",
    "宝洲街",
    "东海大街",
    "世纪大道",
    "安吉路",
]


def id_number(rng: random.Random) -> str:
    """A synthetic resident ID number with a valid GB 11643 check digit."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    body = f"3505{rng.randrange(0, 100):02d}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return body + check


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def address(rng: random.Random) -> str:
    return f"泉州市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randrange(1, 400)}号"


def population_rows(rng: random.Random, n: int) -> list[dict]:
    rows = []
    for _ in range(n):
        number = id_number(rng)
        rows.append(
            {
                "id_number": number,
                "full_name": person_name(rng),
                "gender": "男" if int(number[16]) % 2 else "女",
                "birth_date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
                "household_address": address(rng),
            }
        )
    return rows


def company_rows(rng: random.Random, n: int, division: str = "350500") -> list[dict]:
    from dataplatform.core.demo.core import credit_code

    kinds = ["有限公司", "贸易有限公司", "鞋业有限公司", "纺织有限公司", "科技有限公司", "食品有限公司"]
    rows = []
    for i in range(n):
        rows.append(
            {
                "credit_code": credit_code("91", division, f"MA{i:06d}{rng.choice('0123456789')}"),
                "company_name": f"泉州{rng.choice(ROADS)[:2]}{rng.choice(SURNAMES)}{rng.choice(kinds)}{i}",
                "legal_rep": person_name(rng),
                "registered_capital": str(Decimal(rng.randrange(10, 50000)) * 10),
                "established_on": (
                    dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 30))
                ).isoformat(),
                "address": address(rng),
            }
        )
    return rows


def insurance_rows(rng: random.Random, n: int) -> list[dict]:
    people = population_rows(rng, n // 6 + 1)
    rows = []
    for i in range(n):
        person = people[i % len(people)]
        rows.append(
            {
                "record_id": f"SB2026{i:07d}",
                "id_number": person["id_number"],
                "full_name": person["full_name"],
                "insurance_type": rng.choice(["养老保险", "医疗保险", "失业保险", "工伤保险"]),
                "month": f"2026-{1 + i % 10:02d}-01",
                "base_amount": f"{rng.randrange(2000, 20000)}.00",
                "paid": rng.random() > 0.05,
            }
        )
    return rows


def parcel_rows(rng: random.Random, n: int) -> list[dict]:
    uses = ["住宅用地", "工业用地", "商业服务业用地", "公共管理与公共服务用地", "交通运输用地"]
    return [
        {
            "parcel_code": f"350500{rng.randrange(100, 999)}{i:06d}",
            "location": address(rng),
            "area": f"{rng.randrange(100, 200000) / 10:.1f}",
            "land_use": rng.choice(uses),
            "right_holder": f"泉州{rng.choice(SURNAMES)}{rng.choice(['置业', '实业', '发展'])}有限公司",
            "registered_on": (
                dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 26))
            ).isoformat(),
        }
        for i in range(n)
    ]


def criminal_check_rows(rng: random.Random, n: int) -> list[dict]:
    return [
        {"id_number": id_number(rng), "has_record": rng.random() < 0.1, "checked_on": "2026-11-01"}
        for _ in range(n)
    ]


# The data length of the text items (the guide's 数据长度); others are as long as their label says.
LENGTHS = {"id_number": 18, "credit_code": 18, "gender": 2, "record_id": 20, "parcel_code": 19}
TEXT_LENGTH = 100


def item(name: str, label: str, item_type: str = "string", **flags) -> dict:
    length = LENGTHS.get(name, TEXT_LENGTH) if item_type == "string" else None
    return {"name": name, "label": label, "item_type": item_type, "length": length, **flags}


ENTRIES: list[dict[str, Any]] = [
    {
        "producer": "泉州市公安局",
        "state": "published",
        "rows": (population_rows, 3000),
        "fields": {
            "code": "QZ-GA-RK-0001",
            "name": "人口基本信息",
            "description": "全市户籍人口的公民身份号码、姓名、性别、出生日期和户籍地址，人口基础信息库的基础信息项。",
            "classification": "101001",
            "holds_no_classified_data": True,
            "data_format": "table",
            "update_frequency": "daily",
            "share_type": "unconditional",
            "open_type": "not_open",
            "not_open_reason": "涉及个人隐私（F11）",
            "grading_level": "3",
            "service_methods": ["interface", "verification", "bulk_exchange"],
            "items": [
                item(
                    "id_number",
                    "公民身份号码",
                    is_key=True,
                    required=True,
                    is_personal=True,
                    is_sensitive=True,
                ),
                item("full_name", "姓名", required=True, is_personal=True, is_query=True),
                item("gender", "性别", is_personal=True),
                item("birth_date", "出生日期", "date", is_personal=True),
                item("household_address", "户籍地址", is_personal=True),
            ],
        },
    },
    {
        "producer": "泉州市市场监督管理局",
        "state": "published",
        "rows": (company_rows, 2000),
        "fields": {
            "code": "QZ-SJ-FR-0001",
            "name": "企业登记信息",
            "description": "全市企业的统一社会信用代码、名称、法定代表人、注册资本、成立日期和住所，法人单位基础信息。",
            "classification": "102001",
            "holds_no_classified_data": True,
            "data_format": "table",
            "update_frequency": "daily",
            "share_type": "unconditional",
            "open_type": "universal",
            "grading_level": "1",
            "service_methods": ["interface", "bulk_exchange"],
            "items": [
                item("credit_code", "统一社会信用代码", is_key=True, required=True),
                item("company_name", "企业名称", required=True, is_query=True),
                item("legal_rep", "法定代表人", is_personal=True),
                item("registered_capital", "注册资本（元）", "decimal"),
                item("established_on", "成立日期", "date"),
                item("address", "住所"),
            ],
        },
    },
    {
        "producer": "泉州市人力资源和社会保障局",
        "state": "published",
        "rows": (insurance_rows, 3000),
        "fields": {
            "code": "QZ-RS-SB-0001",
            "name": "社会保险缴费记录",
            "description": "参保人员按月缴纳养老、医疗、失业、工伤保险的记录。",
            "classification": "307",
            "holds_no_classified_data": True,
            "related_codes": ["QZ-GA-RK-0001"],
            "data_format": "table",
            "update_frequency": "monthly",
            "share_type": "conditional",
            "share_conditions": "仅限办理社会保障、人才引进、住房保障等业务时按人查询",
            "share_basis": "《中华人民共和国社会保险法》第八十一条",
            "open_type": "not_open",
            "not_open_reason": "涉及个人隐私（F11）",
            "grading_level": "3",
            "service_methods": ["interface", "verification"],
            "items": [
                item("record_id", "缴费记录编号", is_key=True, required=True),
                item(
                    "id_number",
                    "公民身份号码",
                    required=True,
                    is_personal=True,
                    is_sensitive=True,
                    is_query=True,
                ),
                item("full_name", "姓名", is_personal=True, is_query=True),
                item("insurance_type", "险种"),
                item("month", "缴费月份", "date"),
                item("base_amount", "缴费基数", "decimal"),
                item("paid", "是否足额缴纳", "boolean"),
            ],
        },
    },
    {
        "producer": "泉州市自然资源和规划局",
        "state": "published",
        "rows": (parcel_rows, 1500),
        "aggregated_days_ago": 12,  # weekly data last aggregated 12 days ago: shown as stale
        "fields": {
            "code": "QZ-ZY-TD-0001",
            "name": "土地宗地信息",
            "description": "全市已登记宗地的代码、坐落、面积、用途和权利人，自然资源和空间地理基础信息。",
            "classification": "103001",
            "holds_no_classified_data": True,
            "data_format": "table",
            "update_frequency": "weekly",
            "share_type": "unconditional",
            "open_type": "on_application",
            "grading_level": "2",
            "service_methods": ["interface", "bulk_exchange"],
            "items": [
                item("parcel_code", "宗地代码", is_key=True, required=True),
                item("location", "坐落"),
                item("area", "面积（平方米）", "decimal"),
                item("land_use", "土地用途"),
                item("right_holder", "权利人", is_query=True),
                item("registered_on", "登记日期", "date"),
            ],
        },
    },
    {
        "producer": "泉州市公安局",
        "state": "published",
        "rows": (criminal_check_rows, 500),
        "fields": {
            "code": "QZ-GA-HY-0002",
            "name": "违法犯罪记录核查",
            "description": "按公民身份号码核查是否有违法犯罪记录，只返回核查结果，可用不可见。",
            "classification": "307",
            "holds_no_classified_data": True,
            "related_codes": ["QZ-GA-RK-0001"],
            "data_format": "table",
            "update_frequency": "daily",
            "share_type": "not_shared",
            "share_basis": "《中华人民共和国治安管理处罚法》第一百一十七条；公安部有关违法犯罪记录管理的规定",
            "open_type": "not_open",
            "not_open_reason": "依法不予开放（F11）",
            "grading_level": "4",
            "service_methods": ["verification"],
            "items": [
                item(
                    "id_number",
                    "公民身份号码",
                    is_key=True,
                    required=True,
                    is_personal=True,
                    is_sensitive=True,
                ),
                item("has_record", "是否有记录", "boolean", is_sensitive=True),
                item("checked_on", "核查日期", "date"),
            ],
        },
    },
    {
        "producer": "晋江市市场监督管理局",
        "state": "published",
        "rows": (lambda rng, n: company_rows(rng, n, "350582"), 1000),
        "fields": {
            "code": "JJ-SJ-GT-0001",
            "name": "晋江市市场主体登记信息",
            "description": "晋江市企业和个体工商户的登记信息。",
            "classification": "102001",
            "holds_no_classified_data": True,
            "related_codes": ["QZ-SJ-FR-0001"],
            "data_format": "table",
            "update_frequency": "daily",
            "share_type": "unconditional",
            "open_type": "universal",
            "grading_level": "1",
            "service_methods": ["interface"],
            "items": [
                item("credit_code", "统一社会信用代码", is_key=True, required=True),
                item("company_name", "名称", required=True, is_query=True),
                item("legal_rep", "经营者", is_personal=True),
                item("registered_capital", "资金数额（元）", "decimal"),
                item("established_on", "成立日期", "date"),
                item("address", "经营场所"),
            ],
        },
    },
    {
        "producer": "泉州市自然资源和规划局",
        "state": "submitted",
        "fields": {
            "code": "QZ-ZY-BDC-0002",
            "name": "不动产登记信息",
            "description": "不动产权证书的权利人、坐落、面积和登记时间。",
            "classification": "209",
            "holds_no_classified_data": True,
            "related_codes": ["QZ-ZY-TD-0001"],
            "data_format": "table",
            "update_frequency": "daily",
            "share_type": "conditional",
            "share_conditions": "仅限办理不动产相关业务",
            "share_basis": "《不动产登记暂行条例》第二十七条",
            "open_type": "not_open",
            "not_open_reason": "涉及权利人隐私（F11）",
            "grading_level": "3",
            "service_methods": ["interface"],
            "items": [
                item("certificate_no", "不动产权证书号", is_key=True, required=True),
                item("right_holder", "权利人", is_personal=True, is_query=True),
                item("location", "坐落"),
            ],
        },
    },
    {
        "producer": "泉州市人力资源和社会保障局",
        "state": "returned",
        "fields": {
            "code": "QZ-RS-JY-0002",
            "name": "就业登记信息",
            "description": "劳动者就业和失业登记。",
            "classification": "203001",
            "holds_no_classified_data": True,
            "data_format": "table",
            "update_frequency": "monthly",
            "share_type": "unconditional",
            "open_type": "not_open",
            "not_open_reason": "涉及个人信息",
            "grading_level": "2",
            "service_methods": ["interface"],
            "items": [
                item("registration_no", "登记编号", is_key=True, required=True),
                item("id_number", "公民身份号码", is_personal=True, is_query=True),
                item("employer", "用人单位"),
            ],
        },
    },
    {
        "producer": "泉州市市场监督管理局",
        "state": "draft",
        "fields": {
            "code": "QZ-SJ-XK-0003",
            "name": "食品经营许可证信息",
            "description": "食品经营许可证的编号、经营者、经营场所和有效期，电子证照信息。",
            "classification": "105001",
            "holds_no_classified_data": True,
            "related_codes": ["QZ-SJ-FR-0001"],
            "data_format": "table",
            "update_frequency": "weekly",
            "share_type": "unconditional",
            "open_type": "universal",
            "grading_level": "1",
            "service_methods": ["interface"],
            "items": [
                item("licence_no", "许可证编号", is_key=True, required=True),
                item("operator", "经营者名称", is_query=True),
                item("valid_until", "有效期至", "date"),
            ],
        },
    },
]


def _person(unit: Unit, role: str) -> User:
    person = User.objects.filter(unit=unit, role_assignments__role=role).first()
    assert person is not None, f"the demo's people come first: no {role} in {unit}"
    return person


def _reviewer_for(unit: Unit) -> User:
    reviewer = User.objects.filter(
        role_assignments__role=Role.REVIEWER, unit__kind="authority", unit__region=unit.region
    ).first()
    assert reviewer is not None, f"the demo's people come first: no reviewer for {unit}"
    return reviewer


def seed_catalog(*, load_records) -> list[Resource]:
    """Create the demo entries; ``load_records(resource, rows, actor)`` aggregates their records."""
    created = []
    for spec in ENTRIES:
        if Resource.objects.filter(code=spec["fields"]["code"]).exists():
            continue
        producer = Unit.objects.get(name=spec["producer"])
        admin = _person(producer, Role.DATA_ADMIN)
        with transaction.atomic():
            fields = {
                **spec["fields"],
                "classification": classification_by_code(spec["fields"]["classification"]),
            }
            resource = resource_create(actor=admin, producer=producer, **fields)
            if spec["state"] != "draft":
                resource = resource_transition(resource=resource, to="submitted", actor=admin)
            if spec["state"] == "published":
                resource = resource_transition(
                    resource=resource, to="published", actor=_reviewer_for(producer)
                )
            if spec["state"] == "returned":
                resource = resource_transition(
                    resource=resource,
                    to="returned",
                    actor=_reviewer_for(producer),
                    reason="请补充数据项说明和更新频率依据",
                )
        if "rows" in spec:
            make_rows, count = spec["rows"]
            load_records(resource, make_rows(random.Random(resource.code), count), admin)
        if "aggregated_days_ago" in spec:
            moment = timezone.now() - dt.timedelta(days=spec["aggregated_days_ago"])
            Resource.objects.filter(pk=resource.pk).update(last_aggregated_at=moment)
        created.append(resource)
    if created:
        _seed_interfaces()
    return created


def _seed_interfaces() -> None:
    police = Unit.objects.get(name="泉州市公安局")
    land = Unit.objects.get(name="泉州市自然资源和规划局")
    interface = interface_register(
        actor=_person(police, Role.DATA_ADMIN),
        resource=Resource.objects.get(code="QZ-GA-RK-0001"),
        name="户籍地址核验接口",
        specification="POST /verify {id_number, address} → {match: true|false}",
        call_instructions="通过平台网关调用，须携带 API 密钥；只返回核验结果。",
        upstream_url="https://gateway.police.qz.example.gov.cn/household/verify",
    )
    evaluator = User.objects.filter(role_assignments__role=Role.EVALUATOR).first()
    assert evaluator is not None, "the demo's people come first: no evaluator"
    interface_review(
        actor=evaluator,
        interface=interface,
        publish=True,
    )
    interface_request_create(
        actor=_reviewer_for(land),
        producer=land,
        description="请提供宗地坐落与权利人一致性核验接口，供不动产交易业务使用",
    )
