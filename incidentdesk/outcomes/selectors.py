"""Reads of the outcome report: where its review stands, and what stops closing."""

from __future__ import annotations

from dataclasses import dataclass, field

from incidentdesk.incidents.models import Incident, State

from . import rules
from .models import MANAGER_STAGE, OutcomeReport, OutcomeReview, ReviewDecision


def report_of(incident: Incident) -> OutcomeReport | None:
    return OutcomeReport.objects.filter(incident=incident).first()


def stage_title(incident: Incident, stage: str) -> str:
    """The stage in the incident's own policy's words ("SIRO", "Chair of Governors")."""
    profile = incident.organisation.effective_profile
    if profile is None:
        return stage.replace("_", " ")
    return profile.duty_title(stage)


@dataclass(frozen=True)
class ReviewStatus:
    """Where the report stands: not started, draft, submitted (with whom next), approved."""

    status: str  # "not_started", "draft", "submitted", "approved"
    label: str
    pending_stages: list[str] = field(default_factory=list)
    reviews: list[OutcomeReview] = field(default_factory=list)  # every round, newest last

    @property
    def next_stage(self) -> str | None:
        return self.pending_stages[0] if self.pending_stages else None


def review_status(incident: Incident, report: OutcomeReport | None = None) -> ReviewStatus:
    """The report's review, in two queries at most (the report, its reviews)."""
    if report is None:
        report = report_of(incident)
    if report is None:
        return ReviewStatus("not_started", "Not started")
    reviews = list(report.reviews.select_related("reviewer"))
    if incident.state != State.OUTCOME_SUBMITTED and not (
        incident.state == State.CLOSED and report.approved_at
    ):
        return ReviewStatus("draft", "Draft, with the investigator", reviews=reviews)
    # Only approvals of this submission count: given since the incident reached
    # "submitted" this time, whichever way it was returned and submitted again.
    approved = {
        r.stage
        for r in reviews
        if r.round == report.round
        and r.decision == ReviewDecision.APPROVED
        and r.reviewed_at >= incident.state_changed_at
    }
    pending = [s for s in rules.review_stages(incident) if s not in approved]
    if incident.state == State.CLOSED or not pending:
        return ReviewStatus("approved", "Approved", reviews=reviews)
    who = (
        "the incident manager"
        if pending[0] == MANAGER_STAGE
        else f"the {stage_title(incident, pending[0])}"
    )
    return ReviewStatus(
        "submitted", f"Submitted, waiting for {who}", pending_stages=pending, reviews=reviews
    )


def outcome_blockers(incident: Incident) -> list[str]:
    """What the outcome report still lacks before the incident may close, in plain words."""
    status = review_status(incident)
    if status.status in {"not_started", "draft"}:
        return ["The outcome report has not been submitted."]
    if status.status == "approved":
        return []
    return [
        "The outcome report has not been approved by the "
        + ("incident manager" if stage == MANAGER_STAGE else stage_title(incident, stage))
        + "."
        for stage in status.pending_stages
    ]
