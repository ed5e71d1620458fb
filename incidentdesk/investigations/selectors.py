"""Reads of an investigation: the workspace page and the objects its pages act on.

The views get the incident from `incidents.selectors.incident_for_user` first (404 for
anyone who may not see it), then its records from here, always through the incident,
never by a bare id from the URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from incidentdesk.incidents.models import Incident
from incidentdesk.organisations.models import Person

from .models import (
    Action,
    CommunicationItem,
    CustodyEvent,
    Escalation,
    Evidence,
    ExpertHelp,
    Interview,
    InvestigationStep,
    Note,
    Risk,
    Stakeholder,
    StepStatus,
    SubjectsInformed,
)


@dataclass(frozen=True)
class Workspace:
    """Everything the investigation workspace shows, read in a fixed number of queries."""

    steps: list[InvestigationStep]
    stakeholders: list[Stakeholder]
    interviews: list[Interview]
    evidence: list[Evidence]
    expert_help: list[ExpertHelp]
    escalations: list[Escalation]
    subjects_informed: list[SubjectsInformed]
    risks: list[Risk]
    communications: list[CommunicationItem]
    actions: list[Action]
    notes: list[Note]
    resolved_steps: int = field(init=False)
    started_steps: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "resolved_steps", sum(1 for s in self.steps if s.is_resolved))
        started = sum(1 for s in self.steps if s.status != StepStatus.NOT_STARTED)
        object.__setattr__(self, "started_steps", started)


def _records(model: type, incident: Incident, *related: str) -> list:
    return list(model.objects.filter(incident=incident).select_related("created_by", *related))


def workspace(incident: Incident) -> Workspace:
    """The steps and every record of the investigation, oldest first.

    Twelve queries whatever the number of records: one per kind, with the people who
    wrote them joined in, and one more for the custody events of all evidence (with the
    people who handled it). tests/investigations/test_queries.py holds it to that.
    """
    custody = Prefetch("custody", queryset=CustodyEvent.objects.select_related("person"))
    return Workspace(
        steps=list(
            InvestigationStep.objects.filter(incident=incident).select_related("updated_by")
        ),
        stakeholders=_records(Stakeholder, incident),
        interviews=_records(Interview, incident),
        evidence=list(
            Evidence.objects.filter(incident=incident)
            .select_related("created_by")
            .prefetch_related(custody)
        ),
        expert_help=_records(ExpertHelp, incident),
        escalations=_records(Escalation, incident),
        subjects_informed=_records(SubjectsInformed, incident),
        risks=_records(Risk, incident),
        communications=_records(CommunicationItem, incident),
        actions=_records(Action, incident, "owner"),
        notes=_records(Note, incident),
    )


def step_for(*, incident: Incident, letter: str) -> InvestigationStep:
    """One step of the incident's investigation, or Http404."""
    if len(letter) != 1:
        raise Http404
    step = InvestigationStep.objects.filter(incident=incident, letter=letter).first()
    if step is None:
        raise Http404
    return step


def evidence_for(*, incident: Incident, evidence_id: int) -> Evidence:
    """One piece of evidence of the incident, or Http404; the incident comes with it."""
    evidence = Evidence.objects.filter(incident=incident, pk=evidence_id).first()
    if evidence is None:
        raise Http404
    evidence.incident = incident
    return evidence


def action_for(*, incident: Incident, action_id: int) -> Action:
    action = Action.objects.filter(incident=incident, pk=action_id).select_related("owner").first()
    if action is None:
        raise Http404
    action.incident = incident
    return action


def possible_action_owners(incident: Incident) -> QuerySet[Person]:
    """The people an action may be given to: those in the organisation or its trust."""
    organisation = incident.organisation
    return (
        Person.objects.filter(is_active=True)
        .filter(
            Q(memberships__organisation_id=organisation.pk)
            | Q(memberships__organisation_id=organisation.trust_id)
        )
        .distinct()
        .order_by("full_name", "pk")
    )
