"""The Incident Outcome Report (policy point 3k / 6d) and its reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidentdesk.incidents.models import Incident

PERSON = settings.AUTH_USER_MODEL

# The report's sections in the order the policy's outcome report reads: (field, title, hint).
SECTIONS: list[tuple[str, str, str]] = [
    ("summary", "Summary", "What happened, in a few sentences a governor can follow."),
    ("chronology", "Chronology", "Drafted from the incident's timeline. Edit it to read well."),
    ("cause", "Cause", "Why it happened: the root cause, not only the trigger."),
    ("impact", "Impact", "The people and the data affected, and what it meant for them."),
    (
        "policies_breached",
        "Information policies breached",
        "Drafted from the classification.",
    ),
    ("steps_taken", "What was done at each step", "Drafted from the investigation's steps a–k."),
    ("ico_decision", "The ICO decision", "Drafted from the ICO decision page."),
    ("people_told", "The people told", "Who was told, when and how."),
    ("disciplinary_decision", "The disciplinary decision", "Drafted from step h."),
    (
        "actions_and_controls",
        "Actions and controls to prevent it happening again",
        "The investigation's actions are listed; add what else will change.",
    ),
    ("lessons_learned", "Lessons learned", "What the school or trust now knows it should do."),
    ("recommendations", "Recommendations", "What you recommend, and to whom."),
]
SECTION_FIELDS = [field for field, _, _ in SECTIONS]


class OutcomeReport(models.Model):
    """One per incident: written by the investigator, reviewed, then the incident can close."""

    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, related_name="outcome_report"
    )
    summary = models.TextField(blank=True)
    chronology = models.TextField(blank=True)
    cause = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    policies_breached = models.TextField(blank=True)
    steps_taken = models.TextField(blank=True)
    ico_decision = models.TextField(blank=True)
    people_told = models.TextField(blank=True)
    disciplinary_decision = models.TextField(blank=True)
    actions_and_controls = models.TextField(blank=True)
    lessons_learned = models.TextField(blank=True)
    recommendations = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Each submission starts a new round of reviews; approvals of an earlier round
    # (before a return) do not count for the report as it is now.
    round = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Outcome report of {self.incident_id}"

    @property
    def audit_label(self) -> str:
        return f"Outcome report {self.incident_id}"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned with comments"


# The first reviewer's stage; the later stages are the duties of the profile's
# `outcome_reviewers_serious` (the SIRO, the Chair of Governors).
MANAGER_STAGE = "incident_manager"


class OutcomeReview(models.Model):
    """One reviewer's decision on one submission of the report."""

    report = models.ForeignKey(OutcomeReport, on_delete=models.PROTECT, related_name="reviews")
    round = models.PositiveIntegerField()
    stage = models.CharField(max_length=40)
    reviewer = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    comments = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "reviewed_at", "pk"]
        indexes = [models.Index(fields=["report", "round"], name="outcome_review_round")]

    def __str__(self) -> str:
        return f"{self.stage} {self.decision} round {self.round}"
