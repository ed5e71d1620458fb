"""The ICO decision through the API: the self-assessment, submissions, the draft report
and the decision about telling the people affected.

The same selectors and services as the ICO pages: an incident the caller may not view is
a 404; one they may view but whose ICO decision is not theirs to see or make is a 403
(PermissionDenied from the selector or the service); a refusal of the service
(`IcoRefused`, a TransitionRefused) is a 409 with its sentence.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import AwareDatetime, Field

from incidentdesk.api.schemas import responses
from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.states import TransitionRefused
from incidentdesk.organisations.models import Person
from incidentdesk.regulator import services
from incidentdesk.regulator.draft import ico_report_draft
from incidentdesk.regulator.models import (
    Art34Exception,
    DataSubjectDecision,
    IcoAssessment,
    IcoDecision,
    IcoSubmission,
    SubmissionKind,
)
from incidentdesk.regulator.selectors import ico_clock, incident_for_ico

router = Router(tags=["ico"])

Reference = Annotated[str, Path(max_length=30, description="As in CODE-2026-0042.")]
TEXT_MAX = 20_000


def _person(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except TransitionRefused as exc:
        raise HttpError(409, str(exc)) from None


class IcoDecisionIn(Schema):
    personal_data_of_living_people: bool
    risk_likely: bool = Field(description="Ignored (recorded as false) when no personal data.")
    high_risk: bool = Field(description="Ignored (recorded as false) when no risk is likely.")
    reasons: str = Field(min_length=1, max_length=TEXT_MAX)
    dpo_involved: bool = False
    dpo_comments: str = Field("", max_length=TEXT_MAX)
    delay_reasons: str = Field(
        "",
        max_length=TEXT_MAX,
        description="Required when decided more than 72 hours after becoming aware.",
    )


class IcoAssessmentOut(Schema):
    became_aware_at: datetime.datetime
    due_at: datetime.datetime
    overdue: bool
    personal_data_of_living_people: bool | None
    risk_likely: bool | None
    high_risk: bool | None
    decision: IcoDecision | None
    reasons: str
    decided_at: datetime.datetime | None
    decided_by: str | None
    dpo_involved: bool
    dpo_comments: str
    delay_reasons: str


class IcoSubmissionIn(Schema):
    kind: SubmissionKind
    submitted_at: AwareDatetime
    ico_case_reference: str = Field("", max_length=100)
    notes: str = Field("", max_length=TEXT_MAX)


class IcoSubmissionOut(Schema):
    kind: SubmissionKind
    submitted_at: datetime.datetime
    ico_case_reference: str
    notes: str
    recorded_by: str


class DraftFieldOut(Schema):
    section: str
    label: str
    value: str


class IcoDraftOut(Schema):
    kind: SubmissionKind
    fields: list[DraftFieldOut]


class DataSubjectDecisionIn(Schema):
    high_risk: bool
    exception: Art34Exception = Field(
        Art34Exception.NONE, description="a, b or c (Art 34(3)); empty for none."
    )
    reasons: str = Field(min_length=1, max_length=TEXT_MAX)


class DataSubjectDecisionOut(Schema):
    high_risk: bool
    exception: str
    must_tell: bool
    reasons: str
    decided_at: datetime.datetime
    decided_by: str


def _assessment_out(incident: Incident, assessment: IcoAssessment) -> IcoAssessmentOut:
    clock = ico_clock(incident, timezone.now())
    return IcoAssessmentOut(
        became_aware_at=clock.became_aware_at,
        due_at=clock.due_at,
        overdue=clock.overdue and not clock.decided,
        personal_data_of_living_people=assessment.personal_data_of_living_people,
        risk_likely=assessment.risk_likely,
        high_risk=assessment.high_risk,
        decision=assessment.decision or None,
        reasons=assessment.reasons,
        decided_at=assessment.decided_at,
        decided_by=assessment.decided_by.full_name if assessment.decided_by else None,
        dpo_involved=assessment.dpo_involved,
        dpo_comments=assessment.dpo_comments,
        delay_reasons=assessment.delay_reasons,
    )


@router.post(
    "/incidents/{reference}/ico/decision",
    response=responses({200: IcoAssessmentOut}, 403, 404, 409, 422),
    operation_id="record_ico_decision",
    summary="Record the ICO decision",
)
def record_ico_decision(
    request: HttpRequest, reference: Reference, payload: IcoDecisionIn
) -> IcoAssessmentOut:
    """The ICO self-assessment's three answers and the reasons; the decision follows from
    the answers. Decided more than 72 hours after becoming aware, `delay_reasons` is
    required (409 without it). The incident manager's to make."""
    person = _person(request)
    incident = incident_for_ico(person=person, reference=reference)
    with _refusals():
        assessment = services.record_ico_decision(
            incident=incident,
            actor=person,
            data=services.IcoDecisionInput(**payload.dict()),
        )
    return _assessment_out(incident, assessment)


@router.post(
    "/incidents/{reference}/ico/submissions",
    response=responses({201: IcoSubmissionOut}, 403, 404, 409, 422),
    operation_id="record_ico_submission",
    summary="Record a report sent to the ICO",
)
def record_ico_submission(
    request: HttpRequest, reference: Reference, payload: IcoSubmissionIn
) -> Status:
    """The initial report or a follow-up (Art 33(4)) sent on the ICO's form, with the case
    reference the ICO gave. Needs a decision to notify; a follow-up needs the reference."""
    person = _person(request)
    incident = incident_for_ico(person=person, reference=reference)
    with _refusals():
        submission: IcoSubmission = services.record_ico_submission(
            incident=incident,
            actor=person,
            kind=payload.kind,
            submitted_at=payload.submitted_at,
            ico_case_reference=payload.ico_case_reference,
            notes=payload.notes,
        )
    return Status(
        201,
        IcoSubmissionOut(
            kind=submission.kind,
            submitted_at=submission.submitted_at,
            ico_case_reference=submission.ico_case_reference,
            notes=submission.notes,
            recorded_by=person.full_name,
        ),
    )


@router.get(
    "/incidents/{reference}/ico/draft",
    response=responses({200: IcoDraftOut}, 403, 404, 422),
    operation_id="get_ico_report_draft",
    summary="Get the draft ICO report",
)
def get_ico_report_draft(
    request: HttpRequest,
    reference: Reference,
    kind: Annotated[SubmissionKind, Query()] = SubmissionKind.INITIAL,
) -> IcoDraftOut:
    """Every field of the ICO's online breach report, pre-filled from the incident and
    without the names of the people affected. Answers still to write start "To complete
    before sending:"."""
    incident = incident_for_ico(person=_person(request), reference=reference)
    fields = ico_report_draft(incident, kind=kind)
    return IcoDraftOut(
        kind=kind,
        fields=[DraftFieldOut(section=f.section, label=f.label, value=f.value) for f in fields],
    )


@router.post(
    "/incidents/{reference}/ico/data-subject-decision",
    response=responses({201: DataSubjectDecisionOut}, 403, 404, 409, 422),
    operation_id="record_data_subject_decision",
    summary="Decide whether to tell the people affected",
)
def record_data_subject_decision(
    request: HttpRequest, reference: Reference, payload: DataSubjectDecisionIn
) -> Status:
    """Art 34: whether the risk to the people affected is high, and whether one of the
    exceptions (a)–(c) applies, with the reasons. `must_tell` says what follows."""
    person = _person(request)
    incident = incident_for_ico(person=person, reference=reference)
    with _refusals():
        decision: DataSubjectDecision = services.record_data_subject_decision(
            incident=incident,
            actor=person,
            high_risk=payload.high_risk,
            exception=payload.exception,
            reasons=payload.reasons,
        )
    return Status(
        201,
        DataSubjectDecisionOut(
            high_risk=decision.high_risk,
            exception=decision.exception,
            must_tell=decision.must_tell,
            reasons=decision.reasons,
            decided_at=decision.decided_at,
            decided_by=person.full_name,
        ),
    )
