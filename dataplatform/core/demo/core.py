"""Demo setting for the core: Quanzhou city and Jinjiang county, their units and a person per role.

Idempotent: running it again changes nothing that exists. Passwords are for the demo only.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ..credit_code import check_character
from ..models import IdentityStatus, Region, Role, Unit, User
from ..models.units import Level, UnitKind
from ..notifications import notify
from ..people import role_assign, unit_create

DEMO_PASSWORD = "demo-2026"


def credit_code(kind_prefix: str, division: str, org: str) -> str:
    """A synthetic but valid unified social credit code (GB 32100 check character)."""
    first17 = f"{kind_prefix}{division}{org}"
    return first17 + check_character(first17)


# name, kind, region code, credit-code prefix (11 organ, 12 public institution, 91 company), org code
UNITS = [
    ("泉州市大数据管理局", UnitKind.AUTHORITY, "350500", "11", "MB0000017"),
    ("泉州市大数据服务中心", UnitKind.TECH_SERVICE, "350500", "12", "MB0000025"),
    ("泉州市公安局", UnitKind.GOVERNMENT, "350500", "11", "MB0000033"),
    ("泉州市市场监督管理局", UnitKind.GOVERNMENT, "350500", "11", "MB0000041"),
    ("泉州市人力资源和社会保障局", UnitKind.GOVERNMENT, "350500", "11", "MB000005X"),
    ("泉州市自然资源和规划局", UnitKind.GOVERNMENT, "350500", "11", "MB0000068"),
    ("晋江市数据管理局", UnitKind.AUTHORITY, "350582", "11", "MB0000076"),
    ("晋江市市场监督管理局", UnitKind.GOVERNMENT, "350582", "11", "MB0000084"),
    ("晋江市人力资源和社会保障局", UnitKind.GOVERNMENT, "350582", "11", "MB0000092"),
    ("华侨大学", UnitKind.UNIVERSITY, "350500", "12", "MB0000105"),
    ("泉州闽南数智科技有限公司", UnitKind.ENTERPRISE, "350500", "91", "MA0000112"),
]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    real_name: str
    unit: str | None
    roles: tuple[str, ...]
    sees: str


PEOPLE = [
    DemoPerson(
        "admin", "林平台", "泉州市大数据服务中心", (Role.PLATFORM_ADMIN,), "the Django admin and everything"
    ),
    DemoPerson("reviewer", "陈审核", "泉州市大数据管理局", (Role.REVIEWER,), "city review queues"),
    DemoPerson(
        "jj_reviewer", "黄审核", "晋江市数据管理局", (Role.REVIEWER,), "Jinjiang county review queues"
    ),
    DemoPerson("evaluator", "吴评估", "泉州市大数据服务中心", (Role.EVALUATOR,), "evaluation and triage"),
    DemoPerson("police_admin", "王公安", "泉州市公安局", (Role.DATA_ADMIN,), "police catalog, applications"),
    DemoPerson("police_leader", "刘分管", "泉州市公安局", (Role.LEADER,), "police unit's work, read-only"),
    DemoPerson("market_admin", "张市场", "泉州市市场监督管理局", (Role.DATA_ADMIN,), "market catalog, keys"),
    DemoPerson("hrss_admin", "郑人社", "泉州市人力资源和社会保障局", (Role.DATA_ADMIN,), "HRSS catalog"),
    DemoPerson("nr_admin", "蔡资源", "泉州市自然资源和规划局", (Role.DATA_ADMIN,), "land catalog"),
    DemoPerson(
        "jj_market_admin", "许晋江", "晋江市市场监督管理局", (Role.DATA_ADMIN,), "a county unit's work"
    ),
    DemoPerson("university", "李研究", "华侨大学", (Role.DATA_ADMIN,), "open data, research applications"),
    DemoPerson(
        "enterprise", "周企业", "泉州闽南数智科技有限公司", (Role.DATA_ADMIN,), "open data applications"
    ),
    DemoPerson("citizen", "苏市民", None, (), "the open-data portal"),
    DemoPerson(
        "jj_hrss_clerk",
        "吴晋人",
        "晋江市人力资源和社会保障局",
        (),
        "no role yet: filed as the unit's data administrator, awaiting Jinjiang's approval",
    ),
]


@transaction.atomic
def seed_core() -> list[DemoPerson]:
    city, _ = Region.objects.get_or_create(code="350500", defaults={"name": "泉州市", "level": Level.CITY})
    Region.objects.get_or_create(
        code="350582", defaults={"name": "晋江市", "level": Level.COUNTY, "parent": city}
    )
    regions = {region.code: region for region in Region.objects.all()}
    units: dict[str | None, Unit] = {}
    for name, kind, region_code, prefix, org in UNITS:
        unit = Unit.objects.filter(name=name).first() or unit_create(
            actor=None,
            name=name,
            kind=kind,
            region=regions[region_code],
            level=regions[region_code].level,
            credit_code=credit_code(prefix, region_code, org),
            declares_domestic_controlled=kind == UnitKind.ENTERPRISE,
            # The demo's organizations are set up by the platform, not registered by a visitor.
            identity_status=IdentityStatus.VERIFIED,
            identity_decided_at=timezone.now(),
        )
        units[name] = unit
    city_authority = units["泉州市大数据管理局"]
    Unit.objects.filter(region__code="350582").exclude(kind=UnitKind.AUTHORITY).update(
        parent=units["晋江市数据管理局"]
    )
    Unit.objects.filter(name="晋江市数据管理局").update(parent=city_authority)

    created = []
    for person in PEOPLE:
        user, is_new = User.objects.get_or_create(
            username=person.username,
            defaults={
                "real_name": person.real_name,
                "unit": units.get(person.unit),
                "email": f"{person.username}@demo.dataplatform.local",
                "phone": "13800000000",
            },
        )
        if is_new:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created.append(user)
        for role in person.roles:
            role_assign(actor=None, user=user, role=role)
    if created:
        notify(
            recipients=created,
            title=gettext_noop("Welcome to the Quanzhou government data sharing platform"),
            url="/",
        )
    return PEOPLE
