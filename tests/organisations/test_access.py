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


def test_a_manager_changes_titles_recipients_and_working_days_without_writing_json(two_schools):
    ours, _, manager, _ = two_schools
    client = signed_in_client(manager)
    url = f"/admin/organisations/policyprofile/{ours.profile.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        else:
            data[name] = value
    # Inline formsets: post them back unchanged.
    for formset in client.get(url).context["inline_admin_formsets"]:
        fs = formset.formset
        data.update({f"{fs.prefix}-{k}": v for k, v in fs.management_form.initial.items()})
        for i, f in enumerate(fs.forms):
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                if value is not None and value != "":
                    data[f"{fs.prefix}-{i}-{name}"] = value.pk if hasattr(value, "pk") else value
    data["title_incident_manager"] = "Headteacher"
    data["working_days"] = ["0", "1", "2", "3"]
    data["major_support"] = ["governor", "siro"]

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    ours.profile.refresh_from_db()
    assert ours.profile.duty_titles["incident_manager"] == "Headteacher"
    assert ours.profile.working_days == [0, 1, 2, 3]
    assert set(ours.profile.major_support) == {"siro", "governor"}
    assert [s[0] for s in ours.profile.investigation_steps] == list("abcdefghijk")


def test_a_manager_enters_closure_days_for_their_own_school_only(two_schools):
    from incidentdesk.deadlines.models import ClosureDay

    ours, theirs, manager, _ = two_schools
    ClosureDay.objects.create(organisation=theirs, date="2026-12-01", reason="Their INSET day")
    client = signed_in_client(manager)

    added = client.post(
        "/admin/deadlines/closureday/add/",
        {"organisation": ours.pk, "date": "2026-12-02", "reason": "INSET day"},
    )
    refused = client.post(
        "/admin/deadlines/closureday/add/",
        {"organisation": theirs.pk, "date": "2026-12-03", "reason": "Not ours"},
    )
    listing = client.get("/admin/deadlines/closureday/").content.decode()

    assert added.status_code == 302
    assert refused.status_code == 200  # the form refuses an organisation not offered
    assert ClosureDay.objects.filter(organisation=ours, date="2026-12-02").exists()
    assert not ClosureDay.objects.filter(date="2026-12-03").exists()
    assert "INSET day" in listing and "Their INSET day" not in listing
