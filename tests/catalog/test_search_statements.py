"""The catalog search is a hot endpoint (issue 19's load): its statements do not grow with the results."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.catalog.test_search import URL, entry

pytestmark = pytest.mark.django_db

# The session, the person, the roles, the unit; the ranked window of matches, its page; the page's data
# items; the collection catalog (each item's legal source). The count of matches is the window's size.
SEARCH_STATEMENTS = 8


@pytest.mark.parametrize("entries", [1, 6])
def test_a_data_administrators_search_costs_eight_statements_however_many_match(
    client, producer, reviewer, entries
):
    for n in range(entries):
        entry(producer, reviewer, f"人口信息{n}", items=(("id_number", "公民身份号码"),))
    client.force_login(producer)  # a data administrator
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"q": "人口"})
    assert response.status_code == 200
    assert response.json()["count"] == entries
    assert len(response.json()["results"]) == entries
    assert len(queries) == SEARCH_STATEMENTS, [q["sql"][:120] for q in queries]
