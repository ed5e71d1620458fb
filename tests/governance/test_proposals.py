"""Policy change proposals: anyone proposes; the incident manager agrees or declines with
reasons, then records to whom and when an agreed change was proposed onwards."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from incidentdesk.audit.models import AuditEvent
from incidentdesk.governance import services
from incidentdesk.governance.models import PolicyChangeProposal, ProposalStatus
from tests.factories import signed_in_client
from tests.governance.conftest import point

pytestmark = pytest.mark.django_db


def propose(cast, person=None, organisation=None) -> PolicyChangeProposal:
    return services.proposal_create(
        actor=person or cast.staff,
        organisation=organisation or cast.birch,
        title="Allow encrypted USB sticks",
        change="Let staff use school-issued encrypted USB sticks",
        reason="The cloud is down on trips",
    )


def test_a_change_is_proposed_agreed_and_proposed_onwards_through_the_pages(cast):
    staff = signed_in_client(cast.staff)
    response = staff.post(
        "/governance/changes/new/",
        {
            "policy_point": "whole",
            "title": "Allow encrypted USB sticks",
            "change": "Let staff use school-issued encrypted USB sticks",
            "reason": "The cloud is down on trips",
        },
    )
    proposal = PolicyChangeProposal.objects.get()
    assert response.status_code == 302
    assert proposal.policy_point is None
    assert proposal.policy_point_label == "The policy as a whole"
    manager = signed_in_client(cast.manager)
    response = manager.post(
        f"/governance/changes/{proposal.pk}/decide/",
        {"decision": "agree", "reasons": "Sensible, with encryption"},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AGREED
    page = manager.get(f"/governance/changes/{proposal.pk}/").content.decode()
    assert "Record that it was proposed onwards" in page
    # Nothing typed: both messages, nothing saved.
    response = manager.post(f"/governance/changes/{proposal.pk}/onwards/", {"to": "", "on": ""})
    assert "Enter who the change was proposed to" in response.content.decode()
    assert "Enter the date it was proposed" in response.content.decode()
    today = timezone.localdate()
    response = manager.post(
        f"/governance/changes/{proposal.pk}/onwards/",
        {"to": "Finance & Premises Committee", "on": today.isoformat()},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED_ONWARDS
    assert (proposal.onwards_to, proposal.onwards_on) == ("Finance & Premises Committee", today)
    page = staff.get(f"/governance/changes/{proposal.pk}/").content.decode()
    assert "To Finance &amp; Premises Committee" in page
    assert list(
        AuditEvent.objects.filter(action__startswith="governance.change").values_list(
            "action", flat=True
        )
    ) == [
        "governance.change_proposed",
        "governance.change_decided",
        "governance.change_proposed_onwards",
    ]


def test_a_proposal_about_a_point_names_it(cast):
    proposal = services.proposal_create(
        actor=cast.staff,
        organisation=cast.birch,
        policy_point=point(cast.birch, 2),
        title="t",
        change="c",
        reason="r",
    )
    assert proposal.policy_point_label == "Policy point 2"


def test_a_declined_proposal_cannot_go_onwards_and_is_decided_once(cast):
    proposal = propose(cast)
    services.proposal_decide(actor=cast.manager, proposal=proposal, agree=False, reasons="No")
    with pytest.raises(services.Refused):
        services.proposal_onwards(
            actor=cast.manager, proposal=proposal, to="Board", on=timezone.localdate()
        )
    with pytest.raises(services.Refused):
        services.proposal_decide(actor=cast.manager, proposal=proposal, agree=True, reasons="Yes")


def test_the_onwards_date_is_not_in_the_future(cast):
    proposal = propose(cast)
    services.proposal_decide(actor=cast.manager, proposal=proposal, agree=True, reasons="Yes")
    manager = signed_in_client(cast.manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = manager.post(
        f"/governance/changes/{proposal.pk}/onwards/",
        {"to": "Board of Trustees", "on": tomorrow.isoformat()},
    )
    page = response.content.decode()
    assert "The date it was proposed must be today or in the past" in page
    assert 'value="Board of Trustees"' in page


def test_who_sees_and_decides_a_proposal(cast):
    proposal = propose(cast)
    url = f"/governance/changes/{proposal.pk}/"
    assert signed_in_client(cast.staff).get(url).status_code == 200
    assert signed_in_client(cast.colleague).get(url).status_code == 404
    assert signed_in_client(cast.outsider).get(url).status_code == 404
    assert signed_in_client(cast.outsider).get(url + "decide/").status_code == 404
    assert signed_in_client(cast.staff).get(url + "decide/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.proposal_decide(actor=cast.staff, proposal=proposal, agree=True, reasons="me")
    with pytest.raises(PermissionDenied):
        services.proposal_create(
            actor=cast.outsider, organisation=cast.birch, title="t", change="c", reason="r"
        )
    acorn = propose(cast, person=cast.acorn_staff, organisation=cast.acorn)
    assert (
        signed_in_client(cast.champion).get(f"/governance/changes/{acorn.pk}/").status_code == 200
    )
