"""Retention: an incident closed longer than its profile's retention period is anonymised.

The policy profile's `retention_years` (6 by default) says how long after closure an
incident keeps its names and free text. After that the worker job below calls
`anonymise_incident`, which removes them and keeps the figures, so the statistics
(dashboards, governors' reports, the register's counts) still add up.

Removed (set to empty, or to the fixed "Removed under the retention policy on <date>" in
`what_happened`):
- the incident: what happened, how it was discovered, where, the people involved, what
  was already done, the supplier's name, the severity reason, the verification notes, the
  closure reason, the report's fingerprint (a hash of the report's text), and the link to
  the reporter (the reporting mode, named/confidential/anonymous, stays);
- classification history: each classification's severity reason;
- reporting: the text of every message (and the author of the reporter's messages), each
  attachment's original file name and who uploaded it; the files themselves are deleted
  from storage once the change commits;
- the investigation: the steps' "what was done" and "not applicable" reasons;
  stakeholders' names and expectations; interviews (who, by whom, notes); evidence
  titles, descriptions, file names and who collected it, and the evidence files;
  expert help, escalations, people told (who, how, by whom), risks (description, owner,
  mitigation), the communications plan (audience, message, channel, owner), actions'
  descriptions, internal notes;
- the regulator: the ICO assessment's reasons, "became aware" reason, delay reasons and
  DPO comments; the ICO submissions' notes; the data-subject decisions' reasons; how
  each group of people was told;
- notifications: the e-mails (sent or not) and in-app notices that name the incident's
  reference, which may quote the report;
- the outcome report, through `incidentdesk.outcomes.services.anonymise_outcome_report`
  when that app provides it.

Kept (the figures): organisation, reference, every date and time, reporting mode, source,
reported kind, kind, category, severity, personal data yes/no/unknown, whose information,
how many people, information categories and forms, the confidentiality/integrity/
availability flags, safeguarding flag, state, policies breached, the ENISA grading;
the classification history's figures; involvements (who was referred or asked to
support, in their role, and when they acknowledged); steps' status and the disciplinary
decision; evidence rows with their kind, content type, size, SHA-256 and chain of
custody; risk scores and status; actions' kind, owner, due date and status; the ICO
decision, its yes/no answers, dates, case references; data-subject decisions' high-risk
answer and exception; which audiences were told and when; the number of messages and
attachments (the rows stay, empty), each attachment's type, size and SHA-256. Staff
linked in their role (classified by, investigator, decided by...) stay linked: they are
the accountability record, and the audit log names them anyway.

The audit log: the incident's earlier events lose their `changes` and `details` (the free
text they quoted) through `incidentdesk.audit.services.erase_personal_content`; who did
what and when stays, and the hash chain still verifies, because it covers each event's
content digest, which is kept (docs/decisions/0005-audit-checkpoints.md). One
"incident.anonymised" event records how many of each thing were removed, never the
removed text.
"""

from __future__ import annotations

import datetime
import importlib.util
import logging
import re
from collections import defaultdict
from typing import Any

from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from incidentdesk.audit.models import AuditEvent
from incidentdesk.audit.services import erase_personal_content, record_event
from incidentdesk.deadlines.worker import job
from incidentdesk.organisations.models import Organisation, PolicyProfile

from .models import Classification, Incident, State

log = logging.getLogger("incidentdesk.retention")

CLOSED_STATES = (State.CLOSED, State.NOT_AN_INCIDENT)
DEFAULT_RETENTION_YEARS: int = PolicyProfile._meta.get_field("retention_years").default
BATCH_SIZE = 100


class NotDueForAnonymisation(Exception):
    """The incident is open, or closed for less than its retention period."""


def removed_text(when: datetime.datetime) -> str:
    """The words that replace what happened, with the local date of the removal."""
    day = timezone.localdate(when)
    return f"Removed under the retention policy on {day.day} {day:%B %Y}"


def years_before(when: datetime.datetime, years: int) -> datetime.datetime:
    """The same moment `years` calendar years earlier (29 February becomes the 28th)."""
    try:
        return when.replace(year=when.year - years)
    except ValueError:
        return when.replace(year=when.year - years, day=28)


def retention_years_for(organisation: Organisation) -> int:
    """The organisation's retention period: its own profile's, else its trust's."""
    profile = organisation.effective_profile
    return profile.retention_years if profile is not None else DEFAULT_RETENTION_YEARS


def is_due(incident: Incident, *, now: datetime.datetime) -> bool:
    if incident.anonymised_at is not None or incident.closed_at is None:
        return False
    if incident.state not in CLOSED_STATES:
        return False
    years = retention_years_for(incident.organisation)
    return incident.closed_at < years_before(now, years)


def _clear(queryset: models.QuerySet, **values: Any) -> int:
    """Empties the given fields of every row; the number of rows that held something."""
    holding = Q()
    for field, value in values.items():
        if isinstance(value, str):
            holding |= ~Q(**{field: value})
        else:
            holding |= Q(**{f"{field}__isnull": False})
    count = queryset.filter(holding).count()
    queryset.update(**values)
    return count


def _delete_after_commit(names: list[str]) -> None:
    # Storage is not transactional: delete the files only once the rows no longer point to
    # them, so a rolled-back anonymisation leaves everything as it was.
    def delete() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                log.exception("could not delete %s; delete it by hand", name)

    if names:
        transaction.on_commit(delete)


def _notifications(incident: Incident) -> dict[str, int]:
    from incidentdesk.notifications.models import Notification, OutgoingEmail

    reference = incident.reference
    # "BIR-2026-0001" must not match "BIR-2026-00012".
    exact = re.compile(rf"(?<![\w-]){re.escape(reference)}(?![\w])")
    emails = [
        email.pk
        for email in OutgoingEmail.objects.filter(
            Q(subject__contains=reference)
            | Q(body_text__contains=reference)
            | Q(body_html__contains=reference)
        ).only("subject", "body_text", "body_html")
        if exact.search(email.subject)
        or exact.search(email.body_text)
        or exact.search(email.body_html)
    ]
    notices = [
        notice.pk
        for notice in Notification.objects.filter(
            Q(message__contains=reference) | Q(link__contains=reference)
        ).only("message", "link")
        if exact.search(notice.message) or exact.search(notice.link)
    ]
    OutgoingEmail.objects.filter(pk__in=emails).delete()
    Notification.objects.filter(pk__in=notices).delete()
    return {"emails": len(emails), "notices": len(notices)}


def _outcome_report(incident: Incident) -> None:
    # The outcome report belongs to the outcomes app, which removes its own text.
    if importlib.util.find_spec("incidentdesk.outcomes.services") is None:
        return
    from incidentdesk.outcomes import services as outcomes

    anonymise = getattr(outcomes, "anonymise_outcome_report", None)
    if anonymise is not None:
        anonymise(incident)


def anonymise_incident(incident: Incident, *, now: datetime.datetime) -> dict[str, int] | None:
    """Removes the names and free text of an incident closed longer than its retention.

    Everything listed at the top of this module is removed and the figures kept, in one
    transaction with the "incident.anonymised" audit event (counts only). Returns the
    counts of what was removed, or None when the incident was already anonymised (by
    another worker, say). Raises NotDueForAnonymisation if it is open or not yet due.

    The actor is the system: retention is the policy's own rule, not anyone's choice, so
    there is no one whose permission to check.
    """
    from incidentdesk.investigations import models as inv
    from incidentdesk.regulator import models as reg
    from incidentdesk.reporting.models import Attachment, Message

    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("organisation__profile", "organisation__trust__profile")
            .get(pk=incident.pk)
        )
        if incident.anonymised_at is not None:
            return None
        if not is_due(incident, now=now):
            raise NotDueForAnonymisation(
                f"{incident.reference} is not closed for longer than its retention period."
            )
        # The claim: a conditional update, so that even where row locks do nothing (SQLite)
        # a second worker finds the incident taken and leaves it.
        if not Incident.objects.filter(pk=incident.pk, anonymised_at__isnull=True).update(
            anonymised_at=now
        ):
            return None
        removed: dict[str, int] = {}

        text_fields = [
            "how_discovered",
            "location",
            "people_involved",
            "already_done",
            "supplier_name",
            "severity_reason",
            "verification_notes",
            "closure_reason",
            "idempotency_fingerprint",
        ]
        removed["incident_fields"] = 1 + sum(1 for f in text_fields if getattr(incident, f))
        removed["reporter_link"] = int(incident.reporter_id is not None)
        for field in text_fields:
            setattr(incident, field, "")
        incident.what_happened = removed_text(now)
        incident.reporter = None
        incident.anonymised_at = now
        incident.save(update_fields=[*text_fields, "what_happened", "reporter", "anonymised_at"])

        removed["classification_reasons"] = _clear(
            Classification.objects.filter(incident=incident), severity_reason=""
        )

        messages = Message.objects.filter(incident=incident)
        removed["messages"] = _clear(messages, body="")
        messages.filter(from_reporter=True).update(author=None)

        attachments = Attachment.objects.filter(incident=incident)
        attachment_files = list(attachments.values_list("stored_name", flat=True))
        removed["attachments"] = _clear(attachments, original_name="", uploaded_by=None)
        removed["attachment_files"] = len(attachment_files)

        evidence = inv.Evidence.objects.filter(incident=incident)
        evidence_files = [name for name in evidence.values_list("stored_name", flat=True) if name]
        removed["evidence"] = _clear(
            evidence,
            title="",
            description="",
            original_name="",
            collected_by="",
            stored_name="",
        )
        removed["evidence_files"] = len(evidence_files)

        records: list[tuple[type[models.Model], dict[str, Any]]] = [
            (inv.InvestigationStep, {"what_was_done": "", "not_applicable_reason": ""}),
            (inv.Stakeholder, {"name": "", "expected_outcome": ""}),
            (inv.Interview, {"person_spoken_to": "", "spoken_by": "", "notes": ""}),
            (inv.ExpertHelp, {"expert": "", "asked_for": "", "given": ""}),
            (inv.Escalation, {"escalated_to": "", "reason": ""}),
            (inv.SubjectsInformed, {"who": "", "how": "", "informed_by": ""}),
            (inv.Risk, {"description": "", "owner": "", "mitigation": ""}),
            (
                inv.CommunicationItem,
                {"audience": "", "message": "", "channel": "", "owner": ""},
            ),
            (inv.Action, {"description": ""}),
            (inv.Note, {"body": ""}),
        ]
        removed["investigation_records"] = sum(
            _clear(model.objects.filter(incident=incident), **values) for model, values in records
        )

        regulator: list[tuple[type[models.Model], dict[str, Any]]] = [
            (
                reg.IcoAssessment,
                {
                    "became_aware_reason": "",
                    "reasons": "",
                    "delay_reasons": "",
                    "dpo_comments": "",
                },
            ),
            (reg.IcoSubmission, {"notes": ""}),
            (reg.DataSubjectDecision, {"reasons": ""}),
            (reg.PeopleTold, {"how": ""}),
        ]
        removed["regulator_records"] = sum(
            _clear(model.objects.filter(incident=incident), **values) for model, values in regulator
        )

        removed.update(_notifications(incident))
        _outcome_report(incident)
        removed["audit_events"] = erase_personal_content(
            events=AuditEvent.objects.filter(object_type="incident", object_id=str(incident.pk)),
            reason="retention",
            obj=incident,
        )

        years = retention_years_for(incident.organisation)
        record_event(
            actor=None,
            action="incident.anonymised",
            obj=incident,
            changes={"anonymised_at": [None, now]},
            details={"retention_years": years, "removed": removed},
        )
        _delete_after_commit(attachment_files + evidence_files)
    return removed


def _cutoffs(now: datetime.datetime) -> dict[datetime.datetime, list[int]]:
    """Each retention cut-off, with the organisations it applies to. One query."""
    by_years: dict[int, list[int]] = defaultdict(list)
    rows = Organisation.objects.values_list(
        "pk", "profile__retention_years", "trust__profile__retention_years"
    )
    for pk, own, trusts in rows:
        years = own if own is not None else trusts
        by_years[years if years is not None else DEFAULT_RETENTION_YEARS].append(pk)
    return {years_before(now, years): pks for years, pks in by_years.items()}


def due_incidents(*, now: datetime.datetime) -> models.QuerySet[Incident]:
    """Closed incidents past their organisation's retention period, not yet anonymised.

    One query over the partial index `incident_retention_due` (organisation, closed_at;
    only closed, not yet anonymised incidents), after one over the organisations: its cost
    follows the number of incidents due, not the number kept.
    """
    due = Q()
    for cutoff, organisations in _cutoffs(now).items():
        due |= Q(organisation_id__in=organisations, closed_at__lt=cutoff)
    if not due:
        return Incident.objects.none()
    return Incident.objects.filter(
        due, closed_at__isnull=False, anonymised_at__isnull=True, state__in=CLOSED_STATES
    ).order_by("closed_at", "pk")


def anonymise_due_incidents(
    *, now: datetime.datetime | None = None, limit: int = BATCH_SIZE
) -> int:
    """Anonymises up to `limit` due incidents, each in its own transaction; how many.

    Safe with several workers: each incident is locked (skipping one another worker holds)
    and checked again under the lock, so it is anonymised once; a crash mid-way rolls
    that one incident back and the next pass picks it up.
    """
    now = now or timezone.now()
    done = 0
    for pk in list(due_incidents(now=now).values_list("pk", flat=True)[:limit]):
        try:
            if _anonymise_claimed(pk, now=now):
                done += 1
        except Exception:
            # One incident that fails (rolled back) must not hold up the others behind it.
            log.exception("could not anonymise incident %s; it is tried again next pass", pk)
    return done


def _anonymise_claimed(pk: int, *, now: datetime.datetime) -> bool:
    with transaction.atomic():
        claimed = (
            Incident.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, anonymised_at__isnull=True)
            .first()
        )
        if claimed is None:
            return False
        try:
            return anonymise_incident(claimed, now=now) is not None
        except NotDueForAnonymisation:
            # Reopened since the search: nothing to do.
            return False


@job("anonymise expired incidents")
def anonymise_expired_incidents() -> int:
    return anonymise_due_incidents()
