"""The investigation of an incident: steps a–k and the record each step leaves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidentdesk.incidents.models import Incident

PERSON = settings.AUTH_USER_MODEL


class StepStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not yet started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Completed"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


RESOLVED_STEP_STATUSES = frozenset({StepStatus.DONE, StepStatus.NOT_APPLICABLE})


class DisciplinaryDecision(models.TextChoices):
    COMMENCED = "commenced", "Disciplinary action commenced"
    NOT_COMMENCED = "not_commenced", "No disciplinary action"


class InvestigationStep(models.Model):
    """One of the policy's steps a–k for one incident."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="steps")
    letter = models.CharField(max_length=1)
    title = models.CharField(max_length=300)
    status = models.CharField(
        max_length=20, choices=StepStatus.choices, default=StepStatus.NOT_STARTED
    )
    what_was_done = models.TextField(blank=True)
    not_applicable_reason = models.TextField(blank=True)
    # Step h only: the decision either way, and why.
    disciplinary_decision = models.CharField(
        max_length=20, choices=DisciplinaryDecision.choices, blank=True
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["incident", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "letter"], name="unique_step_letter")
        ]

    def __str__(self) -> str:
        return f"{self.letter}. {self.title}"

    @property
    def is_resolved(self) -> bool:
        return self.status in RESOLVED_STEP_STATUSES


class Record(models.Model):
    """What every entry in the investigation carries: who wrote it and when."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]


class Stakeholder(Record):
    """Step a: a stakeholder and what they expect of the outcome."""

    name = models.CharField(max_length=200)
    expected_outcome = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class Interview(Record):
    """Step b: someone spoken to, when, by whom, and what they said."""

    person_spoken_to = models.CharField(max_length=200)
    spoken_at = models.DateTimeField()
    spoken_by = models.CharField(max_length=200)
    notes = models.TextField()

    def __str__(self) -> str:
        return self.person_spoken_to


class EvidenceKind(models.TextChoices):
    FILE = "file", "File"
    NOTE = "note", "Note"


class Evidence(Record):
    """Step c: a file or a note, with its SHA-256 and its chain of custody."""

    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    stored_name = models.CharField(max_length=100, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    collected_by = models.CharField(max_length=200, blank=True)
    collected_at = models.DateTimeField(default=timezone.now)

    class Meta(Record.Meta):
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["incident", "created_at"], name="evidence_incident")]

    def __str__(self) -> str:
        return self.title


class CustodyEvent(models.Model):
    """Who handled a piece of evidence, when, and whether its hash still matched."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="custody")
    action = models.CharField(max_length=30)  # collected, downloaded, hash_mismatch
    person = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    hash_matched = models.BooleanField(null=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"


class ExpertHelp(Record):
    """Step d: expert help asked for, and what was given."""

    expert = models.CharField(max_length=200)
    asked_for = models.TextField()
    given = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.expert


class Escalation(Record):
    """Step e: to whom the incident was escalated, and why."""

    escalated_to = models.CharField(max_length=200)
    reason = models.TextField()

    def __str__(self) -> str:
        return self.escalated_to


class SubjectsInformed(Record):
    """Step f: people whose data it was, told: who, when, how, by whom."""

    who = models.CharField(max_length=300)
    informed_at = models.DateTimeField()
    how = models.CharField(max_length=200)
    informed_by = models.CharField(max_length=200)

    class Meta(Record.Meta):
        verbose_name_plural = "subjects informed"

    def __str__(self) -> str:
        return self.who


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATED = "mitigated", "Mitigated"
    CLOSED = "closed", "Closed"


class Risk(Record):
    """Step g: a risk of the incident, likelihood × impact, owner, mitigation, status."""

    description = models.TextField()
    likelihood = models.PositiveSmallIntegerField()  # 1–5
    impact = models.PositiveSmallIntegerField()  # 1–5
    owner = models.CharField(max_length=200)
    mitigation = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN)

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class CommunicationItem(Record):
    """Step i: one line of the communications plan."""

    audience = models.CharField(max_length=200)
    message = models.TextField()
    channel = models.CharField(max_length=100)
    owner = models.CharField(max_length=200)
    due = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.audience


class ActionKind(models.TextChoices):
    REMEDIAL = "remedial", "Remedial"
    PREVENTIVE = "preventive", "Preventive"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class Action(Record):
    """Step j: a remedial or preventive control, tracked to done even after closure."""

    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    description = models.TextField()
    owner = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="actions")
    due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta(Record.Meta):
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="action_owner_due"),
            models.Index(fields=["incident", "status"], name="action_incident"),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class Note(Record):
    """An internal note: never shown to the reporter."""

    body = models.TextField()

    def __str__(self) -> str:
        return self.body[:60]
