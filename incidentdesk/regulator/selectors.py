"""Reads for the ICO decision: the 72-hour clock and who may see it."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.selectors import incident_for_user

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
