"""Working time: the profile's working hours and weekdays, bank holidays, closure days.

Every calculation is done in the organisation's local time (Europe/London by default) and
returned as an aware datetime, so a deadline across a clock change is right to the minute.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from incidentdesk.organisations.models import PolicyProfile


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@lru_cache(maxsize=64)
def _bank_holidays(region: str, year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.UK(subdiv=region, years=year).keys())


def is_bank_holiday(profile: PolicyProfile, day: datetime.date) -> bool:
    return day in _bank_holidays(profile.bank_holiday_region, day.year)


def is_working_day(
    profile: PolicyProfile, day: datetime.date, closures: Iterable[datetime.date] = ()
) -> bool:
    return (
        day.weekday() in profile.working_days
        and not is_bank_holiday(profile, day)
        and day not in set(closures)
    )


def is_working_time(
    profile: PolicyProfile, moment: datetime.datetime, closures: Iterable[datetime.date] = ()
) -> bool:
    """Whether `moment` falls in the profile's working hours on a working day."""
    local = moment.astimezone(local_zone())
    if not is_working_day(profile, local.date(), closures):
        return False
    return profile.working_day_starts <= local.time() < profile.working_day_ends
