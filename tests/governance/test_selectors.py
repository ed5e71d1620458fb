"""What the governors' report reads: requests and proposals made or decided in the period,
for the organisations asked about, in words, without anyone's name."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from incidentdesk.governance import services
from incidentdesk.governance.selectors import exceptions_for_report, policy_changes_for_report
from tests.governance.conftest import at, point

pytestmark = pytest.mark.django_db

AUTUMN = (datetime.date(2026, 9, 1), datetime.date(2026, 12, 31))


def names(cast) -> list[str]:
    return [p.full_name for p in (cast.staff, cast.manager, cast.champion, cast.acorn_staff)]


def test_exceptions_made_or_decided_in_the_period(cast):
    with time_machine.travel(at(2026, 8, 20, 10), tick=False):
        summer = services.exception_request(
            actor=cast.staff,
            organisation=cast.birch,
            policy_point=point(cast.birch, 4),
            title="Summer request",
            what="w",
            business_reason="b",
        )
        services.exception_request(
            actor=cast.staff,
            organisation=cast.birch,
            policy_point=point(cast.birch),
            title="Summer, never decided",
            what="w",
            business_reason="b",
        )
    with time_machine.travel(at(2026, 9, 2, 10), tick=False):
        services.exception_decide(
            actor=cast.manager,
            exception=summer,
            approve=True,
            reasons="Fine for a term",
            expires_on=datetime.date(2026, 12, 20),
            review_on=datetime.date(2026, 11, 1),
        )
    with time_machine.travel(at(2026, 10, 1, 10), tick=False):
        services.exception_request(
            actor=cast.acorn_staff,
            organisation=cast.acorn,
            policy_point=point(cast.acorn),
            title="Acorn request",
            what="w",
            business_reason="b",
        )
    rows = exceptions_for_report([cast.birch.pk], *AUTUMN)
    assert [r["title"] for r in rows] == ["Summer request"]
    row = rows[0]
    assert row["status"] == "Expired"  # by the end of the period
    assert row["decided_on"] == datetime.date(2026, 9, 2)
    assert row["policy_point"] == "Policy point 4"
    assert row["expires_on"] == datetime.date(2026, 12, 20)
    both = exceptions_for_report([cast.birch.pk, cast.acorn.pk], *AUTUMN)
    assert [r["title"] for r in both] == ["Summer request", "Acorn request"]
    assert both[1]["status"] == "Waiting for a decision" and both[1]["decided_on"] is None
    text = repr(both)
    assert not any(name in text for name in names(cast))
    assert exceptions_for_report([cast.cedar.pk], *AUTUMN) == []


def test_policy_changes_made_decided_or_proposed_onwards_in_the_period(cast):
    with time_machine.travel(at(2026, 10, 5, 10), tick=False):
        proposal = services.proposal_create(
            actor=cast.staff,
            organisation=cast.birch,
            title="Allow encrypted USB sticks",
            change="c",
            reason="r",
        )
        services.proposal_decide(actor=cast.manager, proposal=proposal, agree=True, reasons="Yes")
        services.proposal_onwards(
            actor=cast.manager,
            proposal=proposal,
            to="Finance & Premises Committee",
            on=datetime.date(2026, 10, 5),
        )
    rows = policy_changes_for_report([cast.birch.pk], *AUTUMN)
    assert len(rows) == 1
    row = rows[0]
    assert row["title"] == "Allow encrypted USB sticks"
    assert row["status"] == "Proposed onwards"
    assert row["decided_on"] == datetime.date(2026, 10, 5)
    assert row["policy_point"] == "The policy as a whole"
    assert row["onwards_to"] == "Finance & Premises Committee"
    assert not any(name in repr(rows) for name in names(cast))
    assert (
        policy_changes_for_report(
            [cast.birch.pk], datetime.date(2027, 1, 1), datetime.date(2027, 3, 31)
        )
        == []
    )
