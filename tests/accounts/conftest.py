"""The cast for the sign-in tests: a school, its incident manager, a member of staff."""

from __future__ import annotations

import datetime

import pyotp
import pytest
import time_machine
from django.utils import timezone

from incidentdesk.accounts.models import TwoFactorDevice
from incidentdesk.organisations.models import (
    Duty,
    DutyHolder,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
)
from tests.accounts.helpers import PASSWORD

# Mid-way through a TOTP time-step, so a test can move a few seconds without changing code.
START = datetime.datetime(2026, 3, 2, 9, 0, 10, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    """Frozen time; `clock.shift(seconds)` moves it."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def school(db) -> Organisation:
    return Organisation.objects.create(
        name="Acorn Primary", slug="acorn", code="ACN", kind=OrganisationKind.SCHOOL
    )


@pytest.fixture
def manager(school: Organisation) -> Person:
    """Mandy, the school's incident manager: a duty holder who needs a second factor."""
    person = Person.objects.create_user("mandy@example.org", PASSWORD, full_name="Mandy Moss")
    Membership.objects.create(person=person, organisation=school)
    DutyHolder.objects.create(organisation=school, person=person, duty=Duty.INCIDENT_MANAGER)
    return person


@pytest.fixture
def manager_secret(manager: Person) -> str:
    """Mandy has set up her authenticator app already."""
    secret = pyotp.random_base32()
    TwoFactorDevice.objects.create(person=manager, secret=secret, confirmed_at=timezone.now())
    return secret


@pytest.fixture
def staff(school: Organisation) -> Person:
    """Sam, a teaching assistant: plain staff, no duties."""
    person = Person.objects.create_user("sam@example.org", PASSWORD, full_name="Sam Stone")
    Membership.objects.create(person=person, organisation=school, job_title="Teaching assistant")
    return person
