"""Taking in a report: references, notices, idempotency, files, queries."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, ReportingMode, State
from incidentdesk.notifications.models import Notification, OutgoingEmail
from incidentdesk.organisations.models import Duty
from incidentdesk.reporting.models import AnonymousReceipt, Attachment
from incidentdesk.reporting.receipts import code_hash, normalise
from incidentdesk.reporting.services import (
    IdempotencyConflict,
    ReportDetails,
    report_incident,
)
from incidentdesk.reporting.uploads import UploadRefused
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
WEDNESDAY_MORNING = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def school():
    school = make_organisation("Oak School", preset="school")
    school.code = "OAK"
    school.save()
    return school


@pytest.fixture
def head(school):
    return make_person("Head Teacher", organisation=school, duties=(Duty.INCIDENT_MANAGER,))


@pytest.fixture
def teacher(school):
    return make_person("Class Teacher", organisation=school)


def report(
    school,
    reporter,
    mode=ReportingMode.NAMED,
    key=None,
    text="Sent the list to a parent",
    **details,
):
    return report_incident(
        organisation=school,
        reporter=reporter,
        mode=mode,
        details=ReportDetails(what_happened=text, **details),
        idempotency_key=key,
    )


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_references_are_sequential_per_organisation_and_year(school, head, teacher):
    other = make_organisation("Elm School")
    other.code = "ELM"
    other.save()

    first = report(school, teacher).incident
    second = report(school, teacher).incident
    elsewhere = report(other, None, ReportingMode.ANONYMOUS).incident

    assert (first.reference, second.reference) == ("OAK-2026-0001", "OAK-2026-0002")
    assert elsewhere.reference == "ELM-2026-0001"
    assert first.state == State.REPORTED


def test_a_reference_is_never_reused_even_after_the_year_turns(school, teacher):
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=LONDON)):
        december = report(school, teacher).incident
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=LONDON)):
        january = report(school, teacher).incident

    assert december.reference == "OAK-2026-0001"
    assert january.reference == "OAK-2027-0001"


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_the_incident_manager_is_told_and_the_reporter_acknowledged(school, head, teacher):
    incident = report(school, teacher).incident

    assert Notification.objects.filter(person=head, link=f"/incidents/{incident.reference}/")
    emails = {(e.to, e.template) for e in OutgoingEmail.objects.all()}
    assert emails == {
        (head.email, "incident_reported"),
        (teacher.email, "report_acknowledged"),
    }
    acknowledgement = OutgoingEmail.objects.get(to=teacher.email)
    assert incident.reference in acknowledgement.subject
    assert "What happens next" in acknowledgement.body_text
    # E-mails name the incident, never what happened.
    assert "Sent the list" not in OutgoingEmail.objects.get(to=head.email).body_text


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_the_gap_between_discovery_and_report_is_recorded(school, teacher):
    discovered = WEDNESDAY_MORNING - datetime.timedelta(hours=3, minutes=15)

    incident = report(school, teacher, discovered_at=discovered).incident

    assert incident.report_delay_seconds == 3 * 3600 + 15 * 60


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_anonymous_reports_go_to_the_profiles_anonymous_recipient_and_keep_no_one(school, head):
    chair = make_person("Chair", organisation=school, duties=(Duty.CHAIR_OF_GOVERNORS,))

    result = report(school, head, ReportingMode.ANONYMOUS)

    assert result.incident.reporter is None
    assert {e.to for e in OutgoingEmail.objects.all()} == {chair.email}
    code = normalise(result.receipt)
    assert code is not None
    assert AnonymousReceipt.objects.get(incident=result.incident).code_hash == code_hash(code)
    assert not AnonymousReceipt.objects.filter(code_hash__icontains=code).exists()
    event = AuditEvent.objects.get(action="incident.reported")
    assert (event.actor_id, event.actor_label) == (None, "anonymous reporter")


def test_receipts_carry_at_least_80_bits():
    from incidentdesk.reporting import receipts

    codes = {receipts.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert len(receipts.ALPHABET) ** receipts.CODE_LENGTH >= 2**80


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_confidential_report_keeps_the_reporter_out_of_the_audit_label(school, head, teacher):
    incident = report(school, teacher, ReportingMode.CONFIDENTIAL).incident

    event = AuditEvent.objects.get(action="incident.reported")
    assert incident.reporter == teacher
    assert (event.actor_id, event.actor_label) == (None, "confidential reporter")
    assert teacher.full_name not in str(event.details)


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_the_same_submission_twice_makes_one_incident(school, head, teacher):
    first = report(school, teacher, key="key-1")
    second = report(school, teacher, key="key-1")

    assert first.created and not second.created
    assert first.incident.pk == second.incident.pk
    assert Incident.objects.count() == 1
    assert AuditEvent.objects.filter(action="incident.reported").count() == 1
    assert OutgoingEmail.objects.count() == 2


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_used_key_with_a_different_report_is_refused(school, head, teacher):
    report(school, teacher, key="key-1")

    with pytest.raises(IdempotencyConflict):
        report(school, teacher, key="key-1", text="Something else entirely")
    assert Incident.objects.count() == 1


def test_a_retried_anonymous_report_shows_the_same_receipt_for_an_hour(school, head):
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        first = report(school, None, ReportingMode.ANONYMOUS, key="anon-1")
        again = report(school, None, ReportingMode.ANONYMOUS, key="anon-1")
    with time_machine.travel(WEDNESDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        later = report(school, None, ReportingMode.ANONYMOUS, key="anon-1")

    assert again.receipt == first.receipt
    assert later.receipt is None
    assert later.incident.pk == first.incident.pk


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_files_are_stored_with_their_hash_under_a_random_name(school, head, teacher):
    photo = SimpleUploadedFile("../../etc/passwd.png", PNG, content_type="image/png")

    result = report_incident(
        organisation=school,
        reporter=teacher,
        mode=ReportingMode.NAMED,
        details=ReportDetails(what_happened="Photo of the screen"),
        files=[photo],
    )

    attachment = Attachment.objects.get(incident=result.incident)
    import hashlib

    assert attachment.sha256 == hashlib.sha256(PNG).hexdigest()
    assert attachment.original_name == "passwd.png"
    assert "passwd" not in attachment.stored_name
    with default_storage.open(attachment.stored_name) as stored:
        assert stored.read() == PNG


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_file_that_is_not_a_photo_or_pdf_is_refused_whatever_its_name(school, teacher):
    page = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script>", "image/jpeg")

    with pytest.raises(UploadRefused, match="must be a photo"):
        report_incident(
            organisation=school,
            reporter=teacher,
            mode=ReportingMode.NAMED,
            details=ReportDetails(what_happened="x"),
            files=[page],
        )
    assert Incident.objects.count() == 0


# The duty holders to tell, read once before the write transaction; in it the reference
# counter, the incident, its audit event, its deadlines, the month's statistics (one
# UPDATE), and the notices and e-mails (one insert each, whoever is told).
REPORT_QUERIES = 17


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_report_costs_a_handful_of_queries(school, head, teacher, django_assert_max_num_queries):
    report(school, teacher)  # warm the profile and counters

    # 18 for the report itself, 2 to keep the month's statistics in step (lock, add one).
    with django_assert_max_num_queries(20):
        report(school, teacher)


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_report_costs_the_same_exact_queries_with_1_or_21_before_it(
    school, head, teacher, django_assert_num_queries
):
    # Besides REPORT_QUERIES (with the summary row added to): the month's bucket row read
    # (locked on PostgreSQL) and its figures added to, on both databases.
    expected = REPORT_QUERIES + 2
    report(school, teacher)  # warm the profile and counters
    with django_assert_num_queries(expected):
        report(school, teacher)
    for _ in range(20):
        report(school, teacher)
    with django_assert_num_queries(expected):
        report(school, teacher)
    assert Notification.objects.count() == 2 * 23  # the head and the reporter, each time
    assert OutgoingEmail.objects.count() == 2 * 23
