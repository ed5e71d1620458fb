"""The ICO countdown on the incident page and the home page: who sees it, and its words at
a frozen time, in UK time across a clock change."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incidentdesk.regulator.selectors import countdown_words
from incidentdesk.regulator.services import IcoDecisionInput, record_ico_decision, set_became_aware
from tests.factories import signed_in_client
from tests.incidents.conftest import file_report
from tests.regulator.conftest import realistic_breach

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
REPORTED = datetime.datetime(2026, 11, 24, 10, 15, tzinfo=LONDON)  # a Tuesday


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def travel(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def warning(page: str) -> str:
    """The words of the countdown's warning text, or "" when there is none."""
    match = re.search(
        r'id="ico-countdown".*?<strong class="govuk-warning-text__text">(.*?)</strong>', page
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


@pytest.fixture
def breach(ico_cast):
    with travel(REPORTED):
        return realistic_breach(ico_cast)  # major: the DPO oversees it


def page_of(person, path: str, moment: datetime.datetime) -> str:
    with travel(moment):
        return text(signed_in_client(person).get(path))


def incident_page(person, incident, moment) -> str:
    return page_of(person, f"/incidents/{incident.reference}/", moment)


def test_the_manager_sees_the_hours_left_and_the_due_time_in_uk_time(ico_cast, breach):
    moment = at(2026, 11, 26, 3, 0)  # 31 hours 15 minutes before Friday 10:15

    page = incident_page(ico_cast.manager, breach, moment)

    assert warning(page).startswith(
        "Warning ICO decision due in 31 hours, by 10:15am on Friday 27 November."
    )
    assert "Information Commissioner's Office (ICO)" in page
    assert f'href="/incidents/{breach.reference}/ico/"' in page
    home = page_of(ico_cast.manager, "/", moment)
    assert (
        f"{breach.reference}</a>: ICO decision due in 31 hours, by 10:15am on Friday 27 November"
        in home
    )


def test_past_the_72_hours_it_says_how_late_it_is(ico_cast, breach):
    moment = at(2026, 11, 27, 15, 40)  # 5 hours 25 minutes late

    assert "ICO decision overdue by 5 hours." in warning(
        incident_page(ico_cast.manager, breach, moment)
    )
    assert "ICO decision overdue by 5 hours" in page_of(ico_cast.dpo, "/", moment)


def test_the_dpo_sees_it_on_incidents_they_may_see(ico_cast, breach):
    moment = at(2026, 11, 24, 12, 0)

    assert "ICO decision due in 70 hours" in warning(incident_page(ico_cast.dpo, breach, moment))
    assert breach.reference in page_of(ico_cast.dpo, "/", moment)


def test_those_who_may_not_see_the_ico_decision_see_no_countdown(ico_cast, breach):
    moment = at(2026, 11, 24, 12, 0)

    # The investigator may open the incident, but the ICO decision is not theirs.
    page = incident_page(ico_cast.investigator, breach, moment)
    assert "Incident " + breach.reference in page
    assert warning(page) == ""
    assert "ICO decision due" not in page
    for person in (ico_cast.investigator, ico_cast.reporter, ico_cast.colleague):
        assert "ICO decision" not in page_of(person, "/", moment), person
    # Another school's incident manager: not even the incident.
    with travel(moment):
        response = signed_in_client(ico_cast.outsider).get(f"/incidents/{breach.reference}/")
    assert response.status_code == 404
    assert breach.reference not in page_of(ico_cast.outsider, "/", moment)


def test_a_dpo_does_not_see_a_minor_incident_they_may_not_open(ico_cast):
    with travel(REPORTED):
        minor = realistic_breach(ico_cast, severity="minor")
    moment = at(2026, 11, 24, 12, 0)

    assert minor.reference not in page_of(ico_cast.dpo, "/", moment)
    assert minor.reference in page_of(ico_cast.manager, "/", moment)


def test_once_decided_the_countdown_goes(ico_cast, breach):
    with travel(at(2026, 11, 25, 9, 0)):
        record_ico_decision(
            incident=breach,
            actor=ico_cast.manager,
            data=IcoDecisionInput(
                personal_data_of_living_people=True,
                risk_likely=True,
                high_risk=False,
                reasons="One parent received it and deleted it.",
            ),
        )
    moment = at(2026, 11, 25, 10, 0)

    assert warning(incident_page(ico_cast.manager, breach, moment)) == ""
    assert "ICO decision" not in page_of(ico_cast.manager, "/", moment)


def test_the_clock_runs_from_when_the_school_became_aware(ico_cast, breach):
    with travel(at(2026, 11, 24, 11, 0)):
        set_became_aware(
            incident=breach,
            actor=ico_cast.manager,
            at=at(2026, 11, 23, 15, 40),
            reason="Mrs Okafor's reply came on Monday afternoon.",
        )

    page = incident_page(ico_cast.manager, breach, at(2026, 11, 24, 12, 0))

    assert "ICO decision due in 51 hours, by 3:40pm on Thursday 26 November." in warning(page)


def test_the_72_hours_cross_the_october_clock_change_in_real_hours(ico_cast):
    friday = at(2026, 10, 23, 16, 0)  # BST; the clocks go back early on Sunday 25 October
    with travel(friday):
        incident = file_report(ico_cast.school, ico_cast.reporter)

    page = incident_page(ico_cast.manager, incident, at(2026, 10, 26, 12, 0))

    # 72 real hours after 4pm BST on Friday is 3pm GMT on Monday.
    assert "ICO decision due in 3 hours, by 3pm on Monday 26 October." in warning(page)


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (datetime.timedelta(minutes=59), "due in less than an hour, by"),
        (datetime.timedelta(minutes=61), "due in 1 hour, by"),
        (datetime.timedelta(minutes=-10), "overdue by less than an hour"),
        (datetime.timedelta(hours=-1, minutes=-1), "overdue by 1 hour"),
        (datetime.timedelta(hours=-50), "overdue by 50 hours"),
    ],
)
def test_the_words_at_the_edges(left, words):
    due = at(2026, 12, 31, 12, 0)
    overdue, said = countdown_words(due, due - left)
    assert overdue == (left < datetime.timedelta(0))
    assert words in said
    if not overdue:
        assert said.endswith("by midday on Thursday 31 December")


def test_a_due_time_next_year_gives_the_year():
    _, said = countdown_words(at(2027, 1, 1, 0, 0), at(2026, 12, 30, 12, 0))
    assert said == "ICO decision due in 36 hours, by midnight on Friday 1 January 2027"


# The session, the person with their duties, the memberships, the duties with their
# profiles, the unread notices, the open ICO decisions (one query, at most 11 rows) and
# whether the person handles incidents (7); the DPO's page also asks whether they work
# somewhere (the menu) and own a policy review (their home page's "Due and overdue").
HOME_QUERIES = {"manager": 7, "dpo": 9}


@pytest.mark.parametrize("who", ["manager", "dpo"])
def test_the_home_page_costs_the_same_queries_for_one_or_many_incidents(
    ico_cast, who, django_assert_num_queries
):
    moment = at(2026, 11, 24, 12, 0)
    with travel(REPORTED):
        realistic_breach(ico_cast)  # major: the DPO sees it too
    client = signed_in_client(getattr(ico_cast, who))
    with travel(moment):
        client.get("/")  # the session's first request may record its activity

    with travel(moment), django_assert_num_queries(HOME_QUERIES[who]):
        page = text(client.get("/"))
    assert page.count("ICO decision due in") == 1
    assert "More ICO decisions" not in page

    with travel(REPORTED):
        for _ in range(11):
            realistic_breach(ico_cast)
    with travel(moment), django_assert_num_queries(HOME_QUERIES[who]):
        page = text(client.get("/"))
    # The ten due soonest, and a way to the rest.
    assert page.count("ICO decision due in") == 10
    assert "More ICO decisions are still to be made" in page
    assert 'href="/due/"' in page
