"""Out of hours (evenings, weekends, bank holidays) the profile's duty holder is alerted too."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incidentdesk.incidents.models import ReportingMode
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.organisations.models import Duty
from incidentdesk.reporting.services import ReportDetails, report_incident
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")

WEEKDAY_EVENING = datetime.datetime(2026, 11, 25, 19, 30, tzinfo=LONDON)  # Wednesday
SATURDAY = datetime.datetime(2026, 11, 28, 11, 0, tzinfo=LONDON)
BANK_HOLIDAY = datetime.datetime(2026, 8, 31, 11, 0, tzinfo=LONDON)  # late summer, England
WORKING_HOURS = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
OUT_OF_HOURS = [WEEKDAY_EVENING, SATURDAY, BANK_HOLIDAY]


@pytest.fixture
def trust_school():
    """A school in a trust: the trust's Information Champion, the school's Head of School."""
    trust = make_organisation("Trust", kind="trust", preset="trust")
    school = make_organisation("Academy", trust=trust)
    people = {
        "champion": make_person("Champion", organisation=trust, duties=(Duty.INCIDENT_MANAGER,)),
        "head_of_school": make_person(
            "Head of School", organisation=school, duties=(Duty.HEAD_OF_SCHOOL,)
        ),
        "reporter": make_person("Reporter", organisation=school),
    }
    return school, people


@pytest.fixture
def standalone_school():
    """A school on the school preset: the Headteacher is alerted out of hours."""
    school = make_organisation("Junior School", preset="school")
    people = {
        "headteacher": make_person(
            "Headteacher", organisation=school, duties=(Duty.INCIDENT_MANAGER,)
        ),
        "deputy_head": make_person(
            "Deputy Head", organisation=school, duties=(Duty.HEAD_OF_SCHOOL,)
        ),
        "reporter": make_person("Reporter", organisation=school),
    }
    return school, people


def send_report(school, reporter):
    return report_incident(
        organisation=school,
        reporter=reporter,
        mode=ReportingMode.NAMED,
        details=ReportDetails(what_happened="A laptop was left on the bus"),
    ).incident


def emails_by_template() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for to, template in OutgoingEmail.objects.values_list("to", "template"):
        found.setdefault(template, set()).add(to)
    return found


@pytest.mark.parametrize(
    "moment", OUT_OF_HOURS, ids=["weekday-evening", "saturday", "bank-holiday"]
)
def test_trust_preset_alerts_the_head_of_school_out_of_hours(trust_school, moment):
    school, people = trust_school

    with time_machine.travel(moment, tick=False):
        incident = send_report(school, people["reporter"])

    assert incident.reported_out_of_hours
    emails = emails_by_template()
    assert emails["out_of_hours_alert"] == {people["head_of_school"].email}
    assert emails["incident_reported"] == {people["champion"].email}


@pytest.mark.parametrize(
    "moment", OUT_OF_HOURS, ids=["weekday-evening", "saturday", "bank-holiday"]
)
def test_school_preset_alerts_the_headteacher_out_of_hours(standalone_school, moment):
    school, people = standalone_school

    with time_machine.travel(moment, tick=False):
        incident = send_report(school, people["reporter"])

    assert incident.reported_out_of_hours
    emails = emails_by_template()
    assert emails["out_of_hours_alert"] == {people["headteacher"].email}
    assert "incident_reported" not in emails  # one e-mail each, the stronger one
    assert people["deputy_head"].email not in set().union(*emails.values())


@pytest.mark.parametrize("preset_fixture", ["trust_school", "standalone_school"])
def test_a_report_in_working_hours_alerts_no_one_out_of_hours(request, preset_fixture):
    school, people = request.getfixturevalue(preset_fixture)

    with time_machine.travel(WORKING_HOURS, tick=False):
        incident = send_report(school, people["reporter"])

    assert not incident.reported_out_of_hours
    assert "out_of_hours_alert" not in emails_by_template()
    assert "incident_reported" in emails_by_template()


def test_the_deputy_is_alerted_when_the_head_of_school_is_away(trust_school):
    from incidentdesk.organisations.models import DutyHolder

    school, people = trust_school
    deputy = make_person("Deputy", organisation=school)
    DutyHolder.objects.filter(person=people["head_of_school"]).update(is_absent=True, deputy=deputy)

    with time_machine.travel(SATURDAY, tick=False):
        send_report(school, people["reporter"])

    assert emails_by_template()["out_of_hours_alert"] == {deputy.email}


def test_the_head_of_school_can_open_what_they_were_alerted_to_and_nothing_else(trust_school):
    from tests.factories import signed_in_client

    school, people = trust_school
    with time_machine.travel(SATURDAY, tick=False):
        weekend = send_report(school, people["reporter"])
    with time_machine.travel(WORKING_HOURS, tick=False):
        weekday = send_report(school, people["reporter"])
    client = signed_in_client(people["head_of_school"])

    assert client.get(f"/incidents/{weekend.reference}/").status_code == 200
    assert client.get(f"/incidents/{weekday.reference}/").status_code == 404
    queue = client.get("/incidents/").content.decode()
    assert weekend.reference in queue
    assert weekday.reference not in queue
