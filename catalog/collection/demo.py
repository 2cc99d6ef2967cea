"""Demo: the collection catalog with its flagged items, a temporary collection, and an emergency that
is over with one collection sealed and one still to seal or destroy. Idempotent."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dataplatform.core.models import Role, Unit, User

from ..models import CollectionItem, Emergency, SourceCheckStatus, SourceConflict
from .emergency import (
    emergency_declare,
    emergency_end,
    temporary_collection_dispose,
    temporary_collection_record,
)
from .services import collection_item_create, source_conflict_decide

# identifier, label, legal source unit, legal basis
SOURCES = [
    ("id_number", "公民身份号码", "泉州市公安局", "《中华人民共和国居民身份证法》第三条"),
    ("full_name", "姓名", "泉州市公安局", "《中华人民共和国户口登记条例》"),
    ("household_address", "户籍地址", "泉州市公安局", "《中华人民共和国户口登记条例》"),
    (
        "credit_code",
        "统一社会信用代码",
        "泉州市市场监督管理局",
        "《法人和其他组织统一社会信用代码制度建设总体方案》",
    ),
    ("company_name", "企业名称", "泉州市市场监督管理局", "《企业名称登记管理规定》"),
    ("parcel_code", "宗地代码", "泉州市自然资源和规划局", "《不动产登记暂行条例》"),
]

EMERGENCY = "2026年第14号台风“杜苏芮”防御应急响应"


def _admin(unit_name: str) -> User:
    admin = User.objects.filter(unit__name=unit_name, role_assignments__role=Role.DATA_ADMIN).first()
    assert admin is not None, f"the demo's people come first: no data administrator in {unit_name}"
    return admin


def _reviewer(region_code: str = "350500") -> User:
    reviewer = User.objects.filter(
        role_assignments__role=Role.REVIEWER, unit__kind="authority", unit__region__code=region_code
    ).first()
    assert reviewer is not None, f"the demo's people come first: no reviewer in {region_code}"
    return reviewer


def seed_collection() -> None:
    if CollectionItem.objects.exists():
        return
    reviewer = _reviewer()
    with transaction.atomic():
        for identifier, label, unit_name, basis in SOURCES:
            collection_item_create(
                actor=reviewer,
                identifier=identifier,
                label=label,
                source_unit=Unit.objects.get(name=unit_name),
                legal_basis=basis,
            )
        # The insurance records carry ID numbers to link each payment to its payer: confirmed; their
        # names stay for the authority to decide, as do the Jinjiang and employment entries' flags.
        flag = SourceConflict.objects.filter(
            resource__code="QZ-RS-SB-0001", item_name="id_number", status=SourceCheckStatus.PENDING
        ).first()
        if flag is not None:
            source_conflict_decide(
                actor=reviewer,
                conflict=flag,
                confirm=True,
                note="用于关联缴费人，数据以公安人口库为准，不另行采集",
            )
        _seed_temporary_collection(reviewer)


def _seed_temporary_collection(reviewer: User) -> None:
    if Emergency.objects.filter(name=EMERGENCY).exists():
        return
    today = timezone.localdate()
    temporary_collection_record(
        actor=_admin("泉州市人力资源和社会保障局"),
        title="职业技能培训补贴专项核查",
        data_items="培训机构名称、学员姓名、培训课时、补贴金额",
        reason="省人社厅部署的补贴资金专项核查，采集目录未列；核查结束即停止采集",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=50),
    )
    storm = emergency_declare(
        actor=reviewer,
        name=EMERGENCY,
        description="市防指启动防台风Ⅱ级应急响应，各单位可紧急采集与应对相关的数据（G40）。",
        started_on=today - dt.timedelta(days=40),
    )
    evacuees = temporary_collection_record(
        actor=_admin("泉州市公安局"),
        title="转移安置人员名单",
        data_items="姓名、公民身份号码、联系电话、原住址、安置点",
        reason="台风登陆前紧急转移沿海群众",
        starts_on=today - dt.timedelta(days=39),
        ends_on=today - dt.timedelta(days=25),
        emergency=storm,
        contains_personal_info=True,
    )
    supplies = temporary_collection_record(
        actor=_admin("泉州市市场监督管理局"),
        title="应急物资保供企业名单",
        data_items="企业名称、统一社会信用代码、库存物资、联系人",
        reason="保障防台期间生活物资供应",
        starts_on=today - dt.timedelta(days=39),
        ends_on=today - dt.timedelta(days=25),
        emergency=storm,
        contains_personal_info=True,
    )
    emergency_end(actor=reviewer, emergency=storm, ended_on=today - dt.timedelta(days=25))
    temporary_collection_dispose(
        actor=_admin("泉州市市场监督管理局"),
        collection=supplies,
        disposal="sealed",
        note="联系人信息封存，封存介质交单位档案室保管",
    )
    assert evacuees.disposal == ""  # left for the police to seal or destroy: the demo's open item
