"""Reads for the ICO decision: the 72-hour clock and who may see it."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from incidentdesk.deadlines.calendar import local_zone
from incidentdesk.deadlines.models import Deadline
from incidentdesk.incidents import rules as incident_rules
from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.selectors import incident_for_user, incidents_visible_to
from incidentdesk.organisations.models import Duty, TimescaleStep

from . import rules
from .models import DataSubjectDecision, IcoAssessment, IcoSubmission, PeopleTold

# Statutory (Art 33(1)): 72 elapsed hours, not working hours, and not a profile setting.
ICO_HOURS = 72


def assessment_of(incident: Incident) -> IcoAssessment | None:
    return IcoAssessment.objects.filter(incident=incident).select_related("decided_by").first()


def became_aware_at(
    incident: Incident, assessment: IcoAssessment | None = None
) -> datetime.datetime:
    """When the clock started: the moment set by the incident manager, else the report's time."""
    if assessment is not None and assessment.became_aware_at is not None:
        return assessment.became_aware_at
    return incident.reported_at


@dataclass(frozen=True)
class IcoClock:
    became_aware_at: datetime.datetime
    due_at: datetime.datetime
    hours_remaining: int  # whole hours left, rounded down; negative once overdue
    overdue: bool
    decided: bool


def ico_clock(incident: Incident, now: datetime.datetime) -> IcoClock:
    """The 72-hour ICO decision clock of `incident` as it stands at `now`."""
    assessment = assessment_of(incident)
    start = became_aware_at(incident, assessment)
    due = start + datetime.timedelta(hours=ICO_HOURS)
    seconds = (due - now).total_seconds()
    return IcoClock(
        became_aware_at=start,
        due_at=due,
        hours_remaining=math.floor(seconds / 3600),
        overdue=seconds < 0,
        decided=assessment is not None and assessment.decided_at is not None,
    )


def incident_for_ico(*, person: rules.incident_rules.Someone, reference: str) -> Incident:
    """The incident, for the ICO page: 404 for those who may not see the incident at all,
    403 for those who may see it but not its ICO decision."""
    incident = incident_for_user(person=person, reference=reference)
    if not rules.may_see_ico(person, incident):
        raise PermissionDenied("Only the incident manager and the DPO see the ICO decision.")
    return incident


def submissions_of(incident: Incident) -> list[IcoSubmission]:
    return list(IcoSubmission.objects.filter(incident=incident))


def latest_data_subject_decision(incident: Incident) -> DataSubjectDecision | None:
    return (
        DataSubjectDecision.objects.filter(incident=incident).order_by("-decided_at", "-pk").first()
    )


def people_told_of(incident: Incident) -> list[PeopleTold]:
    return list(PeopleTold.objects.filter(incident=incident))


# --- The ICO countdown on the incident page and the home page -------------------------------


@dataclass(frozen=True)
class IcoCountdown:
    """How long is left (or how late it is) of the 72 hours, in words, for one incident."""

    incident: Incident
    due_at: datetime.datetime  # UTC
    overdue: bool
    words: str  # "ICO decision due in 31 hours, by 10:15am on Friday 27 November"


def _clock_words(moment: datetime.datetime) -> str:
    # GOV.UK style: "9:05am", "3pm", "midday", "midnight".
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{moment.hour % 12 or 12}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def _hours_words(hours: int) -> str:
    if hours < 1:
        return "less than an hour"
    if hours == 1:
        return "1 hour"
    return f"{hours} hours"


def countdown_words(due_at: datetime.datetime, now: datetime.datetime) -> tuple[bool, str]:
    """(overdue, words) of a decision due at `due_at`, as it stands at `now`.

    Whole hours, rounded down (31 hours and 50 minutes left is "31 hours": never promise
    more time than there is); late, the hours are rounded down too ("overdue by 5 hours"
    from 5 hours to just under 6). The due time is written in UK time, with the year only
    when it is not this year's.
    """
    zone = local_zone()
    local = due_at.astimezone(zone)
    seconds = (due_at - now).total_seconds()
    if seconds < 0:
        return True, f"ICO decision overdue by {_hours_words(math.floor(-seconds / 3600))}"
    day = f"{local:%A} {local.day} {local:%B}"
    if local.year != now.astimezone(zone).year:
        day += f" {local.year}"
    hours = _hours_words(math.floor(seconds / 3600))
    return False, f"ICO decision due in {hours}, by {_clock_words(local)} on {day}"


def _countdown(deadline: Deadline, now: datetime.datetime) -> IcoCountdown:
    overdue, words = countdown_words(deadline.due_at, now)
    return IcoCountdown(
        incident=deadline.incident, due_at=deadline.due_at, overdue=overdue, words=words
    )


def _open_ico_deadlines() -> QuerySet[Deadline]:
    # The ICO decision's deadline row runs from "became aware" (set_became_aware moves it)
    # and is met when the decision is recorded: open means the decision is still to make.
    return Deadline.objects.filter(
        step=TimescaleStep.ICO_DECISION,
        action__isnull=True,
        met_at__isnull=True,
        withdrawn_at__isnull=True,
    )


def ico_countdown_for(
    person: incident_rules.Someone, incident: Incident, now: datetime.datetime
) -> IcoCountdown | None:
    """The countdown of one incident, for its page: None when the decision is made, or the
    person may not see the ICO decision (`rules.may_see_ico`)."""
    if not rules.may_see_ico(person, incident):
        return None
    deadline = _open_ico_deadlines().filter(incident=incident).first()
    if deadline is None:
        return None
    deadline.incident = incident
    return _countdown(deadline, now)


def ico_countdowns_for(
    person: incident_rules.Someone, now: datetime.datetime
) -> list[IcoCountdown]:
    """Every incident whose ICO decision `person` may see and is still to be made, the
    soonest due first, for the home page: one query however many incidents there are.

    `rules.may_see_ico` in SQL: the incidents the person may view, of the organisations
    (or trusts) where they act as incident manager or DPO.
    """
    if not incident_rules.is_signed_in(person):
        return []
    acting = (
        incident_rules.acting_duty_holders(person)  # type: ignore[arg-type]  # signed in
        .filter(duty__in=[Duty.INCIDENT_MANAGER, Duty.DPO])
        .values("organisation_id")
    )
    incidents = incidents_visible_to(person).filter(
        Q(organisation_id__in=acting) | Q(organisation__trust_id__in=acting)
    )
    deadlines = (
        _open_ico_deadlines()
        .filter(incident__in=incidents)
        .select_related("incident")
        .order_by("due_at", "pk")
    )
    return [_countdown(d, now) for d in deadlines]
