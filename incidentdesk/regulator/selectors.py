"""Reads for the ICO decision: the 72-hour clock and who may see it."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet

from incidentdesk.deadlines.calendar import local_zone
from incidentdesk.deadlines.models import Deadline
from incidentdesk.incidents import rules as incident_rules
from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.selectors import incident_for_user, incidents_visible_to
from incidentdesk.organisations.models import Duty, Organisation, TimescaleStep

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


def ico_countdown_among(
    person: incident_rules.Someone,
    incident: Incident,
    open_deadlines: list[Deadline],
    now: datetime.datetime,
) -> IcoCountdown | None:
    """As `ico_countdown_for`, from the incident's open deadlines the page has already read
    (`deadlines.selectors.open_deadlines_for`): no query of its own."""
    if not rules.may_see_ico(person, incident):
        return None
    deadline = next(
        (
            d
            for d in open_deadlines
            if d.step == TimescaleStep.ICO_DECISION
            and d.action_id is None
            and d.met_at is None
            and d.withdrawn_at is None
        ),
        None,
    )
    if deadline is None:
        return None
    deadline.incident = incident
    return _countdown(deadline, now)


# The home page lists the soonest due (the most overdue first); the rest are on the
# incidents' pages and "Due and overdue". A bounded list: one index range scan.
HOME_COUNTDOWNS = 10


def ico_countdowns_for(
    person: incident_rules.Someone, now: datetime.datetime, *, limit: int = HOME_COUNTDOWNS
) -> list[IcoCountdown]:
    """The incidents whose ICO decision `person` may see and is still to be made, the
    soonest due first, at most `limit`, for the home page: one query however many
    incidents there are, none for someone who is no incident manager or DPO.

    `rules.may_see_ico` in SQL: the incident manager of the organisation (or its trust)
    sees each; the DPO those of the organisation (or trust) they may also view. The open
    deadlines are found by their organisation (the deadline_org_step_open_due index),
    never by a scan of the incidents.
    """
    if not incident_rules.is_signed_in(person):
        return []
    acting = incident_rules.acting_duties(person)
    managed = [org for org, duty in acting if duty == Duty.INCIDENT_MANAGER]
    advised = [org for org, duty in acting if duty == Duty.DPO]
    if not managed and not advised:
        return []

    def covered(ids: list[int]) -> QuerySet[Organisation]:
        # The organisations themselves, and a trust's schools.
        return Organisation.objects.filter(Q(pk__in=ids) | Q(trust_id__in=ids)).values("pk")

    # Not `_open_ico_deadlines()`: its "action_id IS NULL" leads SQLite to the action
    # index (every incident deadline has none); an ICO decision is never an action's.
    deadlines = Deadline.objects.filter(
        step=TimescaleStep.ICO_DECISION, met_at__isnull=True, withdrawn_at__isnull=True
    ).filter(organisation_id__in=covered(managed + advised))
    if set(advised) - set(managed):
        # A DPO sees the countdown of the incidents they may view: `incidents_visible_to`,
        # asked only of the candidate rows (and only built for a DPO: it is costly to build).
        visible = incidents_visible_to(person).filter(pk=OuterRef("incident_id"))
        deadlines = deadlines.filter(Q(organisation_id__in=covered(managed)) | Q(Exists(visible)))
    deadlines = (
        deadlines.select_related("incident")
        .only("due_at", "incident__reference")
        .order_by("due_at", "pk")
    )[:limit]
    return [_countdown(d, now) for d in deadlines]
