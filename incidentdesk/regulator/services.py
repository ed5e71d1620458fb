"""Every write of the ICO decision, its submissions and telling the people affected.

Each function checks who is asking, saves and writes the audit event on the incident in
one transaction, so the record is whole or absent. Refusals are `IcoRefused` (a
TransitionRefused, so pages and the API show its words as they show any other refusal);
permission failures are PermissionDenied.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from incidentdesk.audit.services import changes_between, record_event
from incidentdesk.deadlines import services as deadlines
from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.states import TransitionRefused
from incidentdesk.organisations.models import Person, TimescaleStep
from incidentdesk.oversight.services import refresh_for_incident

from . import rules
from .models import (
    Art34Exception,
    Audience,
    DataSubjectDecision,
    IcoAssessment,
    IcoDecision,
    IcoSubmission,
    PeopleTold,
    SubmissionKind,
)
from .selectors import ICO_HOURS, became_aware_at


class IcoRefused(TransitionRefused):
    """The ICO record cannot be saved as asked; the message says why."""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


CLOSED = "This incident is closed. Reopen it to change the ICO decision."


def _require_open(incident: Incident) -> None:
    """A closed incident's record is read-only (policy point 5: the record at closure)."""
    if not incident.is_open:
        raise IcoRefused(CLOSED)


def _locked_assessment(incident: Incident) -> IcoAssessment:
    # Locks the incident row first, so two people deciding at once queue up rather than
    # overwrite each other's answers without either being audited against the other.
    locked = Incident.objects.select_for_update().filter(pk=incident.pk).first()
    _require_open(locked or incident)
    assessment, _ = IcoAssessment.objects.select_for_update().get_or_create(incident=incident)
    return assessment


@transaction.atomic
def set_became_aware(
    *, incident: Incident, actor: Person, at: datetime.datetime, reason: str
) -> IcoAssessment:
    """Sets the moment the organisation became reasonably certain a breach occurred.

    The 72-hour clock, and the ICO decision's deadline row with its reminders, run from
    it. Only the incident manager sets it, with a reason; it cannot be in the future.
    Audited with the old and new moment.
    """
    _require(rules.may_decide(actor, incident), "Only the incident manager sets this.")
    reason = (reason or "").strip()
    if not reason:
        raise IcoRefused("Give the reason for this moment.")
    if at > timezone.now():
        raise IcoRefused("The moment the organisation became aware must be in the past.")
    assessment = _locked_assessment(incident)
    before = became_aware_at(incident, assessment)
    assessment.became_aware_at = at
    assessment.became_aware_reason = reason
    assessment.save(update_fields=["became_aware_at", "became_aware_reason"])
    record_event(
        actor=actor,
        action="ico.became_aware_set",
        obj=incident,
        changes={"became_aware_at": [before, at]},
        details={"reason": reason},
    )
    # The deadline row drives the reminders and escalation; it must run from the same
    # moment as the clock shown here.
    deadlines.set_deadline_start(incident, TimescaleStep.ICO_DECISION, at)
    return assessment


def derive_decision(
    *, personal_data_of_living_people: bool, risk_likely: bool, high_risk: bool
) -> str:
    """The ICO self-assessment, reduced to its decision (domain.md)."""
    if not personal_data_of_living_people:
        return IcoDecision.NOT_REPORTABLE
    if not risk_likely:
        return IcoDecision.NOT_REPORTABLE
    if not high_risk:
        return IcoDecision.NOTIFY_ICO
    return IcoDecision.NOTIFY_ICO_AND_PEOPLE


@dataclass(frozen=True)
class IcoDecisionInput:
    personal_data_of_living_people: bool
    risk_likely: bool
    high_risk: bool
    reasons: str
    dpo_involved: bool = False
    dpo_comments: str = ""
    delay_reasons: str = ""


ANSWER_FIELDS = [
    "personal_data_of_living_people",
    "risk_likely",
    "high_risk",
    "reasons",
    "decision",
    "dpo_involved",
    "dpo_comments",
    "delay_reasons",
]


@transaction.atomic
def record_ico_decision(
    *,
    incident: Incident,
    actor: Person,
    data: IcoDecisionInput,
    now: datetime.datetime | None = None,
) -> IcoAssessment:
    """Records the self-assessment's answers and the decision they lead to.

    The decision is derived from the answers, never chosen apart from them; a later
    question is recorded as "no" when an earlier "no" makes it moot. Reasons are required
    whatever the decision (Art 33(5): a decision not to report is kept with its reasons).
    Decided more than 72 elapsed hours after the organisation became aware, the reasons
    for the delay are required (Art 33(1)). A new decision replaces the last one, and the
    audit event keeps both.
    """
    _require(rules.may_decide(actor, incident), "Only the incident manager records the decision.")
    now = now or timezone.now()
    errors = []
    reasons = data.reasons.strip()
    if not reasons:
        errors.append("Give the reasons for the decision.")
    assessment = _locked_assessment(incident)
    late = now - became_aware_at(incident, assessment) > datetime.timedelta(hours=ICO_HOURS)
    delay_reasons = data.delay_reasons.strip()
    if late and not delay_reasons:
        errors.append("Give the reasons the decision took more than 72 hours.")
    if errors:
        raise IcoRefused(" ".join(errors))
    personal = data.personal_data_of_living_people
    risk = personal and data.risk_likely
    high = risk and data.high_risk
    before = {f: getattr(assessment, f) for f in ANSWER_FIELDS}
    assessment.personal_data_of_living_people = personal
    assessment.risk_likely = risk
    assessment.high_risk = high
    assessment.reasons = reasons
    assessment.decision = derive_decision(
        personal_data_of_living_people=personal, risk_likely=risk, high_risk=high
    )
    assessment.dpo_involved = data.dpo_involved
    if data.dpo_comments.strip():
        assessment.dpo_comments = data.dpo_comments.strip()
    assessment.delay_reasons = delay_reasons if late else ""
    assessment.decided_at = now
    assessment.decided_by = actor
    assessment.save()
    record_event(
        actor=actor,
        action="ico.decided",
        obj=incident,
        changes=changes_between(before, {f: getattr(assessment, f) for f in ANSWER_FIELDS}),
        details={"decision": assessment.decision, "late": late},
    )
    # A decision either way meets the 72-hour deadline: its reminders and escalation stop.
    deadlines.meet(incident, TimescaleStep.ICO_DECISION, now)
    refresh_for_incident(incident)
    return assessment


@transaction.atomic
def record_dpo_comments(*, incident: Incident, actor: Person, comments: str) -> IcoAssessment:
    """The DPO's advice on the decision, in their own words; marks the DPO as involved."""
    _require(rules.may_comment_as_dpo(actor, incident), "Only the DPO records their advice.")
    comments = (comments or "").strip()
    if not comments:
        raise IcoRefused("Enter your advice on the decision.")
    assessment = _locked_assessment(incident)
    assessment.dpo_comments = comments
    assessment.dpo_involved = True
    assessment.save(update_fields=["dpo_comments", "dpo_involved"])
    record_event(
        actor=actor, action="ico.dpo_commented", obj=incident, details={"comments": comments}
    )
    return assessment


@transaction.atomic
def record_ico_submission(
    *,
    incident: Incident,
    actor: Person,
    kind: str,
    submitted_at: datetime.datetime,
    ico_case_reference: str = "",
    notes: str = "",
) -> IcoSubmission:
    """Records a report made on the ICO's form (Art 33), or a follow-up (Art 33(4)).

    Only after a decision to notify. A follow-up needs the case reference the ICO gave.
    """
    _require(rules.may_decide(actor, incident), "Only the incident manager records this.")
    assessment = _locked_assessment(incident)
    if assessment.decision not in {IcoDecision.NOTIFY_ICO, IcoDecision.NOTIFY_ICO_AND_PEOPLE}:
        raise IcoRefused("Record a decision to notify the ICO first.")
    if kind not in SubmissionKind.values:
        raise IcoRefused("Say whether this is the initial report or a follow-up.")
    reference = (ico_case_reference or "").strip()
    if kind == SubmissionKind.FOLLOW_UP and not reference:
        raise IcoRefused("Enter the ICO's case reference for a follow-up report.")
    if submitted_at > timezone.now():
        raise IcoRefused("The time it was sent must be in the past.")
    submission = IcoSubmission.objects.create(
        incident=incident,
        kind=kind,
        submitted_at=submitted_at,
        ico_case_reference=reference,
        recorded_by=actor,
        notes=(notes or "").strip(),
    )
    record_event(
        actor=actor,
        action="ico.submitted",
        obj=incident,
        details={
            "kind": kind,
            "submitted_at": submitted_at,
            "ico_case_reference": reference,
        },
    )
    return submission


@transaction.atomic
def record_data_subject_decision(
    *,
    incident: Incident,
    actor: Person,
    high_risk: bool,
    exception: str = "",
    reasons: str,
    now: datetime.datetime | None = None,
) -> DataSubjectDecision:
    """Whether the people affected must be told (Art 34), with the reasons.

    An exception (a–c) only makes sense for a high risk; a low risk needs none.
    """
    _require(rules.may_decide(actor, incident), "Only the incident manager records this.")
    _require_open(Incident.objects.select_for_update().get(pk=incident.pk))
    reasons = (reasons or "").strip()
    if not reasons:
        raise IcoRefused("Give the reasons for the decision.")
    if exception not in Art34Exception.values:
        raise IcoRefused("Choose one of the exceptions, or none.")
    if exception and not high_risk:
        raise IcoRefused("An exception applies only to a high risk.")
    decision = DataSubjectDecision.objects.create(
        incident=incident,
        high_risk=high_risk,
        exception=exception,
        reasons=reasons,
        decided_by=actor,
        decided_at=now or timezone.now(),
    )
    record_event(
        actor=actor,
        action="ico.data_subject_decided",
        obj=incident,
        details={"high_risk": high_risk, "exception": exception, "reasons": reasons},
    )
    # "Must tell" starts the deadline for telling them; a later "need not" withdraws it.
    deadlines.schedule_for_incident(incident)
    return decision


@transaction.atomic
def record_people_told(
    *, incident: Incident, actor: Person, audience: str, told_at: datetime.datetime, how: str
) -> PeopleTold:
    """Records that a group of the people affected was told: when and how."""
    _require(rules.may_decide(actor, incident), "Only the incident manager records this.")
    _require_open(Incident.objects.select_for_update().get(pk=incident.pk))
    how = (how or "").strip()
    if audience not in Audience.values:
        raise IcoRefused("Choose who was told.")
    if not how:
        raise IcoRefused("Say how they were told.")
    if told_at > timezone.now():
        raise IcoRefused("The time they were told must be in the past.")
    told = PeopleTold.objects.create(
        incident=incident, audience=audience, told_at=told_at, how=how, recorded_by=actor
    )
    record_event(
        actor=actor,
        action="ico.people_told",
        obj=incident,
        details={"audience": audience, "told_at": told_at, "how": how},
    )
    # The first people told meet the deadline for telling them, which stops its reminders.
    deadlines.schedule_for_incident(incident)
    return told
