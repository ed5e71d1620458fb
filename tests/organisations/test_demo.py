"""The demo's organisations and people; its year of incidents is test_demo_year.py's."""

import pytest
from django.core.management import call_command

from incidentdesk.organisations.models import DutyHolder, Organisation, Person

pytestmark = pytest.mark.django_db


def test_demo_creates_the_trust_its_schools_and_the_standalone_school(capsys):
    call_command("demo", "--password", "a-demo-password-1", "--no-incidents")

    trust = Organisation.objects.get(name="Example Learning Trust")
    assert set(trust.schools.values_list("name", flat=True)) == {
        "Example Primary Academy",
        "Example High School",
    }
    junior = Organisation.objects.get(name="Example Junior School")
    assert junior.trust is None
    assert trust.profile.preset == "trust"
    assert junior.profile.preset == "school"
    output = capsys.readouterr().out
    assert "Information Champion" in output
    assert "Headteacher or Bursar" in output
    assert "a-demo-password-1" in output


def test_demo_people_are_invented_and_at_example_org():
    call_command("demo", "--quiet", "--no-incidents")

    emails = list(Person.objects.values_list("email", flat=True))
    assert emails
    assert all(e.endswith("example.org") for e in emails)


def test_demo_names_one_holder_for_each_duty_in_each_organisation():
    call_command("demo", "--quiet", "--no-incidents")

    for organisation in Organisation.objects.all():
        duties = set(
            DutyHolder.objects.filter(organisation=organisation).values_list("duty", flat=True)
        )
        assert {
            "incident_manager",
            "investigating_officer",
            "head_of_school",
            "siro",
            "dpo",
            "governor",
        } <= duties, organisation
        assert organisation.memberships.count() > len(duties)


def test_demo_can_run_twice_and_sets_the_password():
    call_command("demo", "--quiet", "--no-incidents")
    counts = (Organisation.objects.count(), Person.objects.count(), DutyHolder.objects.count())

    call_command("demo", "--quiet", "--no-incidents", "--password", "another-password-2")

    assert (
        Organisation.objects.count(),
        Person.objects.count(),
        DutyHolder.objects.count(),
    ) == counts
    person = Person.objects.get(email="admin@example.org")
    assert person.check_password("another-password-2")
