"""Review reminders through the deadlines worker: the owner is reminded before a policy's
next review date, once per reminder, and the incident manager hears after it; an approved
exception's review and expiry remind the incident manager."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from incidentdesk.deadlines.models import (
    EXCEPTION_EXPIRY_STEP,
    POLICY_REVIEW_STEP,
    Deadline,
    DeadlineEvent,
)
from incidentdesk.deadlines.worker import run_pass
from incidentdesk.governance import services
from incidentdesk.notifications.models import Notification, OutgoingEmail
from tests.governance.conftest import at, point

pytestmark = pytest.mark.django_db

START = at(2026, 1, 5, 10, 0)  # a Monday
REVIEW_ON = datetime.date(2026, 3, 2)  # a Monday: due at the end of its working day


def pass_at(moment: datetime.datetime, times: int = 2) -> None:
    """The worker's passes at `moment`: twice, to show a second pass sends nothing."""
    with time_machine.travel(moment, tick=False):
        for _ in range(times):
            run_pass()


def emails(template: str, person) -> int:
    return OutgoingEmail.objects.filter(template=template, to=person.email).count()


def add_policy(cast):
    with time_machine.travel(START, tick=False):
        return services.document_create(
            actor=cast.manager,
            organisation=cast.birch,
            title="Security Incidents Policy",
            version="1.0",
            approved_by="Finance & Premises Committee",
            approved_on=datetime.date(2025, 3, 1),
            next_review_on=REVIEW_ON,
            owner=cast.staff,
        )


def test_the_owner_is_reminded_before_the_review_and_the_manager_hears_after(cast):
    document = add_policy(cast)
    deadline = Deadline.objects.get(policy_document=document)
    assert deadline.due_at == at(2026, 3, 2, 17, 0)

    pass_at(at(2026, 2, 1, 12, 0))  # over four weeks before: nothing yet
    assert emails("governance_reminder", cast.staff) == 0

    pass_at(at(2026, 2, 3, 9, 0))  # four weeks before
    assert emails("governance_reminder", cast.staff) == 1
    notice = Notification.objects.get(person=cast.staff)
    assert (
        notice.message == "Reminder: the review of Security Incidents Policy is due on 2 March 2026"
    )
    assert notice.link == f"/governance/policies/{document.pk}/"
    pass_at(at(2026, 2, 10, 9, 0))
    assert emails("governance_reminder", cast.staff) == 1

    pass_at(at(2026, 2, 24, 9, 0))  # a week before
    assert emails("governance_reminder", cast.staff) == 2
    assert emails("governance_reminder", cast.manager) == 0
    assert emails("governance_overdue", cast.manager) == 0

    pass_at(at(2026, 3, 3, 9, 0))  # the review date has passed
    assert emails("governance_overdue", cast.manager) == 1
    assert emails("governance_overdue", cast.staff) == 0
    mail = OutgoingEmail.objects.get(template="governance_overdue")
    assert (
        mail.subject == "Overdue: the review of Security Incidents Policy was due on 2 March 2026"
    )
    pass_at(at(2026, 3, 20, 9, 0))  # once only
    assert emails("governance_overdue", cast.manager) == 1
    assert DeadlineEvent.objects.filter(deadline=deadline).count() == 3


def test_a_review_recorded_in_time_stops_the_reminders_and_schedules_the_next(cast):
    document = add_policy(cast)
    pass_at(at(2026, 2, 3, 9, 0))
    with time_machine.travel(at(2026, 2, 5, 11, 0), tick=False):
        services.document_review(
            actor=cast.manager,
            document=document,
            version="1.1",
            approved_by="Full Governing Body",
            approved_on=datetime.date(2026, 2, 5),
            next_review_on=datetime.date(2027, 2, 1),
        )
    pass_at(at(2026, 3, 3, 9, 0))
    assert emails("governance_reminder", cast.staff) == 1
    assert emails("governance_overdue", cast.manager) == 0
    first, second = Deadline.objects.filter(policy_document=document).order_by("pk")
    assert first.met_at == at(2026, 2, 5, 11, 0)
    assert second.step == POLICY_REVIEW_STEP and second.met_at is None
    assert second.due_at == at(2027, 2, 1, 17, 0)
    pass_at(at(2027, 1, 5, 9, 0))  # four weeks before the next review
    assert emails("governance_reminder", cast.staff) == 2


def test_an_approved_exception_reminds_the_manager_of_its_review_and_expiry(cast):
    with time_machine.travel(START, tick=False):
        exception = services.exception_request(
            actor=cast.staff,
            organisation=cast.birch,
            policy_point=point(cast.birch),
            title="Trip photos on the tablet",
            what="Keep them a week",
            business_reason="No signal",
        )
        services.exception_decide(
            actor=cast.manager,
            exception=exception,
            approve=True,
            reasons="Low risk",
            expires_on=datetime.date(2026, 4, 30),
            review_on=datetime.date(2026, 3, 31),
        )
    pass_at(at(2026, 3, 4, 9, 0))  # four weeks before the review
    assert emails("governance_reminder", cast.manager) == 1
    assert emails("governance_reminder", cast.staff) == 0
    notice = Notification.objects.filter(person=cast.manager).latest("pk")
    assert "the review of exception “Trip photos on the tablet”" in notice.message
    pass_at(at(2026, 5, 1, 9, 0))  # after the expiry: the review is overdue, it has expired
    overdue = OutgoingEmail.objects.filter(template="governance_overdue", to=cast.manager.email)
    assert overdue.count() == 2
    expiry = Deadline.objects.get(exception_request=exception, step=EXCEPTION_EXPIRY_STEP)
    assert expiry.escalation_level == 1 and expiry.next_reminder_at is None
    with time_machine.travel(at(2026, 5, 1, 9, 0), tick=False):
        exception.refresh_from_db()
        assert exception.status_words() == "Expired"
