import datetime
from zoneinfo import ZoneInfo

import pytest

from incidentdesk.deadlines.calendar import is_working_time
from incidentdesk.organisations.models import PolicyProfile

LONDON = ZoneInfo("Europe/London")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def profile() -> PolicyProfile:
    # Not saved: working time needs only the profile's fields.
    return PolicyProfile(
        working_day_starts=datetime.time(8, 0),
        working_day_ends=datetime.time(17, 0),
        working_days=[0, 1, 2, 3, 4],
        bank_holiday_region="ENG",
    )


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 11, 25, 10, 0), True),  # Wednesday morning
        (at(2026, 11, 25, 7, 59), False),  # before the day starts
        (at(2026, 11, 25, 17, 0), False),  # the day has ended
        (at(2026, 11, 25, 19, 30), False),  # weekday evening
        (at(2026, 11, 28, 11, 0), False),  # Saturday
        (at(2026, 8, 31, 11, 0), False),  # late summer bank holiday (England)
        (at(2026, 12, 28, 11, 0), False),  # Boxing Day, observed on the Monday
    ],
)
def test_working_time_follows_hours_weekdays_and_bank_holidays(profile, moment, expected):
    assert is_working_time(profile, moment) is expected


def test_working_time_is_judged_in_london_time_across_the_clock_change(profile):
    # 07:30 UTC on a summer weekday is 08:30 in London: working time.
    summer = datetime.datetime(2026, 7, 1, 7, 30, tzinfo=datetime.UTC)
    # 07:30 UTC in winter is 07:30 in London: not yet.
    winter = datetime.datetime(2026, 11, 25, 7, 30, tzinfo=datetime.UTC)

    assert is_working_time(profile, summer)
    assert not is_working_time(profile, winter)


def test_scottish_bank_holidays_differ(profile):
    second_of_january = at(2026, 1, 2, 11, 0)
    assert is_working_time(profile, second_of_january)

    profile.bank_holiday_region = "SCT"

    assert not is_working_time(profile, second_of_january)


def test_a_closure_day_is_not_working_time(profile):
    inset_day = datetime.date(2026, 11, 25)

    assert not is_working_time(profile, at(2026, 11, 25, 10, 0), closures=[inset_day])
