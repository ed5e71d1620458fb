"""Anonymous reporting: the public form, the receipt, and follow-up by receipt code.

An anonymous reporter is known only by their receipt code, which the database holds as a
keyed hash (receipts.py). Wrong codes are counted per organisation per minute, with no
trace of who tried them, and past the limit every code is refused for the rest of the
minute, the right one too: otherwise the limit would not slow down guessing.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from incidentdesk.incidents.models import Incident, ReportingMode, State
from incidentdesk.organisations.models import Organisation

from . import receipts
from .models import Message, ReceiptAttempts
from .services import (
    IdempotencyConflict,
    ReportDetails,
    ReportResult,
    add_information,
    report_incident,
)

# 30 wrong codes a minute is far more than a person mistyping, and at that rate guessing
# one of a million 100-bit codes would take longer than the universe has existed.
FAILURES_PER_MINUTE = 30
# Counters older than this are of no further use; they are removed as new ones start.
KEEP_ATTEMPTS_FOR = datetime.timedelta(hours=1)


class TooManyAttempts(Exception):
    """Too many wrong codes were tried for this organisation in this minute."""


def organisation_for_anonymous_reports(*, slug: str) -> Organisation:
    """The organisation whose public anonymous address this is; otherwise 404.

    One without a policy profile has no one named to receive anonymous reports, so it
    takes none: a report that reaches no one is worse than being told to report otherwise.
    """
    organisation = (
        Organisation.objects.select_related("profile", "trust__profile").filter(slug=slug).first()
    )
    if organisation is None or organisation.effective_profile is None:
        raise Http404
    return organisation


def anonymous_recipient_title(organisation: Organisation) -> str:
    """Who receives anonymous reports, by the title of their duty (never by name)."""
    profile = organisation.effective_profile
    if profile is None:
        return ""
    return profile.duty_title(profile.anonymous_recipient)


def _new_idempotency_key() -> str:
    return str(uuid.uuid4())


def report_anonymously(
    *, organisation: Organisation, details: ReportDetails, idempotency_key: str
) -> ReportResult:
    """Takes in an anonymous report exactly once and returns it with its receipt.

    The same submission sent again (a double click, a retry on a bad connection) finds
    the same incident and, within report_incident's replay window, the same receipt. A
    different report under a used key (the form edited and sent again after a success)
    is a new report: it gets a fresh key rather than an error, since a reporter who has
    no account cannot be asked to sort it out later.
    """
    try:
        return report_incident(
            organisation=organisation,
            reporter=None,
            mode=ReportingMode.ANONYMOUS,
            details=details,
            idempotency_key=idempotency_key,
        )
    except IdempotencyConflict:
        return report_incident(
            organisation=organisation,
            reporter=None,
            mode=ReportingMode.ANONYMOUS,
            details=details,
            idempotency_key=_new_idempotency_key(),
        )


def _minute(now: datetime.datetime) -> datetime.datetime:
    return now.replace(second=0, microsecond=0)


def _failures(organisation: Organisation, minute: datetime.datetime) -> int:
    row = ReceiptAttempts.objects.filter(organisation=organisation, minute=minute).first()
    return row.failures if row else 0


@transaction.atomic
def _count_failure(organisation: Organisation, minute: datetime.datetime) -> None:
    row, created = ReceiptAttempts.objects.get_or_create(organisation=organisation, minute=minute)
    # F() so that two wrong codes at the same moment both count.
    ReceiptAttempts.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
    if created:
        ReceiptAttempts.objects.filter(
            organisation=organisation, minute__lt=minute - KEEP_ATTEMPTS_FOR
        ).delete()


def incident_for_receipt(
    *, organisation: Organisation, code: str, now: datetime.datetime | None = None
) -> Incident | None:
    """The organisation's anonymous incident whose receipt this is, or None.

    Raises TooManyAttempts when FAILURES_PER_MINUTE wrong codes were tried for the
    organisation this minute, without looking at the code. A code that cannot be a code,
    and a code of another organisation's incident, count as wrong: the answer must not
    tell anyone that a code exists elsewhere. Nothing about the caller is recorded.
    """
    minute = _minute(now or timezone.now())
    if _failures(organisation, minute) >= FAILURES_PER_MINUTE:
        raise TooManyAttempts
    normal = receipts.normalise(code)
    incident = None
    if normal is not None:
        incident = (
            Incident.objects.select_related("organisation")
            .filter(
                organisation=organisation,
                mode=ReportingMode.ANONYMOUS,
                receipt__code_hash=receipts.code_hash(normal),
            )
            .first()
        )
    if incident is None:
        _count_failure(organisation, minute)
    return incident


@dataclass(frozen=True)
class ReporterStatus:
    """Where the incident is, in words that give away nothing of the investigation."""

    label: str
    explanation: str
    # A GOV.UK tag colour; the same one for the same status everywhere.
    tag_class: str


_RECEIVED = ReporterStatus(
    "Received",
    "Your report has arrived. No one has started looking at it yet.",
    "govuk-tag--blue",
)
_BEING_LOOKED_AT = ReporterStatus(
    "Being looked at",
    "The people handling your report are looking into it.",
    "govuk-tag--yellow",
)
_CLOSED = ReporterStatus(
    "Closed",
    "The people handling your report have finished with it. Thank you for telling us.",
    "govuk-tag--grey",
)
_STATUS_FOR_STATE = {
    State.REPORTED: _RECEIVED,
    State.TRIAGED: _BEING_LOOKED_AT,
    State.INVESTIGATING: _BEING_LOOKED_AT,
    State.OUTCOME_SUBMITTED: _BEING_LOOKED_AT,
    # "Not a security incident" is a finding of the investigation: the reporter sees
    # only that it is closed.
    State.CLOSED: _CLOSED,
    State.NOT_AN_INCIDENT: _CLOSED,
}


def status_for_reporter(incident: Incident) -> ReporterStatus:
    return _STATUS_FOR_STATE.get(State(incident.state), _BEING_LOOKED_AT)


def messages_for_reporter(incident: Incident) -> list[Message]:
    """Both directions, oldest first. Templates show no author: staff are "the people
    handling your report", never named."""
    return list(Message.objects.filter(incident=incident).order_by("created_at", "pk"))


def reply_by_receipt(*, incident: Incident, body: str, seen_up_to: int) -> Message:
    """The anonymous reporter writes to the people handling their report.

    There is no session to redirect with after a post, so a refresh sends the reply
    again: the same words from the reporter after the last message they were shown
    (`seen_up_to`, a message id or 0) are the same reply, and are not added twice.
    """
    with transaction.atomic():
        already = (
            Message.objects.filter(
                incident=incident, from_reporter=True, body=body, pk__gt=seen_up_to
            )
            .order_by("pk")
            .first()
        )
        if already is not None:
            return already
        return add_information(incident=incident, author=None, body=body)
