"""Governance fixtures: entries holding records about a citizen and a company, the verified citizen,
the company's data administrator, and an approving department for projects."""

import pytest

from catalog.aggregation.services import records_upsert
from dataplatform.core.apikeys import api_key_issue
from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from governance.subjects import subject_identity_verify
from tests import factories
from tests.factories.governance import (
    CITIZEN_ID,
    COMPANY_CODE,
    INSURANCE_ITEMS,
    OTHER_ID,
    PEOPLE_ITEMS,
)
from tests.factories.sharing import publish


@pytest.fixture
def people_entry(producer, reviewer):
    """The producer's population entry: the citizen by the key item."""
    resource = publish(
        producer, reviewer, code="G-RK-1", name="人口基本信息", items=PEOPLE_ITEMS, category="population"
    )
    records_upsert(
        actor=producer,
        resource=resource,
        records=[
            {"id_number": CITIZEN_ID, "full_name": "苏市民", "household_address": "泉州市丰泽区刺桐路1号"},
            {"id_number": OTHER_ID, "full_name": "林某", "household_address": "泉州市鲤城区温陵路2号"},
        ],
    )
    return resource


@pytest.fixture
def insurance_entry(applicant, reviewer):
    """Another unit's entry: the citizen by a non-key personal item, in two records."""
    resource = publish(
        applicant,
        reviewer,
        code="G-SB-1",
        name="社会保险缴费记录",
        items=INSURANCE_ITEMS,
        category="departmental",
    )
    records_upsert(
        actor=applicant,
        resource=resource,
        records=[
            {"record_id": "SB-1", "id_number": CITIZEN_ID, "insurance_type": "养老保险"},
            {"record_id": "SB-2", "id_number": CITIZEN_ID, "insurance_type": "医疗保险"},
            {"record_id": "SB-3", "id_number": OTHER_ID, "insurance_type": "医疗保险"},
        ],
    )
    return resource


@pytest.fixture
def company_entry(producer, reviewer):
    resource = publish(producer, reviewer, code="G-FR-1")
    records_upsert(
        actor=producer,
        resource=resource,
        records=[
            {"credit_code": COMPANY_CODE, "company_name": "泉州测试科技有限公司", "capital": "100"},
        ],
    )
    return resource


@pytest.fixture
def citizen(platform_admin):
    person = factories.person(None, username="citizen")
    subject_identity_verify(
        actor=platform_admin, user=person, id_number=CITIZEN_ID, method="政务服务大厅窗口核验身份证"
    )
    return person


@pytest.fixture
def unverified_citizen():
    return factories.person(None, username="unverified")


@pytest.fixture
def company_admin(city):
    unit = factories.unit("泉州测试科技有限公司", UnitKind.ENTERPRISE, city)
    unit.credit_code = COMPANY_CODE
    unit.save(update_fields=["credit_code"])
    return factories.person(unit, Role.DATA_ADMIN, username="company_admin")


@pytest.fixture
def grantee_unit(city):
    return factories.unit("泉州市住房保障中心", UnitKind.GOVERNMENT, city)


@pytest.fixture
def grantee(grantee_unit):
    return factories.person(grantee_unit, Role.DATA_ADMIN, username="grantee")


@pytest.fixture
def grantee_key(grantee):
    return api_key_issue(actor=grantee, unit=grantee.unit, name="住房保障系统").key


@pytest.fixture
def approving_unit(city):
    return factories.unit("泉州市发展和改革委员会", UnitKind.GOVERNMENT, city)


@pytest.fixture
def approver(approving_unit):
    return factories.person(approving_unit, Role.DATA_ADMIN, username="approver")


@pytest.fixture
def approver_key(approver):
    return api_key_issue(actor=approver, unit=approver.unit, name="项目审批系统").key


@pytest.fixture
def other_unit_admin(city):
    """A data administrator of a second government unit of the city: the other party of a dispute."""
    return factories.person(
        factories.unit("泉州市卫生健康委员会", UnitKind.GOVERNMENT, city), Role.DATA_ADMIN
    )
