"""Plain helpers that build the people and organisations tests need."""

from __future__ import annotations

import itertools

from incidentdesk.organisations.models import Organisation, OrganisationKind, Person
from incidentdesk.organisations.services import duty_assign, membership_add, organisation_create

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_organisation(
    name: str | None = None,
    *,
    kind: str = OrganisationKind.SCHOOL,
    preset: str | None = "school",
    trust: Organisation | None = None,
) -> Organisation:
    n = next(_counter)
    name = name or f"Test School {n}"
    return organisation_create(
        name=name,
        slug=f"test-org-{n}",
        code=f"T{n:03d}"[:8],
        kind=kind,
        trust=trust,
        preset=None if trust else preset,
    )


def make_person(
    full_name: str | None = None,
    *,
    organisation: Organisation | None = None,
    duties: tuple[str, ...] = (),
    **fields,
) -> Person:
    n = next(_counter)
    full_name = full_name or f"Person {n}"
    person = Person.objects.create_user(
        email=f"person{n}@example.org", password=PASSWORD, full_name=full_name, **fields
    )
    if organisation is not None:
        membership_add(person=person, organisation=organisation)
        for duty in duties:
            duty_assign(person=person, organisation=organisation, duty=duty)
    return person


def signed_in_client(person: Person):
    """A test client signed in as `person`, past the second factor."""
    from django.test import Client

    from incidentdesk.accounts import session

    client = Client()
    client.force_login(person)
    s = client.session
    s[session.SECOND_FACTOR_KEY] = "verified"
    s.save()
    return client
