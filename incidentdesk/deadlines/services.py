"""Deadlines: computing due times, keeping an incident's deadlines in step with its state,
and the worker's reminders and escalations.

Every time here is stored in UTC and every calendar rule is applied in local time
(Europe/London): arithmetic on a local aware datetime would move by wall-clock hours and
be an hour out across a clock change, so sums are always done on UTC datetimes.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from incidentdesk.deadlines.calendar import is_working_day, local_zone
from incidentdesk.incidents.models import Incident, InvolvementRole, State
from incidentdesk.investigations.models import Action, ActionStatus
from incidentdesk.notifications.services import Notice, notify, notify_many
from incidentdesk.organisations.models import (
    Duty,
    Organisation,
    Person,
    PolicyProfile,
    Timescale,
    TimescaleStep,
    TimescaleUnit,
)
from incidentdesk.organisations.selectors import DutyHoldersOf, duty_holders_for
from incidentdesk.regulator.models import DataSubjectDecision, PeopleTold

from .models import ACTION_STEP, GOVERNANCE_STEPS, Deadline, DeadlineEvent, EventKind

log = logging.getLogger("incidentdesk.deadlines")

UTC = datetime.UTC
# Far enough for any real timescale; stops a profile with no working days looping forever.
MAX_CALENDAR_DAYS = 3 * 366
# The statutory 72 hours, used even where a profile has lost its ICO timescale row.
ICO_HOURS = 72
# Reminders for the ICO decision: hours after the clock starts, fixed whatever the profile.
ICO_REMINDER_HOURS = (24, 48, 60, 68)
# Below this interval one reminder an hour before is enough; above it, at 50% and 90%.
SHORT_INTERVAL = datetime.timedelta(hours=4)
# After the due time, one level up the chain per interval.
ESCALATION_INTERVAL = datetime.timedelta(hours=24)
# A policy review or an exception's expiry: reminders four weeks and one week before.
GOVERNANCE_REMINDER_DAYS = (28, 7)
# investigator → incident manager → SIRO → chair of governors: at most three levels up.
MAX_ESCALATION_LEVELS = 3
CLAIM_FOR = datetime.timedelta(minutes=5)
# Due deadlines claimed and handled per transaction: a pass loops until none is due. Short
# enough that SQLite's one writer is held for a fraction of a second.
BATCH = 500

STEP_LABELS: dict[str, str] = {**dict(TimescaleStep.choices), ACTION_STEP: "Complete the action"}
# "Without undue delay" (Art 34) has no number: a profile that writes it as "immediately",
# or has no row for it, gets this many working days to tell the people affected. An
# immediate deadline would be overdue, and escalated, the moment the decision is saved.
TELL_PEOPLE_DEFAULT = (3, TimescaleUnit.WORKING_DAYS)


def round_step(base: str, round_number: int) -> str:
    """The step of the `round_number`th round of a step that can happen again: a resubmitted
    outcome report is reviewed again, as a new deadline row with reminders of its own."""
    return base if round_number <= 1 else f"{base}_{round_number}"


def step_round(step: str) -> tuple[str, int]:
    """`round_step` undone: ("outcome_review", 2) for "outcome_review_2"."""
    head, _, tail = step.rpartition("_")
    if head and tail.isdigit():
        return head, int(tail)
    return step, 1


def step_label(step: str) -> str:
    """What the step asks, in words, as the pages, notices and the API write it."""
    base, round_number = step_round(step)
    label = STEP_LABELS.get(base, base)
    if round_number > 1:
        label = f"{label} (resubmitted, round {round_number})"
    return label


# --- Due times ----------------------------------------------------------------------------


def due_after(
    profile: PolicyProfile,
    start: datetime.datetime,
    amount: int,
    unit: str,
    closures: Iterable[datetime.date] = (),
) -> datetime.datetime:
    """The due time (UTC) of a timescale of `amount` `unit`s that starts at `start`.

    - immediately: `start`.
    - elapsed hours: real hours, nights, weekends and clock changes included (72 hours
      from Friday 16:00 is Monday 16:00, or 15:00 when the clocks went back in between).
    - working hours: only the profile's working hours on working days count (weekdays,
      less the region's bank holidays and the organisation's closure days). A start out of
      hours counts from the next opening.
    - working days: due at the end of the working day (`working_day_ends`) of the Nth
      working day after the day the clock starts; the starting day never counts, even when
      the start is early in it. So "1 working day" from Friday 15:00 before a bank holiday
      Monday is Tuesday at close. The end of the day was chosen over "the same time of
      day" because it is what people mean by "within a day" and it is the same whether the
      report came in at 08:05 or at 22:00.
    """
    start = start.astimezone(UTC)
    closed = frozenset(closures)
    if unit == TimescaleUnit.IMMEDIATELY:
        return start
    if unit == TimescaleUnit.ELAPSED_HOURS:
        return start + datetime.timedelta(hours=amount)
    if unit == TimescaleUnit.WORKING_HOURS:
        return _add_working_hours(profile, start, datetime.timedelta(hours=amount), closed)
    if unit == TimescaleUnit.WORKING_DAYS:
        return _add_working_days(profile, start, amount, closed)
    raise ValueError(f"Unknown timescale unit {unit!r}")


def _local_moment(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=local_zone()).astimezone(UTC)


def _add_working_hours(
    profile: PolicyProfile,
    start: datetime.datetime,
    remaining: datetime.timedelta,
    closures: frozenset[datetime.date],
) -> datetime.datetime:
    day = start.astimezone(local_zone()).date()
    for _ in range(MAX_CALENDAR_DAYS):
        if is_working_day(profile, day, closures):
            opens = _local_moment(day, profile.working_day_starts)
            closes = _local_moment(day, profile.working_day_ends)
            begin = max(start, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += datetime.timedelta(days=1)
    raise ValueError("The profile has no working time to count in")


def _add_working_days(
    profile: PolicyProfile, start: datetime.datetime, days: int, closures: frozenset[datetime.date]
) -> datetime.datetime:
    day = start.astimezone(local_zone()).date()
    if days == 0:
        # "Within the working day": the end of today's if it is still open, else the next.
        for _ in range(MAX_CALENDAR_DAYS):
            closes = _local_moment(day, profile.working_day_ends)
            if is_working_day(profile, day, closures) and start < closes:
                return closes
            day += datetime.timedelta(days=1)
    counted = 0
    for _ in range(MAX_CALENDAR_DAYS):
        day += datetime.timedelta(days=1)
        if is_working_day(profile, day, closures):
            counted += 1
            if counted >= days:
                return _local_moment(day, profile.working_day_ends)
    raise ValueError("The profile has no working days to count in")


def closures_for(organisation: Organisation) -> frozenset[datetime.date]:
    """The closure days of the organisation and of its trust.

    Kept on the organisation objects like a prefetch, so a request that schedules several
    times (a report, a classification) reads them once.
    """
    orgs = [organisation] + ([organisation.trust] if organisation.trust_id else [])
    prefetch_related_objects(orgs, "closure_days")
    return frozenset(day.date for org in orgs for day in org.closure_days.all())


def _timescales_of(profile: PolicyProfile) -> list[Timescale]:
    # Cached on the profile object, as a prefetch would be: one read per request.
    prefetch_related_objects([profile], "timescales")
    return list(profile.timescales.all())


# --- Reminders and escalations: the plan for one deadline -----------------------------------


@dataclass(frozen=True)
class Planned:
    kind: str
    level: int
    at: datetime.datetime


def reminder_times(
    step: str, started_at: datetime.datetime, due_at: datetime.datetime
) -> list[datetime.datetime]:
    """When reminders go before the due time. The same for every profile, so the ICO's
    clock is always watched at 24, 48, 60 and 68 hours."""
    started_at, due_at = started_at.astimezone(UTC), due_at.astimezone(UTC)
    interval = due_at - started_at
    if step == TimescaleStep.ICO_DECISION:
        times = [started_at + datetime.timedelta(hours=h) for h in ICO_REMINDER_HOURS]
    elif step in GOVERNANCE_STEPS:
        # Months away: halfway would be far too early to be useful.
        times = [due_at - datetime.timedelta(days=d) for d in GOVERNANCE_REMINDER_DAYS]
    elif interval <= datetime.timedelta(0):
        times = []
    elif interval < SHORT_INTERVAL:
        hour_before = due_at - datetime.timedelta(hours=1)
        times = [hour_before if hour_before > started_at else started_at + interval / 2]
    else:
        times = [started_at + interval / 2, started_at + interval * 0.9]
    return sorted(t for t in times if started_at < t < due_at)


def plan(deadline: Deadline) -> list[Planned]:
    """Every reminder and escalation the deadline can ever send, in time order."""
    reminders = [
        Planned(EventKind.REMINDER, level, at)
        for level, at in enumerate(
            reminder_times(deadline.step, deadline.started_at, deadline.due_at), start=1
        )
    ]
    escalations = [
        Planned(EventKind.ESCALATION, level, deadline.due_at + ESCALATION_INTERVAL * (level - 1))
        for level in range(1, MAX_ESCALATION_LEVELS + 1)
    ]
    return reminders + escalations


def _pending(deadline: Deadline, escalation_limit: int = MAX_ESCALATION_LEVELS) -> list[Planned]:
    # Once an escalation has gone, reminders would only contradict it.
    return [
        p
        for p in plan(deadline)
        if (
            p.kind == EventKind.REMINDER
            and deadline.escalation_level == 0
            and p.level > deadline.reminder_level
        )
        or (
            p.kind == EventKind.ESCALATION
            and deadline.escalation_level < p.level <= escalation_limit
        )
    ]


def next_reminder(
    deadline: Deadline, escalation_limit: int = MAX_ESCALATION_LEVELS
) -> datetime.datetime | None:
    if not deadline.is_open:
        return None
    pending = _pending(deadline, escalation_limit)
    return min((p.at for p in pending), default=None)


# --- Keeping an incident's deadlines in step with it ----------------------------------------


@dataclass
class _Implied:
    step: str
    start: datetime.datetime
    amount: int
    unit: str
    action_id: int | None = None
    met_at: datetime.datetime | None = None
    # Only an action can stop being done; other steps once met stay met.
    may_unmeet: bool = False
    fixed_due: datetime.datetime | None = None


def _timescale(timescales: list[Timescale], step: str, severity: str) -> tuple[int, str] | None:
    rows = [t for t in timescales if t.step == step]
    chosen = next((t for t in rows if t.severity_key == severity), None) or next(
        (t for t in rows if not t.severity_key), None
    )
    if step == TimescaleStep.TELL_PEOPLE:
        if chosen is None or chosen.unit == TimescaleUnit.IMMEDIATELY:
            return TELL_PEOPLE_DEFAULT
        return chosen.amount, chosen.unit
    if chosen is not None:
        if step == TimescaleStep.ICO_DECISION:
            # Statutory: whatever the row says, the law says 72 elapsed hours.
            return ICO_HOURS, TimescaleUnit.ELAPSED_HOURS
        return chosen.amount, chosen.unit
    if step == TimescaleStep.ICO_DECISION:
        return ICO_HOURS, TimescaleUnit.ELAPSED_HOURS
    return None


def _review_step(existing: dict[str, Deadline], state: str) -> str | None:
    """The step of the outcome review's current round, or None before any submission.

    Submitted again after being returned, the report starts a new round (a new row): the
    review clock restarts from the resubmission and its reminders are sent again, while
    the earlier round stays on the record, met when the report was returned.
    """
    rounds = sorted(
        (step_round(step)[1], step)
        for step in existing
        if step_round(step)[0] == TimescaleStep.OUTCOME_REVIEW
    )
    if not rounds:
        return TimescaleStep.OUTCOME_REVIEW if state == State.OUTCOME_SUBMITTED else None
    number, step = rounds[-1]
    if state == State.OUTCOME_SUBMITTED and existing[step].met_at is not None:
        return round_step(TimescaleStep.OUTCOME_REVIEW, number + 1)
    return step


def _people_to_be_told(
    incident: Incident,
) -> tuple[datetime.datetime, datetime.datetime | None] | None:
    """(start, met) of telling the people affected, when the latest Art 34 decision says
    they must be told; None otherwise. Met by the first record of people told."""
    decision = (
        DataSubjectDecision.objects.filter(incident=incident)
        .order_by("-decided_at", "-pk")
        .only("high_risk", "exception", "decided_at")
        .first()
    )
    if decision is None or not decision.must_tell:
        return None
    first_told = (
        PeopleTold.objects.filter(incident=incident)
        .order_by("told_at")
        .values_list("told_at", flat=True)
        .first()
    )
    return decision.decided_at, first_told


def _implied(
    incident: Incident,
    existing: dict[str, Deadline],
    timescales: list[Timescale],
    profile: PolicyProfile,
    *,
    created: bool = False,
) -> list[_Implied]:
    state = incident.state
    implied: list[_Implied] = []
    review = _review_step(existing, state)

    def add(step: str, start: datetime.datetime, met_at: datetime.datetime | None = None) -> None:
        scale = _timescale(timescales, step_round(step)[0], incident.severity)
        if scale is not None:
            row = existing.get(step)
            implied.append(
                _Implied(step, row.started_at if row else start, scale[0], scale[1], met_at=met_at)
            )

    if state in {State.CLOSED, State.NOT_AN_INCIDENT}:
        # Outcome review and investigation meet on the way to closure; the rest withdraw.
        if state == State.CLOSED and review is not None:
            add(review, incident.state_changed_at, incident.closed_at)
    else:
        done = [t for t in (incident.classified_at, incident.verified_at) if t]
        add(TimescaleStep.ACKNOWLEDGE, incident.reported_at, min(done) if done else None)
        add(TimescaleStep.CLASSIFY, incident.reported_at, incident.classified_at)
        if incident.is_serious:
            acks = list(
                incident.involvements.filter(role=InvolvementRole.REFERRAL).values_list(
                    "acknowledged_at", flat=True
                )
            )
            met = max(acks) if acks and all(acks) else None
            add(TimescaleStep.DPO_REFERRAL, incident.reported_at, met)
        if incident.may_involve_personal_data:
            add(TimescaleStep.ICO_DECISION, incident.reported_at)
        # A new report has no Art 34 decision yet: no query for it.
        telling = None if created else _people_to_be_told(incident)
        if telling is not None:
            add(TimescaleStep.TELL_PEOPLE, telling[0], telling[1])
        if state in {State.INVESTIGATING, State.OUTCOME_SUBMITTED}:
            submitted = incident.state_changed_at if state == State.OUTCOME_SUBMITTED else None
            add(TimescaleStep.INVESTIGATION, incident.state_changed_at, submitted)
        if state == State.OUTCOME_SUBMITTED and review is not None:
            # Met when the last reviewer approves; closing is then the manager's to do.
            from incidentdesk.outcomes.models import OutcomeReport

            approved_at = (
                OutcomeReport.objects.filter(incident=incident)
                .values_list("approved_at", flat=True)
                .first()
            )
            add(review, incident.state_changed_at, approved_at)
        elif review is not None:
            # Returned to the investigator: the review happened.
            add(review, incident.state_changed_at, incident.state_changed_at)
    if state != State.REPORTED:
        # Actions outlive the case (they are tracked to done after closure).
        ends = profile.working_day_ends if profile else datetime.time(17, 0)
        for action in Action.objects.filter(incident=incident).only(
            "pk", "due_on", "created_at", "status", "done_at"
        ):
            done_at = action.done_at or timezone.now()
            implied.append(
                _Implied(
                    ACTION_STEP,
                    action.created_at,
                    0,
                    TimescaleUnit.IMMEDIATELY,
                    action_id=action.pk,
                    met_at=done_at if action.status == ActionStatus.DONE else None,
                    may_unmeet=True,
                    fixed_due=_local_moment(action.due_on, ends),
                )
            )
    return implied


def read_for_schedule(organisation: Organisation) -> None:
    """Reads what scheduling a new report needs (the profile's timescales; the closure days
    when a timescale counts working time) onto the objects, as `schedule_for_incident` would.
    Called before a report's write transaction, so SQLite's one writer is held only to write.
    """
    profile = organisation.effective_profile
    if profile is None:
        return
    working = {TimescaleUnit.WORKING_HOURS, TimescaleUnit.WORKING_DAYS}
    if any(t.unit in working for t in _timescales_of(profile)):
        closures_for(organisation)


def schedule_for_incident(incident: Incident, *, created: bool = False) -> None:
    """Creates or updates the deadlines the incident's state implies; safe to call again.

    Guarantees: a deadline's clock start is fixed when it is first implied (only
    `set_deadline_start` moves it); its due time follows the profile's current timescale
    (a reclassification to a higher severity shortens the investigation); steps the state
    shows done are met, which stops their reminders; deadlines the state no longer calls
    for are withdrawn, not deleted. The ICO decision is met only by `meet`, called when the
    decision is recorded. Call it inside the transaction that changed the incident;
    `created=True` (from `incident_create` only) skips looking for rows that cannot exist,
    so a report stays cheap.
    """
    profile = incident.organisation.effective_profile
    if profile is None:
        return
    now = timezone.now()
    rows = [] if created else list(Deadline.objects.filter(incident=incident))
    by_step = {r.step: r for r in rows if r.action_id is None}
    by_action = {r.action_id: r for r in rows if r.action_id is not None}
    timescales = _timescales_of(profile)
    implied = _implied(incident, by_step, timescales, profile, created=created)
    closures: frozenset[datetime.date] | None = None

    def due(item: _Implied) -> datetime.datetime:
        nonlocal closures
        if item.fixed_due is not None:
            return item.fixed_due
        working = item.unit in {TimescaleUnit.WORKING_HOURS, TimescaleUnit.WORKING_DAYS}
        if working and closures is None:
            closures = closures_for(incident.organisation)
        return due_after(profile, item.start, item.amount, item.unit, closures or ())

    wanted_steps: set[str] = set()
    new: list[Deadline] = []
    for item in implied:
        row = by_action.get(item.action_id) if item.action_id else by_step.get(item.step)
        if item.action_id is None:
            wanted_steps.add(item.step)
        due_at = due(item)
        if row is None:
            row = Deadline(
                incident=incident,
                organisation_id=incident.organisation_id,
                step=item.step,
                action_id=item.action_id,
                started_at=item.start,
                due_at=due_at,
                met_at=item.met_at,
            )
            row.next_reminder_at = next_reminder(row)
            new.append(row)
            continue
        changed: set[str] = set()
        if row.due_at != due_at:
            row.due_at = due_at
            changed.add("due_at")
        if row.withdrawn_at is not None:
            row.withdrawn_at = None
            changed.add("withdrawn_at")
        if item.met_at is not None and row.met_at is None:
            row.met_at = item.met_at
            changed.add("met_at")
        elif item.met_at is None and row.met_at is not None and item.may_unmeet:
            row.met_at = None
            changed.add("met_at")
        if changed:
            row.next_reminder_at = next_reminder(row)
            row.save(update_fields=[*changed, "next_reminder_at"])
    for row in by_step.values():
        if row.step not in wanted_steps and row.is_open:
            row.withdrawn_at = now
            row.next_reminder_at = None
            row.save(update_fields=["withdrawn_at", "next_reminder_at"])
    if new:
        # A concurrent call may have made the same row: the constraint keeps one.
        Deadline.objects.bulk_create(new, ignore_conflicts=True)


def meet(incident: Incident, step: str, at: datetime.datetime | None = None) -> int:
    """Marks the incident's `step` deadline met, which stops its reminders and escalation.

    Idempotent: a deadline already met keeps its first time. Returns how many were met.
    """
    return Deadline.objects.filter(
        incident=incident, step=step, action__isnull=True, met_at__isnull=True
    ).update(met_at=at or timezone.now(), next_reminder_at=None, claimed_until=None)


@transaction.atomic
def set_deadline_start(incident: Incident, step: str, start: datetime.datetime) -> Deadline | None:
    """Moves the clock start of the incident's `step` deadline, e.g. the ICO's 72 hours to
    the moment the organisation became aware; the due time and reminders follow.

    Reminders already sent stay sent; one now in the past is sent on the worker's next
    pass. Returns the deadline, or None when the incident's state implies no such step.
    """
    schedule_for_incident(incident)
    row = (
        Deadline.objects.select_for_update()
        .filter(incident=incident, step=step, action__isnull=True)
        .first()
    )
    if row is None:
        return None
    profile = incident.organisation.effective_profile
    scale = _timescale(_timescales_of(profile), step, incident.severity) if profile else None
    if profile is None or scale is None:
        return None
    start = start.astimezone(UTC)
    closures = closures_for(incident.organisation)
    row.started_at = start
    row.due_at = due_after(profile, start, scale[0], scale[1], closures)
    row.next_reminder_at = next_reminder(row)
    row.save(update_fields=["started_at", "due_at", "next_reminder_at"])
    return row


# --- The worker: reminders and escalations --------------------------------------------------


HoldersOf = Callable[[Organisation, str], list[Person]]


def _people(
    organisation: Organisation, *duties: str, holders: HoldersOf = duty_holders_for
) -> list[Person]:
    people: list[Person] = []
    for duty in duties:
        for person in holders(organisation, duty):
            if person not in people:
                people.append(person)
    return people


def responsible_for(deadline: Deadline, holders: HoldersOf = duty_holders_for) -> list[Person]:
    """Who must do the step: they get the reminders."""
    if deadline.incident_id is None:
        from incidentdesk.governance.deadlines import responsible

        return responsible(deadline)
    incident = deadline.incident
    organisation = incident.organisation
    if deadline.step == ACTION_STEP and deadline.action is not None:
        return [deadline.action.owner]
    if deadline.step == TimescaleStep.INVESTIGATION and incident.investigator is not None:
        return [incident.investigator]
    if deadline.step == TimescaleStep.DPO_REFERRAL:
        profile = organisation.effective_profile
        duties = list(profile.referral_recipients) if profile else []
        return _people(organisation, *(duties or [Duty.DPO]), holders=holders)
    if deadline.step == TimescaleStep.ICO_DECISION:
        # The DPO takes part in the decision, so they hear of the clock too.
        return _people(organisation, Duty.INCIDENT_MANAGER, Duty.DPO, holders=holders)
    return _people(organisation, Duty.INCIDENT_MANAGER, holders=holders)


def escalation_chain(
    deadline: Deadline, holders: HoldersOf = duty_holders_for
) -> list[list[Person]]:
    """The levels above the people responsible: investigator → incident manager → SIRO →
    chair of governors, each acted for by their deputy when absent. A level with nobody
    in it, or only people already told, is passed over."""
    if deadline.incident_id is None:
        from incidentdesk.governance.deadlines import escalation_rungs

        return escalation_rungs(deadline)
    incident = deadline.incident
    organisation = incident.organisation
    rungs: list[list[Person]] = []
    if deadline.step == ACTION_STEP and incident.investigator is not None:
        rungs.append([incident.investigator])
    for duty in (Duty.INCIDENT_MANAGER, Duty.SIRO, Duty.CHAIR_OF_GOVERNORS):
        rungs.append(holders(organisation, duty))
    told = {p.pk for p in responsible_for(deadline, holders)}
    chain: list[list[Person]] = []
    for rung in rungs:
        people = [p for p in rung if p.pk not in told]
        told.update(p.pk for p in people)
        if people:
            chain.append(people)
    return chain


def _send(
    deadline: Deadline, planned: Planned, people: list[Person], now: datetime.datetime
) -> bool:
    """Writes the event row, then the notices, in the caller's transaction.

    The event row is unique per (deadline, kind, level): if another worker already sent
    this one, the insert fails, nothing is sent, and False is returned.
    """
    try:
        with transaction.atomic():
            DeadlineEvent.objects.create(
                deadline=deadline,
                kind=planned.kind,
                level=planned.level,
                sent_at=now,
                recipients=[p.email for p in people],
            )
    except IntegrityError:
        return False
    if deadline.incident_id is None:
        from incidentdesk.governance.deadlines import notify_about

        notify_about(deadline, planned, people)
        return True
    notify(people=people, **_notice(deadline, planned))
    return True


def _notice(deadline: Deadline, planned: Planned) -> dict[str, Any]:
    """The in-app message, link and e-mail of an incident deadline's reminder or escalation."""
    incident = deadline.incident
    label = step_label(deadline.step)
    overdue = planned.kind == EventKind.ESCALATION
    link = (
        f"/incidents/{incident.reference}/investigation/"
        if deadline.step == ACTION_STEP
        else f"/incidents/{incident.reference}/"
    )
    due_local = deadline.due_at.astimezone(local_zone())
    message = (
        f"Overdue: {label} for {incident.reference} was due {due_local:%d %b %H:%M}"
        if overdue
        else f"Reminder: {label} for {incident.reference} is due {due_local:%d %b %H:%M}"
    )
    return {
        "message": message,
        "link": link,
        "template": "deadline_escalation" if overdue else "deadline_reminder",
        "context": {
            "incident": incident,
            "step_label": label,
            "due_at": deadline.due_at,
            "level": planned.level,
            "link": link,
            "action": deadline.action,
        },
    }


def _claim(deadline_id: int, now: datetime.datetime) -> bool:
    """Claims one due deadline; False when another worker has it (0 rows changed)."""
    return bool(
        Deadline.objects.filter(pk=deadline_id, met_at__isnull=True, next_reminder_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_FOR)
    )


_RELATED = (
    "incident__organisation__profile",
    "incident__organisation__trust__profile",
    "incident__investigator",
    "action__owner",
    "policy_document__owner",
    "policy_document__organisation__trust",
    "exception_request__organisation__trust",
)
# The columns the worker changes on a deadline.
_WORKER_FIELDS = [
    "next_reminder_at",
    "claimed_until",
    "reminder_level",
    "escalation_level",
    "last_escalated_at",
]


def _decide(
    deadline: Deadline, now: datetime.datetime, holders: HoldersOf
) -> list[tuple[Planned, list[Person]]]:
    """What to send for a claimed deadline, and to whom; moves its levels and next time
    (not saved). Reminders missed while no worker ran are superseded by the latest."""
    sends: list[tuple[Planned, list[Person]]] = []
    limit = MAX_ESCALATION_LEVELS
    if deadline.is_open:
        due = [p for p in _pending(deadline) if p.at <= now]
        escalations = [p for p in due if p.kind == EventKind.ESCALATION]
        if escalations:
            chain = escalation_chain(deadline, holders)
            # With nobody above, the overdue notice still goes to those responsible.
            limit = max(1, len(chain))
            for planned in escalations:
                if planned.level > limit:
                    break
                people = chain[planned.level - 1] if chain else responsible_for(deadline, holders)
                sends.append((planned, people))
                deadline.escalation_level = planned.level
                deadline.last_escalated_at = now
        elif due:
            planned = due[-1]
            sends.append((planned, responsible_for(deadline, holders)))
            deadline.reminder_level = planned.level
    deadline.next_reminder_at = next_reminder(deadline, limit)
    deadline.claimed_until = None
    return sends


def _process(deadline_id: int, now: datetime.datetime) -> int:
    """One deadline in its own transaction: the careful path, for a batch that failed."""
    with transaction.atomic():
        # Claimed in the transaction that sends: a worker killed mid-row leaves neither a
        # claim nor half a reminder behind, so the next pass (its own or another worker's)
        # takes the row at once. On PostgreSQL a second worker's claim waits on the row
        # lock, then finds the row no longer due (0 rows changed) and passes it over.
        if not _claim(deadline_id, now):
            return 0
        deadline = Deadline.objects.select_related(*_RELATED).get(pk=deadline_id)
        sent = 0
        for planned, people in _decide(deadline, now, duty_holders_for):
            sent += _send(deadline, planned, people, now)
        deadline.save(update_fields=_WORKER_FIELDS)
    return sent


def _claim_many(ids: list[int], now: datetime.datetime) -> list[int]:
    """Claims the due deadlines among `ids` with one conditional UPDATE; returns those it
    got. Rows another worker holds, or has handled since `ids` were read, are passed over:
    on PostgreSQL this UPDATE waits on that worker's row locks, then re-checks the
    condition on the committed rows."""
    table = Deadline._meta.db_table
    marks = ", ".join(["%s"] * len(ids))
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET claimed_until = %s "  # noqa: S608 - table name from the model
            f"WHERE id IN ({marks}) AND met_at IS NULL AND next_reminder_at <= %s "
            "AND (claimed_until IS NULL OR claimed_until < %s) RETURNING id",
            [adapt(now + CLAIM_FOR), *ids, adapt(now), adapt(now)],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _process_batch(ids: list[int], now: datetime.datetime) -> int:
    """Claims and handles a batch of due deadlines in one transaction.

    The claim, the reminder records, the notices and e-mails and the deadlines' new next
    times commit together or not at all: a worker killed mid-batch leaves no claim and no
    half-sent reminder, and the rows are simply due again. Each reminder is sent once: the
    rows are locked by the claim, reminders already on record (a worker that outlived its
    claim) are skipped, and the records' unique constraint still stands behind that.
    Queries per batch are a handful whatever its size."""
    with transaction.atomic():
        claimed = _claim_many(ids, now)
        if not claimed:
            return 0
        deadlines = list(
            Deadline.objects.select_related(*_RELATED).filter(pk__in=claimed).order_by("pk")
        )
        holders = DutyHoldersOf(d.incident.organisation for d in deadlines if d.incident_id)
        on_record = set(
            DeadlineEvent.objects.filter(deadline_id__in=claimed).values_list(
                "deadline_id", "kind", "level"
            )
        )
        events: list[DeadlineEvent] = []
        notices: list[Notice] = []
        governance: list[tuple[Deadline, Planned, list[Person]]] = []
        for deadline in deadlines:
            for planned, people in _decide(deadline, now, holders):
                if (deadline.pk, planned.kind, planned.level) in on_record:
                    continue
                events.append(
                    DeadlineEvent(
                        deadline=deadline,
                        kind=planned.kind,
                        level=planned.level,
                        sent_at=now,
                        recipients=[p.email for p in people],
                    )
                )
                if deadline.incident_id is None:
                    governance.append((deadline, planned, people))
                else:
                    notices.append(Notice(people=people, **_notice(deadline, planned)))
        DeadlineEvent.objects.bulk_create(events)
        notify_many(notices)
        if governance:
            from incidentdesk.governance.deadlines import notify_about

            for deadline, planned, people in governance:
                notify_about(deadline, planned, people)
        _save_worker_fields(deadlines)
    return len(events)


def _save_worker_fields(deadlines: list[Deadline]) -> None:
    """Saves the worker's columns of each deadline with one executemany: bulk_update's
    CASE over every row costs more than the rest of the batch on SQLite."""
    adapt = connection.ops.adapt_datetimefield_value
    table = Deadline._meta.db_table
    sets = ", ".join(f"{name} = %s" for name in _WORKER_FIELDS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE id = %s",  # noqa: S608 - names from the model
            [
                (
                    adapt(d.next_reminder_at),
                    adapt(d.claimed_until),
                    d.reminder_level,
                    d.escalation_level,
                    adapt(d.last_escalated_at),
                    d.pk,
                )
                for d in deadlines
            ],
        )


def send_due_reminders(*, now: datetime.datetime | None = None, batch: int = BATCH) -> int:
    """One pass of the worker: sends every due reminder or escalation, each exactly once.

    Reads the due rows `batch` at a time (the partial index on `next_reminder_at`; one
    query when nothing is due) and handles each batch in one transaction
    (`_process_batch`), until none is left. So two workers never handle the same row at
    once, and a worker killed mid-batch leaves nothing half done. A batch that fails is
    rolled back and its rows are tried one by one (`_process`); a row that fails there is
    claimed outside a transaction, so it is retried after CLAIM_FOR rather than on every
    pass. A claim left by a worker that hung expires after CLAIM_FOR, and the unique event
    row stops any retry from sending twice. Returns how many were sent.
    """
    from .selectors import due_deadline_ids

    now = now or timezone.now()
    sent = 0
    seen: set[int] = set()
    while True:
        ids = [i for i in due_deadline_ids(now=now, limit=batch) if i not in seen]
        if not ids:
            break
        seen.update(ids)
        try:
            sent += _process_batch(ids, now)
        except Exception:
            log.exception("a batch of %s deadlines failed; trying each on its own", len(ids))
            sent += _process_each(ids, now)
    return sent


def _process_each(ids: list[int], now: datetime.datetime) -> int:
    sent = 0
    for deadline_id in ids:
        try:
            sent += _process(deadline_id, now)
        except Exception:
            # Its transaction rolled back: claim it outside one, so a row that keeps failing
            # is tried again after CLAIM_FOR rather than on every pass.
            _claim(deadline_id, now)
            log.exception("deadline %s: reminder not sent; it will be retried", deadline_id)
    return sent
