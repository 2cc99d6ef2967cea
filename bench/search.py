"""Catalog search under load: 100,000 published entries, a few hundred searches through the API.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dp_search_bench \\
        .venv/bin/python bench/search.py --entries 100000

Creates the database if it is missing, migrates, loads synthetic entries with COPY (once: a second run
reuses them; --fresh reloads), then times each search through Django's test client as a logged-in
government person, and the same query set as bare SQL (the full-text match and the column filters,
nothing else) for a baseline. Prints p50 and p95 in milliseconds, per kind of query and overall.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataplatform.settings")

CODE_PREFIX = "BENCH-"
TARGET_P95_MS = 100.0

REGIONS = [
    ("350500", "泉州市", ""),
    ("350582", "晋江市", "晋江市"),
    ("350581", "石狮市", "石狮市"),
    ("350583", "南安市", "南安市"),
    ("350521", "惠安县", "惠安县"),
    ("350524", "安溪县", "安溪县"),
    ("350526", "德化县", "德化县"),
    ("350503", "丰泽区", "丰泽区"),
]
CITY_UNITS = [
    "公安局",
    "市场监督管理局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "民政局",
    "卫生健康委员会",
    "教育局",
    "住房和城乡建设局",
    "交通运输局",
    "医疗保障局",
    "生态环境局",
    "农业农村局",
    "文化广电和旅游局",
    "应急管理局",
    "司法局",
    "财政局",
    "商务局",
    "水利局",
    "退役军人事务局",
    "住房公积金管理中心",
    "城市管理局",
    "统计局",
    "海洋与渔业局",
    "发展和改革委员会",
    "工业和信息化局",
]
COUNTY_UNITS = ["公安局", "市场监督管理局", "民政局", "自然资源局", "卫生健康局", "教育局", "农业农村局"]

ITEMS = {
    "record_id": "记录编号",
    "id_number": "公民身份号码",
    "full_name": "姓名",
    "gender": "性别",
    "ethnicity": "民族",
    "birth_date": "出生日期",
    "household_address": "户籍地址",
    "residence_address": "居住地址",
    "phone": "联系电话",
    "marital_status": "婚姻状况",
    "education": "文化程度",
    "credit_code": "统一社会信用代码",
    "company_name": "企业名称",
    "legal_representative": "法定代表人",
    "registered_capital": "注册资本",
    "established_on": "成立日期",
    "business_scope": "经营范围",
    "registered_address": "住所",
    "company_type": "企业类型",
    "registration_authority": "登记机关",
    "registration_status": "登记状态",
    "report_year": "年报年度",
    "property_certificate": "不动产权证号",
    "parcel_code": "宗地代码",
    "land_use": "土地用途",
    "building_area": "建筑面积",
    "right_holder": "权利人",
    "mortgage_amount": "抵押金额",
    "social_security_no": "社会保障号码",
    "insurance_type": "险种类型",
    "contribution_base": "缴费基数",
    "paid_months": "缴费月数",
    "pension_amount": "养老金金额",
    "employer_name": "参保单位名称",
    "hospital_name": "医疗机构名称",
    "visit_date": "就诊日期",
    "medical_cost": "医疗费用",
    "plate_number": "号牌号码",
    "vehicle_type": "车辆类型",
    "vin": "车辆识别代号",
    "driving_licence_no": "驾驶证号",
    "licence_no": "许可证编号",
    "valid_from": "有效期起始日期",
    "valid_to": "有效期截止日期",
    "issuing_authority": "发证机关",
    "taxpayer_no": "纳税人识别号",
    "tax_amount": "纳税金额",
    "student_no": "学籍号",
    "school_name": "学校名称",
    "marriage_date": "婚姻登记日期",
    "spouse_name": "配偶姓名",
    "death_date": "死亡日期",
    "subsidy_amount": "救助金额",
    "disability_level": "残疾等级",
    "outlet_code": "排污口编号",
    "pollutant": "污染物名称",
    "monitored_value": "监测值",
    "case_no": "案件编号",
    "penalty_type": "处罚种类",
    "penalty_amount": "罚款金额",
    "decision_date": "决定日期",
    "division_code": "行政区划代码",
    "updated_on": "更新日期",
    "remarks": "备注",
}
RARE_ITEMS = {  # each in about one entry in a thousand
    "sea_area_certificate": "海域使用权证号",
    "fishing_boat_no": "渔船编号",
    "drone_registration": "无人机实名登记号",
    "tea_origin_certificate": "安溪铁观音原产地证明",
    "ceramic_brand": "德化陶瓷品牌",
}
# subject, its English name, category, share type, open type, the unit that keeps it, its data items
SUBJECTS = [
    (
        "人口",
        "population",
        "population",
        "公安局",
        "id_number full_name gender ethnicity birth_date household_address",
    ),
    ("户籍", "household registration", "population", "公安局", "id_number full_name household_address"),
    ("流动人口", "migrant population", "population", "公安局", "id_number full_name residence_address phone"),
    (
        "企业",
        "enterprise",
        "legal_person",
        "市场监督管理局",
        "credit_code company_name legal_representative registered_capital established_on business_scope registered_address",
    ),
    (
        "个体工商户",
        "individual business",
        "legal_person",
        "市场监督管理局",
        "credit_code company_name legal_representative registered_address",
    ),
    (
        "市场主体",
        "market entity",
        "legal_person",
        "市场监督管理局",
        "credit_code company_name company_type registration_authority registration_status",
    ),
    (
        "食品经营",
        "food business",
        "e_licence",
        "市场监督管理局",
        "credit_code company_name licence_no valid_from valid_to issuing_authority",
    ),
    (
        "不动产",
        "real estate",
        "geospatial",
        "自然资源和规划局",
        "property_certificate parcel_code land_use building_area right_holder mortgage_amount",
    ),
    ("土地", "land", "geospatial", "自然资源和规划局", "parcel_code land_use building_area right_holder"),
    (
        "社会保险",
        "social insurance",
        "departmental",
        "人力资源和社会保障局",
        "social_security_no id_number full_name insurance_type contribution_base paid_months employer_name",
    ),
    (
        "养老保险",
        "pension insurance",
        "departmental",
        "人力资源和社会保障局",
        "social_security_no id_number full_name pension_amount paid_months",
    ),
    ("就业", "employment", "thematic", "人力资源和社会保障局", "id_number full_name employer_name education"),
    (
        "医疗保险",
        "medical insurance",
        "departmental",
        "医疗保障局",
        "social_security_no id_number full_name hospital_name visit_date medical_cost",
    ),
    (
        "医疗机构",
        "medical institution",
        "e_licence",
        "卫生健康委员会",
        "credit_code hospital_name licence_no valid_to",
    ),
    (
        "出生医学证明",
        "birth certificate",
        "e_licence",
        "卫生健康委员会",
        "id_number full_name birth_date hospital_name",
    ),
    (
        "婚姻",
        "marriage",
        "population",
        "民政局",
        "id_number full_name spouse_name marriage_date marital_status",
    ),
    (
        "社会救助",
        "social assistance",
        "thematic",
        "民政局",
        "id_number full_name subsidy_amount household_address",
    ),
    (
        "残疾人",
        "disabled persons",
        "thematic",
        "民政局",
        "id_number full_name disability_level subsidy_amount",
    ),
    ("死亡", "death", "population", "民政局", "id_number full_name death_date"),
    (
        "机动车",
        "motor vehicle",
        "departmental",
        "公安局",
        "plate_number vehicle_type vin full_name id_number",
    ),
    ("驾驶证", "driving licence", "e_licence", "公安局", "driving_licence_no full_name id_number valid_to"),
    ("学籍", "student status", "departmental", "教育局", "student_no full_name id_number school_name"),
    ("纳税", "tax payment", "credit", "财政局", "taxpayer_no company_name tax_amount credit_code"),
    (
        "行政处罚",
        "administrative penalty",
        "credit",
        "司法局",
        "case_no credit_code company_name penalty_type penalty_amount decision_date",
    ),
    ("信用", "credit", "credit", "发展和改革委员会", "credit_code company_name decision_date"),
    (
        "排污许可",
        "pollutant discharge permit",
        "e_licence",
        "生态环境局",
        "credit_code company_name outlet_code pollutant licence_no",
    ),
    (
        "环境监测",
        "environmental monitoring",
        "thematic",
        "生态环境局",
        "outlet_code pollutant monitored_value",
    ),
    (
        "住房公积金",
        "housing provident fund",
        "departmental",
        "住房公积金管理中心",
        "id_number full_name employer_name contribution_base",
    ),
    (
        "农业补贴",
        "agricultural subsidy",
        "thematic",
        "农业农村局",
        "id_number full_name subsidy_amount land_use",
    ),
    ("安全生产", "work safety", "thematic", "应急管理局", "credit_code company_name case_no penalty_type"),
]
MODIFIERS = [
    "基本",
    "登记",
    "变更",
    "注销",
    "备案",
    "许可",
    "核验",
    "统计",
    "年报",
    "缴费",
    "参保",
    "申报",
    "审批",
    "监测",
    "检查",
    "补贴发放",
    "档案",
    "证照",
]
SUFFIXES = ["信息", "信息", "信息", "数据", "记录", "明细", "台账"]
PURPOSES = [
    "用于政务服务事项办理",
    "用于跨部门业务协同",
    "用于市场监管执法",
    "用于社会救助对象核查",
    "用于信用体系建设",
    "用于城市运行监测",
    "用于统计分析和决策支持",
]
FREQUENCIES = {
    "realtime": "实时",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
}
SHARE = [("unconditional", 70), ("conditional", 25), ("not_shared", 5)]
OPEN = [("universal", 30), ("on_application", 40), ("not_open", 30)]

# What people type: (kind, parameters); units are named and replaced by their ids.
QUERIES = [
    ("common word", {"q": "人口"}),
    ("common word", {"q": "企业"}),
    ("common word", {"q": "登记"}),
    ("common word", {"q": "社会保险"}),
    ("common word", {"q": "不动产"}),
    ("common word", {"q": "许可"}),
    ("common word", {"q": "公安局"}),
    ("common word", {"q": "身份号码"}),
    ("every entry", {"q": "信息"}),
    ("two words", {"q": "企业 登记"}),
    ("two words", {"q": "人口基本信息"}),
    ("two words", {"q": "社会保险参保缴费"}),
    ("two words", {"q": "晋江市 不动产"}),
    ("two words", {"q": "出生证明"}),
    ("two words", {"q": "养老保险 缴费基数"}),
    ("two words", {"q": "泉州市企业登记信息"}),
    ("rare word", {"q": "海域使用权"}),
    ("rare word", {"q": "渔船"}),
    ("rare word", {"q": "无人机"}),
    ("rare word", {"q": "铁观音"}),
    ("rare word", {"q": "陶瓷品牌"}),
    ("rare word", {"q": "区块链"}),
    ("english", {"q": "enterprise registration"}),
    ("english", {"q": "pension"}),
    ("english", {"q": "credit_code"}),
    ("word + filter", {"q": "企业", "category": "legal_person"}),
    ("word + filter", {"q": "人口", "share_type": "conditional"}),
    ("word + filter", {"q": "登记", "unit": "泉州市市场监督管理局"}),
    ("word + filter", {"q": "许可", "open_type": "universal"}),
    ("word + filter", {"q": "社会保险", "item": "缴费基数"}),
    ("word + filter", {"q": "信息", "category": "credit", "share_type": "unconditional"}),
    ("filter only", {"category": "geospatial"}),
    ("filter only", {"unit": "晋江市公安局"}),
    ("filter only", {"item": "统一社会信用代码"}),
    ("filter only", {}),
]


def ensure_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (PostgreSQL only), so that the bench runs on a fresh machine."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg

    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_units():
    from dataplatform.core.demo.core import credit_code
    from dataplatform.core.models import Region, Role, Unit, User
    from dataplatform.core.models.units import Level, UnitKind
    from dataplatform.core.people import role_assign

    city, _ = Region.objects.get_or_create(code="350500", defaults={"name": "泉州市", "level": Level.CITY})
    units = []
    for n, (code, region_name, prefix) in enumerate(REGIONS):
        region = city
        if code != city.code:
            region, _ = Region.objects.get_or_create(
                code=code, defaults={"name": region_name, "level": Level.COUNTY, "parent": city}
            )
        for m, suffix in enumerate(CITY_UNITS if not prefix else COUNTY_UNITS):
            name = f"{prefix or '泉州市'}{suffix}"
            unit, _ = Unit.objects.get_or_create(
                name=name,
                defaults={
                    "kind": UnitKind.GOVERNMENT,
                    "region": region,
                    "level": region.level,
                    "credit_code": credit_code("11", code, f"BN{n:02d}{m:05d}"),
                },
            )
            units.append(unit)
    applicant = User.objects.filter(username="bench_applicant").first()
    if applicant is None:
        hrss = next(unit for unit in units if unit.name == "泉州市人力资源和社会保障局")
        applicant = User.objects.create_user(username="bench_applicant", real_name="测试申请人", unit=hrss)
        role_assign(actor=None, user=applicant, role=Role.DATA_ADMIN)
    return units, applicant


def weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def generate(count: int, units, rng: random.Random):
    """Yield (resource row, item rows) for ``count`` synthetic entries, search_text precomputed."""
    from catalog.search.text import resource_words

    by_suffix: dict[str, list] = {}
    for unit in units:
        by_suffix.setdefault(unit.name.removeprefix(unit.region.name), []).append(unit)
    all_items = list(ITEMS)
    rare_items = list(RARE_ITEMS)
    now = time.time()
    for n in range(count):
        subject, english, category, keeper, subject_items = rng.choice(SUBJECTS)
        candidates = by_suffix.get(keeper) or units
        unit = rng.choice(candidates) if rng.random() < 0.8 else rng.choice(units)
        modifier, suffix = rng.choice(MODIFIERS), rng.choice(SUFFIXES)
        county = unit.region.name if unit.region.code != "350500" else ""
        name = f"{county if rng.random() < 0.5 else ''}{subject}{modifier}{suffix}"
        if rng.random() < 0.3:
            name += f"（{rng.randint(2015, 2025)}年）"
        items = subject_items.split()
        items += rng.sample(all_items, rng.randint(1, 6))
        if rng.random() < 0.005:
            items.append(rng.choice(rare_items))
        items = list(dict.fromkeys(["record_id", *items]))
        labels = [ITEMS.get(item) or RARE_ITEMS[item] for item in items]
        frequency = rng.choice(list(FREQUENCIES))
        description = (
            f"由{unit.name}汇聚，内容为{subject}{modifier}数据，涵盖{'、'.join(labels[1:4])}等{len(items)}个数据项，"
            f"{rng.choice(PURPOSES)}，数据{FREQUENCIES[frequency]}更新。"
        )
        if rng.random() < 0.1:
            description += f" English: {english} {rng.choice(['records', 'register', 'data'])}."
        code = f"{CODE_PREFIX}{n:07d}"
        share_type, open_type = weighted(rng, SHARE), weighted(rng, OPEN)
        status = rng.choices(["published", "draft", "retired"], weights=[92, 5, 3])[0]
        item_rows = [(item, label, "") for item, label in zip(items, labels, strict=True)]
        # The services' own composition; plain objects stand in for the rows not yet saved.
        words = resource_words(
            SimpleNamespace(code=code, name=name, description=description, producer=unit),
            [SimpleNamespace(name=item, label=label, description=text) for item, label, text in item_rows],
        )
        aggregated = now - rng.uniform(0, 90 * 86400)
        yield (
            {
                "code": code,
                "name": name,
                "description": description,
                "producer_id": unit.pk,
                "category": category,
                "update_frequency": frequency,
                "share_type": share_type,
                "share_conditions": "仅限核验身份使用" if share_type == "conditional" else "",
                "share_basis": "《泉州市政务数据管理办法》" if share_type != "unconditional" else "",
                "open_type": open_type,
                "not_open_reason": "涉及个人信息" if open_type == "not_open" else "",
                "status": status,
                "published_version": None if status == "draft" else 1,
                "aggregated": aggregated,
                "search_text": words,
            },
            item_rows,
        )


RESOURCE_COLUMNS = (
    "code, name, description, producer_id, category, data_format, update_frequency, share_type, "
    "share_conditions, share_basis, share_scope, open_type, not_open_reason, grading_level, service_methods, "
    "status, return_reason, basis_changed_note, published_version, published_at, last_aggregated_at, "
    "record_count, search_text, created_at, updated_at, holds_no_classified_data, related_codes"
)
ITEM_COLUMNS = (
    "resource_id, name, label, item_type, description, is_personal, is_sensitive, is_key, required, position"
)


def load(count: int, units, seed: int) -> None:
    """COPY the entries, then their data items, in batches; one transaction per batch."""
    import datetime as dt

    from django.db import connection, transaction

    rng = random.Random(seed)
    batch_size = 10_000
    rows = generate(count, units, rng)
    started = time.perf_counter()
    done = 0
    while done < count:
        batch = [next(rows) for _ in range(min(batch_size, count - done))]
        with transaction.atomic(), connection.cursor() as cursor:
            now = dt.datetime.now(dt.UTC)
            with cursor.cursor.copy(f"COPY catalog_resource ({RESOURCE_COLUMNS}) FROM STDIN") as copy:
                for row, _ in batch:
                    copy.write_row(
                        (
                            row["code"],
                            row["name"],
                            row["description"],
                            row["producer_id"],
                            row["category"],
                            "table",
                            row["update_frequency"],
                            row["share_type"],
                            row["share_conditions"],
                            row["share_basis"],
                            "all_government",
                            row["open_type"],
                            row["not_open_reason"],
                            "1",
                            '["interface"]',
                            row["status"],
                            "",
                            "",
                            row["published_version"],
                            now if row["published_version"] else None,
                            dt.datetime.fromtimestamp(row["aggregated"], dt.UTC),
                            0,
                            row["search_text"],
                            now,
                            now,
                            True,
                            "[]",
                        )
                    )
            cursor.execute(
                "SELECT code, id FROM catalog_resource WHERE code >= %s AND code <= %s",
                [batch[0][0]["code"], batch[-1][0]["code"]],
            )
            ids = dict(cursor.fetchall())
            with cursor.cursor.copy(f"COPY catalog_dataitem ({ITEM_COLUMNS}) FROM STDIN") as copy:
                for row, items in batch:
                    for position, (item, label, description) in enumerate(items):
                        personal = item in ("id_number", "full_name", "phone", "residence_address")
                        copy.write_row(
                            (
                                ids[row["code"]],
                                item,
                                label,
                                "string",
                                description,
                                personal,
                                False,
                                position == 0,
                                position == 0,
                                position,
                            )
                        )
        done += len(batch)
        print(f"  loaded {done:,} entries ({time.perf_counter() - started:.0f} s)", flush=True)
    # The steady state autovacuum would reach: the GIN index's pending list merged, the visibility map
    # set, the deleted rows of an earlier run gone. Straight after the load, searches take twice as long.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE catalog_resource")
        cursor.execute("VACUUM ANALYZE catalog_dataitem")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def baseline_sql(params: dict) -> tuple[str, list]:
    """The same search as bare SQL: the indexed match and the column filters, every id, nothing else."""
    from catalog.search.text import query_terms

    where, args = [], []
    terms = query_terms(params.get("q", ""))
    if terms:
        groups = []
        for term in terms:
            alternatives = ["plainto_tsquery('simple', %s)"]
            args.append(term.word)
            if term.parts:
                alternatives.append("plainto_tsquery('simple', %s)")
                args.append(" ".join(term.parts))
            groups.append("(" + " || ".join(alternatives) + ")")
        where.append("to_tsvector('simple', search_text) @@ (" + " && ".join(groups) + ")")
    for field, column in [
        ("unit", "producer_id"),
        ("category", "category"),
        ("share_type", "share_type"),
        ("open_type", "open_type"),
    ]:
        if field in params:
            where.append(f"{column} = %s")
            args.append(params[field])
    return "SELECT id FROM catalog_resource" + (" WHERE " + " AND ".join(where) if where else ""), args


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--fresh", action="store_true", help="delete the synthetic entries and load them again"
    )
    args = parser.parse_args()

    ensure_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from catalog.models import DataItem, Resource

    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    units, applicant = setup_units()
    bench = Resource.objects.filter(code__startswith=CODE_PREFIX)
    if args.fresh or bench.count() != args.entries:
        with connection.cursor() as cursor:
            bench_ids = "SELECT id FROM catalog_resource WHERE code LIKE %s"
            cursor.execute(
                f"DELETE FROM catalog_dataitem WHERE resource_id IN ({bench_ids})", [CODE_PREFIX + "%"]
            )
            cursor.execute(f"DELETE FROM catalog_resource WHERE id IN ({bench_ids})", [CODE_PREFIX + "%"])
        print(f"loading {args.entries:,} entries…")
        load(args.entries, units, args.seed)
    unit_ids = {unit.name: unit.pk for unit in units}
    print(f"{bench.count():,} entries, {DataItem.objects.count():,} data items")

    rng = random.Random(args.seed)
    plan = []
    for _ in range(args.requests):
        kind, params = rng.choice(QUERIES)
        plan.append((kind, {k: unit_ids[v] if k == "unit" else v for k, v in params.items()}))

    client = Client()
    client.force_login(applicant)
    api, bare = [], []
    with override_settings(DEBUG=False):  # no query log: production does not keep one either
        for _, params in plan[:20]:  # warm the caches (PostgreSQL's and jieba's) like a running server
            client.get("/api/v1/catalog/search/", params)
        for kind, params in plan:
            started = time.perf_counter()
            response = client.get("/api/v1/catalog/search/", params)
            api.append((kind, (time.perf_counter() - started) * 1000))
            assert response.status_code == 200, response.content
        for kind, params in plan:
            sql, sql_args = baseline_sql(params)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_args)
                cursor.fetchall()
            bare.append((kind, (time.perf_counter() - started) * 1000))

    from catalog.search.selectors import NAME_SCAN
    from catalog.search.text import RESULT_CAP

    print(
        f"\n{args.requests} searches over {args.entries:,} entries (ms); RESULT_CAP={RESULT_CAP}, NAME_SCAN={NAME_SCAN}"
    )
    print(f"{'kind':<16}{'n':>5}{'API p50':>10}{'API p95':>10}{'SQL p50':>10}{'SQL p95':>10}")
    for kind in dict.fromkeys(kind for kind, _ in QUERIES):
        a = [ms for k, ms in api if k == kind]
        b = [ms for k, ms in bare if k == kind]
        if a:
            print(
                f"{kind:<16}{len(a):>5}{percentile(a, 50):>10.1f}{percentile(a, 95):>10.1f}"
                f"{percentile(b, 50):>10.1f}{percentile(b, 95):>10.1f}"
            )
    a = [ms for _, ms in api]
    b = [ms for _, ms in bare]
    p50, p95, b50, b95 = percentile(a, 50), percentile(a, 95), percentile(b, 50), percentile(b, 95)
    print(f"{'all':<16}{len(a):>5}{p50:>10.1f}{p95:>10.1f}{b50:>10.1f}{b95:>10.1f}")
    print(
        f"\nAPI p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p95 < {TARGET_P95_MS:.0f} ms: "
        f"{'met' if p95 < TARGET_P95_MS else 'MISSED'})"
    )
    print(
        f"bare SQL p50 {b50:.1f} ms, p95 {b95:.1f} ms; API / bare SQL: p50 ×{p50 / b50:.1f}, p95 ×{p95 / b95:.1f}"
    )


if __name__ == "__main__":
    main()
