"""Reports sent at the same moment by separate processes all arrive: none fails with
"database is locked" on SQLite (WAL, synchronous=FULL, IMMEDIATE transactions)."""

from __future__ import annotations

import pytest

from incidentdesk.incidents.models import Incident
from incidentdesk.notifications.models import OutgoingEmail
from incidentdesk.organisations.models import Duty
from tests.factories import make_organisation, make_person
from tests.harness import shared_database

PROCESSES = 4
EACH = 8

SEND = """
from incidentdesk.organisations.models import Organisation, Person
from incidentdesk.reporting.services import ReportDetails, report_incident
school = Organisation.objects.get(code="OAK")
teacher = Person.objects.get(pk={teacher})
for i in range({each}):
    report_incident(organisation=school, reporter=teacher, mode="named",
                    details=ReportDetails(what_happened=f"Report {{i}} from {name}"))
print("sent all")
"""


@pytest.mark.django_db(transaction=True)
def test_reports_sent_at_once_by_several_processes_all_arrive(tmp_path):
    school = make_organisation("Oak School", preset="school")
    school.code = "OAK"
    school.save()
    make_person("Head Teacher", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    teacher = make_person("Class Teacher", organisation=school)

    with shared_database(tmp_path) as database:
        senders = [
            database.start("shell", "-c", SEND.format(teacher=teacher.pk, each=EACH, name=f"p{n}"))
            for n in range(PROCESSES)
        ]
        codes = [p.popen.wait(timeout=120) for p in senders]
        outputs = database.outputs()
    assert codes == [0] * PROCESSES, outputs
    assert "database is locked" not in outputs
    references = list(Incident.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == PROCESSES * EACH
    # The head and the reporter, for each report, with the real reference in the e-mail.
    assert OutgoingEmail.objects.count() == 2 * PROCESSES * EACH
    for email in OutgoingEmail.objects.filter(template="incident_reported"):
        assert email.subject.split()[-1] in references
        assert email.subject.split()[-1] in email.body_text
        assert email.subject.split()[-1] in email.body_html
