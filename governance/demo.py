"""Demo governance: a project with assets in every state of readiness, the citizen as a verified data
subject (a copy, an authorization, a complaint), and a dispute in joint consultation with documents.
Made through the services and the workflow as people make them. Idempotent."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog.models import Resource
from catalog.records import records_where
from dataplatform.core.models import Unit, User

from .disputes import dispute_record
from .models import Dispute, InfoProject, SubjectIdentity
from .projects import project_asset_link, project_register
from .subjects import authorization_grant, complaint_submit, copy_request_create, subject_identity_verify
from .workflow import act

PROJECT_CODE = "XM-2026-QZ-017"
INSURANCE = "QZ-RS-SB-0001"  # 社会保险缴费记录: the citizen is found by a non-key ID number item
DISPUTE_TITLE = "企业住所与宗地坐落数据的采集职责争议"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _document(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


def seed_project() -> InfoProject | None:
    if InfoProject.objects.filter(code=PROJECT_CODE).exists():
        return None
    market, reviewer = _user("market_admin"), _user("reviewer")
    assert reviewer.unit is not None, "the demo's reviewer works for the city's authority"
    project = project_register(
        actor=market,
        code=PROJECT_CODE,
        name="泉州市市场主体信用监管平台（二期）",
        approving_unit=reviewer.unit,
        description="财政资金建设；可研阶段明确三项数据资产（Q4.4），验收前须完成登记汇聚。",
        assets=["企业登记信息", "食品经营许可证信息", "双随机抽查检查结果"],
    )
    assets = {asset.name: asset for asset in project.assets.all()}
    # Ready: published and aggregated. Registered but still a draft. Not registered at all.
    project_asset_link(
        actor=market, asset=assets["企业登记信息"], resource=Resource.objects.get(code="QZ-SJ-FR-0001")
    )
    project_asset_link(
        actor=market, asset=assets["食品经营许可证信息"], resource=Resource.objects.get(code="QZ-SJ-XK-0003")
    )
    return act(
        obj=project, action="approve_feasibility", actor=reviewer, opinion="可研报告已明确数据资产清单"
    )


def seed_subject() -> SubjectIdentity | None:
    citizen = _user("citizen")
    if SubjectIdentity.objects.filter(user=citizen).exists():
        return None
    insurance = Resource.objects.get(code=INSURANCE)
    first = records_where(resource_id=insurance.pk, limit=1)
    assert first, "the demo's records come first"
    record = first[0]
    identity = subject_identity_verify(
        actor=_user("admin"),
        user=citizen,
        id_number=record.data["id_number"],
        method="市民服务中心窗口核验居民身份证原件",
    )
    copy = copy_request_create(actor=citizen, resource=insurance)
    act(obj=copy, action="provide", actor=_user("hrss_admin"))
    today = timezone.localdate()
    authorization_grant(
        actor=citizen,
        grantee=Unit.objects.get(name="晋江市人力资源和社会保障局"),
        resources=[insurance],
        purpose="办理养老保险关系转移接续",
        starts_on=today,
        ends_on=today + dt.timedelta(days=90),
    )
    complaint = complaint_submit(
        actor=citizen,
        against=insurance.producer,
        description="本人社保缴费记录中的缴费基数与单位申报不一致，多次反映未获答复。",
    )
    act(obj=complaint, action="accept", actor=_user("reviewer"))
    return identity


def seed_dispute() -> Dispute | None:
    if Dispute.objects.filter(title=DISPUTE_TITLE).exists():
        return None
    market, land, reviewer = _user("market_admin"), _user("nr_admin"), _user("reviewer")
    assert land.unit is not None, "the demo's people come first"
    dispute = dispute_record(
        actor=market,
        other_party=land.unit,
        title=DISPUTE_TITLE,
        matter="collection",
        description="企业住所地址与宗地坐落存在重复采集，双方对由谁作为该数据项的法定来源意见不一。",
        documents=[_document("情况说明.txt", "市场监管局关于企业住所数据采集情况的说明")],
    )
    dispute = act(
        obj=dispute,
        action="ask_coordination",
        actor=land,
        opinion="两次协商未达成一致，提请市大数据管理局协调。",
        documents=[_document("协商会议纪要.txt", "2026年11月协商会议纪要：未达成一致")],
    )
    return act(
        obj=dispute,
        action="convene_consultation",
        actor=reviewer,
        opinion="协调未果，会同市委编办联合会商。",
    )


def seed_governance() -> list:
    """Seed each example once; return what was made this time."""
    made = [seed_project(), seed_subject(), seed_dispute()]
    return [obj for obj in made if obj is not None]
