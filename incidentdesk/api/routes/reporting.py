"""Reporting an incident through the API: as a signed-in member of staff, or anonymously.

The same services as the report form (`reporting.services.report_incident`) and the
anonymous pages (`reporting.anonymous`), so an API report is the same report: the same
reference, notices, audit events and idempotency. The anonymous operations need no token
and learn nothing about the caller: the receipt travels in the JSON body, never in the
URL (URLs end up in logs and browser histories), and the request's address, user agent
and other headers are wiped before anything is done (`forget_the_client`), so not even
the web server's access log keeps them.
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Router
from ninja.errors import HttpError
from ninja.responses import Status

from incidentdesk.api.reporting_schemas import (
    IDEMPOTENCY_KEY_PATTERN,
    AnonymousMessageIn,
    AnonymousMessageOut,
    AnonymousReportOut,
    AnonymousStatusOut,
    ReceiptIn,
    ReportDetailsIn,
    ReportIn,
    ReportOut,
)
from incidentdesk.api.schemas import public_responses, responses
from incidentdesk.incidents.models import Incident, ReportingMode
from incidentdesk.organisations.models import Organisation, Person
from incidentdesk.organisations.selectors import organisation_for_member
from incidentdesk.reporting import anonymous, receipts
from incidentdesk.reporting.middleware import forget_the_client
from incidentdesk.reporting.models import Message
from incidentdesk.reporting.services import (
    IdempotencyConflict,
    ReportResult,
    add_information,
    report_incident,
)

router = Router(tags=["reporting"])

KEY_REUSED = (
    "This Idempotency-Key was already used for a different report. Send a new key with "
    "each new report, and the same key only to retry the same report."
)
WRONG_RECEIPT = "No report matches this receipt code. Check the code and try again."
TOO_MANY_ATTEMPTS = (
    "Too many wrong receipt codes have been tried for this organisation in the last "
    "minute. Wait a minute, then try again."
)
RECEIPT_SHOWN_BEFORE = (
    "We already have this report. Its receipt code was shown when it was first sent and "
    "cannot be shown again."
)
RECEIVED = "We have your report. Keep the receipt code: it is the only way to follow it up."
YOU = "You"
HANDLERS = "The people handling your report"

IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Any unique string of up to 100 visible ASCII characters (a UUID "
        "will do). Sending the same report again with the same key returns the first "
        "answer instead of making a second incident; the same key with a different "
        "report is refused with 409.",
    ),
]
Slug = Annotated[str, Path(max_length=60, description="The organisation's slug.")]


def _report_out(result: ReportResult) -> ReportOut:
    incident = result.incident
    return ReportOut(
        reference=incident.reference,
        state=incident.state,
        reported_at=incident.reported_at,
        out_of_hours=incident.reported_out_of_hours,
        receipt=receipts.display(result.receipt) if result.receipt else None,
    )


@router.post(
    "/incidents",
    response=responses({200: ReportOut, 201: ReportOut}, 400, 404, 409, 413, 422),
    operation_id="report_incident",
    summary="Report an incident",
)
def report_incident_op(
    request: HttpRequest, payload: ReportIn, idempotency_key: IdempotencyKey = None
) -> Status[ReportOut]:
    """Report an incident for one of your organisations: 201 with its reference.

    A retry with the same `Idempotency-Key` and the same report answers 200 with the same
    incident. An anonymous report keeps no link to you; its answer carries the receipt
    code the reporter follows it up with. The answer never names the reporter.
    """
    person: Person = request.auth  # type: ignore[attr-defined]
    organisation = organisation_for_member(person=person, slug=payload.organisation)
    try:
        result = report_incident(
            organisation=organisation,
            reporter=person,
            mode=payload.mode,
            details=payload.to_details(),
            idempotency_key=idempotency_key,
        )
    except IdempotencyConflict:
        raise HttpError(409, KEY_REUSED) from None
    if not result.created and _reported_by_someone_else(result.incident, person):
        # Another person's key (keys are global): their report is not the caller's answer.
        raise HttpError(409, KEY_REUSED)
    return Status(201 if result.created else 200, _report_out(result))


def _reported_by_someone_else(incident: Incident, person: Person) -> bool:
    if incident.mode == ReportingMode.ANONYMOUS:
        # No account is kept, so there is no one to compare with: the same key and the
        # same report from anyone else is, to the service, the same submission.
        return False
    return incident.reporter_id != person.pk


def _anonymous_organisation(request: HttpRequest, slug: str) -> Organisation:
    forget_the_client(request)
    return anonymous.organisation_for_anonymous_reports(slug=slug)


def _no_store(response: HttpResponse) -> None:
    # The receipt code is in these answers: no cache may keep a copy.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"


@router.post(
    "/anonymous/{slug}/reports",
    auth=None,
    response=public_responses(
        {200: AnonymousReportOut, 201: AnonymousReportOut}, 404, 409, 413, 422
    ),
    operation_id="submit_anonymous_report",
    summary="Report an incident anonymously",
)
def submit_anonymous_report(
    request: HttpRequest,
    response: HttpResponse,
    slug: Slug,
    payload: ReportDetailsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[AnonymousReportOut]:
    """Report an incident to the organisation without saying who you are. No token.

    Nothing about the caller is kept: no account, no address, no user agent. The answer
    has no reference, only the receipt code that follows the report up; a retry with the
    same `Idempotency-Key` and the same report within an hour shows the same code.
    """
    organisation = _anonymous_organisation(request, slug)
    _no_store(response)
    try:
        result = report_incident(
            organisation=organisation,
            reporter=None,
            mode=ReportingMode.ANONYMOUS,
            details=payload.to_details(),
            idempotency_key=idempotency_key,
        )
    except IdempotencyConflict:
        raise HttpError(409, KEY_REUSED) from None
    status = anonymous.status_for_reporter(result.incident)
    return Status(
        201 if result.created else 200,
        AnonymousReportOut(
            receipt=receipts.display(result.receipt) if result.receipt else None,
            status=status.label,
            detail=RECEIVED if result.receipt else RECEIPT_SHOWN_BEFORE,
        ),
    )


def _incident_for_receipt(organisation: Organisation, code: str) -> Incident:
    try:
        incident = anonymous.incident_for_receipt(organisation=organisation, code=code)
    except anonymous.TooManyAttempts:
        raise HttpError(429, TOO_MANY_ATTEMPTS) from None
    if incident is None:
        raise HttpError(404, WRONG_RECEIPT)
    return incident


def _message_out(message: Message) -> AnonymousMessageOut:
    # Staff are never named to an anonymous reporter, nor the reporter to anyone here.
    return AnonymousMessageOut(
        from_reporter=message.from_reporter,
        sender=YOU if message.from_reporter else HANDLERS,
        body=message.body,
        sent_at=message.created_at,
    )


@router.post(
    "/anonymous/{slug}/status",
    auth=None,
    response=public_responses({200: AnonymousStatusOut}, 400, 404, 413, 422, 429),
    operation_id="anonymous_report_status",
    summary="Follow up an anonymous report",
)
def anonymous_report_status(
    request: HttpRequest, response: HttpResponse, slug: Slug, payload: ReceiptIn
) -> AnonymousStatusOut:
    """Where an anonymous report is, and the messages about it, for its receipt code.

    The code goes in the body, never the URL. Wrong codes are counted for the
    organisation: after 30 in a minute every code is refused with 429 until the minute ends.
    """
    organisation = _anonymous_organisation(request, slug)
    _no_store(response)
    incident = _incident_for_receipt(organisation, payload.receipt)
    status = anonymous.status_for_reporter(incident)
    return AnonymousStatusOut(
        status=status.label,
        explanation=status.explanation,
        messages=[_message_out(m) for m in anonymous.messages_for_reporter(incident)],
    )


@router.post(
    "/anonymous/{slug}/messages",
    auth=None,
    response=public_responses({201: AnonymousMessageOut}, 400, 404, 409, 413, 422, 429),
    operation_id="post_anonymous_message",
    summary="Write to the people handling an anonymous report",
)
def post_anonymous_message(
    request: HttpRequest, response: HttpResponse, slug: Slug, payload: AnonymousMessageIn
) -> Status[AnonymousMessageOut]:
    """Add information to an anonymous report, or answer a question, by its receipt code."""
    organisation = _anonymous_organisation(request, slug)
    _no_store(response)
    incident = _incident_for_receipt(organisation, payload.receipt)
    if not incident.is_open:
        raise HttpError(409, "This report is closed, so nothing more can be added to it.")
    message = add_information(incident=incident, author=None, body=payload.body.strip())
    return Status(201, _message_out(message))
