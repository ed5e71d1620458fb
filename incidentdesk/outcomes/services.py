"""Every write of the outcome report: drafting, saving, submitting, reviewing, anonymising.

Each function checks who is asking, saves, writes the audit event on the incident and
queues the notices in one transaction. Refusals are `OutcomeRefused` (a TransitionRefused,
so the pages and the API show its words as any other refusal), with `errors` by section
where a section is at fault; permission failures are PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from incidentdesk.audit.services import record_event
from incidentdesk.deadlines.services import schedule_for_incident
from incidentdesk.incidents import services as incident_services
from incidentdesk.incidents.models import Incident, State
from incidentdesk.incidents.states import TransitionRefused
from incidentdesk.incidents.timeline import timeline_for
from incidentdesk.notifications.services import notify
from incidentdesk.organisations.models import Duty, Person
from incidentdesk.organisations.selectors import duty_holders_for

from . import rules, selectors
from .models import (
    MANAGER_STAGE,
    SECTION_FIELDS,
    SECTIONS,
    OutcomeReport,
    OutcomeReview,
    ReviewDecision,
)


class OutcomeRefused(TransitionRefused):
    """The report cannot be saved, submitted or reviewed as asked; `errors` by section."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


def _link(incident: Incident) -> str:
    return f"/incidents/{incident.reference}/outcome/"


def _when(value) -> str:  # noqa: ANN001 - a datetime or a date
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return f"{timezone.localtime(value):%-d %B %Y %H:%M}"
    return f"{value:%-d %B %Y}"


# --- Drafts from the record ----------------------------------------------------------------


def drafts_for(incident: Incident) -> dict[str, str]:
    """Each section the record can draft, in words the investigator then edits."""
    from incidentdesk.investigations.models import Action, InvestigationStep, SubjectsInformed
    from incidentdesk.regulator.models import PeopleTold
    from incidentdesk.regulator.selectors import assessment_of, latest_data_subject_decision

    chronology = "\n".join(
        f"{_when(e.occurred_at)}: {e.who}. {e.what}." + (f" {e.detail}" if e.detail else "")
        for e in timeline_for(incident)
    )
    policies = [p.name for p in incident.policies_breached.all()]
    steps = list(InvestigationStep.objects.filter(incident=incident))
    step_lines = []
    for step in steps:
        done = step.what_was_done or step.not_applicable_reason
        step_lines.append(
            f"{step.letter}. {step.title}: {step.get_status_display().lower()}"
            + (f". {done}" if done else ".")
        )
    step_h = next((s for s in steps if s.letter == "h"), None)
    disciplinary = ""
    if step_h is not None and step_h.disciplinary_decision:
        disciplinary = step_h.get_disciplinary_decision_display() + (
            f". {step_h.what_was_done}" if step_h.what_was_done else "."
        )
    assessment = assessment_of(incident)
    ico = "No ICO decision has been recorded."
    if assessment is not None and assessment.decided_at is not None:
        ico = (
            f"{assessment.get_decision_display()}. Decided {_when(assessment.decided_at)}. "
            f"Reasons: {assessment.reasons}"
        )
        submissions = list(incident.ico_submissions.all())
        for submission in submissions:
            ico += (
                f"\n{submission.get_kind_display()} sent to the ICO "
                f"{_when(submission.submitted_at)}"
                + (
                    f", case {submission.ico_case_reference}"
                    if submission.ico_case_reference
                    else ""
                )
                + "."
            )
    told = [
        f"{t.get_audience_display()}: told {_when(t.told_at)} by {t.how}."
        for t in PeopleTold.objects.filter(incident=incident)
    ]
    told += [
        f"{s.who}: told {_when(s.informed_at)} by {s.how} ({s.informed_by})."
        for s in SubjectsInformed.objects.filter(incident=incident)
    ]
    decision = latest_data_subject_decision(incident)
    if decision is not None:
        told.insert(
            0,
            ("The people affected must be told. " if decision.must_tell else "")
            + f"Decision on telling the people affected: {decision.reasons}",
        )
    actions = [
        f"- {a.get_kind_display()}: {a.description} (owner {a.owner.full_name}, due "
        f"{_when(a.due_on)}, {a.get_status_display().lower()})"
        for a in Action.objects.filter(incident=incident).select_related("owner")
    ]
    report_words = [
        ("Whose information", ", ".join(incident.whose_information)),
        ("How many people", incident.people_count),
        ("What information", ", ".join(incident.information_categories)),
    ]
    impact = "\n".join(f"{label}: {value}" for label, value in report_words if value)
    return {
        "chronology": chronology,
        "impact": impact,
        "policies_breached": "\n".join(policies) if policies else "None recorded.",
        "steps_taken": "\n".join(step_lines),
        "ico_decision": ico,
        "people_told": "\n".join(told),
        "disciplinary_decision": disciplinary,
        "actions_and_controls": "\n".join(actions),
    }


def _require_writer(actor: Person, incident: Incident) -> None:
    if not rules.may_write_outcome(actor, incident):
        raise PermissionDenied("Only the investigator and the incident manager write the report.")


def _require_editable(incident: Incident) -> None:
    if incident.state == State.OUTCOME_SUBMITTED:
        raise OutcomeRefused(
            {"": "The report is with its reviewers. It can be changed if they return it."}
        )
    if not incident.is_open:
        raise OutcomeRefused({"": "This incident is closed. Reopen it to change the report."})
    if incident.state != State.INVESTIGATING:
        raise OutcomeRefused({"": "Assign an investigator before writing the outcome report."})


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("organisation").get(pk=incident.pk)


@transaction.atomic
def start_outcome_report(*, incident: Incident, actor: Person) -> OutcomeReport:
    """The incident's report, drafted from the record the first time it is opened."""
    incident = _locked(incident)
    _require_writer(actor, incident)
    report = OutcomeReport.objects.filter(incident=incident).first()
    if report is not None:
        return report
    _require_editable(incident)
    report = OutcomeReport.objects.create(
        incident=incident, updated_by=actor, **drafts_for(incident)
    )
    record_event(actor=actor, action="outcome.report_drafted", obj=incident)
    return report


@transaction.atomic
def save_outcome_report(
    *, incident: Incident, actor: Person, sections: Mapping[str, str]
) -> OutcomeReport:
    """Saves what was typed, as it is: a draft may be incomplete."""
    report = start_outcome_report(incident=incident, actor=actor)
    # The incident as it is now, locked: the caller's copy may predate a submit or a close.
    _require_editable(_locked(incident))
    report = OutcomeReport.objects.select_for_update().get(pk=report.pk)
    changed = []
    for name in SECTION_FIELDS:
        if name in sections:
            value = (sections[name] or "").strip()
            if getattr(report, name) != value:
                setattr(report, name, value)
                changed.append(name)
    if changed:
        report.updated_at = timezone.now()
        report.updated_by = actor
        report.save()
        # The section names only: the words are in the report, and may name people.
        record_event(
            actor=actor, action="outcome.report_saved", obj=incident, details={"sections": changed}
        )
    return report


def _incident_managers(incident: Incident) -> list[Person]:
    return duty_holders_for(incident.organisation, Duty.INCIDENT_MANAGER)


@transaction.atomic
def submit_outcome_report(
    *, incident: Incident, actor: Person, sections: Mapping[str, str] | None = None
) -> OutcomeReport:
    """Saves, checks every section has words, and sends the report for review.

    Moves the incident to "outcome report submitted" (`transition`), starting a new round
    of reviews, and tells the incident manager.
    """
    report = save_outcome_report(incident=incident, actor=actor, sections=sections or {})
    missing = {
        name: f"Write the {title.lower()}" if name != "summary" else "Write the summary"
        for name, title, _ in SECTIONS
        if not getattr(report, name).strip()
    }
    if missing:
        raise OutcomeRefused(missing)
    report.round += 1
    report.submitted_at = timezone.now()
    report.submitted_by = actor
    report.approved_at = None
    report.save(update_fields=["round", "submitted_at", "submitted_by", "approved_at"])
    incident = incident_services.transition(incident=incident, action="submit_outcome", actor=actor)
    record_event(
        actor=actor,
        action="outcome.report_submitted",
        obj=incident,
        details={"round": report.round},
    )
    notify(
        people=[p for p in _incident_managers(incident) if p != actor],
        message=f"Outcome report to review: {incident.reference}",
        link=_link(incident),
        template="outcome_review",
        context={"incident": incident, "link": _link(incident), "what": "to review"},
    )
    return report


@transaction.atomic
def review_outcome_report(
    *, incident: Incident, actor: Person, decision: str, comments: str = ""
) -> OutcomeReview:
    """Approves the report at the reviewer's stage, or returns it with comments.

    The incident manager reviews first; for a major or critical incident the profile's
    further reviewers then approve in turn. A return sends the report back to the
    investigator (`transition` "return_outcome", the comments as the reason) and a new
    submission starts the reviews again.
    """
    incident = _locked(incident)
    if incident.state != State.OUTCOME_SUBMITTED:
        raise OutcomeRefused({"": "There is no submitted outcome report to review."})
    report = OutcomeReport.objects.select_for_update().filter(incident=incident).first()
    if report is None:
        # Moved on without a report (the generic transition): nothing to review yet.
        raise OutcomeRefused({"": "There is no submitted outcome report to review."})
    status = selectors.review_status(incident, report)
    stage = status.next_stage
    if stage is None:
        raise OutcomeRefused({"": "The outcome report is already approved."})
    if not rules.may_review_stage(actor, incident, stage):
        who = (
            "the incident manager"
            if stage == MANAGER_STAGE
            else f"the {selectors.stage_title(incident, stage)}"
        )
        raise PermissionDenied(f"The report is waiting for {who}.")
    comments = (comments or "").strip()
    if decision not in ReviewDecision.values:
        raise OutcomeRefused({"decision": "Choose whether you approve the report or return it"})
    if decision == ReviewDecision.RETURNED and not comments:
        raise OutcomeRefused({"comments": "Say what must change before you return the report"})
    review = OutcomeReview.objects.create(
        report=report,
        round=report.round,
        stage=stage,
        reviewer=actor,
        decision=decision,
        comments=comments,
    )
    stage_words = (
        selectors.stage_title(incident, stage) if stage != MANAGER_STAGE else ("incident manager")
    )
    investigator = [incident.investigator] if incident.investigator else []
    if decision == ReviewDecision.RETURNED:
        record_event(
            actor=actor,
            action="outcome.report_returned",
            obj=incident,
            details={"stage": stage, "round": report.round, "comments": comments},
        )
        incident_services.transition(
            incident=incident, action="return_outcome", actor=actor, reason=comments
        )
        notify(
            people=[p for p in investigator if p != actor],
            message=f"Outcome report returned with comments: {incident.reference}",
            link=_link(incident),
            template="outcome_review",
            context={"incident": incident, "link": _link(incident), "what": "returned to you"},
        )
        return review
    record_event(
        actor=actor,
        action="outcome.report_approved",
        obj=incident,
        details={"stage": stage, "as": stage_words, "round": report.round},
    )
    remaining = status.pending_stages[1:]
    if remaining:
        notify(
            people=[p for p in duty_holders_for(incident.organisation, remaining[0]) if p != actor],
            message=f"Outcome report to approve: {incident.reference}",
            link=_link(incident),
            template="outcome_review",
            context={"incident": incident, "link": _link(incident), "what": "to approve"},
        )
    else:
        report.approved_at = timezone.now()
        report.save(update_fields=["approved_at"])
        schedule_for_incident(incident)  # the review is done: its reminders stop
        notify(
            people=[p for p in [*investigator, *_incident_managers(incident)] if p != actor],
            message=f"Outcome report approved: {incident.reference}",
            link=_link(incident),
            template="outcome_review",
            context={"incident": incident, "link": _link(incident), "what": "approved"},
        )
    return review


@transaction.atomic
def anonymise_outcome_report(incident: Incident) -> None:
    """Blanks the report's free text and the reviewers' comments; keeps dates and decisions.

    For the retention job: the figures (when submitted, approved, by which stage) stay for
    statistics; the words, which may name people, go. Audited as the system.
    """
    report = OutcomeReport.objects.select_for_update().filter(incident=incident).first()
    if report is None:
        return
    for name in SECTION_FIELDS:
        setattr(report, name, "")
    report.anonymised_at = timezone.now()
    report.save()
    report.reviews.update(comments="")
    record_event(actor=None, action="outcome.report_anonymised", obj=incident)


@transaction.atomic
def record_export(*, incident: Incident, actor: Person, what: str, file_format: str) -> None:
    """The audit event of a download: who took which document of the incident, in what form."""
    record_event(
        actor=actor,
        action="outcome.exported",
        obj=incident,
        details={"document": what, "format": file_format},
    )
