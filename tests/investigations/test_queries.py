"""The workspace and the incident page cost the same number of queries for 1 item or 20."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidentdesk.investigations import selectors, services
from incidentdesk.investigations.models import StepStatus
from tests.factories import signed_in_client

from .conftest import Investigation, png_upload

AN_HOUR_AGO = timezone.now() - datetime.timedelta(hours=1)


def _add_each_kind(investigation: Investigation, n: int) -> None:
    """n records of every kind, evidence downloaded once each, so custody has rows too."""
    who = {"incident": investigation.incident, "actor": investigation.investigator}
    for i in range(n):
        services.add_stakeholder(**who, name=f"Stakeholder {i}")
        services.add_interview(
            **who, person_spoken_to=f"P{i}", spoken_at=AN_HOUR_AGO, spoken_by="Ivy", notes="n"
        )
        evidence = services.add_evidence(**who, title=f"File {i}", file=png_upload(f"f{i}.png"))
        services.open_evidence(evidence=evidence, actor=investigation.dpo).handle.close()
        services.add_evidence(**who, title=f"Note {i}", description=f"Said {i}")
        services.add_expert_help(**who, expert=f"E{i}", asked_for="a")
        services.add_escalation(**who, escalated_to=f"X{i}", reason="r")
        services.add_subjects_informed(
            **who, who=f"W{i}", informed_at=AN_HOUR_AGO, how="Letter", informed_by="Head"
        )
        services.add_risk(**who, description=f"R{i}", likelihood=2, impact=3, owner="Head")
        services.add_communication_item(
            **who, audience=f"A{i}", message="m", channel="c", owner="o"
        )
        services.add_action(
            **who,
            kind="remedial",
            description=f"Act {i}",
            owner=investigation.cast.colleague if i % 2 else investigation.manager,
            due_on=datetime.date(2026, 12, 1),
        )
        services.add_note(**who, body=f"Note {i}")
    for letter in "abcdefg"[: min(n, 7)]:
        services.update_investigation_step(
            **who, letter=letter, status=StepStatus.DONE, what_was_done="Done."
        )


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def test_the_workspace_is_read_in_twelve_queries_whatever_its_size(
    investigation, django_assert_num_queries
):
    _add_each_kind(investigation, 1)
    with django_assert_num_queries(12):
        work = selectors.workspace(investigation.incident)
        # Touch everything the page touches: no lazy query may hide in a relation.
        for item in work.evidence:
            [event.person for event in item.custody.all()]
        [(a.owner.full_name, a.created_by.full_name) for a in work.actions]
        [s.updated_by for s in work.steps]
    _add_each_kind(investigation, 19)
    with django_assert_num_queries(12):
        work = selectors.workspace(investigation.incident)
        for item in work.evidence:
            [event.person for event in item.custody.all()]
        [(a.owner.full_name, a.created_by.full_name) for a in work.actions]
    assert len(work.notes) == 20
    assert len(work.evidence) == 40


@pytest.mark.parametrize("who", ["investigator", "dpo"])
def test_the_workspace_page_costs_the_same_for_1_or_20_of_everything(
    investigation, django_assert_num_queries, who
):
    client = signed_in_client(getattr(investigation, who))
    url = f"/incidents/{investigation.incident.reference}/investigation/"
    _add_each_kind(investigation, 1)
    client.get(url)  # warm the session and anything cached once per process
    one = _count(lambda: client.get(url))
    _add_each_kind(investigation, 19)
    with django_assert_num_queries(one):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("govuk-summary-card__title") >= 20 * 9


def test_the_incident_page_costs_the_same_for_1_or_20_notes_evidence_and_events(
    investigation, django_assert_num_queries
):
    client = signed_in_client(investigation.manager)
    url = f"/incidents/{investigation.incident.reference}/"
    _add_each_kind(investigation, 1)
    client.get(url)
    one = _count(lambda: client.get(url))
    # Twenty of each adds well over a hundred audit events to the incident's history.
    _add_each_kind(investigation, 19)
    with django_assert_num_queries(one):
        response = client.get(url)
    assert response.status_code == 200
