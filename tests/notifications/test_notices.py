"""The incident manager is told in the app too: notices on the home page."""

import datetime

import pytest
import time_machine

from incidentdesk.incidents.models import ReportingMode
from incidentdesk.notifications.models import Notification
from incidentdesk.organisations.models import Duty
from incidentdesk.reporting.services import ReportDetails, report_incident
from tests.factories import make_organisation, make_person, signed_in_client

pytestmark = pytest.mark.django_db

# In working hours: out of hours the notice says "Reported out of hours" instead.
WEDNESDAY_MORNING = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC)


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_new_report_shows_on_the_managers_home_page_until_read():
    school = make_organisation()
    head = make_person("Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    teacher = make_person("Teacher", organisation=school)
    incident = report_incident(
        organisation=school,
        reporter=teacher,
        mode=ReportingMode.NAMED,
        details=ReportDetails(what_happened="Lost a memory stick"),
    ).incident
    client = signed_in_client(head)

    home = client.get("/").content.decode()
    assert f"New incident reported: {incident.reference}" in home
    assert f'href="/incidents/{incident.reference}/"' in home

    response = client.post("/notices/read/")

    assert response.status_code == 302
    assert not Notification.objects.filter(person=head, read_at__isnull=True).exists()
    # The notice has gone; the incident still shows where it belongs (the ICO countdown).
    assert f"New incident reported: {incident.reference}" not in client.get("/").content.decode()


def test_notices_are_only_the_persons_own():
    school = make_organisation()
    head = make_person("Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    other = make_person("Other", organisation=school)
    Notification.objects.create(person=head, message="Only for the head", link="/")

    assert "Only for the head" not in signed_in_client(other).get("/").content.decode()
    assert signed_in_client(other).get("/notices/read/").status_code == 405
