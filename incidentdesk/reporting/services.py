"""Taking in a report: named, confidential or anonymous, by form or API, exactly once."""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidentdesk.audit.services import record_event
from incidentdesk.deadlines.services import read_for_schedule
from incidentdesk.incidents.models import Incident, ReportingMode, Source
from incidentdesk.incidents.rules import may_write_to_reporter
from incidentdesk.incidents.services import (
    audit_actor_for,
    incident_create,
    reported_out_of_hours,
)
from incidentdesk.notifications.services import (
    Notice,
    notify,
    prepare_notices,
    store_notices,
)
from incidentdesk.organisations.models import Organisation, Person
from incidentdesk.organisations.selectors import DutyHoldersOf

from . import receipts
from .models import AnonymousReceipt, Attachment, Message
from .uploads import StoredUpload, store_upload

# A retry may show an anonymous reporter their receipt again only this soon after sending.
RECEIPT_REPLAY_WINDOW = datetime.timedelta(hours=1)


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different report."""


@dataclass
class ReportDetails:
    """What the reporter tells us. Only `what_happened` is required."""

    what_happened: str
    reported_kind: str = ""
    occurred_on: datetime.date | None = None
    occurred_time: datetime.time | None = None
    discovered_at: datetime.datetime | None = None
    how_discovered: str = ""
    location: str = ""
    whose_information: list[str] = field(default_factory=list)
    people_count: str = ""
    information_categories: list[str] = field(default_factory=list)
    information_forms: list[str] = field(default_factory=list)
    people_involved: str = ""
    already_done: str = ""
    source: str = Source.STAFF
    supplier_name: str = ""

    def fingerprint(self, mode: str, organisation: Organisation) -> str:
        data = {**asdict(self), "mode": mode, "organisation": organisation.pk}
        canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ReportResult:
    incident: Incident
    created: bool
    # The anonymous reporter's receipt, when it may be shown (never stored).
    receipt: str | None = None


def _holders(organisation: Organisation, duties: set[str]) -> dict[str, list[Person]]:
    """`duty_holders_for(organisation, duty)` for each of `duties`, in one query."""
    holders_of = DutyHoldersOf([organisation], duties)
    found = {duty: holders_of(organisation, duty) for duty in duties}
    return {duty: people for duty, people in found.items() if people}


def _report_duties(organisation: Organisation, mode: str) -> set[str]:
    """Every duty a report of `mode` may tell: its recipients and the out-of-hours one."""
    profile = organisation.effective_profile
    if profile is None:
        return set()
    if mode == ReportingMode.ANONYMOUS:
        return {profile.anonymous_recipient, profile.out_of_hours_recipient}
    return {*profile.report_recipients, profile.out_of_hours_recipient}


def _recipients_of_report(
    incident: Incident, holders: dict[str, list[Person]] | None = None
) -> tuple[list[Person], list[Person]]:
    """(who is told of the report, who is alerted out of hours). `holders`: the duty
    holders read already (`_holders` of `_report_duties`), else read now."""
    profile = incident.organisation.effective_profile
    if profile is None:
        return [], []
    duties = (
        [profile.anonymous_recipient]
        if incident.mode == ReportingMode.ANONYMOUS
        else list(profile.report_recipients)
    )
    if holders is None:
        wanted = set(duties)
        if incident.reported_out_of_hours:
            wanted.add(profile.out_of_hours_recipient)
        holders = _holders(incident.organisation, wanted) if wanted else {}
    told = [p for duty in duties for p in holders.get(duty, [])]
    alerted = (
        holders.get(profile.out_of_hours_recipient, []) if incident.reported_out_of_hours else []
    )
    return told, alerted


def _report_notices(
    incident: Incident, holders: dict[str, list[Person]] | None = None
) -> list[Notice]:
    told, alerted = _recipients_of_report(incident, holders)
    link = f"/incidents/{incident.reference}/"
    context = {"incident": incident, "link": link}
    # Someone both told and alerted (a school's Headteacher out of hours) gets one e-mail:
    # the out-of-hours alert, which says more.
    notices = [
        Notice(
            people=alerted,
            message=f"Reported out of hours: {incident.reference}",
            link=link,
            template="out_of_hours_alert",
            context=context,
        ),
        Notice(
            people=[p for p in told if p not in alerted],
            message=f"New incident reported: {incident.reference}",
            link=link,
            template="incident_reported",
            context=context,
        ),
    ]
    if incident.reporter is not None and incident.mode != ReportingMode.ANONYMOUS:
        own_link = f"/report/mine/{incident.reference}/"
        notices.append(
            Notice(
                people=[incident.reporter],
                message=f"We have your report {incident.reference}",
                link=own_link,
                template="report_acknowledged",
                context={"incident": incident, "link": own_link},
            )
        )
    return notices


def _existing(key: str, fingerprint: str) -> Incident | None:
    incident = Incident.objects.filter(idempotency_key=key).first()
    if incident is not None and incident.idempotency_fingerprint != fingerprint:
        raise IdempotencyConflict
    return incident


def _replayed(incident: Incident, key: str) -> ReportResult:
    receipt = None
    if (
        incident.mode == ReportingMode.ANONYMOUS
        and timezone.now() - incident.reported_at < RECEIPT_REPLAY_WINDOW
    ):
        receipt = receipts.new_code(idempotency_key=key)
    return ReportResult(incident=incident, created=False, receipt=receipt)


def report_incident(
    *,
    organisation: Organisation,
    reporter: Person | None,
    mode: str,
    details: ReportDetails,
    files: Sequence[File] = (),
    idempotency_key: str | None = None,
) -> ReportResult:
    """Makes one incident of a report, however often the same submission arrives.

    Guarantees: with the same idempotency key and the same report, one incident and the same
    answer (IdempotencyConflict for a different report under a used key); files are stored
    before the incident and removed again if it is not saved; the incident manager, the
    out-of-hours duty holder and the reporter are told by rows that the worker sends after
    commit; an anonymous report keeps no account and no request metadata.
    """
    ReportingMode(mode)
    if mode == ReportingMode.ANONYMOUS:
        reporter = None
    elif reporter is None:
        raise ValueError("A named or confidential report needs its reporter")
    fingerprint = details.fingerprint(mode, organisation)
    if idempotency_key:
        found = _existing(idempotency_key, fingerprint)
        if found is not None:
            return _replayed(found, idempotency_key)

    stored: list[StoredUpload] = [store_upload(f) for f in files]
    # Who will be told is read before the write transaction, so SQLite's one writer is
    # held only for the writes (a duty changing hands meanwhile changes nothing here).
    duties = _report_duties(organisation, mode)
    holders = _holders(organisation, duties) if duties else {}
    # So are the timescales and closure days the deadlines need, and the notices and
    # e-mails are rendered now: with a random stand-in for the reference, which only the
    # write transaction can give, put in when they are stored.
    read_for_schedule(organisation)
    now = timezone.now()
    incident = Incident(
        organisation=organisation,
        mode=mode,
        reporter=reporter,
        idempotency_key=idempotency_key or None,
        idempotency_fingerprint=fingerprint if idempotency_key else "",
        reference=f"ref{secrets.token_hex(16)}",
        reported_at=now,
        reported_out_of_hours=reported_out_of_hours(organisation, now),
        **asdict(details),
    )
    stand_in = incident.reference
    notices = prepare_notices(_report_notices(incident, holders))
    try:
        with transaction.atomic():
            incident_create(incident=incident, now=now)
            Attachment.objects.bulk_create(
                Attachment(incident=incident, uploaded_by=reporter, **asdict(s)) for s in stored
            )
            receipt = None
            if mode == ReportingMode.ANONYMOUS:
                receipt = receipts.new_code(idempotency_key=idempotency_key)
                AnonymousReceipt.objects.create(
                    incident=incident, code_hash=receipts.code_hash(receipt)
                )
            # Every notice and e-mail of the report in two inserts.
            store_notices(notices, placeholder=stand_in, value=incident.reference)
    except IntegrityError:
        for s in stored:
            default_storage.delete(s.stored_name)
        # Two copies of one submission raced; the other one won.
        if idempotency_key:
            found = _existing(idempotency_key, fingerprint)
            if found is not None:
                return _replayed(found, idempotency_key)
        raise
    except BaseException:
        for s in stored:
            default_storage.delete(s.stored_name)
        raise
    return ReportResult(incident=incident, created=True, receipt=receipt)


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise PermissionDenied(
            "This incident is closed. Contact the incident manager if you have more to add."
        )


@transaction.atomic
def add_information(*, incident: Incident, author: Person | None, body: str) -> Message:
    """The reporter adds to their report, or answers a question (an anonymous one by receipt).

    Refuses (PermissionDenied, with the words to show) once the incident is closed: its
    record is read-only until the incident manager reopens it.
    """
    _require_open(incident)
    message = Message.objects.create(
        incident=incident, from_reporter=True, author=author, body=body
    )
    actor, label = audit_actor_for(incident)
    record_event(
        actor=actor,
        actor_label=label,
        action="incident.reporter_message",
        obj=incident,
        details={"message": message.pk},
    )
    told, _ = _recipients_of_report(incident)
    notify(
        people=told,
        message=f"The reporter of {incident.reference} added information",
        link=f"/incidents/{incident.reference}/",
        template="reporter_message",
        context={"incident": incident, "link": f"/incidents/{incident.reference}/"},
    )
    return message


@transaction.atomic
def ask_reporter(*, incident: Incident, author: Person, body: str) -> Message:
    """The incident manager writes to the reporter (an anonymous one sees it with the receipt).

    Refuses (PermissionDenied) anyone who may not write to this incident's reporter.
    """
    if not may_write_to_reporter(author, incident):
        raise PermissionDenied
    _require_open(incident)
    message = Message.objects.create(
        incident=incident, from_reporter=False, author=author, body=body
    )
    record_event(
        actor=author,
        action="incident.message_to_reporter",
        obj=incident,
        details={"message": message.pk},
    )
    if incident.reporter is not None and incident.mode != ReportingMode.ANONYMOUS:
        link = f"/report/mine/{incident.reference}/"
        notify(
            people=[incident.reporter],
            message=f"A question about your report {incident.reference}",
            link=link,
            template="question_for_reporter",
            context={"incident": incident, "link": link},
        )
    return message
