"""What every signed-in page costs before its own work: the session row, the person with
the duties they act in, and nothing else; activity written at most once a minute."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client

from incidentdesk.accounts import selectors
from incidentdesk.incidents import rules
from incidentdesk.organisations.models import (
    Duty,
    DutyHolder,
    Organisation,
    OrganisationKind,
    Person,
)
from tests.accounts.helpers import ENROL, PASSWORD, SIGN_IN, code_for, sign_in

# The session row; the person with their duties (one query, see selectors.signed_in_person).
SIGNED_IN_BASE_QUERIES = 2


def _governor_of(count: int, person: Person) -> None:
    for n in range(count):
        school = Organisation.objects.create(
            name=f"School {n}", slug=f"school-{n}", code=f"S{n:02d}", kind=OrganisationKind.SCHOOL
        )
        DutyHolder.objects.create(organisation=school, person=person, duty=Duty.GOVERNOR)


def _signed_in_page_queries(client: Client, django_assert_num_queries, path: str) -> None:
    assert client.get(path).status_code == 200  # records the first activity
    with django_assert_num_queries(SIGNED_IN_BASE_QUERIES):
        response = client.get(path)
    assert response.status_code == 200
    assert response.wsgi_request.user.is_authenticated


def test_a_plain_signed_in_page_costs_two_queries(
    client: Client, manager: Person, django_assert_num_queries
) -> None:
    client.force_login(manager)
    _signed_in_page_queries(client, django_assert_num_queries, "/help/")


def test_the_cost_does_not_grow_with_the_duties_held(
    client: Client, manager: Person, django_assert_num_queries
) -> None:
    _governor_of(12, manager)
    client.force_login(manager)
    _signed_in_page_queries(client, django_assert_num_queries, "/help/")
    # The menu shows what the duties allow, read with the person.
    assert "Dashboard" in client.get("/help/").content.decode()


def test_the_person_comes_with_the_duties_the_rules_would_read(
    manager: Person, staff: Person, school: Organisation
) -> None:
    # Sam deputises for Mandy; while she is away he acts as incident manager.
    holder = DutyHolder.objects.get(person=manager)
    holder.deputy = staff
    holder.save()
    _governor_of(2, manager)
    for is_absent in (False, True):
        DutyHolder.objects.filter(pk=holder.pk).update(is_absent=is_absent)
        for person in (manager, staff):
            loaded = selectors.signed_in_person(person.pk)
            fresh = Person.objects.get(pk=person.pk)
            assert loaded == fresh
            assert loaded.email == fresh.email
            assert loaded.date_joined == fresh.date_joined
            assert loaded.is_active is fresh.is_active
            assert rules.duties_held(loaded) == rules.duties_held(fresh)
            if hasattr(rules, "acting_duties"):
                assert rules.acting_duties(loaded) == rules.acting_duties(fresh)
        assert (
            Duty.INCIDENT_MANAGER in rules.duties_held(selectors.signed_in_person(staff.pk))
        ) is is_absent
    assert selectors.signed_in_person(10**9) is None


def test_a_person_switched_off_is_signed_out(client: Client, staff: Person) -> None:
    client.force_login(staff)
    assert client.get("/help/").wsgi_request.user.is_authenticated
    Person.objects.filter(pk=staff.pk).update(is_active=False)
    assert not client.get("/help/").wsgi_request.user.is_authenticated


def _saved_at(client: Client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_activity_is_written_at_most_once_a_minute(client: Client, staff: Person, clock) -> None:
    sign_in(client, "sam@example.org")
    written = _saved_at(client)
    clock.shift(59)
    assert client.get("/help/").status_code == 200
    assert _saved_at(client) == written  # no UPDATE, no COMMIT
    clock.shift(1)
    assert client.get("/help/").status_code == 200
    assert _saved_at(client) > written


def test_an_idle_session_never_outlives_the_limit(client: Client, staff: Person, clock) -> None:
    # Activity 59 s after signing in is not written: the session ends 30 minutes after the
    # written time, so at most a minute early, never late.
    sign_in(client, "sam@example.org")
    clock.shift(59)
    assert client.get("/help/").status_code == 200
    clock.shift(30 * 60 - 59 + 1)
    response = client.get("/organisations/")
    assert response["Location"] == f"{SIGN_IN}?next=/organisations/"


def test_activity_a_minute_after_signing_in_counts(client: Client, staff: Person, clock) -> None:
    sign_in(client, "sam@example.org")
    clock.shift(60)
    assert client.get("/help/").status_code == 200
    clock.shift(30 * 60)
    assert client.get("/").status_code == 200


def test_a_deputy_who_starts_acting_while_signed_in_is_asked_for_a_code(
    client: Client, manager: Person, staff: Person
) -> None:
    # Sam signed in without a code (plain staff). Mandy goes away and Sam acts for her: he
    # now sees what an incident manager sees, so he must give a code as she does.
    DutyHolder.objects.filter(person=manager).update(deputy=staff)
    sign_in(client, "sam@example.org")
    assert client.get("/").status_code == 200
    DutyHolder.objects.filter(person=manager).update(is_absent=True)
    response = client.get("/")
    assert response["Location"] == ENROL
    assert SESSION_KEY not in client.session


def test_a_duty_holder_signed_in_with_a_code_is_not_asked_again(
    client: Client, manager: Person, manager_secret: str, django_assert_num_queries
) -> None:
    sign_in(client, "mandy@example.org", PASSWORD)
    client.post("/accounts/sign-in/code/", {"code": code_for(manager_secret)})
    _signed_in_page_queries(client, django_assert_num_queries, "/help/")
