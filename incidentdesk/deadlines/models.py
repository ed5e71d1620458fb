"""Deadlines are rows with a due time; the worker finds due ones by `next_reminder_at`.

The healthchecks pattern (style.md): the next moment something must be sent is a column
with a partial index, claimed by one worker at a time with a conditional update, and every
reminder or escalation leaves an event row that can exist only once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidentdesk.organisations.models import Organisation

# The step of an action's deadline; the others are `TimescaleStep` values.
ACTION_STEP = "action"
# Steps of deadlines that belong to no incident: a policy document's next review, and an
# approved exception's review and expiry (governance).
POLICY_REVIEW_STEP = "policy_review"
EXCEPTION_REVIEW_STEP = "exception_review"
EXCEPTION_EXPIRY_STEP = "exception_expiry"
GOVERNANCE_STEPS = (POLICY_REVIEW_STEP, EXCEPTION_REVIEW_STEP, EXCEPTION_EXPIRY_STEP)


class ClosureDay(models.Model):
    """A day the organisation is closed (an INSET day, a snow day): not a working day."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="closure_days"
    )
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["organisation", "date"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "date"], name="unique_closure_day")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} closed on {self.date}"


class Deadline(models.Model):
    """One step of one incident (or one action) that must be done by `due_at`; or, with no
    incident, a policy document's review or an exception's review or expiry.

    `next_reminder_at` is when the worker must next look at it (a reminder or an
    escalation); empty once met or withdrawn, or when nothing more is to be sent.
    """

    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    policy_document = models.ForeignKey(
        "governance.PolicyDocument",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    exception_request = models.ForeignKey(
        "governance.ExceptionRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    step = models.CharField(max_length=30)
    action = models.ForeignKey(
        "investigations.Action",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    # The incident's state no longer calls for it (no personal data after all, closed as
    # not an incident). Kept, not deleted, so reminders already sent stay on the record.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    # The highest reminder and escalation sent so far: earlier ones missed while no worker
    # ran are superseded, not sent late.
    reminder_level = models.PositiveSmallIntegerField(default=0)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    last_escalated_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim; one that has passed belongs to a worker that died mid-run.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # The subject's organisation, copied when the row is made (a subject never moves), so
    # "the open deadlines of these organisations, soonest first" is one index range scan
    # rather than a join through every incident the organisation ever had.
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "step"],
                condition=Q(action__isnull=True),
                name="unique_deadline_step",
            ),
            models.UniqueConstraint(
                fields=["action"], condition=Q(action__isnull=False), name="unique_action_deadline"
            ),
            # Each review makes a new row (so its reminders stay on the record): one open
            # at a time.
            models.UniqueConstraint(
                fields=["policy_document", "step"],
                condition=Q(
                    policy_document__isnull=False, met_at__isnull=True, withdrawn_at__isnull=True
                ),
                name="unique_open_policy_review",
            ),
            models.UniqueConstraint(
                fields=["exception_request", "step"],
                condition=Q(
                    exception_request__isnull=False,
                    met_at__isnull=True,
                    withdrawn_at__isnull=True,
                ),
                name="unique_open_exception_deadline",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        incident__isnull=False,
                        policy_document__isnull=True,
                        exception_request__isnull=True,
                    )
                    | Q(
                        incident__isnull=True,
                        policy_document__isnull=False,
                        exception_request__isnull=True,
                    )
                    | Q(
                        incident__isnull=True,
                        policy_document__isnull=True,
                        exception_request__isnull=False,
                    )
                ),
                name="deadline_has_one_subject",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                name="deadline_next_reminder",
                condition=Q(met_at__isnull=True),
            ),
            # The "Due and overdue" lists: an organisation's open deadlines by due time.
            models.Index(
                fields=["organisation", "due_at"],
                name="deadline_org_open_due",
                condition=Q(met_at__isnull=True, withdrawn_at__isnull=True),
            ),
            # The dashboard's overdue actions: one step's open deadlines past a time.
            models.Index(
                fields=["organisation", "step", "due_at"],
                name="deadline_org_step_open_due",
                condition=Q(met_at__isnull=True, withdrawn_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        subject = self.incident_id or self.policy_document_id or self.exception_request_id
        return f"{subject} {self.step} due {self.due_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding and self.organisation_id is None:
            subject = self.incident or self.policy_document or self.exception_request
            if subject is not None:
                self.organisation_id = subject.organisation_id
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.withdrawn_at is None


class EventKind(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    ESCALATION = "escalation", "Escalation"


class DeadlineEvent(models.Model):
    """A reminder or escalation that was sent. Unique, so it is sent once whatever happens."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    level = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list)

    class Meta:
        ordering = ["deadline", "sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "kind", "level"], name="unique_deadline_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id} {self.kind} {self.level}"
