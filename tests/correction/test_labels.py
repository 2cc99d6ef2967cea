"""A ticket's page names the data items by their labels in the reader's language ("注册资本", not capital),
shows amounts with thousands separators, and its to-do reads in the reader's language."""

import pytest

from catalog.aggregation.services import records_upsert
from tests.factories.correction import RECORDS, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(applicant, granted, companies, producer):
    records_upsert(actor=producer, resource=companies, records=[{**RECORDS[0], "capital": "108010"}])
    return report(applicant, companies, items=["company_name", "capital"], proposed_value="")


def test_the_items_read_by_their_labels_and_amounts_with_separators(client, ticket, evaluator):
    client.force_login(evaluator)

    page = client.get(f"/correction/{ticket.pk}/").content.decode()

    assert 'data-item="capital">注册资本</span>' in page and '<code class="me-2">capital</code>' not in page
    assert '<th title="company_name">企业名称</th>' in page
    assert '<td data-item="capital">108,010</td>' in page


def test_the_evaluators_to_do_reads_in_each_language(client, ticket, evaluator):
    client.force_login(evaluator)

    chinese = client.get("/").content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    name = f"#{ticket.pk} {ticket.resource.name}"
    assert f"分析问题数据：{name}" in chinese
    assert f"Analyse the problem data: {name}" in english and "分析问题数据" not in english
