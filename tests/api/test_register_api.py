"""get_register: the register's rows through the API, with the same filters, sort and
keyset paging as the page; refused to those the register is not for.

The cast is tests/api/conftest.py's: Alice manages Acorn (a school of Oak) and Birch;
Bob is Acorn staff (and Alice's deputy, not absent); Charlie manages Cedar.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidentdesk.api.services import create_api_token
from incidentdesk.incidents.models import Incident, ReportingMode, State
from tests.incidents.conftest import file_report

from .conftest import Cast, bearer

URL = "/api/v1/register"


@pytest.fixture
def incidents(cast: Cast) -> dict[str, Incident]:
    made = {
        "acorn_named": file_report(
            cast.school, cast.bob, what_happened="A laptop left on a train."
        ),
        "acorn_confidential": file_report(
            cast.school, cast.bob, ReportingMode.CONFIDENTIAL, location="The science block"
        ),
        "birch_anonymous": file_report(cast.standalone, None, ReportingMode.ANONYMOUS),
        "cedar": file_report(cast.other, cast.charlie),
    }
    Incident.objects.filter(pk=made["acorn_named"].pk).update(state=State.CLOSED)
    return made


def get(client, token: str, query: str = ""):
    return client.get(URL + query, **bearer(token))


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["items"]]


def test_the_register_lists_the_callers_incidents_and_no_one_elses(
    client, cast: Cast, alice_token: str, incidents
) -> None:
    body = get(client, alice_token).json()
    assert {row["reference"] for row in body["items"]} == {
        incidents[name].reference
        for name in ("acorn_named", "acorn_confidential", "birch_anonymous")
    }
    assert body["count"] == 3 and body["count_is_capped"] is False
    assert body["next_cursor"] is None
    row = next(r for r in body["items"] if r["reference"] == incidents["acorn_named"].reference)
    assert row["organisation"] == "acorn"
    assert row["state"] == "closed"
    assert "reporter" not in row


def test_filters_narrow_as_on_the_page(client, cast: Cast, alice_token: str, incidents) -> None:
    assert references(get(client, alice_token, "?state=closed")) == [
        incidents["acorn_named"].reference
    ]
    assert references(get(client, alice_token, "?organisation=birch")) == [
        incidents["birch_anonymous"].reference
    ]
    assert references(get(client, alice_token, "?q=science")) == [
        incidents["acorn_confidential"].reference
    ]
    assert len(references(get(client, alice_token, "?state=closed&state=reported"))) == 3


@pytest.mark.parametrize(
    "query",
    [
        "?organisation=cedar",  # not in Alice's register
        "?state=lost",
        "?severity=apocalyptic",
        "?policy=No+such+policy",
        "?reported_from=2026-02-30",
        "?reported_from=2026-03-02&reported_to=2026-03-01",
        "?sort=random",
        "?limit=1000",
        "?cursor=nonsense",
    ],
)
def test_bad_input_is_422(client, cast: Cast, alice_token: str, incidents, query: str) -> None:
    response = get(client, alice_token, query)
    assert response.status_code == 422, (query, response.content)


def test_keyset_pages_walk_every_row_once(client, cast: Cast, alice_token: str, incidents) -> None:
    seen, cursor = [], ""
    for _ in range(5):
        body = get(client, alice_token, f"?limit=1&sort=reference{cursor}").json()
        seen += [row["reference"] for row in body["items"]]
        if body["next_cursor"] is None:
            break
        cursor = f"&cursor={body['next_cursor']}"
    assert seen == sorted(
        incidents[name].reference
        for name in ("acorn_named", "acorn_confidential", "birch_anonymous")
    )
    # A cursor is for its sort only.
    first = get(client, alice_token, "?limit=1&sort=reference").json()["next_cursor"]
    assert get(client, alice_token, f"?limit=1&sort=newest&cursor={first}").status_code == 422


def test_staff_are_refused_and_the_operation_is_named(client, cast: Cast, incidents) -> None:
    _, bob_token = create_api_token(person=cast.bob, name="Bob's script")
    response = get(client, bob_token)
    assert response.status_code == 403
    assert client.get(URL).status_code == 401
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["paths"]["/api/v1/register"]["get"]["operationId"] == "get_register"


def test_the_same_queries_for_few_incidents_or_many(
    client, cast: Cast, alice_token: str, incidents
) -> None:
    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert get(client, alice_token, "?state=reported&sort=severity").status_code == 200
        return len(queries)

    get(client, alice_token)  # the token's first use is recorded once
    # The token with its person (1), the register's rule (1), its organisations, policies
    # and severity levels (3), the page (1) and the capped count (1).
    assert cost() == 7
    for n in range(20):
        file_report(cast.school, cast.bob, what_happened=f"Another report {n}.")
    assert cost() == 7
