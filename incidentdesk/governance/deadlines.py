"""Deadlines that belong to no incident: a policy document's next review, an approved
exception's review and expiry. The worker (deadlines.services) reminds and escalates them
like any other deadline; this module says who hears of them and what they are told.

- A policy review: the owner is reminded four weeks and a week before the review date;
  after it, the incident manager hears it is overdue.
- An exception's review or expiry: the incident manager is reminded before, and told
  again once the date has passed.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from incidentdesk.deadlines.calendar import local_zone
from incidentdesk.deadlines.models import (
    EXCEPTION_EXPIRY_STEP,
    EXCEPTION_REVIEW_STEP,
    POLICY_REVIEW_STEP,
    Deadline,
)
from incidentdesk.notifications.services import notify
from incidentdesk.organisations.models import Duty, Organisation, Person
from incidentdesk.organisations.selectors import duty_holders_for

from .models import ExceptionRequest, ExceptionStatus, PolicyDocument

UTC = datetime.UTC


def due_moment(organisation: Organisation, day: datetime.date) -> datetime.datetime:
    """The end of the working day on `day`, in UTC: the date is met if done that day."""
    profile = organisation.effective_profile
    ends = profile.working_day_ends if profile else datetime.time(17, 0)
    return datetime.datetime.combine(day, ends, tzinfo=local_zone()).astimezone(UTC)


def _open(qs):
    return qs.filter(met_at__isnull=True, withdrawn_at__isnull=True)


def _new(**fields) -> Deadline:
    from incidentdesk.deadlines.services import next_reminder

    row = Deadline(**fields)
    row.next_reminder_at = next_reminder(row)
    row.save()
    return row


def schedule_policy_review(
    document: PolicyDocument, *, met_at: datetime.datetime | None = None
) -> Deadline:
    """Meets the open review deadline (a review was recorded) and opens the next one.

    Call it inside the transaction that saved the document. With `met_at` None (the
    document was only corrected) the open deadline is withdrawn instead, so an edit never
    counts as a review.
    """
    now = timezone.now()
    current = _open(Deadline.objects.filter(policy_document=document, step=POLICY_REVIEW_STEP))
    if met_at is not None:
        current.update(met_at=met_at, next_reminder_at=None, claimed_until=None)
    else:
        current.update(withdrawn_at=now, next_reminder_at=None, claimed_until=None)
    return _new(
        policy_document=document,
        step=POLICY_REVIEW_STEP,
        started_at=now,
        due_at=due_moment(document.organisation, document.next_review_on),
    )


def schedule_exception(exception: ExceptionRequest, *, met_at: datetime.datetime | None) -> None:
    """Opens the review and expiry deadlines of an approved exception, closing the old ones
    (met when a review was recorded, withdrawn otherwise)."""
    now = timezone.now()
    current = _open(Deadline.objects.filter(exception_request=exception))
    if met_at is not None:
        current.update(met_at=met_at, next_reminder_at=None, claimed_until=None)
    else:
        current.update(withdrawn_at=now, next_reminder_at=None, claimed_until=None)
    if exception.status != ExceptionStatus.APPROVED:
        return
    organisation = exception.organisation
    today = timezone.localdate()
    if exception.review_on and exception.review_on >= today:
        _new(
            exception_request=exception,
            step=EXCEPTION_REVIEW_STEP,
            started_at=now,
            due_at=due_moment(organisation, exception.review_on),
        )
    if exception.expires_on and exception.expires_on >= today:
        _new(
            exception_request=exception,
            step=EXCEPTION_EXPIRY_STEP,
            started_at=now,
            due_at=due_moment(organisation, exception.expires_on),
        )


def _organisation(deadline: Deadline) -> Organisation:
    subject = deadline.policy_document or deadline.exception_request
    return subject.organisation


def responsible(deadline: Deadline) -> list[Person]:
    """The owner of a policy document; the incident manager for an exception."""
    if deadline.policy_document_id is not None and deadline.policy_document.owner.is_active:
        return [deadline.policy_document.owner]
    return duty_holders_for(_organisation(deadline), Duty.INCIDENT_MANAGER)


def escalation_rungs(deadline: Deadline) -> list[list[Person]]:
    """One level above the owner: the incident manager (unless they are the owner)."""
    told = {p.pk for p in responsible(deadline)}
    managers = [
        p
        for p in duty_holders_for(_organisation(deadline), Duty.INCIDENT_MANAGER)
        if p.pk not in told
    ]
    return [managers] if managers else []


def notify_about(deadline: Deadline, planned, people: list[Person]) -> None:
    """The in-app notice and e-mail for a reminder or an overdue notice."""
    overdue = planned.kind == "escalation"
    day = deadline.due_at.astimezone(local_zone()).date()
    when = f"{day:%d %B %Y}".lstrip("0")
    if deadline.policy_document_id is not None:
        document = deadline.policy_document
        link = f"/governance/policies/{document.pk}/"
        subject = f"the review of {document.title}"
    else:
        exception = deadline.exception_request
        link = f"/governance/exceptions/{exception.pk}/"
        what = "expiry" if deadline.step == EXCEPTION_EXPIRY_STEP else "review"
        subject = f"the {what} of exception “{exception.title}”"
    if overdue:
        message = f"Overdue: {subject} was due on {when}"
    else:
        message = f"Reminder: {subject} is due on {when}"
    notify(
        people=people,
        message=message,
        link=link,
        template="governance_overdue" if overdue else "governance_reminder",
        context={"subject": subject, "when": when, "link": link},
    )
