"""Demo open catalog: the demo catalog's published entries decided each way, with de-identification
rules, a university's granted application and an enterprise's waiting one. Idempotent."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from catalog.models import Resource
from dataplatform.core.models import Role, User
from dataplatform.core.people import data_admins, reviewers_of

from .applications import AGREEMENT_VERSION, open_application_submit, open_application_transition
from .models import OpenEntry
from .services import catalog_review_open, open_entry_propose
from .workflow import open_entry_transition

# code: (open type, rules, tags, the authority's reason when it does not open)
DECISIONS = {
    "QZ-SJ-FR-0001": ("universal", {"legal_rep": "mask_name"}, ["企业", "法人", "登记"], ""),
    "JJ-SJ-GT-0001": ("universal", {"legal_rep": "mask_name"}, ["晋江", "市场主体", "个体工商户"], ""),
    "QZ-ZY-TD-0001": ("on_application", {"right_holder": "mask_name"}, ["土地", "宗地", "自然资源"], ""),
    "QZ-RS-SB-0001": ("not_open", {}, [], "涉及个人隐私（F11）"),
}


def seed_opening() -> list[OpenEntry]:
    created = []
    for code, (open_type, rules, tags, reason) in DECISIONS.items():
        resource = Resource.objects.select_related("producer").filter(code=code).first()
        if (
            resource is None
            or not resource.is_available
            or OpenEntry.objects.filter(resource=resource).exists()
        ):
            continue
        admin = data_admins(resource.producer).first()
        assert admin is not None, (
            f"the demo's people come first: no data administrator in {resource.producer}"
        )
        reviewer = reviewers_of(resource.producer.region_id).first()
        with transaction.atomic():
            entry = open_entry_propose(
                actor=admin,
                resource=resource,
                open_type=open_type,
                rules=rules,
                tags=tags,
                not_open_reason=reason,
            )
            if open_type == "not_open":
                entry = open_entry_transition(entry=entry, action="refuse", actor=reviewer, reason=reason)
            else:
                entry = open_entry_transition(entry=entry, action="open", actor=reviewer, open_type=open_type)
        created.append(entry)
    land = OpenEntry.objects.filter(resource__code="QZ-ZY-TD-0001", status="open").first()
    if created and land is not None:
        _seed_applications(land)
    if created:
        catalog_review_open()
    return created


def _seed_applications(entry: OpenEntry) -> None:
    university = User.objects.filter(username="university").first()
    enterprise = User.objects.filter(username="enterprise").first()
    evaluator = User.objects.filter(role_assignments__role=Role.EVALUATOR).first()
    reviewer = reviewers_of(entry.resource.producer.region_id).first()
    today = timezone.localdate()
    if university is not None:
        application = open_application_submit(
            actor=university,
            entry=entry,
            scenario="泉州市土地利用变化的空间统计研究（国家自然科学基金项目）",
            purpose="按土地用途统计宗地面积分布，用于论文和课堂教学",
            use_kind="research",
            requirements="按土地用途汇总；不需要权利人信息",
            period_start=today,
            period_end=today + dt.timedelta(days=365),
        )
        application = open_application_transition(
            application=application, action="evaluate", actor=evaluator, note="用途明确，需求合理"
        )
        application = open_application_transition(application=application, action="confirm", actor=reviewer)
        open_application_transition(
            application=application,
            action="accept_agreement",
            actor=university,
            agreement_version=AGREEMENT_VERSION,
        )
    if enterprise is not None:
        open_application_submit(
            actor=enterprise,
            entry=entry,
            scenario="商业地产选址分析服务",
            purpose="结合宗地用途与面积，为客户提供选址建议",
            use_kind="commercial",
            period_start=today,
            period_end=today + dt.timedelta(days=180),
            declares_domestic_controlled=True,
        )
