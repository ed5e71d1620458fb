"""Due times: working hours, working days, elapsed hours, bank holidays, closure days and
the clocks going back, each right to the minute."""

import datetime

import pytest
import time_machine

from incidentdesk.deadlines.models import ClosureDay
from incidentdesk.deadlines.services import due_after
from incidentdesk.organisations.models import PolicyProfile, TimescaleStep, TimescaleUnit
from tests.deadlines.conftest import at, deadline_of
from tests.incidents.conftest import file_report

UTC = datetime.UTC


@pytest.fixture
def profile() -> PolicyProfile:
    return PolicyProfile(
        working_day_starts=datetime.time(8, 0),
        working_day_ends=datetime.time(17, 0),
        working_days=[0, 1, 2, 3, 4],
        bank_holiday_region="ENG",
    )


def test_one_working_day_from_friday_before_a_bank_holiday_is_tuesday_at_close(profile):
    # The rule: due at the end of the Nth working day after the day the clock starts.
    # Friday 28 August 2026, 15:00; Monday 31 August is the summer bank holiday.
    due = due_after(profile, at(2026, 8, 28, 15, 0), 1, TimescaleUnit.WORKING_DAYS)

    assert due == at(2026, 9, 1, 17, 0)
    assert due.tzinfo == UTC and due.hour == 16  # stored in UTC: 17:00 BST is 16:00 UTC


def test_a_report_on_friday_before_the_bank_holiday_is_to_be_classified_by_tuesday(school):
    with time_machine.travel(at(2026, 8, 28, 15, 0), tick=False):
        incident = file_report(school.organisation, school.reporter)

    assert deadline_of(incident, TimescaleStep.CLASSIFY).due_at == at(2026, 9, 1, 17, 0)
    # One working hour: Friday 15:00 to 16:00.
    assert deadline_of(incident, TimescaleStep.ACKNOWLEDGE).due_at == at(2026, 8, 28, 16, 0)


def test_working_hours_across_the_october_clock_change_are_right_to_the_minute(profile):
    # Friday 23 October 16:30 BST; the clocks go back at 02:00 on Sunday 25 October.
    # Half an hour on Friday, then two and a half on Monday from 08:00 GMT.
    due = due_after(profile, at(2026, 10, 23, 16, 30), 3, TimescaleUnit.WORKING_HOURS)

    assert due == datetime.datetime(2026, 10, 26, 10, 30, tzinfo=UTC)
    assert due.astimezone(at(2026, 1, 1).tzinfo).hour == 10  # 10:30 in London too


def test_a_report_acknowledged_within_a_working_hour_across_the_clock_change(school):
    with time_machine.travel(at(2026, 10, 23, 16, 45), tick=False):
        incident = file_report(school.organisation, school.reporter)

    # 15 minutes on Friday (BST), 45 on Monday (GMT): 08:45 London is 08:45 UTC.
    due = deadline_of(incident, TimescaleStep.ACKNOWLEDGE).due_at
    assert due == datetime.datetime(2026, 10, 26, 8, 45, tzinfo=UTC)


def test_working_hours_start_counting_at_the_next_opening(profile):
    saturday_night = at(2026, 11, 28, 22, 0)

    assert due_after(profile, saturday_night, 1, TimescaleUnit.WORKING_HOURS) == at(
        2026, 11, 30, 9, 0
    )


def test_the_72_hour_clock_ignores_weekends(profile):
    friday = at(2026, 11, 20, 16, 0)

    assert due_after(profile, friday, 72, TimescaleUnit.ELAPSED_HOURS) == at(2026, 11, 23, 16, 0)


def test_the_72_hour_clock_counts_real_hours_across_the_clock_change(profile):
    # 72 hours from Friday 16:00 BST is Monday 15:00 GMT: an hour was repeated on Sunday.
    due = due_after(profile, at(2026, 10, 23, 16, 0), 72, TimescaleUnit.ELAPSED_HOURS)

    assert due == at(2026, 10, 26, 15, 0)


def test_a_reported_ico_clock_runs_72_hours_from_friday_to_monday(school):
    with time_machine.travel(at(2026, 11, 20, 16, 0), tick=False):
        incident = file_report(school.organisation, school.reporter)

    assert deadline_of(incident, TimescaleStep.ICO_DECISION).due_at == at(2026, 11, 23, 16, 0)


def test_a_closure_day_is_skipped(school):
    ClosureDay.objects.create(
        organisation=school.organisation, date=datetime.date(2026, 11, 25), reason="INSET day"
    )
    with time_machine.travel(at(2026, 11, 24, 10, 0), tick=False):
        incident = file_report(school.organisation, school.reporter)

    # Tuesday's report: Wednesday is closed, so one working day ends on Thursday.
    assert deadline_of(incident, TimescaleStep.CLASSIFY).due_at == at(2026, 11, 26, 17, 0)


def test_a_trust_closure_day_applies_to_its_schools(trust):
    ClosureDay.objects.create(
        organisation=trust.organisation.trust, date=datetime.date(2026, 11, 25), reason="Snow"
    )
    with time_machine.travel(at(2026, 11, 24, 10, 0), tick=False):
        incident = file_report(trust.organisation, trust.reporter)

    assert deadline_of(incident, TimescaleStep.CLASSIFY).due_at == at(2026, 11, 26, 17, 0)


def test_no_working_days_at_all_is_refused_not_looped_forever(profile):
    profile.working_days = []

    with pytest.raises(ValueError, match="no working"):
        due_after(profile, at(2026, 11, 24, 10, 0), 1, TimescaleUnit.WORKING_DAYS)
