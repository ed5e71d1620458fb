"""Keeping the statistics summary in step with the incidents.

`refresh_statistics` recomputes one organisation-month from its incidents. The incident
services call `refresh_for_incident` in the transaction that changed a counted field
(a report, a classification, a state change, a referral acknowledged, the ICO decision),
so the dashboard reads a summary that is exactly as current as the incidents. An
incident's month never changes (it is the month it was reported), so one bucket is all a
change can move. `rebuild_statistics` recomputes every bucket: after bench data is loaded
in bulk, or after a restore.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidentdesk.deadlines.calendar import local_zone
from incidentdesk.deadlines.models import Deadline
from incidentdesk.incidents.models import OPEN_STATES, Incident, Kind, State
from incidentdesk.organisations.models import TimescaleStep

from .models import IncidentStatistic, PolicyBreachStatistic, StatisticBucket

# The policy says "immediately"; a report within a day of discovery is counted as meeting it.
REPORT_WITHIN_SECONDS = 24 * 3600
ICO_SECONDS = 72 * 3600
DEADLINE_STEPS = (
    TimescaleStep.CLASSIFY,
    TimescaleStep.DPO_REFERRAL,
    TimescaleStep.INVESTIGATION,
    TimescaleStep.OUTCOME_REVIEW,
)
SUM_FIELDS = (
    "incidents",
    "near_misses",
    "report_delay_count",
    "report_delay_seconds",
    "reported_within_day",
    "classified",
    "classify_seconds",
    "classified_on_time",
    "closed",
    "close_seconds",
    "dpo_referral_on_time",
    "ico_decided",
    "ico_decided_within_72h",
    "investigations_completed",
    "investigations_on_time",
    "closed_after_review",
    "reviewed_on_time",
)


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the month `moment` falls in, in the organisation's local time."""
    local = moment.astimezone(local_zone())
    return datetime.date(local.year, local.month, 1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = local_zone()
    start = datetime.datetime(month.year, month.month, 1, tzinfo=zone)
    following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    end = datetime.datetime(following.year, following.month, 1, tzinfo=zone)
    return start, end


def _seconds(start: datetime.datetime | None, end: datetime.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _on_time(deadline: dict[str, Any] | None) -> bool:
    return bool(
        deadline and deadline["met_at"] is not None and deadline["met_at"] <= deadline["due_at"]
    )


@transaction.atomic(savepoint=False)
def refresh_statistics(organisation_id: int, month: datetime.date) -> int:
    """Recomputes the summary rows of one organisation-month; returns the incidents counted.

    Reads the month's incidents through the (organisation, reported_at) index, so the cost
    is that of one organisation's month, whatever the size of the table.
    """
    month = month.replace(day=1)
    bucket = _lock_bucket(organisation_id, month)
    start, end = month_bounds(month)
    incidents = list(
        Incident.objects.filter(
            organisation_id=organisation_id, reported_at__gte=start, reported_at__lt=end
        ).values(
            "pk",
            "state",
            "kind",
            "reported_kind",
            "category",
            "severity",
            "severity_rank",
            "is_serious",
            "personal_data",
            "reported_at",
            "report_delay_seconds",
            "classified_at",
            "closed_at",
            "ico_assessment__decided_at",
            "ico_assessment__became_aware_at",
        )
    )
    deadlines: dict[tuple[int, str], dict[str, Any]] = {}
    policies: dict[str, int] = defaultdict(int)
    if incidents:
        # Joined on the same index rather than a list of ids, which could pass the
        # database's limit on parameters in a busy month.
        in_month = {
            "incident__organisation_id": organisation_id,
            "incident__reported_at__gte": start,
            "incident__reported_at__lt": end,
        }
        for row in Deadline.objects.filter(
            step__in=DEADLINE_STEPS, action__isnull=True, **in_month
        ).values("incident_id", "step", "due_at", "met_at"):
            deadlines[(row["incident_id"], row["step"])] = row
        through = Incident.policies_breached.through
        for name in through.objects.filter(**in_month).values_list(
            "informationpolicy__name", flat=True
        ):
            policies[name] += 1

    rows: dict[tuple, IncidentStatistic] = {}
    for inc in incidents:
        key = (
            inc["kind"],
            inc["category"],
            inc["severity"],
            inc["state"],
            inc["personal_data"],
            inc["is_serious"],
        )
        row = rows.get(key)
        if row is None:
            row = rows[key] = IncidentStatistic(
                organisation_id=organisation_id,
                month=month,
                kind=inc["kind"],
                category=inc["category"],
                severity=inc["severity"],
                severity_rank=inc["severity_rank"],
                state=inc["state"],
                personal_data=inc["personal_data"],
                is_open=inc["state"] in OPEN_STATES,
                is_serious=inc["is_serious"],
            )
        row.incidents += 1
        if (inc["kind"] or inc["reported_kind"]) == Kind.NEAR_MISS:
            row.near_misses += 1
        if inc["report_delay_seconds"] is not None:
            row.report_delay_count += 1
            row.report_delay_seconds += inc["report_delay_seconds"]
            if inc["report_delay_seconds"] <= REPORT_WITHIN_SECONDS:
                row.reported_within_day += 1
        classify = _seconds(inc["reported_at"], inc["classified_at"])
        if classify is not None:
            row.classified += 1
            row.classify_seconds += classify
            if _on_time(deadlines.get((inc["pk"], TimescaleStep.CLASSIFY))):
                row.classified_on_time += 1
        close = _seconds(inc["reported_at"], inc["closed_at"])
        if close is not None and inc["state"] in {State.CLOSED, State.NOT_AN_INCIDENT}:
            row.closed += 1
            row.close_seconds += close
        if inc["is_serious"] and _on_time(deadlines.get((inc["pk"], TimescaleStep.DPO_REFERRAL))):
            row.dpo_referral_on_time += 1
        decided = inc["ico_assessment__decided_at"]
        if decided is not None:
            row.ico_decided += 1
            aware = inc["ico_assessment__became_aware_at"] or inc["reported_at"]
            if (decided - aware).total_seconds() <= ICO_SECONDS:
                row.ico_decided_within_72h += 1
        investigation = deadlines.get((inc["pk"], TimescaleStep.INVESTIGATION))
        if investigation and investigation["met_at"] is not None:
            row.investigations_completed += 1
            if _on_time(investigation):
                row.investigations_on_time += 1
        review = deadlines.get((inc["pk"], TimescaleStep.OUTCOME_REVIEW))
        if inc["state"] == State.CLOSED and review and review["met_at"] is not None:
            row.closed_after_review += 1
            if _on_time(review):
                row.reviewed_on_time += 1

    IncidentStatistic.objects.filter(organisation_id=organisation_id, month=month).delete()
    PolicyBreachStatistic.objects.filter(organisation_id=organisation_id, month=month).delete()
    IncidentStatistic.objects.bulk_create(rows.values())
    PolicyBreachStatistic.objects.bulk_create(
        PolicyBreachStatistic(
            organisation_id=organisation_id, month=month, policy=name, incidents=count
        )
        for name, count in policies.items()
    )
    bucket.refreshed_at = timezone.now()
    bucket.save(update_fields=["refreshed_at"])
    return len(incidents)


def _lock_bucket(organisation_id: int, month: datetime.date) -> StatisticBucket:
    """Locks the organisation-month's row to the end of the transaction: a concurrent change
    of the same month waits, then reads this one's committed incidents too. (On SQLite,
    transactions are IMMEDIATE: writers take turns anyway.) One query once the row exists."""
    locked = StatisticBucket.objects.select_for_update()
    bucket = locked.filter(organisation_id=organisation_id, month=month).first()
    if bucket is None:
        StatisticBucket.objects.bulk_create(
            [StatisticBucket(organisation_id=organisation_id, month=month)], ignore_conflicts=True
        )
        bucket = locked.get(organisation_id=organisation_id, month=month)
    return bucket


# No savepoint when called inside the report's transaction: queries are the report's cost.
@transaction.atomic(savepoint=False)
def count_new_incident(incident: Incident) -> None:
    """Adds a report just made to its month's summary without recounting the month: a new
    report is unclassified, open and has no decisions yet, so it moves only these counts.
    Keeps a burst of reports after a school-wide event cheap."""
    month = month_of(incident.reported_at)
    _lock_bucket(incident.organisation_id, month)
    delay = incident.report_delay_seconds
    key = {
        "organisation_id": incident.organisation_id,
        "month": month,
        "kind": incident.kind,
        "category": incident.category,
        "severity": incident.severity,
        "state": incident.state,
        "personal_data": incident.personal_data,
        "is_serious": incident.is_serious,
    }
    increments = {
        "incidents": 1,
        "near_misses": int((incident.kind or incident.reported_kind) == Kind.NEAR_MISS),
        "report_delay_count": int(delay is not None),
        "report_delay_seconds": delay or 0,
        "reported_within_day": int(delay is not None and delay <= REPORT_WITHIN_SECONDS),
    }
    updated = IncidentStatistic.objects.filter(**key).update(
        **{name: F(name) + value for name, value in increments.items()}
    )
    if not updated:
        IncidentStatistic.objects.create(
            **key,
            severity_rank=incident.severity_rank,
            is_open=incident.state in OPEN_STATES,
            **increments,
        )


def refresh_for_incident(incident: Incident, *, created: bool = False) -> None:
    """Brings the summary in step after `incident` changed. Call inside the same transaction.

    `created=True` (from `incident_create` only): a new report, counted without a recount.
    """
    if created and incident.state == State.REPORTED and not incident.classified_at:
        count_new_incident(incident)
        return
    refresh_statistics(incident.organisation_id, month_of(incident.reported_at))


def buckets_with_incidents(
    organisation_ids: Iterable[int] | None = None,
) -> list[tuple[int, datetime.date]]:
    """Every organisation-month that holds incidents (one pass over the reporting index)."""
    qs = Incident.objects.all()
    if organisation_ids is not None:
        qs = qs.filter(organisation_id__in=list(organisation_ids))
    seen: set[tuple[int, datetime.date]] = set()
    for org_id, reported_at in qs.values_list("organisation_id", "reported_at").iterator(
        chunk_size=10_000
    ):
        seen.add((org_id, month_of(reported_at)))
    return sorted(seen)


def rebuild_statistics(organisation_ids: Iterable[int] | None = None) -> int:
    """Recomputes every bucket (or those of `organisation_ids`), each in its own short
    transaction so the web stays responsive; removes buckets whose incidents are gone.
    Safe to run while the app serves: a bucket locked by a change waits for it. Returns
    the number of buckets."""
    wanted = buckets_with_incidents(organisation_ids)
    for organisation_id, month in wanted:
        refresh_statistics(organisation_id, month)
    stale = StatisticBucket.objects.all()
    if organisation_ids is not None:
        stale = stale.filter(organisation_id__in=list(organisation_ids))
    keep = set(wanted)
    for bucket in stale.only("organisation_id", "month"):
        if (bucket.organisation_id, bucket.month) not in keep:
            refresh_statistics(bucket.organisation_id, bucket.month)
    return len(wanted)
