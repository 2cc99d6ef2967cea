"""Demo: Jinjiang's human resources bureau has no data administrator (the supervision dashboard shows
it); the county authority has filed its newcomer as one, awaiting approval. Idempotent."""

from ..administrators import personnel_change_file
from ..models import PersonnelChange, Role, Unit, User


def seed_administrators() -> None:
    unit = Unit.objects.get(name="晋江市人力资源和社会保障局")
    if PersonnelChange.objects.filter(unit=unit).exists():
        return
    clerk = User.objects.get(username="jj_hrss_clerk")
    county_reviewer = User.objects.get(username="jj_reviewer")
    personnel_change_file(
        actor=county_reviewer,
        unit=unit,
        role=Role.DATA_ADMIN,
        incoming=clerk,
        real_name=clerk.real_name,
        phone="0595-85678901",
        email="jj_hrss_clerk@demo.dataplatform.local",
        reason="该局原数据管理员调离，来函报送新任数据管理员（晋人社函〔2026〕12号）",
    )
