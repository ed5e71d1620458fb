"""Every write to an incident: its creation and each change of state.

Each function checks who is asking, saves, writes the audit event and queues what must
follow (notices, deadlines) in one transaction, so a change is either whole or absent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from incidentdesk.audit.services import changes_between, record_event
from incidentdesk.deadlines.calendar import is_working_time, local_zone
from incidentdesk.deadlines.services import schedule_for_incident
from incidentdesk.notifications.services import notify
from incidentdesk.organisations.models import Duty, Membership, Organisation, Person
from incidentdesk.organisations.selectors import duty_holders_for
from incidentdesk.oversight.services import refresh_for_incident

from . import rules
from .models import (
    Classification,
    Incident,
    Involvement,
    InvolvementRole,
    ReferenceCounter,
    ReportingMode,
    State,
)
from .states import TransitionRefused, transition_for


def next_reference(*, organisation: Organisation, when: datetime.datetime) -> str:
    """The next reference of the organisation's year, as `CODE-2026-0042`; never reused.

    Must run inside the transaction that saves the incident: the counter row stays locked
    until it commits, so two reports can never take the same number.
    """
    year = when.astimezone(local_zone()).year
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
        organisation=organisation, year=year
    )
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{organisation.code}-{year}-{counter.last_number:04d}"


def audit_actor_for(incident: Incident) -> tuple[Person | None, str | None]:
    """Who the audit log names as the reporter.

    A confidential reporter's name must not appear where investigators read the history, so
    the event is labelled "confidential reporter"; an anonymous reporter is no one at all.
    """
    if incident.mode == ReportingMode.ANONYMOUS:
        return None, "anonymous reporter"
    if incident.mode == ReportingMode.CONFIDENTIAL:
        # Not even the account id: the audit log is read by more people than the manager.
        return None, "confidential reporter"
    return incident.reporter, None


def reported_out_of_hours(organisation: Organisation, when: datetime.datetime) -> bool:
    """Whether a report made at `when` is out of the organisation's working hours."""
    profile = organisation.effective_profile
    return profile is not None and not is_working_time(profile, when)


@transaction.atomic
def incident_create(*, incident: Incident, now: datetime.datetime | None = None) -> Incident:
    """Saves a new report as an incident in the "reported" state.

    Gives it its reference, marks it out of hours when it is, records the gap between
    discovery and report, and writes the audit event. The caller has filled in the report.
    """
    now = now or timezone.now()
    organisation = incident.organisation
    incident.state = State.REPORTED
    incident.state_changed_at = now
    incident.reported_at = now
    incident.reference = next_reference(organisation=organisation, when=now)
    incident.reported_out_of_hours = reported_out_of_hours(organisation, now)
    if incident.discovered_at is not None:
        incident.report_delay_seconds = max(0, int((now - incident.discovered_at).total_seconds()))
    incident.save()
    actor, label = audit_actor_for(incident)
    record_event(
        actor=actor,
        actor_label=label,
        action="incident.reported",
        obj=incident,
        organisation=organisation,
        details={
            "mode": incident.mode,
            "source": incident.source,
            "out_of_hours": incident.reported_out_of_hours,
            "report_delay_seconds": incident.report_delay_seconds,
        },
    )
    schedule_for_incident(incident, created=True)
    refresh_for_incident(incident, created=True)
    return incident


# --- Handling ----------------------------------------------------------------------------


def _require(allowed: bool, message: str = "You cannot do that to this incident.") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _snapshot(incident: Incident, fields: list[str]) -> dict[str, Any]:
    return {f: getattr(incident, f) for f in fields}


def closing_blockers(incident: Incident) -> list[str]:
    """Every condition still unmet before the incident may close, in plain words."""
    from incidentdesk.investigations.models import InvestigationStep, StepStatus

    blockers = []
    unresolved = list(
        InvestigationStep.objects.filter(incident=incident)
        .exclude(status__in=[StepStatus.DONE, StepStatus.NOT_APPLICABLE])
        .values_list("letter", flat=True)
    )
    if unresolved:
        blockers.append(
            "Investigation steps not yet completed or marked not applicable: "
            + ", ".join(unresolved)
            + "."
        )
    if (
        incident.is_serious
        and incident.involvements.filter(
            role=InvolvementRole.REFERRAL, acknowledged_at__isnull=True
        ).exists()
    ):
        blockers.append("The DPO has not yet acknowledged the referral of this incident.")
    blockers += _ico_and_outcome_blockers(incident)
    return blockers


def _ico_and_outcome_blockers(incident: Incident) -> list[str]:
    """The ICO decision (when personal data may be involved) and the approved outcome report."""
    from incidentdesk.outcomes.selectors import outcome_blockers
    from incidentdesk.regulator.selectors import assessment_of

    blockers = []
    if incident.may_involve_personal_data:
        assessment = assessment_of(incident)
        if assessment is None or assessment.decided_at is None:
            blockers.append("The ICO decision has not been recorded.")
    return blockers + outcome_blockers(incident)


@transaction.atomic
def transition(*, incident: Incident, action: str, actor: Person, reason: str = "") -> Incident:
    """Moves the incident to the state `action` leads to, or refuses.

    Checks: the move is in the table (TransitionRefused otherwise); `actor` may make it
    (PermissionDenied); a reason where the table asks for one; closing conditions. Then
    saves the state, and writes the audit event, in one transaction.
    """
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.anonymised_at is not None:
        # Its details are gone for good (incidents/retention.py): there is nothing to reopen.
        raise TransitionRefused(
            "This incident cannot be reopened: its details were removed under the retention policy."
        )
    move = transition_for(action, incident.state)
    if action in {"submit_outcome"}:
        _require(rules.may_investigate(actor, incident))
    elif action == "return_outcome":
        # The SIRO or governors reviewing a serious incident's report may return it too.
        from incidentdesk.outcomes.rules import may_review_outcome

        _require(may_review_outcome(actor, incident))
    else:
        _require(rules.may_manage(actor, incident))
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise TransitionRefused("Give the reason.")
    if action == "close":
        blockers = closing_blockers(incident)
        if blockers:
            raise TransitionRefused(" ".join(blockers))
    before = incident.state
    now = timezone.now()
    incident.state = move.target
    incident.state_changed_at = now
    fields = ["state", "state_changed_at"]
    if move.target in {State.CLOSED, State.NOT_AN_INCIDENT}:
        incident.closed_at = now
        incident.closure_reason = reason
        fields += ["closed_at", "closure_reason"]
    elif before in {State.CLOSED, State.NOT_AN_INCIDENT}:
        incident.closed_at = None
        fields.append("closed_at")
    incident.save(update_fields=fields)
    record_event(
        actor=actor,
        action=f"incident.{action}",
        obj=incident,
        changes={"state": [before, incident.state]},
        details={"reason": reason} if reason else None,
    )
    schedule_for_incident(incident)
    refresh_for_incident(incident)
    return incident


@dataclass(frozen=True)
class ClassificationInput:
    kind: str
    category: str
    personal_data: str
    severity: str
    severity_reason: str
    confidentiality_affected: bool = False
    integrity_affected: bool = False
    availability_affected: bool = False
    policies_breached: tuple[int, ...] = ()
    safeguarding: bool = False
    enisa: dict[str, Any] | None = None


def _involve(incident: Incident, duties: list[str], role: str, actor: Person) -> list[Person]:
    """Brings the holders of `duties` into the incident; returns those newly involved."""
    newly = []
    for duty in duties:
        for person in duty_holders_for(incident.organisation, duty):
            _, created = Involvement.objects.get_or_create(
                incident=incident, person=person, role=role, defaults={"duty": duty}
            )
            if created:
                newly.append(person)
                record_event(
                    actor=actor,
                    action=f"incident.{role}",
                    obj=incident,
                    details={"duty": duty, "person": person.email},
                )
    return newly


@transaction.atomic
def classify_incident(*, incident: Incident, actor: Person, data: ClassificationInput) -> Incident:
    """Classifies (or reclassifies) the incident, keeping the history.

    A first classification moves a new report to "classified". Major and critical incidents
    bring in the profile's duty holders: the DPO by a referral to acknowledge, the SIRO or
    governors for support. Safeguarding information flags the incident for the designated
    safeguarding lead. Reasons are required; the severity must be one of the profile's.
    """
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _require(rules.may_manage(actor, incident), "Only the incident manager classifies.")
    if not incident.is_open:
        raise TransitionRefused("A closed incident cannot be classified. Reopen it first.")
    profile = incident.organisation.effective_profile
    level = profile.severities.filter(key=data.severity).first() if profile else None
    if level is None:
        raise TransitionRefused("Choose a severity from the policy's scheme.")
    if not data.severity_reason.strip():
        raise TransitionRefused("Give the reason for the severity.")
    policies = list(profile.information_policies.filter(pk__in=data.policies_breached))
    fields = [
        "kind",
        "category",
        "personal_data",
        "severity",
        "severity_reason",
        "confidentiality_affected",
        "integrity_affected",
        "availability_affected",
    ]
    before = _snapshot(incident, fields)
    for field in fields:
        setattr(incident, field, getattr(data, field))
    incident.severity_rank = level.rank
    incident.is_serious = level.is_serious
    incident.classified_at = timezone.now()
    incident.classified_by = actor
    if data.safeguarding and not incident.safeguarding_flagged:
        incident.safeguarding_flagged = True
        incident.safeguarding_referred_at = timezone.now()
    incident.save()
    incident.policies_breached.set(policies)
    Classification.objects.create(
        incident=incident,
        classified_by=actor,
        policies_breached=[p.name for p in policies],
        enisa=data.enisa or {},
        **{f: getattr(data, f) for f in fields},
    )
    record_event(
        actor=actor,
        action="incident.classified",
        obj=incident,
        changes=changes_between(before, _snapshot(incident, fields)),
        details={"policies_breached": [p.name for p in policies]},
    )
    if incident.state == State.REPORTED:
        incident = transition(incident=incident, action="classify", actor=actor)
    if level.is_serious:
        referred = _involve(incident, list(profile.referral_recipients), "referral", actor)
        supporters = profile.critical_support if level.key == "critical" else profile.major_support
        supporting = _involve(incident, list(supporters), "support", actor)
        link = f"/incidents/{incident.reference}/"
        notify(
            people=referred,
            message=f"Referred to you: {incident.reference} ({level.name})",
            link=link,
            template="referral",
            context={"incident": incident, "link": link, "level": level},
        )
        notify(
            people=supporting,
            message=f"{level.name} incident to support: {incident.reference}",
            link=link,
            template="support_requested",
            context={"incident": incident, "link": link, "level": level},
        )
    if incident.safeguarding_flagged:
        _involve(incident, [Duty.SAFEGUARDING_LEAD], "safeguarding", actor)
    schedule_for_incident(incident)
    refresh_for_incident(incident)
    return incident


@transaction.atomic
def verify_incident(*, incident: Incident, actor: Person, what_was_checked: str) -> Incident:
    """Records that the incident manager verified the details: who, when, what was checked."""
    _require(rules.may_manage(actor, incident), "Only the incident manager verifies.")
    if not incident.is_open:
        raise TransitionRefused("A closed incident cannot be verified. Reopen it first.")
    if not what_was_checked.strip():
        raise TransitionRefused("Say what you checked.")
    incident.verified_at = timezone.now()
    incident.verified_by = actor
    incident.verification_notes = what_was_checked.strip()
    incident.save(update_fields=["verified_at", "verified_by", "verification_notes"])
    record_event(
        actor=actor,
        action="incident.verified",
        obj=incident,
        details={"what_was_checked": incident.verification_notes},
    )
    schedule_for_incident(incident)
    return incident


@transaction.atomic
def assign_investigator(*, incident: Incident, actor: Person, investigator: Person) -> Incident:
    """Assigns (or reassigns) the investigator, who is told; starts the investigation.

    The investigator must belong to the incident's organisation or its trust. The incident
    manager may assign themselves, as the policy asks for critical incidents.
    """
    _require(rules.may_manage(actor, incident), "Only the incident manager assigns.")
    if not incident.is_open:
        raise TransitionRefused("A closed incident cannot be assigned. Reopen it first.")
    if incident.state == State.REPORTED:
        raise TransitionRefused("Classify the incident before assigning an investigator.")
    org_ids = [incident.organisation_id, incident.organisation.trust_id]
    if not Membership.objects.filter(person=investigator, organisation_id__in=org_ids).exists():
        raise TransitionRefused("The investigator must work in this school or its trust.")
    before = incident.investigator_id
    incident.investigator = investigator
    incident.save(update_fields=["investigator"])
    record_event(
        actor=actor,
        action="incident.investigator_assigned",
        obj=incident,
        changes={"investigator": [before, investigator.pk]},
        details={"investigator": investigator.email},
    )
    _ensure_steps(incident)
    if incident.state == State.TRIAGED:
        incident = transition(incident=incident, action="start_investigation", actor=actor)
    link = f"/incidents/{incident.reference}/"
    notify(
        people=[investigator] if investigator != actor else [],
        message=f"You are investigating {incident.reference}",
        link=link,
        template="investigator_assigned",
        context={"incident": incident, "link": link},
    )
    schedule_for_incident(incident)
    return incident


def _ensure_steps(incident: Incident) -> None:
    from incidentdesk.investigations.models import InvestigationStep

    profile = incident.organisation.effective_profile
    existing = set(incident.steps.values_list("letter", flat=True))
    InvestigationStep.objects.bulk_create(
        InvestigationStep(incident=incident, letter=letter, title=title)
        for letter, title in (profile.investigation_steps if profile else [])
        if letter not in existing
    )


@transaction.atomic
def acknowledge_referral(*, incident: Incident, actor: Person) -> Involvement:
    """The DPO (or whoever the referral went to) acknowledges it; closing needs this."""
    involvement = (
        Involvement.objects.select_for_update()
        .filter(incident=incident, person=actor, role=InvolvementRole.REFERRAL)
        .first()
    )
    if involvement is None:
        raise PermissionDenied("This incident was not referred to you.")
    if involvement.acknowledged_at is None:
        involvement.acknowledged_at = timezone.now()
        involvement.save(update_fields=["acknowledged_at"])
        record_event(
            actor=actor,
            action="incident.referral_acknowledged",
            obj=incident,
            details={"duty": involvement.duty},
        )
        schedule_for_incident(incident)
        refresh_for_incident(incident)
    return involvement
