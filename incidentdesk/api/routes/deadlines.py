"""Deadlines through the API: an incident's deadlines, and what is due from the caller.

The same selectors as the pages: an incident the caller may not view is a 404 (as the
incident page, which shows its deadlines to everyone who may open it); what is due from
the caller is the "Due and overdue" page's, their own and, for an incident manager, their
organisation's.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Router, Schema
from pydantic import Field

from incidentdesk.api.schemas import responses
from incidentdesk.deadlines import selectors
from incidentdesk.deadlines.models import Deadline, EventKind
from incidentdesk.deadlines.services import step_label
from incidentdesk.incidents.selectors import incident_for_user
from incidentdesk.organisations.models import Person

router = Router(tags=["deadlines"])

Reference = Annotated[str, Path(max_length=30, description="As in CODE-2026-0042.")]


def _person(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class DeadlineEventOut(Schema):
    kind: EventKind = Field(description="A reminder before the due time, or an escalation after.")
    level: int = Field(description="1 for the first reminder (or escalation), 2 for the next...")
    sent_at: datetime.datetime


class DeadlineOut(Schema):
    step: str = Field(
        description=(
            "acknowledge, classify, dpo_referral, ico_decision, tell_people, investigation, "
            "outcome_review (outcome_review_2... for a resubmitted report) or action."
        )
    )
    label: str = Field(description="What is due, in words.")
    action: str | None = Field(description="The action's description, for an action's deadline.")
    status: Literal["open", "met", "withdrawn"]
    started_at: datetime.datetime
    due_at: datetime.datetime
    met_at: datetime.datetime | None
    withdrawn_at: datetime.datetime | None
    overdue: bool = Field(description="Still open and past its due time.")
    reminders_sent: int
    escalations_sent: int
    events: list[DeadlineEventOut]


class IncidentDeadlinesOut(Schema):
    reference: str
    deadlines: list[DeadlineOut]


class DueDeadlineOut(Schema):
    reference: str | None = Field(
        description="The incident's reference; null for a policy "
        "document's or an exception's deadline."
    )
    policy_document_id: int | None = Field(
        description="The policy document whose review is due (step policy_review)."
    )
    exception_id: int | None = Field(
        description="The exception whose review or end is due (exception_review, exception_expiry)."
    )
    step: str
    label: str = Field(description="What is due, in words, as the page writes it.")
    link: str = Field(description="The page of the incident, policy document or exception.")
    due_at: datetime.datetime
    overdue: bool


class DueDeadlinesOut(Schema):
    yours: list[DueDeadlineOut] = Field(description="What you must do yourself.")
    organisation: list[DueDeadlineOut] | None = Field(
        description="Everything open in the organisations you manage; null if you manage none."
    )


def _label(deadline: Deadline) -> str:
    return step_label(deadline.step)


def _deadline_out(deadline: Deadline, now: datetime.datetime) -> DeadlineOut:
    events = list(deadline.events.all())  # prefetched
    status: Literal["open", "met", "withdrawn"] = (
        "met" if deadline.met_at else "withdrawn" if deadline.withdrawn_at else "open"
    )
    return DeadlineOut(
        step=deadline.step,
        label=_label(deadline),
        action=deadline.action.description if deadline.action_id else None,
        status=status,
        started_at=deadline.started_at,
        due_at=deadline.due_at,
        met_at=deadline.met_at,
        withdrawn_at=deadline.withdrawn_at,
        overdue=status == "open" and deadline.due_at < now,
        reminders_sent=sum(e.kind == EventKind.REMINDER for e in events),
        escalations_sent=sum(e.kind == EventKind.ESCALATION for e in events),
        events=[DeadlineEventOut(kind=e.kind, level=e.level, sent_at=e.sent_at) for e in events],
    )


def _due_out(deadline: Deadline, now: datetime.datetime) -> DueDeadlineOut:
    incident = deadline.incident
    return DueDeadlineOut(
        reference=incident.reference if incident is not None else None,
        policy_document_id=deadline.policy_document_id,
        exception_id=deadline.exception_request_id,
        step=deadline.step,
        label=selectors.what_is_due(deadline),
        link=selectors.subject_link(deadline)[0],
        due_at=deadline.due_at,
        overdue=deadline.due_at < now,
    )


@router.get(
    "/incidents/{reference}/deadlines",
    response=responses({200: IncidentDeadlinesOut}, 404, 422),
    operation_id="get_deadlines",
    summary="Get an incident's deadlines",
)
def get_deadlines(request: HttpRequest, reference: Reference) -> IncidentDeadlinesOut:
    """Every deadline of the incident, soonest due first: when its clock started, when it
    is due and when it was met (or withdrawn, when the incident no longer calls for it),
    whether it is overdue, and the reminders and escalations sent for it. Anyone who may
    open the incident sees them; others get 404."""
    incident = incident_for_user(person=_person(request), reference=reference)
    now = timezone.now()
    return IncidentDeadlinesOut(
        reference=incident.reference,
        deadlines=[_deadline_out(d, now) for d in selectors.deadlines_of(incident)],
    )


@router.get(
    "/deadlines/due",
    response=responses({200: DueDeadlinesOut}),
    operation_id="list_due_deadlines",
    summary="What is due and overdue",
)
def list_due_deadlines(request: HttpRequest) -> DueDeadlinesOut:
    """As the "Due and overdue" page: the open deadlines you must meet yourself, soonest
    first, and, if you are an incident manager, every open deadline of your organisation's
    incidents, policy documents and exceptions. A policy document's review is its
    owner's (and, once overdue, the incident manager's too); an exception's review and end
    are the incident manager's."""
    person = _person(request)
    now = timezone.now()
    yours = [_due_out(d, now) for d in selectors.deadlines_for_person(person, now)]
    organisation = (
        [_due_out(d, now) for d in selectors.deadlines_for_manager(person, now)]
        if selectors.manages_anywhere(person)
        else None
    )
    return DueDeadlinesOut(yours=yours, organisation=organisation)
