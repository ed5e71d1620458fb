"""The ICO decision (UK GDPR Art 33), its submissions, and telling the people affected (Art 34).

Every breach is documented (Art 33(5)), so an assessment records a decision *not* to
report, with its reasons, as carefully as a decision to report.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from incidentdesk.incidents.models import Incident

PERSON = settings.AUTH_USER_MODEL


class IcoDecision(models.TextChoices):
    NOT_REPORTABLE = "not_reportable", "Do not notify the ICO (recorded with reasons)"
    NOTIFY_ICO = "notify_ico", "Notify the ICO"
    NOTIFY_ICO_AND_PEOPLE = "notify_ico_and_people", "Notify the ICO and the people affected"


class IcoAssessment(models.Model):
    """The ICO self-assessment of one incident: the clock, the answers, the decision."""

    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, related_name="ico_assessment"
    )
    # Empty: the organisation became aware when the report came in (`incident.reported_at`).
    became_aware_at = models.DateTimeField(null=True, blank=True)
    became_aware_reason = models.TextField(blank=True)

    # The three questions of the ICO's self-assessment; None until answered.
    personal_data_of_living_people = models.BooleanField(null=True, blank=True)
    risk_likely = models.BooleanField(null=True, blank=True)
    high_risk = models.BooleanField(null=True, blank=True)
    reasons = models.TextField(blank=True)
    decision = models.CharField(max_length=30, choices=IcoDecision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delay_reasons = models.TextField(blank=True)
    dpo_involved = models.BooleanField(default=False)
    dpo_comments = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"ICO assessment of {self.incident_id}: {self.decision or 'undecided'}"

    @property
    def audit_label(self) -> str:
        return f"ICO assessment {self.incident_id}"


class SubmissionKind(models.TextChoices):
    INITIAL = "initial", "Initial report"
    FOLLOW_UP = "follow_up", "Follow-up report"


class IcoSubmission(models.Model):
    """A report made on the ICO's online form: when, and the case reference it gave."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="ico_submissions")
    kind = models.CharField(max_length=20, choices=SubmissionKind.choices)
    submitted_at = models.DateTimeField()
    ico_case_reference = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["incident", "submitted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.incident_id}"


class Art34Exception(models.TextChoices):
    NONE = "", "None: tell the people affected"
    UNINTELLIGIBLE = "a", "(a) The data was unintelligible to others, for example encrypted"
    NO_LONGER_LIKELY = "b", "(b) Later measures mean the high risk is no longer likely"
    DISPROPORTIONATE = "c", "(c) Telling each person would take disproportionate effort"


class DataSubjectDecision(models.Model):
    """Whether the people affected must be told (Art 34), and why."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="data_subject_decisions"
    )
    high_risk = models.BooleanField()
    exception = models.CharField(
        max_length=1, choices=Art34Exception.choices, blank=True, default=""
    )
    reasons = models.TextField()
    decided_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "decided_at", "pk"]

    def __str__(self) -> str:
        return f"Data subject decision on {self.incident_id}"

    @property
    def must_tell(self) -> bool:
        return self.high_risk and not self.exception


class Audience(models.TextChoices):
    PARENTS = "parents", "Parents and carers"
    STAFF = "staff", "Staff"
    PUPILS = "pupils", "Pupils"
    PUBLIC = "public", "A public communication"


class PeopleTold(models.Model):
    """A record that a group of the people affected was told: who, when, how, by whom."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="people_told")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    told_at = models.DateTimeField()
    how = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["incident", "told_at", "pk"]
        verbose_name_plural = "people told"

    def __str__(self) -> str:
        return f"{self.get_audience_display()} told about {self.incident_id}"
