import pytest

from incidentdesk.organisations.models import Duty, Preset, TimescaleStep, TimescaleUnit
from incidentdesk.organisations.services import profile_create_from_preset

pytestmark = pytest.mark.django_db


def test_trust_preset_uses_the_trust_policy_titles_and_routes():
    profile = profile_create_from_preset(preset=Preset.TRUST)

    assert profile.duty_title(Duty.INCIDENT_MANAGER) == "Information Champion"
    assert profile.duty_title(Duty.HEAD_OF_SCHOOL) == "Head of School"
    assert profile.out_of_hours_recipient == Duty.HEAD_OF_SCHOOL
    assert profile.anonymous_recipient == Duty.INCIDENT_MANAGER
    assert profile.referral_recipients == [Duty.DPO]
    assert profile.major_support == [Duty.SIRO]
    # Eight numbered MUST points, the eighth being the referral to the DPO.
    points = list(profile.points.values_list("number", "must"))
    assert [n for n, _ in points] == list(range(1, 9))
    assert "Data Protection Officer" in points[7][1]


def test_school_preset_uses_the_school_policy_titles_and_routes():
    profile = profile_create_from_preset(preset=Preset.SCHOOL)

    assert profile.duty_title(Duty.INCIDENT_MANAGER) == "Headteacher or Bursar"
    assert profile.duty_title(Duty.INVESTIGATING_OFFICER) == "Investigating Officer / Line Manager"
    assert profile.anonymous_recipient == Duty.CHAIR_OF_GOVERNORS
    assert profile.out_of_hours_recipient == Duty.INCIDENT_MANAGER
    assert profile.major_support == [Duty.GOVERNOR]
    assert profile.points.count() == 7


@pytest.mark.parametrize("preset", [Preset.TRUST, Preset.SCHOOL])
def test_each_preset_has_the_default_scheme_timescales_and_steps(preset):
    profile = profile_create_from_preset(preset=preset)

    assert list(profile.severities.values_list("key", flat=True)) == [
        "minor",
        "moderate",
        "major",
        "critical",
    ]
    assert list(profile.severities.filter(is_serious=True).values_list("key", flat=True)) == [
        "major",
        "critical",
    ]
    ico = profile.timescales.get(step=TimescaleStep.ICO_DECISION)
    assert (ico.amount, ico.unit, ico.statutory) == (72, TimescaleUnit.ELAPSED_HOURS, True)
    investigation = dict(
        profile.timescales.filter(step=TimescaleStep.INVESTIGATION).values_list(
            "severity_key", "amount"
        )
    )
    assert investigation == {"minor": 20, "moderate": 15, "major": 10, "critical": 5}
    assert [letter for letter, _ in profile.investigation_steps] == list("abcdefghijk")
    assert profile.information_policies.count() >= 5
    assert profile.retention_years == 6


def test_profiles_made_from_one_preset_are_independent():
    first = profile_create_from_preset(preset=Preset.SCHOOL)
    second = profile_create_from_preset(preset=Preset.SCHOOL)

    first.severities.filter(key="minor").update(name="Low")

    assert second.severities.get(key="minor").name == "Minor"
