"""A small cast for the API tests: two organisations for Alice, a third she is not in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from incidentdesk.api.services import create_api_token
from incidentdesk.organisations.models import Duty, Organisation, OrganisationKind, Person
from incidentdesk.organisations.services import duty_assign, membership_add, organisation_create


@dataclass
class Cast:
    trust: Organisation
    school: Organisation  # in the trust, running by the trust's profile
    standalone: Organisation  # a single school with its own profile
    other: Organisation  # Alice is not in this one
    alice: Person
    bob: Person
    charlie: Person


@pytest.fixture
def cast(db) -> Cast:
    alice = Person.objects.create_user("alice@example.org", "pw-alice-123", full_name="Alice Able")
    bob = Person.objects.create_user("bob@example.org", "pw-bob-12345", full_name="Bob Baker")
    charlie = Person.objects.create_user(
        "charlie@example.org", "pw-charlie-1", full_name="Charlie Cole"
    )
    trust = organisation_create(
        name="Oak Learning Trust",
        slug="oak",
        code="OAK",
        kind=OrganisationKind.TRUST,
        preset="trust",
    )
    school = organisation_create(
        name="Acorn Primary", slug="acorn", code="ACN", kind=OrganisationKind.SCHOOL, trust=trust
    )
    standalone = organisation_create(
        name="Birch School",
        slug="birch",
        code="BIR",
        kind=OrganisationKind.SCHOOL,
        preset="school",
    )
    other = organisation_create(
        name="Cedar Academy",
        slug="cedar",
        code="CED",
        kind=OrganisationKind.SCHOOL,
        preset="school",
    )
    # Alice: champion of Acorn (title from the trust's profile) with Bob as deputy, and
    # Bursar (her own title) at Birch; plain staff nowhere else.
    duty_assign(person=alice, organisation=school, duty=Duty.INCIDENT_MANAGER, deputy=bob)
    duty_assign(person=alice, organisation=school, duty=Duty.SIRO)
    duty_assign(person=alice, organisation=standalone, duty=Duty.INCIDENT_MANAGER, title="Bursar")
    membership_add(person=bob, organisation=school)
    duty_assign(person=charlie, organisation=other, duty=Duty.INCIDENT_MANAGER)
    return Cast(trust, school, standalone, other, alice, bob, charlie)


@pytest.fixture
def alice_token(cast: Cast) -> str:
    return create_api_token(person=cast.alice, name="Alice's script")[1]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
