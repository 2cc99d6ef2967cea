"""Q9.2: the supervision dashboard shows the units that have no current data administrator."""

import pytest

from dataplatform.core.administrators import personnel_change_decide, personnel_change_file
from dataplatform.core.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def no_admin_section(page: str) -> str:
    start = page.index('data-testid="no-data-admin"')
    return page[start : page.index("</ul>", start)]


def test_a_unit_without_a_data_administrator_is_shown_until_one_is_approved(
    client, reviewer, producer, applicant_unit
):
    clerk = factories.person(applicant_unit, username="clerk")
    client.force_login(reviewer)
    section = no_admin_section(client.get("/supervision/").content.decode())
    assert f'data-unit="{applicant_unit.pk}"' in section
    assert f'data-unit="{producer.unit_id}"' not in section
    change = personnel_change_file(
        actor=reviewer, unit=applicant_unit, role=Role.DATA_ADMIN, incoming=clerk, phone="13800000005"
    )
    personnel_change_decide(actor=reviewer, change=change, approve=True)
    section = no_admin_section(client.get("/supervision/").content.decode())
    assert f'data-unit="{applicant_unit.pk}"' not in section


def test_a_unit_sees_only_itself_in_the_list(client, producer, applicant_unit):
    client.force_login(producer)
    section = no_admin_section(client.get("/supervision/").content.decode())
    assert f'data-unit="{applicant_unit.pk}"' not in section
