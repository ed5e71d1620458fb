"""The demo has one incident with an approved outcome report, ready to close; loading it
again adds no second one."""

from __future__ import annotations

import pytest

from incidentdesk.incidents.models import Incident, State
from incidentdesk.incidents.services import closing_blockers
from incidentdesk.organisations.demo import load_demo
from incidentdesk.outcomes.demo import DEMO_WHAT_HAPPENED
from incidentdesk.outcomes.models import OutcomeReport
from incidentdesk.outcomes.selectors import review_status

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_approved_outcome_report():
    load_demo(password="demo-password-1", incidents=False)
    load_demo(password="demo-password-1", incidents=False)
    incident = Incident.objects.get(what_happened=DEMO_WHAT_HAPPENED)
    assert OutcomeReport.objects.filter(incident=incident).count() == 1
    assert incident.state == State.OUTCOME_SUBMITTED
    assert review_status(incident).status == "approved"
    assert closing_blockers(incident) == []
    assert "example.org" in incident.investigator.email
