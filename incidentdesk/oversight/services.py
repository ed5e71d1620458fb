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
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
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


# What the statistics read of an incident, when one incident or all are counted again.
INCIDENT_FACTS = (
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


# The breakdowns the month's figures keep besides the sums (see `StatisticBucket.figures`).
BREAKDOWNS = ("kind", "category", "personal_data")


def empty_figures() -> dict[str, Any]:
    figures: dict[str, Any] = dict.fromkeys(SUM_FIELDS, 0)
    figures.update(open=0, serious=0, severity={}, policy={})
    figures.update({name: {} for name in BREAKDOWNS})
    return figures


def severity_key(rank: int | None, severity: str) -> str:
    """The severity breakdown's key: its rank orders the rows, its key names them."""
    return f"{'' if rank is None else rank}:{severity}"


def add_to_figures(figures: dict[str, Any], row: IncidentStatistic) -> None:
    """Adds one summary row (saved or not) to an organisation-month's figures."""
    n = row.incidents
    if not n:
        return
    for name in SUM_FIELDS:
        figures[name] += getattr(row, name)
    if row.is_open:
        figures["open"] += n
    if row.is_serious:
        figures["serious"] += n
    for name in BREAKDOWNS:
        counts = figures[name]
        value = getattr(row, name)
        counts[value] = counts.get(value, 0) + n
    counts = figures["severity"]
    key = severity_key(row.severity_rank, row.severity)
    counts[key] = counts.get(key, 0) + n


def figures_of(rows: Iterable[IncidentStatistic], policies: dict[str, int]) -> dict[str, Any]:
    """An organisation-month's figures from its summary rows and policy counts: what the
    upkeep and the rebuild both write, so the two cannot differ."""
    figures = empty_figures()
    for row in rows:
        add_to_figures(figures, row)
    figures["policy"] = {name: n for name, n in sorted(policies.items()) if n}
    return figures


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
        ).values("pk", *INCIDENT_FACTS)
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
    bucket.figures = figures_of(rows.values(), policies)
    bucket.save(update_fields=["refreshed_at", "figures"])
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
    # Waits for a recount of the same month (see `_lock_bucket`); on SQLite, whose
    # transactions are IMMEDIATE, a plain read of the row whose figures are added to.
    bucket = _lock_bucket(incident.organisation_id, month)
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
    added = IncidentStatistic(
        **key,
        severity_rank=incident.severity_rank,
        is_open=incident.state in OPEN_STATES,
        **increments,
    )
    updated = IncidentStatistic.objects.filter(**key).update(
        **{name: F(name) + value for name, value in increments.items()}
    )
    if not updated:
        added.save(force_insert=True)
    figures = bucket.figures or empty_figures()
    add_to_figures(figures, added)
    StatisticBucket.objects.filter(pk=bucket.pk).update(figures=figures)


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
    """Recomputes every bucket (or those of `organisation_ids`) from the incidents, and
    empties buckets whose incidents are gone. Returns the number of buckets with incidents.

    Set-based, for a million incidents: three ordered reads (incidents with their ICO
    decision, the deadlines counted, the policies breached) merged by incident id, the
    rows summed in memory (a few per organisation-month), then written in bulk. It runs
    in one transaction that first locks the scope's bucket rows, so a change that
    refreshes a bucket meanwhile waits and refreshes it again after (on SQLite, writers
    take turns anyway); the web's other writes go on. Gives exactly what
    `refresh_statistics` gives bucket by bucket (tests/oversight/test_statistics.py)."""
    orgs = sorted(set(organisation_ids)) if organisation_ids is not None else None
    with transaction.atomic():
        locked = StatisticBucket.objects.select_for_update()
        if orgs is not None:
            locked = locked.filter(organisation_id__in=orgs)
        existing = {
            (org_id, month): pk
            for pk, org_id, month in locked.values_list("pk", "organisation_id", "month")
        }
        rows, policies = _recount(orgs)
        wanted = {(key[0], key[1]) for key in rows}
        scope: dict[str, Any] = {} if orgs is None else {"organisation_id__in": orgs}
        IncidentStatistic.objects.filter(**scope).delete()
        PolicyBreachStatistic.objects.filter(**scope).delete()
        IncidentStatistic.objects.bulk_create(rows.values(), batch_size=1000)
        PolicyBreachStatistic.objects.bulk_create(
            (
                PolicyBreachStatistic(
                    organisation_id=org_id, month=month, policy=name, incidents=count
                )
                for (org_id, month, name), count in policies.items()
            ),
            batch_size=1000,
        )
        now = timezone.now()
        of_bucket: dict[tuple[int, datetime.date], list[IncidentStatistic]] = defaultdict(list)
        for key, row in rows.items():
            of_bucket[(key[0], key[1])].append(row)
        policies_of: dict[tuple[int, datetime.date], dict[str, int]] = defaultdict(dict)
        for (org_id, month, name), count in policies.items():
            policies_of[(org_id, month)][name] = count

        def figures(bucket: tuple[int, datetime.date]) -> dict[str, Any]:
            return figures_of(of_bucket.get(bucket, ()), policies_of.get(bucket, {}))

        StatisticBucket.objects.bulk_create(
            (
                StatisticBucket(
                    organisation_id=org_id,
                    month=month,
                    refreshed_at=now,
                    figures=figures((org_id, month)),
                )
                for org_id, month in sorted(wanted - existing.keys())
            ),
            batch_size=1000,
            ignore_conflicts=True,
        )
        # Buckets that were there: their figures again, or none if their incidents are gone.
        StatisticBucket.objects.bulk_update(
            (
                StatisticBucket(pk=pk, refreshed_at=now, figures=figures(bucket))
                for bucket, pk in existing.items()
            ),
            ["refreshed_at", "figures"],
            batch_size=500,
        )
    return len(wanted)


def _grouped(rows: Iterable[tuple], key: int) -> Iterator[tuple[Any, list[tuple]]]:
    """(incident id, its rows) from rows ordered by that id."""
    for incident_id, group in groupby(rows, key=itemgetter(key)):
        yield incident_id, list(group)


def _recount(
    orgs: list[int] | None,
) -> tuple[dict[tuple, IncidentStatistic], dict[tuple[int, datetime.date, str], int]]:
    """The summary rows of every organisation-month in scope, summed as
    `refresh_statistics` sums one month (keep the two in step)."""
    incidents = Incident.objects.order_by("pk")
    deadlines = Deadline.objects.filter(
        step__in=DEADLINE_STEPS, action__isnull=True, incident__isnull=False
    ).order_by("incident_id")
    through = Incident.policies_breached.through
    breaches = through.objects.order_by("incident_id")
    if orgs is not None:
        incidents = incidents.filter(organisation_id__in=orgs)
        deadlines = deadlines.filter(incident__organisation_id__in=orgs)
        breaches = breaches.filter(incident__organisation_id__in=orgs)
    chunk = 20_000
    deadline_groups = _grouped(
        deadlines.values_list("incident_id", "step", "due_at", "met_at").iterator(chunk), 0
    )
    breach_groups = _grouped(
        breaches.values_list("incident_id", "informationpolicy__name").iterator(chunk), 0
    )
    next_deadlines = next(deadline_groups, None)
    next_breaches = next(breach_groups, None)

    rows: dict[tuple, IncidentStatistic] = {}
    policies: dict[tuple[int, datetime.date, str], int] = defaultdict(int)
    zone = local_zone()
    for (
        pk,
        organisation_id,
        state,
        kind,
        reported_kind,
        category,
        severity,
        severity_rank,
        is_serious,
        personal_data,
        reported_at,
        report_delay_seconds,
        classified_at,
        closed_at,
        decided,
        became_aware_at,
    ) in incidents.values_list("pk", "organisation_id", *INCIDENT_FACTS).iterator(chunk):
        local = reported_at.astimezone(zone)
        month = datetime.date(local.year, local.month, 1)
        deadlines_of: dict[str, dict[str, Any]] = {}
        while next_deadlines is not None and next_deadlines[0] <= pk:
            if next_deadlines[0] == pk:
                for _, step, due_at, met_at in next_deadlines[1]:
                    deadlines_of[step] = {"due_at": due_at, "met_at": met_at}
            next_deadlines = next(deadline_groups, None)
        while next_breaches is not None and next_breaches[0] <= pk:
            if next_breaches[0] == pk:
                for _, name in next_breaches[1]:
                    policies[(organisation_id, month, name)] += 1
            next_breaches = next(breach_groups, None)

        key = (organisation_id, month, kind, category, severity, state, personal_data, is_serious)
        row = rows.get(key)
        if row is None:
            row = rows[key] = IncidentStatistic(
                organisation_id=organisation_id,
                month=month,
                kind=kind,
                category=category,
                severity=severity,
                severity_rank=severity_rank,
                state=state,
                personal_data=personal_data,
                is_open=state in OPEN_STATES,
                is_serious=is_serious,
            )
        row.incidents += 1
        if (kind or reported_kind) == Kind.NEAR_MISS:
            row.near_misses += 1
        if report_delay_seconds is not None:
            row.report_delay_count += 1
            row.report_delay_seconds += report_delay_seconds
            if report_delay_seconds <= REPORT_WITHIN_SECONDS:
                row.reported_within_day += 1
        classify = _seconds(reported_at, classified_at)
        if classify is not None:
            row.classified += 1
            row.classify_seconds += classify
            if _on_time(deadlines_of.get(TimescaleStep.CLASSIFY)):
                row.classified_on_time += 1
        close = _seconds(reported_at, closed_at)
        if close is not None and state in {State.CLOSED, State.NOT_AN_INCIDENT}:
            row.closed += 1
            row.close_seconds += close
        if is_serious and _on_time(deadlines_of.get(TimescaleStep.DPO_REFERRAL)):
            row.dpo_referral_on_time += 1
        if decided is not None:
            row.ico_decided += 1
            aware = became_aware_at or reported_at
            if (decided - aware).total_seconds() <= ICO_SECONDS:
                row.ico_decided_within_72h += 1
        investigation = deadlines_of.get(TimescaleStep.INVESTIGATION)
        if investigation and investigation["met_at"] is not None:
            row.investigations_completed += 1
            if _on_time(investigation):
                row.investigations_on_time += 1
        review = deadlines_of.get(TimescaleStep.OUTCOME_REVIEW)
        if state == State.CLOSED and review and review["met_at"] is not None:
            row.closed_after_review += 1
            if _on_time(review):
                row.reviewed_on_time += 1
    return rows, policies
