"""A person of one organisation can neither see nor change another organisation's data."""

import pytest

from incidentdesk.organisations.models import Duty, DutyHolder, PolicyProfile
from tests.factories import make_organisation, make_person, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_schools():
    ours = make_organisation("Our School")
    theirs = make_organisation("Their School")
    manager = make_person(
        "Our Head", organisation=ours, duties=(Duty.INCIDENT_MANAGER,), is_staff=True
    )
    other_manager = make_person(
        "Their Head", organisation=theirs, duties=(Duty.INCIDENT_MANAGER,), is_staff=True
    )
    return ours, theirs, manager, other_manager


def test_a_member_sees_their_organisations_page(two_schools):
    ours, _, manager, _ = two_schools
    staff = make_person("Teacher", organisation=ours)

    response = signed_in_client(staff).get(f"/organisations/{ours.slug}/")

    assert response.status_code == 200
    assert "Our Head" in response.content.decode()
    assert "Headteacher or Bursar" in response.content.decode()


def test_another_organisations_page_is_not_found(two_schools):
    _, theirs, manager, _ = two_schools

    response = signed_in_client(manager).get(f"/organisations/{theirs.slug}/")

    assert response.status_code == 404
    assert "Their Head" not in response.content.decode()


def test_a_trusts_champion_sees_its_schools_but_a_school_does_not_see_its_trust():
    trust = make_organisation("The Trust", kind="trust", preset="trust")
    school = make_organisation("Member School", trust=trust)
    champion = make_person(organisation=trust, duties=(Duty.INCIDENT_MANAGER,))
    teacher = make_person(organisation=school)

    assert signed_in_client(champion).get(f"/organisations/{school.slug}/").status_code == 200
    assert signed_in_client(teacher).get(f"/organisations/{trust.slug}/").status_code == 404


def test_the_admin_lists_only_the_managers_own_organisations(two_schools):
    ours, theirs, manager, _ = two_schools
    client = signed_in_client(manager)

    listing = client.get("/admin/organisations/organisation/")
    people = client.get("/admin/organisations/person/")
    profiles = client.get("/admin/organisations/policyprofile/")

    assert listing.status_code == 200
    assert "Our School" in listing.content.decode()
    assert "Their School" not in listing.content.decode()
    assert "Our Head" in people.content.decode()
    assert "Their Head" not in people.content.decode()
    assert ours.profile.name in profiles.content.decode()
    assert theirs.profile.name not in profiles.content.decode()


def test_the_admin_will_not_open_or_change_another_organisations_profile(two_schools):
    _, theirs, manager, _ = two_schools
    client = signed_in_client(manager)
    url = f"/admin/organisations/policyprofile/{theirs.profile.pk}/change/"

    opened = client.get(url)
    posted = client.post(url, {"name": "Taken over"})

    # The admin answers a missing object with a redirect to its index and a message.
    assert opened.status_code in (302, 404)
    assert posted.status_code in (302, 404)
    assert PolicyProfile.objects.get(pk=theirs.profile.pk).name != "Taken over"


def test_the_admin_will_not_change_another_organisations_duty_holders(two_schools):
    _, theirs, manager, other_manager = two_schools
    holder = DutyHolder.objects.get(person=other_manager)
    client = signed_in_client(manager)

    response = client.post(f"/admin/organisations/dutyholder/{holder.pk}/delete/", {"post": "yes"})

    assert response.status_code in (302, 403, 404)
    assert DutyHolder.objects.filter(pk=holder.pk).exists()


def test_a_manager_adjusts_their_own_profile_in_the_admin(two_schools):
    ours, _, manager, _ = two_schools
    client = signed_in_client(manager)
    url = f"/admin/organisations/policyprofile/{ours.profile.pk}/change/"

    page = client.get(url)

    assert page.status_code == 200
    assert "Headteacher or Bursar" in page.content.decode()


def test_plain_staff_cannot_use_the_admin(two_schools):
    ours, _, _, _ = two_schools
    staff = make_person("Teacher", organisation=ours)

    response = signed_in_client(staff).get("/admin/organisations/organisation/")

    assert response.status_code == 302
    assert "/login/" in response["Location"] or "sign-in" in response["Location"]
