import pytest

from incidentdesk.organisations.models import Duty, DutyHolder
from incidentdesk.organisations.selectors import duty_holders_for, holds_duty
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db


def test_a_school_in_a_trust_runs_by_the_trusts_profile_unless_it_has_its_own():
    trust = make_organisation(kind="trust", preset="trust")
    school = make_organisation(trust=trust)

    assert school.profile is None
    assert school.effective_profile == trust.profile


def test_a_person_may_hold_several_duties_in_several_organisations():
    first = make_organisation()
    second = make_organisation()
    person = make_person(organisation=first, duties=(Duty.INCIDENT_MANAGER, Duty.DPO))
    from incidentdesk.organisations.services import duty_assign

    duty_assign(person=person, organisation=second, duty=Duty.GOVERNOR)

    assert set(person.duties.values_list("organisation__slug", "duty")) == {
        (first.slug, Duty.INCIDENT_MANAGER),
        (first.slug, Duty.DPO),
        (second.slug, Duty.GOVERNOR),
    }
    assert holds_duty(person, second, Duty.GOVERNOR)
    assert not holds_duty(person, second, Duty.DPO)


def test_the_deputy_acts_when_the_holder_is_marked_absent():
    school = make_organisation()
    head = make_person("Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    deputy = make_person("Deputy", organisation=school)
    DutyHolder.objects.filter(person=head).update(deputy=deputy)

    assert duty_holders_for(school, Duty.INCIDENT_MANAGER) == [head]

    DutyHolder.objects.filter(person=head).update(is_absent=True)

    assert duty_holders_for(school, Duty.INCIDENT_MANAGER) == [deputy]


def test_a_school_without_its_own_holder_uses_the_trusts():
    trust = make_organisation(kind="trust", preset="trust")
    school = make_organisation(trust=trust)
    champion = make_person(organisation=trust, duties=(Duty.INCIDENT_MANAGER,))
    head_of_school = make_person(organisation=school, duties=(Duty.HEAD_OF_SCHOOL,))

    assert duty_holders_for(school, Duty.INCIDENT_MANAGER) == [champion]
    assert duty_holders_for(school, Duty.HEAD_OF_SCHOOL) == [head_of_school]
    assert duty_holders_for(trust, Duty.HEAD_OF_SCHOOL) == []
