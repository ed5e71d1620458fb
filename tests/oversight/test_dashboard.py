"""The dashboard page, its menu entry, and get_statistics in the API."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidentdesk.api.services import create_api_token
from incidentdesk.oversight.charts import column_chart
from incidentdesk.oversight.statistics import Count, Row
from tests.factories import make_person, signed_in_client
from tests.oversight.conftest import World, at, report

URL = "/oversight/dashboard/"
PERIOD = {"start": "2026-09", "end": "2026-11"}
# Exactly, for any number of incidents: the session and person, the scopes, the summary's
# figures and breakdowns, the policies, the severities and points, the overdue actions
# (one count on the open action deadlines' index), and the menu (a governor's asks one
# more question of it).
DASHBOARD_QUERIES = {"manager": 7, "chair": 8}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_manager_sees_exact_counts_charts_and_tables(world: World):
    response = signed_in_client(world.manager).get(URL, PERIOD)
    assert response.status_code == 200
    page = text(response)
    assert "September 2026 to November 2026" in page
    assert "fewer than" not in page
    # Each chart is an image with a title that states its message, and a table beside it.
    assert page.count('role="img"') >= 4
    assert (
        '<title id="chart-month-title">Incidents by month: most were Sep 2026 (3)</title>' in page
    )
    assert "Reports rose" not in page and "Reports fell from 3 in Sep 2026 to 3" not in page
    assert (
        '<caption class="govuk-table__caption govuk-table__caption--s">Incidents by month' in page
    )
    assert "Data Protection Policy" in page
    assert "Not measured" in page
    assert "Download the report for the governing body (PDF)" in page
    assert 'aria-current="page"' in page and ">Dashboard<" in page


def test_governors_see_fewer_than_5_and_why(world: World):
    page = text(signed_in_client(world.chair).get(URL, PERIOD))
    assert "fewer than 5" in page
    assert "is shown as “fewer than 5”" in page
    # A small count draws no bar (its length would tell the number): here, no month chart.
    assert 'id="chart-month-title"' not in page
    assert (
        '<caption class="govuk-table__caption govuk-table__caption--s">Incidents by month' in page
    )


def test_a_chart_draws_only_the_counts_that_may_be_seen():
    shown = Count(7, False, 5)
    small = Count(2, True, 5)
    chart = column_chart(
        "c",
        "Incidents by month: most were Jan 2026 (7)",
        "Trend.",
        [Row("Jan 2026", shown), Row("Feb 2026", small)],
    )
    svg = str(chart.svg)
    assert svg.count("<rect") == 1
    assert 'role="img"' in svg and '<title id="c-title">Incidents by month' in svg
    assert "&lt;5" in svg and '<desc id="c-desc">Trend.</desc>' in svg
    assert 'aria-labelledby="c-title c-desc"' in svg


def test_a_trust_sees_its_schools_side_by_side(world: World):
    page = text(signed_in_client(world.champion).get(URL, PERIOD))
    assert "Incidents by school" in page
    assert "Acorn Primary" in page and "Beech Primary" in page
    assert "Birch School" not in page and "Cedar Academy" not in page


def test_people_without_an_oversight_duty_get_404_and_no_menu_entry(world: World):
    client = signed_in_client(world.reporter)
    assert client.get(URL).status_code == 404
    assert 'href="/oversight/dashboard/"' not in client.get("/").content.decode()
    assert 'href="/oversight/dashboard/"' in signed_in_client(world.chair).get("/").content.decode()


def test_another_organisations_dashboard_is_404(world: World):
    client = signed_in_client(world.manager)
    assert client.get(URL, {"organisation": "cedar"}).status_code == 404
    assert client.get(URL, {"organisation": "oak"}).status_code == 404


def test_a_wrong_period_is_explained_beside_the_field(world: World):
    response = signed_in_client(world.manager).get(URL, {"start": "2026-11", "end": "2026-09"})
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert 'href="#end">The period must end in or after the month it starts' in page
    assert 'id="end-error"' in page
    assert (
        signed_in_client(world.manager).get(URL, {"start": "nonsense", "end": "x"}).status_code
        == 200
    )


@pytest.mark.parametrize("who", ["manager", "chair"])
def test_the_page_takes_the_same_queries_for_small_and_large_data(world: World, who: str):
    client = signed_in_client(getattr(world, who))
    client.get(URL, PERIOD)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, PERIOD).status_code == 200
        return len(queries)

    small = count()
    for i in range(40):
        report(world.birch, world.reporter, at(9 + i % 3, 1 + i % 27, 9 + i % 8))
    assert count() == small == DASHBOARD_QUERIES[who]


def test_get_statistics_gives_the_dashboards_numbers(client, world: World):
    token = create_api_token(person=world.manager, name="dashboard")[1]
    response = client.get("/api/v1/statistics", PERIOD, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["total"] == 6 and data["exact_counts"] is True
    assert [r["count"] for r in data["by_month"]] == [3, 2, 1]
    assert data["ico_decisions_within_72_hours"] == 1
    assert data["near_miss_percent"] == 17


def test_get_statistics_suppresses_small_counts_for_governors(client, world: World):
    token = create_api_token(person=world.chair, name="governor")[1]
    data = client.get("/api/v1/statistics", PERIOD, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert data["exact_counts"] is False
    assert [r["count"] for r in data["by_month"]] == ["fewer than 5"] * 3
    assert data["mean_days_discovery_to_report"] is None


def test_get_statistics_refuses_what_is_not_theirs(client, world: World):
    token = create_api_token(person=world.manager, name="m")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/statistics", {"organisation": "cedar"}, **auth).status_code == 404
    assert (
        client.get("/api/v1/statistics", {"start": "2026-11", "end": "2026-01"}, **auth).status_code
        == 422
    )
    assert client.get("/api/v1/statistics", {"start": "26-1"}, **auth).status_code == 422
    nobody = create_api_token(person=make_person("No Duty"), name="n")[1]
    assert (
        client.get("/api/v1/statistics", HTTP_AUTHORIZATION=f"Bearer {nobody}").status_code == 404
    )
