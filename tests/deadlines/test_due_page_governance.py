"""The "Due and overdue" page with deadlines that belong to no incident: a policy document's
review is its owner's (and, once overdue, the incident manager's, as its escalation says);
an approved exception's review and end are the incident manager's. The incident manager
sees them all in their organisation's table; nobody sees another organisation's."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidentdesk.deadlines.models import GOVERNANCE_STEPS, Deadline
from incidentdesk.deadlines.selectors import (
    DUE_LIST_LIMIT,
    deadlines_for_manager,
    deadlines_for_person,
)
from incidentdesk.deadlines.services import escalation_chain, responsible_for
from incidentdesk.governance import services as governance
from incidentdesk.organisations.models import Duty
from tests.deadlines.conftest import at
from tests.deadlines.test_due_page import table, text_of
from tests.factories import make_organisation, make_person, signed_in_client
from tests.incidents.conftest import file_report

pytestmark = pytest.mark.django_db

MONDAY = at(2026, 11, 16, 10, 0)
REVIEW_ON = datetime.date(2026, 11, 26)  # a Thursday: due at 17:00 that day
BEFORE = MONDAY + datetime.timedelta(hours=3)  # ten days before the review
AFTER = at(2026, 11, 27, 9, 0)  # the review date has passed

YOURS = "Yours"
THEIRS = "Your organisation&#x27;s"


def add_policy(organisation, owner, title="Security Incidents Policy", review_on=REVIEW_ON):
    with time_machine.travel(MONDAY, tick=False):
        return governance.document_create(
            actor=None,
            organisation=organisation,
            title=title,
            version="1.0",
            approved_by="Finance & Premises Committee",
            approved_on=datetime.date(2025, 3, 1),
            next_review_on=review_on,
            owner=owner,
        )


def add_exception(organisation, asker, decider, title="Trip photos on the tablet"):
    with time_machine.travel(MONDAY, tick=False):
        exception = governance.exception_request(
            actor=asker,
            organisation=organisation,
            policy_point=organisation.effective_profile.points.get(number=3),
            title=title,
            what="Keep them a week",
            business_reason="No signal on the field trip",
        )
        return governance.exception_decide(
            actor=decider,
            exception=exception,
            approve=True,
            reasons="Low risk",
            expires_on=datetime.date(2026, 12, 31),
            review_on=datetime.date(2026, 11, 30),
        )


def page_of(person, moment) -> str:
    with time_machine.travel(moment, tick=False):  # signed in then: sessions time out
        return text_of(signed_in_client(person).get("/due/"))


def test_the_owner_sees_the_review_of_their_policy_with_a_link(school):
    document = add_policy(school.organisation, school.investigator)

    yours = table(page_of(school.investigator, BEFORE), YOURS)

    assert f'href="/governance/policies/{document.pk}/"' in yours
    assert "Review the policy document “Security Incidents Policy”" in yours
    assert "26 November 2026, 17:00" in yours
    assert 'govuk-tag--grey">Due in 10 days<' in yours


def test_the_manager_sees_it_as_their_organisations_until_it_is_overdue(school):
    document = add_policy(school.organisation, school.investigator)
    link = f'href="/governance/policies/{document.pk}/"'

    before = page_of(school.manager, BEFORE)
    assert link in table(before, THEIRS)
    assert link not in table(before, YOURS)

    # Overdue: the escalation tells the incident manager, so it is theirs to chase too.
    after = page_of(school.manager, AFTER)
    assert link in table(after, YOURS)
    assert 'govuk-tag--red">Overdue<' in table(after, YOURS)
    assert 'govuk-tag--red">Overdue<' in table(page_of(school.investigator, AFTER), YOURS)


def test_a_review_met_is_no_longer_listed(school):
    document = add_policy(school.organisation, school.investigator)
    Deadline.objects.filter(policy_document=document).update(met_at=MONDAY)

    assert f"/governance/policies/{document.pk}/" not in page_of(school.investigator, BEFORE)
    assert f"/governance/policies/{document.pk}/" not in page_of(school.manager, BEFORE)


def test_an_exceptions_review_and_end_are_the_managers(school):
    exception = add_exception(school.organisation, school.reporter, school.manager)

    yours = table(page_of(school.manager, BEFORE), YOURS)

    assert yours.count(f'href="/governance/exceptions/{exception.pk}/"') == 2
    assert "Review the exception “Trip photos on the tablet”<" in yours
    assert "Review the exception “Trip photos on the tablet” before it ends" in yours
    assert "30 November 2026, 17:00" in yours
    assert "31 December 2026, 17:00" in yours
    # Whoever asked for it is not reminded of it.
    assert "Nothing is due from you." in page_of(school.reporter, BEFORE)


def test_a_trusts_champion_sees_its_schools_and_its_own(trust):
    policy = add_policy(trust.organisation.trust, trust.dpo, "Security Incidents Policy (trust)")
    exception = add_exception(trust.organisation, trust.reporter, trust.manager)

    page = page_of(trust.manager, BEFORE)

    assert "Review the policy document “Security Incidents Policy (trust)”" in table(page, THEIRS)
    assert f"/governance/policies/{policy.pk}/" not in table(page, YOURS)  # the DPO owns it
    assert f"/governance/exceptions/{exception.pk}/" in table(page, YOURS)
    assert f"/governance/policies/{policy.pk}/" in table(page_of(trust.dpo, BEFORE), YOURS)


def test_another_organisations_policies_and_exceptions_never_appear(school, trust):
    policy = add_policy(trust.organisation.trust, trust.dpo, "Security Incidents Policy (trust)")
    exception = add_exception(trust.organisation, trust.reporter, trust.manager)
    cedar = make_organisation("Cedar Academy")
    outsider = make_person("Cy Cedar", organisation=cedar, duties=(Duty.INCIDENT_MANAGER,))
    cedars = add_policy(cedar, outsider, "Cedar's own policy")
    ours = add_policy(school.organisation, school.investigator)

    for moment in (BEFORE, AFTER):
        for person in (school.manager, school.investigator, school.dpo, outsider):
            page = page_of(person, moment)
            assert "(trust)" not in page
            assert f"/governance/policies/{policy.pk}/" not in page
            assert f"/governance/exceptions/{exception.pk}/" not in page
        assert "Cedar&#x27;s own policy" not in page_of(school.manager, moment)
        assert "Security Incidents Policy”" not in page_of(outsider, moment)
    assert {d.policy_document_id for d in deadlines_for_manager(school.manager, AFTER)} == {ours.pk}
    assert {d.policy_document_id for d in deadlines_for_manager(outsider, AFTER)} == {cedars.pk}


def test_the_selector_agrees_with_who_is_reminded_and_told(school, trust):
    add_policy(school.organisation, school.investigator)
    add_policy(trust.organisation.trust, trust.dpo, "Security Incidents Policy (trust)")
    add_policy(trust.organisation, trust.investigator, "Acorn's own policy")
    add_exception(school.organisation, school.reporter, school.manager)
    add_exception(trust.organisation, trust.reporter, trust.manager)
    rows = list(Deadline.objects.filter(step__in=GOVERNANCE_STEPS, met_at__isnull=True))
    assert len(rows) == 7

    for moment in (BEFORE, AFTER):
        for setting in (school, trust):
            for person in (setting.manager, setting.dpo, setting.investigator, setting.reporter):
                expected = set()
                for row in rows:
                    told = list(responsible_for(row))
                    if row.due_at < moment:  # overdue: the escalation's first rung hears too
                        told += [p for rung in escalation_chain(row)[:1] for p in rung]
                    if person in told:
                        expected.add(row.pk)
                got = {d.pk for d in deadlines_for_person(person, moment) if d.incident_id is None}
                assert got == expected, (person, moment)


def _queries(client) -> int:
    with time_machine.travel(AFTER, tick=False):
        with CaptureQueriesContext(connection) as queries:
            text_of(client.get("/due/"))
    return len(queries)


def _add_one_of_each(school, n: int) -> None:
    with time_machine.travel(MONDAY, tick=False):
        file_report(school.organisation, school.reporter)
    add_policy(school.organisation, school.investigator, f"Policy {n}")
    add_policy(school.organisation, school.manager, f"Manager's policy {n}")
    add_exception(school.organisation, school.reporter, school.manager, f"Exception {n}")


@pytest.mark.parametrize("viewer", ["manager", "investigator"])
def test_the_page_costs_the_same_queries_for_1_and_many_of_each_kind(school, viewer):
    _add_one_of_each(school, 0)
    with time_machine.travel(AFTER, tick=False):
        client = signed_in_client(getattr(school, viewer))
        client.get("/due/")  # the session settles
    few = _queries(client)
    for n in range(1, 8):
        _add_one_of_each(school, n)
    many = _queries(client)

    assert many == few
    counts = {step: Deadline.objects.filter(step=step).count() for step in GOVERNANCE_STEPS}
    assert counts == {"policy_review": 16, "exception_review": 8, "exception_expiry": 8}
    with time_machine.travel(AFTER, tick=False):
        page = text_of(client.get("/due/"))
    assert "Review the policy document" in page
    if viewer == "manager":
        # 32 governance deadlines and the incidents': the soonest fill the list, and the
        # page says more are open.
        assert page.count('<tr class="govuk-table__row">') >= DUE_LIST_LIMIT
        assert f"These are the {DUE_LIST_LIMIT} due soonest" in page


def test_the_home_page_links_the_page_for_a_policy_owner_who_handles_no_incidents(school):
    def home(person) -> str:
        with time_machine.travel(BEFORE, tick=False):
            return text_of(signed_in_client(person).get("/"))

    assert "the reviews of the policies you own" not in home(school.investigator)
    add_policy(school.organisation, school.investigator)

    assert 'href="/due/">Due and overdue</a>: the reviews of the policies you own' in home(
        school.investigator
    )
    assert "the reviews of the policies you own" not in home(school.reporter)
    # An incident manager has the link already, with the incidents.
    manager = home(school.manager)
    assert manager.count('href="/due/"') == 1
