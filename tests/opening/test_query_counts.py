"""Hot public endpoints: their query count does not grow with the data."""

import pytest

from tests.factories.opening import make_resource

pytestmark = pytest.mark.django_db


def _consume(response) -> None:
    if response.streaming:
        b"".join(response.streaming_content)


@pytest.mark.parametrize("extra", [0, 40])
def test_a_download_costs_the_same_queries_however_many_rows(
    open_entry, client, django_assert_max_num_queries, extra, producer, reviewer
):
    if extra:
        from catalog.aggregation.services import records_upsert
        from tests.factories.opening import rows

        records_upsert(actor=producer, resource=open_entry.resource, records=rows(extra))
    with django_assert_max_num_queries(12):
        _consume(client.get(f"/open/datasets/{open_entry.slug}/download.csv"))


def test_package_search_costs_the_same_queries_for_more_datasets(
    open_entry, producer, reviewer, client, django_assert_max_num_queries
):
    from opening.services import open_entry_propose
    from opening.workflow import open_entry_transition
    from tests.factories.opening import RULES

    for n in range(3):
        resource = make_resource(producer, reviewer, code=f"QZ-KF-01{n}", name=f"证照信息{n}")
        entry = open_entry_propose(actor=producer, resource=resource, open_type="universal", rules=RULES)
        open_entry_transition(entry=entry, action="open", actor=reviewer, open_type="universal")
    with django_assert_max_num_queries(8):
        assert client.get("/api/3/action/package_search", {"rows": 50}).json()["result"]["count"] == 4


# The entry; its de-identification rules; its data items; the count and the audit row in one transaction
# (a savepoint in a test); the columns the records table has; the records, a batch at a time.
DOWNLOAD_STATEMENTS = 9


def test_an_anonymous_csv_download_costs_nine_statements(open_entry, client, producer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.aggregation.services import records_upsert
    from tests.factories.opening import rows

    records_upsert(actor=producer, resource=open_entry.resource, records=rows(5))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/open/datasets/{open_entry.slug}/download.csv")
        body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert body.count("\r\n") > 5
    assert len(queries) == DOWNLOAD_STATEMENTS, [q["sql"][:120] for q in queries]
