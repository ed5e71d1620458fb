"""The records steps a–j leave: each checked, saved, on the audit record, refused when closed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident, State
from incidentdesk.investigations import services
from incidentdesk.investigations.models import (
    Action,
    ActionStatus,
    CommunicationItem,
    Escalation,
    ExpertHelp,
    Interview,
    Note,
    Risk,
    Stakeholder,
    SubjectsInformed,
)
from incidentdesk.investigations.services import InvestigationRefused
from tests.factories import make_person

from .conftest import Investigation

AN_HOUR_AGO = timezone.now() - datetime.timedelta(hours=1)


def _adders(investigation: Investigation):
    """Each kind of record, added with good values: (service, kwargs, model, action)."""
    return [
        (
            services.add_stakeholder,
            {"name": "Parents of 5B", "expected_outcome": "An apology"},
            Stakeholder,
            "investigation.stakeholder_added",
        ),
        (
            services.add_interview,
            {
                "person_spoken_to": "Tom Teacher",
                "spoken_at": AN_HOUR_AGO,
                "spoken_by": "Ivy Investigator",
                "notes": "Picked the wrong contact group.",
            },
            Interview,
            "investigation.interview_added",
        ),
        (
            services.add_expert_help,
            {"expert": "Trust IT", "asked_for": "Recall the e-mail", "given": "Recalled"},
            ExpertHelp,
            "investigation.expert_help_added",
        ),
        (
            services.add_escalation,
            {"escalated_to": "The DPO", "reason": "Special category data"},
            Escalation,
            "investigation.escalation_added",
        ),
        (
            services.add_subjects_informed,
            {
                "who": "Parents of 5B",
                "informed_at": AN_HOUR_AGO,
                "how": "Letter",
                "informed_by": "Mina Manager",
            },
            SubjectsInformed,
            "investigation.subjects_informed_added",
        ),
        (
            services.add_risk,
            {
                "description": "The list is forwarded further",
                "likelihood": 2,
                "impact": 4,
                "owner": "Head",
                "mitigation": "Ask the parent to delete it",
            },
            Risk,
            "investigation.risk_added",
        ),
        (
            services.add_communication_item,
            {
                "audience": "Staff",
                "message": "Check recipients",
                "channel": "Briefing",
                "owner": "Head",
                "due": datetime.date(2026, 12, 1),
            },
            CommunicationItem,
            "investigation.communication_added",
        ),
        (
            services.add_action,
            {
                "kind": "preventive",
                "description": "Turn off autocomplete for parent groups",
                "owner": investigation.investigator,
                "due_on": datetime.date(2026, 12, 1),
            },
            Action,
            "investigation.action_added",
        ),
        (services.add_note, {"body": "Waiting for IT."}, Note, "investigation.note_added"),
    ]


def test_each_record_is_saved_with_its_author_and_an_audit_event(investigation):
    for service, kwargs, model, action in _adders(investigation):
        record = service(
            incident=investigation.incident, actor=investigation.investigator, **kwargs
        )
        saved = model.objects.get(pk=record.pk)
        assert saved.incident_id == investigation.incident.pk
        assert saved.created_by == investigation.investigator
        event = AuditEvent.objects.filter(action=action).get()
        assert event.object_id == str(investigation.incident.pk)
        assert event.actor_id == investigation.investigator.pk


def test_the_manager_may_add_every_record(investigation):
    for service, kwargs, model, _ in _adders(investigation):
        service(incident=investigation.incident, actor=investigation.manager, **kwargs)
        assert model.objects.filter(incident=investigation.incident).count() == 1


@pytest.mark.parametrize("who", ["other_investigator", "dpo", "outsider"])
def test_others_may_add_no_record(investigation, who):
    for service, kwargs, model, _ in _adders(investigation):
        with pytest.raises(PermissionDenied):
            service(incident=investigation.incident, actor=getattr(investigation, who), **kwargs)
        assert not model.objects.exists()


def test_a_closed_incident_takes_no_new_records(investigation):
    Incident.objects.filter(pk=investigation.incident.pk).update(state=State.CLOSED)
    for service, kwargs, model, _ in _adders(investigation):
        with pytest.raises(InvestigationRefused):
            service(incident=investigation.incident, actor=investigation.investigator, **kwargs)
        assert not model.objects.exists()


@pytest.mark.parametrize(
    ("service", "kwargs", "fields"),
    [
        (services.add_stakeholder, {"name": " "}, {"name"}),
        (
            services.add_interview,
            {"person_spoken_to": "", "spoken_at": None, "spoken_by": "", "notes": ""},
            {"person_spoken_to", "spoken_at", "spoken_by", "notes"},
        ),
        (services.add_expert_help, {"expert": "", "asked_for": ""}, {"expert", "asked_for"}),
        (services.add_escalation, {"escalated_to": "", "reason": ""}, {"escalated_to", "reason"}),
        (
            services.add_subjects_informed,
            {"who": "", "informed_at": None, "how": "", "informed_by": ""},
            {"who", "informed_at", "how", "informed_by"},
        ),
        (
            services.add_communication_item,
            {"audience": "", "message": "", "channel": "", "owner": ""},
            {"audience", "message", "channel", "owner"},
        ),
        (services.add_note, {"body": ""}, {"body"}),
    ],
)
def test_missing_answers_are_refused_field_by_field(investigation, service, kwargs, fields):
    with pytest.raises(InvestigationRefused) as refused:
        service(incident=investigation.incident, actor=investigation.investigator, **kwargs)
    assert set(refused.value.errors) == fields
    assert all(refused.value.errors.values())


def test_an_interview_in_the_future_is_refused(investigation):
    with pytest.raises(InvestigationRefused) as refused:
        services.add_interview(
            incident=investigation.incident,
            actor=investigation.investigator,
            person_spoken_to="Tom",
            spoken_at=timezone.now() + datetime.timedelta(days=1),
            spoken_by="Ivy",
            notes="…",
        )
    assert refused.value.errors == {"spoken_at": "The time you spoke to them must be in the past"}


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (3, 6), (None, 3), (3, None)])
def test_risks_are_scored_from_1_to_5(investigation, likelihood, impact):
    with pytest.raises(InvestigationRefused) as refused:
        services.add_risk(
            incident=investigation.incident,
            actor=investigation.investigator,
            description="Forwarded",
            likelihood=likelihood,
            impact=impact,
            owner="Head",
        )
    assert set(refused.value.errors) <= {"likelihood", "impact"}
    assert refused.value.errors


def test_a_risk_scores_likelihood_times_impact(investigation):
    risk = services.add_risk(
        incident=investigation.incident,
        actor=investigation.investigator,
        description="Forwarded",
        likelihood=3,
        impact=5,
        owner="Head",
    )
    assert risk.score == 15


def test_an_action_owner_must_work_in_the_school_or_its_trust(investigation):
    stranger = make_person("Sam Stranger", organisation=investigation.cast.cedar)
    with pytest.raises(InvestigationRefused) as refused:
        services.add_action(
            incident=investigation.incident,
            actor=investigation.investigator,
            kind="remedial",
            description="Retrain",
            owner=stranger,
            due_on=datetime.date(2026, 12, 1),
        )
    assert refused.value.errors == {"owner": "Choose someone who works in this school or its trust"}


def test_an_action_needs_kind_owner_and_due_date(investigation):
    with pytest.raises(InvestigationRefused) as refused:
        services.add_action(
            incident=investigation.incident,
            actor=investigation.investigator,
            kind="",
            description="",
            owner=None,
            due_on=None,
        )
    assert set(refused.value.errors) == {"kind", "description", "owner", "due_on"}


def _action(investigation: Investigation) -> Action:
    return services.add_action(
        incident=investigation.incident,
        actor=investigation.investigator,
        kind="preventive",
        description="Turn off autocomplete",
        owner=investigation.cast.colleague,
        due_on=datetime.date(2026, 12, 1),
    )


def test_an_action_is_tracked_to_done_and_back(investigation):
    action = _action(investigation)
    action = services.update_action(
        action=action, actor=investigation.investigator, status=ActionStatus.DONE
    )
    assert action.done_at is not None
    action = services.update_action(
        action=action, actor=investigation.investigator, status=ActionStatus.IN_PROGRESS
    )
    assert action.done_at is None
    event = AuditEvent.objects.filter(action="investigation.action_updated").last()
    assert event.changes["status"] == [ActionStatus.DONE, ActionStatus.IN_PROGRESS]


def test_actions_go_on_being_tracked_after_the_incident_closes(investigation):
    action = _action(investigation)
    Incident.objects.filter(pk=investigation.incident.pk).update(state=State.CLOSED)
    action.incident.refresh_from_db()
    services.update_action(action=action, actor=investigation.manager, status=ActionStatus.DONE)
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.done_at is not None


@pytest.mark.parametrize("who", ["other_investigator", "dpo", "outsider"])
def test_others_may_not_update_an_action(investigation, who):
    action = _action(investigation)
    with pytest.raises(PermissionDenied):
        services.update_action(
            action=action, actor=getattr(investigation, who), status=ActionStatus.DONE
        )
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_an_unknown_action_status_is_refused(investigation):
    action = _action(investigation)
    with pytest.raises(InvestigationRefused):
        services.update_action(action=action, actor=investigation.manager, status="finished")
