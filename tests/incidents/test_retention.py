"""Retention: incidents closed longer than the profile's retention period are anonymised.

The incident is filed through the real reporting service (with a real attachment) and its
investigation and ICO records are written with every text field holding a canary name,
so the search below can prove that the name is gone from every text column afterwards.
"""

from __future__ import annotations

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, models, transaction
from django.test.utils import CaptureQueriesContext

from incidentdesk.api.services import create_api_token
from incidentdesk.audit.models import AuditEvent
from incidentdesk.audit.selectors import verify_chain
from incidentdesk.deadlines.worker import JOBS
from incidentdesk.incidents.models import Classification, Incident, ReportingMode, State
from incidentdesk.incidents.retention import (
    BATCH_SIZE,
    NotDueForAnonymisation,
    anonymise_due_incidents,
    anonymise_incident,
    due_incidents,
    years_before,
)
from incidentdesk.incidents.services import transition, verify_incident
from incidentdesk.incidents.states import TransitionRefused
from incidentdesk.investigations import models as inv
from incidentdesk.investigations.services import store_evidence_file
from incidentdesk.notifications.models import Notification, OutgoingEmail
from incidentdesk.outcomes.models import SECTION_FIELDS, OutcomeReport, OutcomeReview
from incidentdesk.regulator import models as reg
from incidentdesk.reporting.models import Attachment, Message
from incidentdesk.reporting.services import add_information
from tests.factories import signed_in_client
from tests.incidents.conftest import Cast, file_report, png

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2033, 3, 1, 9, 0, tzinfo=LONDON)
REPORTED = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
CANARY = "Zebedee Quillfeather"
JOB = JOBS["anonymise expired incidents"]
TEXT_APPS = ("incidents", "reporting", "investigations", "regulator", "notifications", "outcomes")


def canary_hits(needle: str) -> list[str]:
    """Every text column of the incident apps' rows that still holds `needle`."""
    hits = []
    for label in TEXT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            fields = [
                f.attname
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField)
            ]
            if not fields:
                continue
            for row in model.objects.values("pk", *fields):
                for name, value in row.items():
                    if needle.lower() in str(value).lower():
                        hits.append(f"{model.__name__}.{name} (row {row['pk']})")
    return hits


def populated_incident(cast: Cast, *, closed_at: datetime.datetime, canary: str = CANARY):
    """A closed incident with every kind of record, each naming `canary`."""
    with time_machine.travel(REPORTED, tick=False):
        incident = file_report(
            cast.birch,
            cast.reporter,
            ReportingMode.NAMED,
            what_happened=f"{canary}'s report card went to the wrong parent.",
            how_discovered=f"{canary}'s mother rang.",
            location=f"{canary}'s classroom",
            people_involved=f"{canary} and his form tutor",
            already_done=f"Asked for {canary}'s letter back",
            source="supplier",
            supplier_name=f"{canary} Printing Ltd",
            files=(png(f"{canary}.png"),),
        )
        add_information(incident=incident, author=cast.reporter, body=f"{canary} is upset.")
        # The audit log keeps this text (it is append-only); the pages must not show it.
        verify_incident(
            incident=incident, actor=cast.manager, what_was_checked=f"Checked with {canary}'s tutor"
        )
    manager = cast.manager
    Incident.objects.filter(pk=incident.pk).update(
        kind="confirmed_breach",
        category="wrong_recipient",
        personal_data="yes",
        severity="major",
        confidentiality_affected=True,
        severity_reason=f"{canary}'s SEN details",
        state=State.CLOSED,
        closed_at=closed_at,
        closure_reason=f"Closed; {canary}'s family content",
    )
    Classification.objects.create(
        incident=incident,
        kind="confirmed_breach",
        category="wrong_recipient",
        personal_data="yes",
        severity="major",
        severity_reason=f"{canary}'s SEN details",
        classified_by=manager,
    )
    record = {"incident": incident, "created_by": manager}
    at = REPORTED + datetime.timedelta(days=1)
    stored = store_evidence_file(
        SimpleUploadedFile(f"{canary}.txt", b"notes about the pupil", content_type="text/plain")
    )
    inv.Evidence.objects.create(
        **record,
        kind="file",
        title=f"{canary}'s letter",
        description=f"The letter to {canary}'s parent",
        stored_name=stored.stored_name,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        collected_by=canary,
    )
    inv.InvestigationStep.objects.create(
        incident=incident,
        letter="c",
        title="Collect evidence",
        status="done",
        what_was_done=f"Spoke to {canary}",
        not_applicable_reason=canary,
        disciplinary_decision="not_commenced",
    )
    inv.Stakeholder.objects.create(**record, name=canary, expected_outcome=f"{canary} wants")
    inv.Interview.objects.create(
        **record, person_spoken_to=canary, spoken_at=at, spoken_by=canary, notes=canary
    )
    inv.ExpertHelp.objects.create(**record, expert=canary, asked_for=canary, given=canary)
    inv.Escalation.objects.create(**record, escalated_to=canary, reason=canary)
    inv.SubjectsInformed.objects.create(
        **record, who=canary, informed_at=at, how=canary, informed_by=canary
    )
    inv.Risk.objects.create(
        **record, description=canary, likelihood=3, impact=4, owner=canary, mitigation=canary
    )
    inv.CommunicationItem.objects.create(
        **record, audience=canary, message=canary, channel=canary, owner=canary
    )
    inv.Action.objects.create(
        **record, kind="preventive", description=canary, owner=manager, due_on=at.date()
    )
    inv.Note.objects.create(**record, body=canary)
    reg.IcoAssessment.objects.create(
        incident=incident,
        became_aware_reason=canary,
        personal_data_of_living_people=True,
        risk_likely=True,
        high_risk=False,
        reasons=canary,
        decision="notify_ico",
        decided_at=at,
        decided_by=manager,
        delay_reasons=canary,
        dpo_comments=canary,
    )
    reg.IcoSubmission.objects.create(
        incident=incident,
        kind="initial",
        submitted_at=at,
        ico_case_reference="IC-123456-A1B2",
        recorded_by=manager,
        notes=canary,
    )
    reg.DataSubjectDecision.objects.create(
        incident=incident, high_risk=False, reasons=canary, decided_by=manager, decided_at=at
    )
    reg.PeopleTold.objects.create(
        incident=incident, audience="parents", told_at=at, how=canary, recorded_by=manager
    )
    report = OutcomeReport.objects.create(
        incident=incident, **{field: canary for field in SECTION_FIELDS}, updated_by=manager
    )
    OutcomeReview.objects.create(
        report=report,
        round=1,
        stage="incident_manager",
        reviewer=manager,
        decision="approved",
        comments=canary,
    )
    OutgoingEmail.objects.create(
        to="tutor@example.org",
        subject=f"About {incident.reference}",
        body_text=f"{canary} ({incident.reference}) ...",
        template="reporter_message",
    )
    return Incident.objects.get(pk=incident.pk)


def run_job(django_capture_on_commit_callbacks) -> int:
    # The worker's own transactions commit; here the test's transaction stays open, so
    # run the after-commit work (deleting files) as a commit would.
    with django_capture_on_commit_callbacks(execute=True):
        return JOB()


@pytest.mark.django_db
def test_a_pass_anonymises_what_is_six_years_and_a_day_closed_and_keeps_the_figures(
    cast: Cast, django_capture_on_commit_callbacks
):
    old = populated_incident(
        cast, closed_at=NOW - datetime.timedelta(days=1) - (NOW - years_before(NOW, 6))
    )
    recent = populated_incident(cast, closed_at=years_before(NOW, 5), canary="Ottoline Pybus")
    files = [
        *Attachment.objects.filter(incident=old).values_list("stored_name", flat=True),
        *inv.Evidence.objects.filter(incident=old).values_list("stored_name", flat=True),
    ]
    assert len(files) == 2 and all(default_storage.exists(name) for name in files)
    assert canary_hits(CANARY)
    unrelated = OutgoingEmail.objects.create(
        to="x@example.org", subject="Weekly digest", body_text="No incident", template="digest"
    )

    with time_machine.travel(NOW, tick=False):
        assert run_job(django_capture_on_commit_callbacks) == 1

    assert canary_hits(CANARY) == []
    # The reporter's name is left only in the e-mails about the recent incident.
    about_recent = {
        f"OutgoingEmail.{field} (row {pk})"
        for pk in OutgoingEmail.objects.filter(body_text__contains=recent.reference).values_list(
            "pk", flat=True
        )
        for field in ("body_text", "body_html", "subject")
    }
    assert set(canary_hits(cast.reporter.full_name)) <= about_recent
    assert not any(default_storage.exists(name) for name in files)
    old.refresh_from_db()
    assert old.anonymised_at == NOW
    assert old.what_happened == "Removed under the retention policy on 1 March 2033"
    assert old.reporter_id is None and old.mode == ReportingMode.NAMED
    # The figures stay.
    assert (old.reference, old.state, old.kind, old.category) == (
        recent.reference.replace("0002", "0001"),
        State.CLOSED,
        "confirmed_breach",
        "wrong_recipient",
    )
    assert (old.severity, old.personal_data, old.confidentiality_affected) == ("major", "yes", True)
    assert old.reported_at == REPORTED and old.closed_at < NOW
    assert Message.objects.filter(incident=old).count() == 1
    attachment = Attachment.objects.get(incident=old)
    assert (attachment.size, attachment.content_type) == (72, "image/png")
    assert len(attachment.sha256) == 64
    evidence = inv.Evidence.objects.get(incident=old)
    assert (evidence.kind, evidence.size, evidence.stored_name) == ("file", 21, "")
    assert len(evidence.sha256) == 64
    risk = inv.Risk.objects.get(incident=old)
    assert risk.score == 12
    assert inv.InvestigationStep.objects.get(incident=old).disciplinary_decision == "not_commenced"
    assessment = reg.IcoAssessment.objects.get(incident=old)
    assert (assessment.decision, assessment.risk_likely, assessment.high_risk) == (
        "notify_ico",
        True,
        False,
    )
    assert reg.IcoSubmission.objects.get(incident=old).ico_case_reference == "IC-123456-A1B2"
    assert OutcomeReport.objects.get(incident=old).anonymised_at is not None
    assert OutcomeReview.objects.get(report__incident=old).decision == "approved"
    assert not OutgoingEmail.objects.filter(body_text__contains=old.reference).exists()
    assert not Notification.objects.filter(link__contains=f"/{old.reference}/").exists()
    assert OutgoingEmail.objects.filter(pk=unrelated.pk).exists()

    # The one closed five years ago keeps everything.
    recent.refresh_from_db()
    assert recent.anonymised_at is None and recent.reporter_id == cast.reporter.pk
    assert canary_hits("Ottoline Pybus")
    assert Notification.objects.filter(link__contains=f"/{recent.reference}/").exists()

    event = AuditEvent.objects.get(action="incident.anonymised")
    assert (event.object_id, event.actor_label) == (str(old.pk), "system")
    removed = event.details["removed"]
    assert removed["messages"] == 1 and removed["attachment_files"] == 1
    assert removed["evidence_files"] == 1 and removed["reporter_link"] == 1
    assert removed["investigation_records"] == 10 and removed["regulator_records"] == 4
    assert removed["emails"] >= 1 and removed["notices"] >= 1
    assert CANARY not in str(event.details) + str(event.changes)
    assert verify_chain().ok


@pytest.mark.django_db
def test_each_organisation_runs_by_its_own_profile_or_its_trusts(
    cast: Cast, django_capture_on_commit_callbacks
):
    cast.birch.profile.retention_years = 1
    cast.birch.profile.save()
    cast.trust.profile.retention_years = 2
    cast.trust.profile.save()
    month = datetime.timedelta(days=31)
    with time_machine.travel(REPORTED, tick=False):
        birch = file_report(cast.birch, cast.reporter)
        cedar = file_report(cast.cedar, cast.outsider)  # the default six years
        acorn_old = file_report(cast.acorn, cast.acorn_head)
        acorn_young = file_report(cast.acorn, cast.acorn_head)
    closed = {
        birch: NOW - 13 * month,
        cedar: NOW - 13 * month,
        acorn_old: NOW - 25 * month,
        acorn_young: NOW - 23 * month,
    }
    for incident, closed_at in closed.items():
        Incident.objects.filter(pk=incident.pk).update(
            state=State.NOT_AN_INCIDENT, closed_at=closed_at
        )
    with time_machine.travel(NOW, tick=False):
        assert run_job(django_capture_on_commit_callbacks) == 2
    anonymised = set(
        Incident.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    )
    assert anonymised == {birch.pk, acorn_old.pk}


@pytest.mark.django_db
def test_open_and_young_incidents_are_refused_and_an_anonymised_one_is_not_reopened(
    cast: Cast, django_capture_on_commit_callbacks
):
    with time_machine.travel(REPORTED, tick=False):
        open_one = file_report(cast.birch, cast.reporter)
    with pytest.raises(NotDueForAnonymisation):
        anonymise_incident(open_one, now=NOW)
    Incident.objects.filter(pk=open_one.pk).update(
        state=State.CLOSED, closed_at=years_before(NOW, 6) + datetime.timedelta(hours=1)
    )
    with pytest.raises(NotDueForAnonymisation):
        anonymise_incident(open_one, now=NOW)
    Incident.objects.filter(pk=open_one.pk).update(closed_at=years_before(NOW, 7))
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_incident(open_one, now=NOW) is not None

    with pytest.raises(TransitionRefused, match="retention policy"):
        transition(incident=open_one, action="reopen", actor=cast.manager, reason="More came in")
    open_one.refresh_from_db()
    assert open_one.state == State.CLOSED


@pytest.mark.django_db
def test_the_job_is_idempotent(cast: Cast, django_capture_on_commit_callbacks):
    incident = populated_incident(cast, closed_at=years_before(NOW, 7))
    stale = Incident.objects.get(pk=incident.pk)
    with time_machine.travel(NOW, tick=False):
        assert run_job(django_capture_on_commit_callbacks) == 1
        assert run_job(django_capture_on_commit_callbacks) == 0
    # A worker holding an older copy of the row finds it done and does nothing.
    assert anonymise_incident(stale, now=NOW) is None
    assert AuditEvent.objects.filter(action="incident.anonymised").count() == 1
    assert verify_chain().ok


def _closed_incidents(cast: Cast, count: int, closed_at: datetime.datetime) -> None:
    with time_machine.travel(REPORTED, tick=False):
        pks = [file_report(cast.birch, cast.reporter).pk for _ in range(count)]
    Incident.objects.filter(pk__in=pks).update(state=State.CLOSED, closed_at=closed_at)


@pytest.mark.django_db
def test_a_pass_with_nothing_due_costs_the_same_whatever_is_kept(cast: Cast):
    counts = []
    for size in (2, 20):
        _closed_incidents(cast, size, years_before(NOW, 1))
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as ctx:
            assert JOB() == 0
        counts.append(len(ctx.captured_queries))
    # One query for the organisations' retention periods, one for the due incidents.
    assert counts == [2, 2]


@pytest.mark.django_db
def test_a_pass_takes_at_most_a_batch(cast: Cast, django_capture_on_commit_callbacks):
    _closed_incidents(cast, 3, years_before(NOW, 7))
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymise_due_incidents(now=NOW, limit=2) == 2
        assert anonymise_due_incidents(now=NOW, limit=2) == 1
        assert anonymise_due_incidents(now=NOW, limit=2) == 0


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_skips_the_incident_the_first_is_anonymising(cast: Cast):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite serialises writers by itself)")
    _closed_incidents(cast, 1, years_before(NOW, 7))
    incident = Incident.objects.get()
    locked, release, results = threading.Event(), threading.Event(), []

    def first_worker() -> None:
        # Holds the incident's row lock, as a worker part-way through anonymising it.
        try:
            with transaction.atomic():
                Incident.objects.select_for_update().get(pk=incident.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert locked.wait(10)
        results.append(anonymise_due_incidents(now=NOW))  # skips, without waiting
    finally:
        release.set()
        thread.join()
    results.append(anonymise_due_incidents(now=NOW))
    assert results == [0, 1]
    assert AuditEvent.objects.filter(action="incident.anonymised").count() == 1


@pytest.mark.django_db
def test_pages_and_api_show_the_details_as_removed(cast: Cast, django_capture_on_commit_callbacks):
    incident = populated_incident(cast, closed_at=years_before(NOW, 7))
    with time_machine.travel(NOW, tick=False):
        run_job(django_capture_on_commit_callbacks)
    client = signed_in_client(cast.manager)
    removed = "Details removed under the retention policy on 1 March 2033"
    for url in (f"/incidents/{incident.reference}/", f"/incidents/{incident.reference}/timeline/"):
        page = client.get(url).content.decode()
        assert removed in page, url
        assert CANARY not in page and "Quillfeather" not in page, url
        assert cast.reporter.full_name not in page, url
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "No messages yet" not in page and "No files were sent" not in page
    assert "Reopen" not in page

    token = create_api_token(person=cast.manager, name="script")[1]
    answer = client.get(
        f"/api/v1/incidents/{incident.reference}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["what_happened"] == "Removed under the retention policy on 1 March 2033"
    assert body["anonymised_at"] is not None and body["allowed_actions"] == []
    assert CANARY not in answer.content.decode()
    assert cast.reporter.full_name not in answer.content.decode()


@pytest.mark.django_db
def test_the_search_for_due_incidents_can_use_its_index(cast: Cast):
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN of PostgreSQL")
    _closed_incidents(cast, 3, years_before(NOW, 7))
    with connection.cursor() as cursor:
        # A test database is too small for the planner to prefer any index by itself.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("ANALYZE incidents_incident")
        plan = due_incidents(now=NOW)[:BATCH_SIZE].explain()
    # With sequential scans priced out, a Seq Scan left means no index fits the query. Which
    # index wins on three rows is the planner's call (the partial one, or the register's
    # organisation + state index); at scale bench/ measures it.
    assert "Seq Scan on incidents_incident" not in plan, plan
    assert "Index" in plan, plan
