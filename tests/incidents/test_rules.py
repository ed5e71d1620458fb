"""Who may see which incident: the predicates, the queryset, and the pages, case by case."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import Http404

from incidentdesk.incidents import rules
from incidentdesk.incidents.models import Incident, ReportingMode
from incidentdesk.incidents.selectors import (
    incident_for_user,
    incidents_visible_to,
    newest_visible,
)
from incidentdesk.organisations.models import Duty, DutyHolder, Person
from incidentdesk.organisations.services import duty_assign
from tests.factories import make_person, signed_in_client

from .conftest import Cast, Reports

pytestmark = pytest.mark.django_db

# (person, report, may view it on the incident pages)
CASES = [
    ("manager", "named", True),
    ("manager", "confidential", True),
    ("manager", "anonymous", True),
    ("manager", "acorn_confidential", False),
    ("manager", "cedar_named", False),
    ("chair", "anonymous", True),
    ("chair", "named", False),
    ("chair", "confidential", False),
    ("reporter", "named", False),
    ("reporter", "confidential", False),
    ("reporter", "anonymous", False),
    ("colleague", "named", False),
    ("colleague", "anonymous", False),
    ("champion", "acorn_confidential", True),
    ("champion", "named", False),
    ("champion", "anonymous", False),
    ("acorn_head", "acorn_confidential", False),
    ("outsider", "named", False),
    ("outsider", "confidential", False),
    ("outsider", "anonymous", False),
    ("outsider", "cedar_named", True),
]


@pytest.mark.parametrize(("who", "which", "expected"), CASES)
def test_each_person_sees_exactly_the_incidents_the_rules_give_them(
    cast: Cast, reports: Reports, who: str, which: str, expected: bool
):
    person = getattr(cast, who)
    incident = getattr(reports, which)

    assert rules.may_view(person, incident) is expected
    # The queue's SQL and the predicate must give the same answer.
    assert incidents_visible_to(person).filter(pk=incident.pk).exists() is expected
    response = signed_in_client(person).get(f"/incidents/{incident.reference}/")
    assert response.status_code == (200 if expected else 404)


def test_the_queue_queryset_holds_exactly_what_each_person_may_view(cast: Cast, reports: Reports):
    everything = [reports.named, reports.confidential, reports.anonymous]
    everything += [reports.acorn_confidential, reports.cedar_named]
    for name, person in cast.everyone().items():
        by_rule = {i.pk for i in everything if rules.may_view(person, i)}
        assert set(incidents_visible_to(person).values_list("pk", flat=True)) == by_rule, name


def test_the_lists_pages_hold_exactly_what_each_person_may_view_newest_first(
    cast: Cast, reports: Reports
):
    # Two reports at the same moment: the page's order breaks the tie by id.
    Incident.objects.filter(pk=reports.confidential.pk).update(
        reported_at=reports.named.reported_at
    )
    for name, person in cast.everyone().items():
        expected = list(
            incidents_visible_to(person)
            .order_by("-reported_at", "-pk")
            .values_list("pk", flat=True)
        )
        seen, after = [], None
        while True:
            page = list(newest_visible(person, after=after, limit=2))
            assert len(page) <= 2
            seen += [incident.pk for incident in page]
            if len(page) < 2:
                break
            after = (page[-1].reported_at, page[-1].pk)
        assert seen == expected, name
        anonymous = Q(mode=ReportingMode.ANONYMOUS)
        assert [i.pk for i in newest_visible(person, where=anonymous, limit=10)] == list(
            incidents_visible_to(person)
            .filter(anonymous)
            .order_by("-reported_at", "-pk")
            .values_list("pk", flat=True)
        ), name


def test_nobody_signed_out_sees_anything(reports: Reports, client):
    assert not incidents_visible_to(AnonymousUser()).exists()
    assert not newest_visible(AnonymousUser(), limit=5).exists()
    assert rules.may_view(AnonymousUser(), reports.named) is False
    response = client.get(f"/incidents/{reports.named.reference}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_a_person_no_longer_active_sees_nothing(cast: Cast, reports: Reports):
    cast.manager.is_active = False
    cast.manager.save()

    assert rules.may_view(cast.manager, reports.named) is False
    assert not incidents_visible_to(cast.manager).exists()


def test_another_organisations_incident_is_a_404_like_one_that_does_not_exist(
    cast: Cast, reports: Reports
):
    with pytest.raises(Http404):
        incident_for_user(person=cast.outsider, reference=reports.named.reference)
    with pytest.raises(Http404):
        incident_for_user(person=cast.outsider, reference="CED-2026-9999")
    with pytest.raises(Http404):
        incident_for_user(person=cast.outsider, reference="X" * 500)
    client = signed_in_client(cast.outsider)
    missing = client.get("/incidents/CED-2026-9999/")
    elsewhere = client.get(f"/incidents/{reports.named.reference}/")
    assert missing.status_code == elsewhere.status_code == 404
    # The same page, but for the form token (the sign-out button's), new on each page.
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
    assert token.sub(b"", missing.content) == token.sub(b"", elsewhere.content)


def test_a_reporter_is_refused_the_incident_pages_of_their_own_report(cast: Cast, reports: Reports):
    client = signed_in_client(cast.reporter)

    assert client.get(f"/incidents/{reports.named.reference}/").status_code == 404
    assert client.get("/incidents/").status_code == 200
    assert reports.named.reference not in client.get("/incidents/").content.decode()
    # They see it as its reporter, on the reporting pages.
    assert rules.may_see_as_reporter(cast.reporter, reports.named)
    assert rules.may_see_as_reporter(cast.reporter, reports.confidential)
    assert not rules.may_see_as_reporter(cast.colleague, reports.named)
    assert not rules.may_see_as_reporter(cast.reporter, reports.anonymous)


def test_a_trust_champion_manages_its_schools_incidents(cast: Cast, reports: Reports):
    assert rules.may_manage(cast.champion, reports.acorn_confidential)
    assert rules.may_reveal_reporter(cast.champion, reports.acorn_confidential)
    assert not rules.may_manage(cast.champion, reports.named)


def test_the_anonymous_recipient_follows_the_profile(cast: Cast, reports: Reports):
    profile = cast.birch.profile
    profile.anonymous_recipient = Duty.INCIDENT_MANAGER
    profile.save()

    assert not rules.may_view(cast.chair, reports.anonymous)
    assert not incidents_visible_to(cast.chair).exists()


def test_a_trust_level_anonymous_recipient_covers_the_trusts_schools(cast: Cast):
    from incidentdesk.incidents.models import ReportingMode

    from .conftest import file_report

    profile = cast.trust.profile
    profile.anonymous_recipient = Duty.CHAIR_OF_GOVERNORS
    profile.save()
    trust_chair = make_person(
        "Tess Trustee", organisation=cast.trust, duties=(Duty.CHAIR_OF_GOVERNORS,)
    )
    anonymous = file_report(cast.acorn, None, ReportingMode.ANONYMOUS)
    named = file_report(cast.acorn, make_person(organisation=cast.acorn), ReportingMode.NAMED)

    assert rules.may_view(trust_chair, anonymous)
    assert not rules.may_view(trust_chair, named)
    assert list(incidents_visible_to(trust_chair)) == [anonymous]


def test_a_deputy_acts_for_an_absent_incident_manager_only(cast: Cast, reports: Reports):
    holder = DutyHolder.objects.get(person=cast.manager, duty=Duty.INCIDENT_MANAGER)
    holder.deputy = cast.colleague
    holder.save()

    assert not rules.may_view(cast.colleague, reports.confidential)

    holder.is_absent = True
    holder.save()
    # The duties a person acts in are read once a request and kept on the person
    # (rules.acting_duties): the next request loads the deputy afresh.
    deputy = Person.objects.get(pk=cast.colleague.pk)

    assert rules.may_view(deputy, reports.confidential)
    assert rules.may_reveal_reporter(deputy, reports.confidential)
    assert incidents_visible_to(deputy).filter(pk=reports.confidential.pk).exists()
    # The absent holder keeps their own access.
    assert rules.may_view(cast.manager, reports.confidential)


def test_a_duty_in_another_organisation_gives_nothing_here(cast: Cast, reports: Reports):
    duty_assign(person=cast.outsider, organisation=cast.cedar, duty=Duty.CHAIR_OF_GOVERNORS)

    assert not rules.may_view(cast.outsider, reports.anonymous)


def test_only_the_manager_may_be_shown_a_confidential_reporter(cast: Cast, reports: Reports):
    assert rules.may_see_reporter_identity(cast.manager, reports.confidential)
    assert rules.may_reveal_reporter(cast.manager, reports.confidential)
    for name, person in cast.everyone().items():
        if name == "manager":
            continue
        assert not rules.may_see_reporter_identity(person, reports.confidential), name
        assert not rules.may_reveal_reporter(person, reports.confidential), name


def test_a_named_reporter_is_shown_and_an_anonymous_one_is_no_one(cast: Cast, reports: Reports):
    assert rules.may_see_reporter_identity(cast.manager, reports.named)
    assert not rules.may_reveal_reporter(cast.manager, reports.named)
    assert not rules.may_see_reporter_identity(cast.manager, reports.anonymous)
    assert not rules.may_see_reporter_identity(cast.chair, reports.anonymous)


def test_the_home_page_links_the_queue_for_those_who_handle_incidents(cast: Cast):
    for person, expected in [
        (cast.manager, True),
        (cast.chair, True),
        (cast.champion, True),
        (cast.reporter, False),
        (cast.acorn_head, True),  # alerted out of hours, so has a queue
    ]:
        page = signed_in_client(person).get("/").content.decode()
        assert ('href="/incidents/"' in page) is expected, person.full_name
