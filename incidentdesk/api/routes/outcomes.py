"""The outcome report, closing and reopening, and the incident's documents, through the API.

The same services as the pages: an incident the caller may not view is a 404; one they
may view but may not act on is a 403 (PermissionDenied, with the service's words); a
refusal of the incident's state is a 409 with its sentence, and a refused close lists
every unmet condition in `blockers`; a section left empty on submitting is a 422 by field.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from pydantic import Field

from incidentdesk.api.schemas import responses
from incidentdesk.incidents import services as incident_services
from incidentdesk.incidents.models import Incident, State
from incidentdesk.incidents.selectors import incident_for_user
from incidentdesk.incidents.states import TransitionRefused
from incidentdesk.organisations.models import Person
from incidentdesk.outcomes import rules, selectors, services
from incidentdesk.outcomes.exports import export_response
from incidentdesk.outcomes.models import MANAGER_STAGE, SECTION_FIELDS, ReviewDecision

router = Router(tags=["outcomes"])

Reference = Annotated[str, Path(max_length=30, description="As in CODE-2026-0042.")]
TEXT_MAX = 20_000


def _person(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _incident(request: HttpRequest, reference: str) -> Incident:
    return incident_for_user(person=_person(request), reference=reference)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except services.OutcomeRefused as exc:
        fields = {name: message for name, message in exc.errors.items() if name}
        if not fields:
            raise HttpError(409, str(exc)) from None
        raise NinjaValidationError(
            [{"loc": ["body", name], "msg": msg, "type": "refused"} for name, msg in fields.items()]
        ) from None
    except TransitionRefused as exc:
        raise HttpError(409, str(exc)) from None


class SectionsIn(Schema):
    """Any sections to save before submitting; those left out keep what was saved."""

    summary: str | None = Field(None, max_length=TEXT_MAX)
    chronology: str | None = Field(None, max_length=TEXT_MAX)
    cause: str | None = Field(None, max_length=TEXT_MAX)
    impact: str | None = Field(None, max_length=TEXT_MAX)
    policies_breached: str | None = Field(None, max_length=TEXT_MAX)
    steps_taken: str | None = Field(None, max_length=TEXT_MAX)
    ico_decision: str | None = Field(None, max_length=TEXT_MAX)
    people_told: str | None = Field(None, max_length=TEXT_MAX)
    disciplinary_decision: str | None = Field(None, max_length=TEXT_MAX)
    actions_and_controls: str | None = Field(None, max_length=TEXT_MAX)
    lessons_learned: str | None = Field(None, max_length=TEXT_MAX)
    recommendations: str | None = Field(None, max_length=TEXT_MAX)


class ReviewOut(Schema):
    reviewer: str
    stage: str
    decision: ReviewDecision
    comments: str
    reviewed_at: datetime.datetime
    round: int


class OutcomeReportOut(Schema):
    reference: str
    incident_state: State
    status: Literal["not_started", "draft", "submitted", "approved"]
    status_label: str
    waiting_for: list[str]
    round: int
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    sections: dict[str, str]
    reviews: list[ReviewOut]


class ReviewIn(Schema):
    decision: ReviewDecision
    comments: str = Field("", max_length=TEXT_MAX, description="Required when returning.")


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=TEXT_MAX)


class ClosedOut(Schema):
    reference: str
    state: State
    closed_at: datetime.datetime | None


class CloseRefusedOut(Schema):
    detail: str
    blockers: list[str] = Field(description="Every condition still unmet, in plain words.")


def _stage_words(incident: Incident, stage: str) -> str:
    return "incident manager" if stage == MANAGER_STAGE else selectors.stage_title(incident, stage)


def _report_out(incident: Incident) -> OutcomeReportOut:
    report = selectors.report_of(incident)
    status = selectors.review_status(incident, report)
    return OutcomeReportOut(
        reference=incident.reference,
        incident_state=incident.state,
        status=status.status,  # type: ignore[arg-type]
        status_label=status.label,
        waiting_for=[_stage_words(incident, s) for s in status.pending_stages],
        round=report.round if report else 0,
        submitted_at=report.submitted_at if report else None,
        approved_at=report.approved_at if report else None,
        sections={name: getattr(report, name) for name in SECTION_FIELDS} if report else {},
        reviews=[
            ReviewOut(
                reviewer=r.reviewer.full_name,
                stage=_stage_words(incident, r.stage),
                decision=r.decision,
                comments=r.comments,
                reviewed_at=r.reviewed_at,
                round=r.round,
            )
            for r in status.reviews
        ],
    )


@router.post(
    "/incidents/{reference}/outcome/submit",
    response=responses({200: OutcomeReportOut}, 403, 404, 409, 422),
    operation_id="submit_outcome_report",
    summary="Submit the outcome report for review",
)
def submit_outcome_report(
    request: HttpRequest, reference: Reference, payload: SectionsIn
) -> OutcomeReportOut:
    """Saves the sections given, then submits the report to the incident manager.

    Every section must have words (422 naming the empty ones). Only the investigator and
    the incident manager (403); only while the incident is being investigated (409).
    """
    person = _person(request)
    incident = _incident(request, reference)
    sections = {k: v for k, v in payload.dict().items() if v is not None}
    with _refusals():
        services.save_outcome_report(incident=incident, actor=person, sections=sections)
        services.submit_outcome_report(incident=incident, actor=person)
    incident.refresh_from_db()
    return _report_out(incident)


@router.post(
    "/incidents/{reference}/outcome/review",
    response=responses({200: OutcomeReportOut}, 403, 404, 409, 422),
    operation_id="review_outcome_report",
    summary="Approve the outcome report, or return it with comments",
)
def review_outcome_report(
    request: HttpRequest, reference: Reference, payload: ReviewIn
) -> OutcomeReportOut:
    """The incident manager reviews first; for a major or critical incident the profile's
    further reviewers (the SIRO, the Chair of Governors) then approve in turn. Returning
    needs comments and sends the report back to the investigator."""
    person = _person(request)
    incident = _incident(request, reference)
    with _refusals():
        services.review_outcome_report(
            incident=incident, actor=person, decision=payload.decision, comments=payload.comments
        )
    incident.refresh_from_db()
    return _report_out(incident)


@router.post(
    "/incidents/{reference}/close",
    response=responses({200: ClosedOut, 409: CloseRefusedOut}, 403, 404),
    operation_id="close_incident",
    summary="Close an incident",
)
def close_incident(request: HttpRequest, reference: Reference) -> Any:
    """Only the incident manager, and only when every step a–k is resolved, the DPO has
    acknowledged a serious incident's referral, the ICO decision of an incident that may
    involve personal data is recorded, and the outcome report is approved. Otherwise 409
    with each unmet condition in `blockers`."""
    person = _person(request)
    incident = _incident(request, reference)
    if not rules.incident_rules.may_manage(person, incident):
        raise HttpError(403, "Only the incident manager closes an incident.")
    blockers = incident_services.closing_blockers(incident) if incident.is_open else []
    if blockers:
        return Status(
            409,
            CloseRefusedOut(
                detail="The incident cannot be closed yet. " + " ".join(blockers),
                blockers=blockers,
            ),
        )
    try:
        incident = incident_services.transition(incident=incident, action="close", actor=person)
    except TransitionRefused as exc:
        return Status(409, CloseRefusedOut(detail=str(exc), blockers=[]))
    return ClosedOut(
        reference=incident.reference, state=incident.state, closed_at=incident.closed_at
    )


@router.post(
    "/incidents/{reference}/reopen",
    response=responses({200: ClosedOut}, 403, 404, 409, 422),
    operation_id="reopen_incident",
    summary="Reopen a closed incident, with the reason",
)
def reopen_incident(request: HttpRequest, reference: Reference, payload: ReasonIn) -> ClosedOut:
    """The incident manager reopens; the reason is kept in the timeline."""
    person = _person(request)
    incident = _incident(request, reference)
    with _refusals():
        incident = incident_services.transition(
            incident=incident, action="reopen", actor=person, reason=payload.reason
        )
    return ClosedOut(
        reference=incident.reference, state=incident.state, closed_at=incident.closed_at
    )


DOCUMENT_TYPES = {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
        "schema": {"type": "string", "format": "binary"}
    },
}


@router.get(
    "/incidents/{reference}/export",
    response=responses({}, 403, 404, 422),
    openapi_extra={
        "responses": {
            "200": {"description": "The document, as an attachment.", "content": DOCUMENT_TYPES}
        }
    },
    operation_id="export_incident",
    summary="Download the outcome report (PDF or Word) or the full record (PDF)",
)
def export_incident(
    request: HttpRequest,
    reference: Reference,
    document: Annotated[Literal["outcome-report", "full-record"], Query()] = "outcome-report",
    format: Annotated[Literal["pdf", "docx"], Query()] = "pdf",  # noqa: A002 - the API's word
) -> HttpResponse:
    """The outcome report to those who write, review or oversee it; the full record to the
    incident manager and, for a major or critical incident, the DPO and SIRO. Audited.
    Confidential reporters are never named. The full record is PDF only (422 for docx)."""
    if document == "full-record" and format != "pdf":
        raise NinjaValidationError(
            [{"loc": ["query", "format"], "msg": "The full record is PDF only.", "type": "value"}]
        )
    person = _person(request)
    incident = _incident(request, reference)
    return export_response(incident=incident, person=person, document=document, file_format=format)


@router.get(
    "/incidents/{reference}/outcome",
    response=responses({200: OutcomeReportOut}, 403, 404),
    operation_id="get_outcome_report",
    summary="The outcome report and where its review stands",
)
def get_outcome_report(request: HttpRequest, reference: Reference) -> OutcomeReportOut:
    person = _person(request)
    incident = _incident(request, reference)
    if not rules.may_see_outcome(person, incident):
        raise HttpError(403, "Only those who write or review the outcome report see it.")
    return _report_out(incident)
