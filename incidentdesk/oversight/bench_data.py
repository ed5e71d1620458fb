"""Bench data: a database filled with realistic, invented incidents for the benchmarks.

`load_bench_data` makes trusts with schools, their people and duty holders (one large
trust whose incident manager the benchmark signs in as), and incidents spread over three
years, kinds, categories, severities and states, each with what its state implies:
classification, referral, ICO decision, steps a–k, an action, notes, messages, the outcome
report and its review, deadlines, and about twenty audit events.

It writes rows as tuples with ids it gives itself, with executemany (SQLite) or COPY
(PostgreSQL), 5,000 incidents a transaction, bypassing the services (they cost a
transaction and a dozen queries per change) and the ORM (building model instances was
most of the time); see docs/decisions/0004-bench-data-loads-in-bulk.md. So it keeps by
hand the invariants the services would keep:

- the audit log's hash chain: events are hashed here (`_chain_hashes`, checked against
  audit/chain.py), in time order, continuing from the head, then inserted in bulk; the
  head is moved to the last one once, at the end (see `_move_head` for how its one-step
  trigger is lifted for that one statement);
- references and their counters, so a report made afterwards takes the next number;
- the statistics summary, rebuilt from the incidents at the end (`rebuild_statistics`).

Every name is invented and every address is at example.org. It refuses a database that
already holds incidents: it is for an empty database made for measuring, never for one
in use.
"""

from __future__ import annotations

import datetime
import hashlib
import heapq
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from incidentdesk.api.services import create_api_token
from incidentdesk.audit.chain import canonical_datetime, chain_hash, content_digest
from incidentdesk.audit.db import HEAD_TABLE, append_only_triggers_present
from incidentdesk.audit.models import AuditEvent
from incidentdesk.audit.services import _lock_head
from incidentdesk.deadlines.calendar import local_zone
from incidentdesk.deadlines.models import ACTION_STEP, Deadline
from incidentdesk.incidents.models import (
    Category,
    Classification,
    Incident,
    InformationCategory,
    InformationForm,
    Involvement,
    InvolvementRole,
    Kind,
    PeopleCount,
    PersonalData,
    ReferenceCounter,
    ReportingMode,
    State,
    WhoseInformation,
)
from incidentdesk.investigations.models import (
    Action,
    ActionKind,
    ActionStatus,
    DisciplinaryDecision,
    InvestigationStep,
    Note,
    StepStatus,
)
from incidentdesk.organisations.models import (
    Duty,
    DutyHolder,
    InformationPolicy,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    Preset,
    SeverityLevel,
    TimescaleStep,
)
from incidentdesk.organisations.presets import INVESTIGATION_STEPS
from incidentdesk.organisations.services import organisation_create
from incidentdesk.outcomes.models import MANAGER_STAGE, OutcomeReport, OutcomeReview, ReviewDecision
from incidentdesk.oversight.services import rebuild_statistics
from incidentdesk.regulator.models import IcoAssessment, IcoDecision
from incidentdesk.reporting.models import Message

DEFAULT_PASSWORD = "incident-desk-demo"
YEARS = 3
# Incidents per transaction: big enough that commits cost nothing, small enough that the
# audit events waiting for their place in time (about seven weeks' worth) stay few.
BATCH = 5000
# The duties every bench organisation has a holder for, and how many plain staff.
DUTIES = (
    Duty.INCIDENT_MANAGER,
    Duty.INVESTIGATING_OFFICER,
    Duty.HEAD_OF_SCHOOL,
    Duty.SIRO,
    Duty.DPO,
    Duty.GOVERNOR,
    Duty.CHAIR_OF_GOVERNORS,
    Duty.SAFEGUARDING_LEAD,
)
STAFF_PER_ORGANISATION = 6
# The large trust and its schools receive this share of all incidents.
LARGE_TRUST_SHARE = 0.4
LARGE_TRUST_CODE = "BLT"

FIRST_NAMES = (
    "Amara Ben Cara Dev Elin Femi Gwen Hari Isla Jonah Kemi Luca Mina Nell Omar Pia Rhys "
    "Saba Theo Una Vik Wren Yusuf Zoe"
).split()
LAST_NAMES = (
    "Ashdown Brightwell Carrow Dunmore Ellery Fairholm Garside Hollins Ingram Jessop Kellett "
    "Lindqvist Marlow Northcott Oakes Pendle Quarry Rushworth Stanier Thackeray Upton Varley"
).split()
PLACES = (
    "Oakfield Riverside Hillcrest Meadowbank Ashgrove Brookside Kingsmead Larchwood "
    "Northgate Orchard Redbrook Southfields Thornbury Westmoor Willowdene Yewtree"
).split()
WHAT_HAPPENED = (
    "A class list with pupils' names and medical notes was left on the photocopier.",
    "An e-mail with a spreadsheet of parents' contact details went to the wrong parent.",
    "A staff laptop was taken from a car parked outside a teacher's home.",
    "A memory stick with assessment marks was lost on a school trip.",
    "A phishing e-mail asked staff to sign in to a fake page; two people did.",
    "The management information system was reachable without signing in for an hour.",
    "A safeguarding note was filed in the wrong pupil's record.",
    "Report cards were posted to last year's addresses for three families.",
    "A visitor could see pupils' photos and names on a screen in reception.",
    "The backup of the finance system failed for a week without anyone noticing.",
    "A supplier told us their system exposed our pupils' attendance data.",
    "A printed SEN plan was found in a corridor, picked up before anyone read it.",
)
LOCATIONS = ("Staff room", "Reception", "Classroom 4", "School office", "On a trip", "At home")
WORD = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()

# Weighted choices, drawn with random.choices.
KINDS = ([Kind.CONFIRMED_BREACH, Kind.POTENTIAL_BREACH, Kind.NEAR_MISS], [45, 35, 20])
CATEGORIES = (
    [c for c in Category.values if c != Category.FALSE_ALARM],
    [20, 25, 15, 8, 12, 10, 10],
)
SEVERITIES = (["minor", "moderate", "major", "critical"], [50, 30, 15, 5])
MODES = ([ReportingMode.NAMED, ReportingMode.CONFIDENTIAL, ReportingMode.ANONYMOUS], [80, 15, 5])
PERSONAL = ([PersonalData.YES, PersonalData.NO, PersonalData.UNKNOWN], [65, 25, 10])
# State by age: (younger than this many days, states, weights).
STATES_BY_AGE = (
    (
        14,
        [
            State.REPORTED,
            State.TRIAGED,
            State.INVESTIGATING,
            State.OUTCOME_SUBMITTED,
            State.NOT_AN_INCIDENT,
        ],
        [25, 25, 35, 5, 10],
    ),
    (
        90,
        [
            State.TRIAGED,
            State.INVESTIGATING,
            State.OUTCOME_SUBMITTED,
            State.CLOSED,
            State.NOT_AN_INCIDENT,
        ],
        [5, 20, 10, 50, 15],
    ),
    (
        None,
        [State.INVESTIGATING, State.OUTCOME_SUBMITTED, State.CLOSED, State.NOT_AN_INCIDENT],
        [2, 1, 82, 15],
    ),
)

# The head's trigger that `_move_head` lifts for its one UPDATE (see audit/db.py).
HEAD_MOVE_TRIGGER = "audit_head_refuse_rewind"
HOUR = 3600.0
DAY = 24 * HOUR
UTC = datetime.UTC


@dataclass
class BenchResult:
    manager_email: str
    password: str
    token: str
    incidents: int
    organisations: int
    audit_events: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    # This process's CPU seconds per phase (PostgreSQL's own work is not in them).
    cpu: dict[str, float] = field(default_factory=dict)
    cpu_seconds: float = 0.0


@dataclass
class _Org:
    pk: int
    code: str
    slug: str
    profile_id: int
    people: dict[str, int] = field(default_factory=dict)  # duty → person id
    staff: list[int] = field(default_factory=list)
    manager_id: int = 0  # who classifies: its own incident manager


# --- Fast, exact copies of the chain's hashing ---------------------------------------------


def _chain_hashes(sequence: int, previous_hash: str, content: dict[str, Any]) -> tuple[str, str]:
    """(content digest, hash) of an event: `chain.content_digest` and `chain.chain_hash`,
    written out for speed. Follow chain.py here when it changes; `_check_against_chain`
    compares the two on the first event of every flush, so a difference stops the load.

    `content` holds only str, int, bool, None and dicts of those: it is already canonical,
    so json.dumps with the chain's options gives exactly `canonical_json(content)`; the
    link's three keys are spelled in their sorted order by hand.
    """
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    link = f'{{"digest":"{digest}","previous_hash":"{previous_hash}","sequence":{sequence}}}'
    return digest, hashlib.sha256(link.encode("utf-8")).hexdigest()


def _check_against_chain(
    content: dict[str, Any], sequence: int, previous_hash: str, digest: str, link: str
) -> None:
    occurred_at = datetime.datetime.fromisoformat(content["occurred_at"])
    event = AuditEvent(**{**content, "occurred_at": occurred_at})
    if digest != content_digest(event.content()):
        raise AssertionError("bench-data's content digest differs from audit/chain.py's")
    if link != chain_hash(sequence=sequence, previous_hash=previous_hash, digest=digest):
        raise AssertionError("bench-data's chain hash differs from audit/chain.py's")


class _Row:
    """A row to insert: its columns as attributes, named as the model's `attname`s.

    Written like the model (`_Row(organisation_id=..., state=...)`, `row.severity = ...`),
    but without a model instance's cost, which is most of a bulk load's time. Columns
    left unset take the field's default when inserted, so a column added to the model
    later needs no change here."""

    def __init__(self, **columns: Any) -> None:
        self.__dict__.update(columns)

    @property
    def pk(self) -> Any:
        return self.__dict__.get("id")


class _IncidentRow(_Row):
    """An incident's row; an unset column reads as the model field's default."""

    def __getattr__(self, name: str) -> Any:
        try:
            field = _INCIDENT_FIELDS[name]
        except KeyError:
            raise AttributeError(name) from None
        return field.get_default()

    def fill_sort_columns(self) -> None:
        # The model's own derived columns, computed from this row's values.
        fill = getattr(Incident, "fill_sort_columns", None)
        if fill is not None:
            fill(self)


_INCIDENT_FIELDS = {f.attname: f for f in Incident._meta.concrete_fields}


def _sqlite_datetime(value: datetime.datetime | None) -> str | None:
    # What Django's SQLite backend stores: the naive UTC time as str() spells it.
    if value is None:
        return None
    if value.tzinfo is UTC:  # every time made here (`_dt`): drop the "+00:00"
        return value.isoformat(" ")[:-6]
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _json(value: Any) -> str:
    return json.dumps(value)


def _columns(model: type[models.Model], with_pk: bool) -> list[tuple[str, str, Any, Any]]:
    """(column, attname, default, converter or None) of each concrete field."""
    postgresql = connection.vendor == "postgresql"
    out = []
    for f in model._meta.concrete_fields:
        if f.primary_key and not with_pk:
            continue
        convert: Any = None
        if isinstance(f, models.JSONField):
            convert = _json
        elif isinstance(f, models.DateTimeField) and not postgresql:
            convert = _sqlite_datetime
        elif isinstance(f, models.DateField) and not postgresql:
            convert = connection.ops.adapt_datefield_value
        # Once per batch: a callable default (timezone.now, list) is called here.
        default = f.get_default()
        if default is None and not f.null:
            default = _REQUIRED
        out.append((f.column, f.attname, default, convert))
    return out


_REQUIRED = object()


def _insert_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """INSERTs `rows` (values ready for the database): COPY on PostgreSQL, one executemany
    on SQLite. The ORM's bulk_create spends most of a bulk load preparing each value."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: several times faster than executemany on PostgreSQL.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from the model, values bound
        # Straight to sqlite3: Django's wrapper re-formats the SQL for every batch.
        cursor.cursor.executemany(sql.replace("%s", "?"), rows)


def _insert(model: type[models.Model], objects: list[_Row], *, with_pk: bool = False) -> None:
    """Inserts rows, with their ids when `with_pk` (ids given here, see `_Loader.ids`)."""
    if not objects:
        return
    columns = _columns(model, with_pk)
    rows = []
    append = rows.append
    for obj in objects:
        values = obj.__dict__
        row = []
        for _, name, default, convert in columns:
            value = values.get(name, default)
            if value is _REQUIRED:
                raise ValueError(f"{model.__name__}.{name} needs a value")
            row.append(convert(value) if convert is not None else value)
        append(tuple(row))
    _insert_rows(model, [column for column, *_ in columns], rows)


EVENT_COLUMNS = [
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "details",
    "content_digest",
    "previous_hash",
    "hash",
]


class _Chain:
    """Audit events waiting for their place in time, then hashed and inserted in order.

    Incidents are made in order of their report time, and an incident's events all come
    at or after its report; so every event earlier than the next incident's report can be
    given its sequence number now. The waiting events are the last few weeks' worth.
    """

    def __init__(self, labels: dict[int, str]) -> None:
        with transaction.atomic():
            head = _lock_head()
        self.sequence = self.start_sequence = head.last_sequence
        self.last_hash = self.start_hash = head.last_hash
        self.labels = labels
        # SQLite's text, or the datetime itself for COPY.
        self.adapt = _sqlite_datetime if connection.vendor == "sqlite" else (lambda value: value)
        self.waiting: list[tuple[float, int, tuple]] = []
        self.counter = 0
        self.written = 0
        self.checked = False
        self.inserting = [0.0, 0.0]  # wall and CPU seconds spent in the INSERTs

    def add(
        self,
        at: float,
        actor_id: int | None,
        action: str,
        organisation_id: int,
        object_id: int,
        object_label: str,
        details: dict[str, Any] | None = None,
        changes: dict[str, list[Any]] | None = None,
        actor_label: str | None = None,
    ) -> None:
        self.counter += 1
        heapq.heappush(
            self.waiting,
            (
                at,
                self.counter,
                (
                    actor_id,
                    actor_label,
                    action,
                    organisation_id,
                    object_id,
                    object_label,
                    details,
                    changes,
                ),
            ),
        )

    def flush(self, before: float | None) -> None:
        events = []
        while self.waiting and (before is None or self.waiting[0][0] < before):
            at, _, item = heapq.heappop(self.waiting)
            events.append(self._event(at, *item))
        self.checked = False  # check the next flush's first event against chain.py again
        # Straight to the table: AuditEvent's manager refuses bulk inserts, because they
        # would skip the chain; these rows are chained above, in order.
        began = time.perf_counter(), time.process_time()
        _insert_rows(AuditEvent, EVENT_COLUMNS, events)
        self.inserting[0] += time.perf_counter() - began[0]
        self.inserting[1] += time.process_time() - began[1]
        self.written += len(events)

    def _event(
        self,
        at: float,
        actor_id: int | None,
        actor_label: str | None,
        action: str,
        organisation_id: int,
        object_id: int,
        object_label: str,
        details: dict[str, Any] | None,
        changes: dict[str, list[Any]] | None,
    ) -> tuple:
        occurred_at = datetime.datetime.fromtimestamp(at, UTC)
        label = actor_label or (self.labels[actor_id] if actor_id else "system")
        content = {
            "occurred_at": canonical_datetime(occurred_at),
            "actor_id": actor_id,
            "actor_label": label,
            "organisation_id": organisation_id,
            "action": action,
            "object_type": "incident",
            "object_id": str(object_id),
            "object_label": object_label,
            "changes": changes or {},
            "details": details or {},
        }
        self.sequence += 1
        digest, link = _chain_hashes(self.sequence, self.last_hash, content)
        if not self.checked:
            # Once per flush: the fast hashing must be chain.py's own (see `_chain_hashes`).
            _check_against_chain(content, self.sequence, self.last_hash, digest, link)
            self.checked = True
        row = (
            self.sequence,
            self.adapt(occurred_at),
            actor_id,
            label,
            organisation_id,
            action,
            "incident",
            content["object_id"],
            object_label,
            json.dumps(content["changes"]),
            json.dumps(content["details"]),
            digest,
            self.last_hash,
            link,
        )
        self.last_hash = link
        return row

    def move_head(self) -> None:
        _move_head(self.start_sequence, self.start_hash, self.sequence, self.last_hash)


def _move_head(start_sequence: int, start_hash: str, last_sequence: int, last_hash: str) -> None:
    """Points the audit head at the last bulk-inserted event, once, at the end.

    The head's `audit_head_refuse_rewind` trigger lets an UPDATE move it one event at a
    time only, so nobody can wind it back or skip it forward unnoticed; the load moves it
    millions at once. So, in one transaction, under the head's row lock:

    - the head must still be where the load started (nobody else appended meanwhile:
      their event would also have collided with the load's sequence numbers);
    - that one trigger, and only it, is switched off for the one UPDATE and switched back
      on: `ALTER TABLE ... DISABLE TRIGGER` on PostgreSQL, DROP and re-CREATE on SQLite.
      Both are transactional, and both lock the table until COMMIT (PostgreSQL's ALTER
      takes an exclusive lock; SQLite has one writer), so no other connection ever sees
      the head unguarded, and a failure rolls back to the trigger in place;
    - the event triggers are never touched, and the end checks that every trigger is
      there and enabled.

    `verify-audit` then re-checks every event, and that the head names the last one.
    """
    with transaction.atomic():
        head = _lock_head()
        if (head.last_sequence, head.last_hash) != (start_sequence, start_hash):
            raise RuntimeError(
                f"The audit log moved during the load (head at {head.last_sequence}, the "
                f"load started at {start_sequence}): load into a database nobody else uses."
            )
        if last_sequence == start_sequence:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {HEAD_TABLE} DISABLE TRIGGER {HEAD_MOVE_TRIGGER}")
            else:
                # Put back exactly as it was defined.
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                    [HEAD_MOVE_TRIGGER],
                )
                [definition] = cursor.fetchone()
                cursor.execute(f"DROP TRIGGER {HEAD_MOVE_TRIGGER}")
            cursor.execute(
                f"UPDATE {HEAD_TABLE} SET last_sequence = %s, last_hash = %s WHERE id = 1",  # noqa: S608 - constant names
                [last_sequence, last_hash],
            )
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {HEAD_TABLE} ENABLE TRIGGER {HEAD_MOVE_TRIGGER}")
            else:
                cursor.execute(definition)
        if not append_only_triggers_present(connection):
            raise RuntimeError("the audit log's triggers are not all in place after the load")


# --- Organisations and people --------------------------------------------------------------


def _layout(count: int) -> list[tuple[str, int | None]]:
    """(kind, index of its trust) per organisation: the large trust first, with 40% of the
    schools, then trusts of up to eight schools, and a last lone school standing alone."""
    layout: list[tuple[str, int | None]] = [(OrganisationKind.TRUST, None)]
    rest = count - 1
    large = max(1, round(rest * 0.4)) if rest > 0 else 0
    layout += [(OrganisationKind.SCHOOL, 0)] * large
    rest -= large
    while rest > 0:
        size = min(rest, 9)
        if size == 1:
            layout.append((OrganisationKind.SCHOOL, None))
        else:
            trust = len(layout)
            layout.append((OrganisationKind.TRUST, None))
            layout += [(OrganisationKind.SCHOOL, trust)] * (size - 1)
        rest -= size
    return layout


def _organisations(count: int, password: str, rng: random.Random) -> list[_Org]:
    hashed = make_password(password)
    orgs: list[_Org] = []
    made: list[Organisation] = []
    for index, (kind, trust_index) in enumerate(_layout(count)):
        place = PLACES[index % len(PLACES)]
        if index == 0:
            name, code = "Bench Learning Trust", LARGE_TRUST_CODE
        elif kind == OrganisationKind.TRUST:
            name, code = f"{place} Schools Trust {index}", f"BT{index:05d}"
        else:
            name, code = f"{place} Academy {index}", f"BS{index:05d}"
        trust = made[trust_index] if trust_index is not None else None
        preset = (
            None if trust else (Preset.TRUST if kind == OrganisationKind.TRUST else Preset.SCHOOL)
        )
        organisation = organisation_create(
            name=name,
            slug=f"bench-{index}" if index else "bench-learning-trust",
            code=code,
            kind=kind,
            trust=trust,
            preset=preset,
        )
        made.append(organisation)
        orgs.append(
            _Org(
                pk=organisation.pk,
                code=organisation.code,
                slug=organisation.slug,
                profile_id=organisation.profile_id or trust.profile_id,  # type: ignore[union-attr]
            )
        )

    people: list[Person] = []
    roles: list[tuple[int, str | None]] = []  # (organisation index, duty or None for staff)
    for index, org in enumerate(orgs):
        domain = f"{org.slug}.example.org"
        for duty in (*DUTIES, *([None] * STAFF_PER_ORGANISATION)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = duty.replace("_", "-") if duty else f"staff-{len(roles)}"
            if index == 0 and duty == Duty.INCIDENT_MANAGER:
                local = "incident-manager"
            people.append(
                Person(
                    email=f"{local}@{domain}",
                    full_name=f"{first} {last}",
                    password=hashed,
                )
            )
            roles.append((index, duty))
    Person.objects.bulk_create(people, batch_size=1000)
    memberships, holders = [], []
    for person, (index, duty) in zip(people, roles, strict=True):
        org = orgs[index]
        memberships.append(
            Membership(
                person=person,
                organisation_id=org.pk,
                job_title="Teacher" if duty is None else "",
            )
        )
        if duty is None:
            org.staff.append(person.pk)
        else:
            holders.append(DutyHolder(organisation_id=org.pk, person=person, duty=duty))
            org.people[duty] = person.pk
    Membership.objects.bulk_create(memberships, batch_size=1000)
    DutyHolder.objects.bulk_create(holders, batch_size=1000)
    for org in orgs:
        org.manager_id = org.people[Duty.INCIDENT_MANAGER]
    return orgs


# --- Incidents --------------------------------------------------------------------------


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(WORD, k=count)).capitalize() + "."


def _pick(rng: random.Random, choices: tuple[list, list]) -> Any:
    return rng.choices(choices[0], weights=choices[1])[0]


def _state_for(rng: random.Random, age_days: float) -> str:
    for limit, states, weights in STATES_BY_AGE:
        if limit is None or age_days < limit:
            return rng.choices(states, weights=weights)[0]
    raise AssertionError("unreachable")


def _out_of_hours(moment: datetime.datetime) -> bool:
    local = moment.astimezone(local_zone())
    return local.weekday() >= 5 or not 8 <= local.hour < 17


def _dt(ts: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ts, UTC)


@dataclass
class _Plan:
    """One incident's moments, as timestamps: report, classification, investigation start,
    outcome submitted, closed. None where its state has not got there."""

    reported: float
    classified: float | None = None
    started: float | None = None
    submitted: float | None = None
    closed: float | None = None
    # Filled while its rows are made, read when its events are.
    acknowledged: float | None = None
    decided: float | None = None
    steps_done: int = 0


def _plan(rng: random.Random, reported: float, state: str, now: float) -> _Plan:
    plan = _Plan(reported)
    if state == State.REPORTED:
        return plan
    offsets = [rng.uniform(HOUR, 2 * DAY)]  # classified
    if state == State.NOT_AN_INCIDENT:
        offsets.append(offsets[0] + rng.uniform(0.5 * HOUR, DAY))  # closed
    elif state != State.TRIAGED:
        offsets.append(offsets[0] + rng.uniform(HOUR, 3 * DAY))  # started
        if state in {State.OUTCOME_SUBMITTED, State.CLOSED}:
            offsets.append(offsets[1] + rng.uniform(5 * DAY, 30 * DAY))  # submitted
        if state == State.CLOSED:
            offsets.append(offsets[2] + rng.uniform(DAY, 10 * DAY))  # closed
    # A recent incident's story must fit before now: squeeze it, keeping its shape.
    room = now - 60 - reported
    if offsets[-1] > room:
        scale = room / offsets[-1]
        offsets = [o * scale for o in offsets]
    moments = [reported + o for o in offsets]
    plan.classified = moments[0]
    if state == State.NOT_AN_INCIDENT:
        plan.closed = moments[1]
    elif state != State.TRIAGED:
        plan.started = moments[1]
        if len(moments) > 2:
            plan.submitted = moments[2]
        if len(moments) > 3:
            plan.closed = moments[3]
    return plan


class _Loader:
    def __init__(
        self,
        orgs: list[_Org],
        labels: dict[int, str],
        rng: random.Random,
        now: datetime.datetime,
        total: int,
    ) -> None:
        self.orgs = orgs
        self.rng = rng
        self.now = now.timestamp()
        self.start = (now - datetime.timedelta(days=365 * YEARS)).timestamp()
        self.span = self.now - HOUR - self.start
        self.total = total
        self.chain = _Chain(labels)
        self.counters: dict[tuple[int, int], int] = defaultdict(int)
        weights = []
        large = [o for o in orgs if o.profile_id == orgs[0].profile_id]
        for org in orgs:
            in_large = org.profile_id == orgs[0].profile_id
            if len(large) == len(orgs):
                weights.append(1.0)
            elif in_large:
                weights.append(LARGE_TRUST_SHARE / len(large))
            else:
                weights.append((1 - LARGE_TRUST_SHARE) / (len(orgs) - len(large)))
        self.weights = weights
        self.severities = {
            (s.profile_id, s.key): s
            for s in SeverityLevel.objects.all().only("profile_id", "key", "rank", "is_serious")
        }
        self.policies: dict[int, list[InformationPolicy]] = defaultdict(list)
        for policy in InformationPolicy.objects.all().only("pk", "profile_id", "name"):
            self.policies[policy.profile_id].append(policy)
        # The duty holder who acts for a school: its own, as the trust policy routes.
        self.timings: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        # Ids are given here, not by the database, so children are made with their
        # parents' ids and every row goes in as a plain tuple (no ORM round trip).
        self.ids = {
            model: (model.objects.aggregate(m=models.Max("pk"))["m"] or 0)
            for model in (Incident, Action, OutcomeReport)
        }

    def spent(self, phase: str, began: tuple[float, float]) -> None:
        """Adds the wall and CPU time (this process's) since `began` to the phase."""
        self.timings[phase] += time.perf_counter() - began[0]
        self.cpu[phase] += time.process_time() - began[1]

    def next_id(self, model: type[models.Model]) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def moment_of(self, index: int) -> float:
        return self.start + index * self.span / self.total

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        for first in range(0, self.total, BATCH):
            last = min(self.total, first + BATCH)
            with transaction.atomic():
                self._batch(first, last)
                began = time.perf_counter(), time.process_time()
                self.chain.flush(self.moment_of(last) if last < self.total else None)
                self.spent("audit events", began)
            if progress:
                progress(last)
        with transaction.atomic():
            ReferenceCounter.objects.bulk_create(
                ReferenceCounter(organisation_id=org_id, year=year, last_number=number)
                for (org_id, year), number in self.counters.items()
            )
            if connection.vendor == "postgresql":
                # The ids were given here: move the sequences past them.
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(
                        no_style(), [Incident, Action, OutcomeReport]
                    ):
                        cursor.execute(sql)
            self.chain.move_head()

    def _batch(self, first: int, last: int) -> None:
        rng = self.rng
        began = time.perf_counter(), time.process_time()
        incidents: list[_IncidentRow] = []
        plans: list[_Plan] = []
        orgs: list[_Org] = []
        for index in range(first, last):
            reported = self.moment_of(index) + rng.random() * self.span / self.total
            org = rng.choices(self.orgs, weights=self.weights)[0]
            state = _state_for(rng, (self.now - reported) / DAY)
            plan = _plan(rng, reported, state, self.now)
            incidents.append(self._incident(org, state, plan))
            plans.append(plan)
            orgs.append(org)
        for incident in incidents:
            incident.fill_sort_columns()
        _insert(Incident, incidents, with_pk=True)
        self.spent("incidents", began)

        began = time.perf_counter(), time.process_time()
        rows: dict[type[models.Model], list[_Row]] = defaultdict(list)
        breaches: list[_Row] = []
        for incident, plan, org in zip(incidents, plans, orgs, strict=True):
            self._related(incident, plan, org, rows, breaches)
        # Parents before children: actions before their deadlines, reports before reviews.
        for model in (
            Action,
            OutcomeReport,
            Classification,
            Involvement,
            IcoAssessment,
            InvestigationStep,
            Note,
            Message,
            OutcomeReview,
            Deadline,
        ):
            _insert(model, rows.get(model, []), with_pk=model in self.ids)
        _insert(Incident.policies_breached.through, breaches)
        self.spent("related rows", began)

        began = time.perf_counter(), time.process_time()
        for incident, plan, org in zip(incidents, plans, orgs, strict=True):
            self._events(incident, plan, org)
        self.spent("audit events", began)

    def _incident(self, org: _Org, state: str, plan: _Plan) -> _Row:
        rng = self.rng
        reported_at = _dt(plan.reported)
        year = reported_at.astimezone(local_zone()).year
        self.counters[(org.pk, year)] += 1
        mode = _pick(rng, MODES)
        discovered = plan.reported - rng.uniform(0, 3 * DAY) if rng.random() < 0.8 else None
        incident = _IncidentRow(
            id=self.next_id(Incident),
            organisation_id=org.pk,
            reference=f"{org.code}-{year}-{self.counters[(org.pk, year)]:04d}",
            state=state,
            state_changed_at=_dt(
                plan.closed or plan.submitted or plan.started or plan.classified or plan.reported
            ),
            mode=mode,
            reporter_id=None if mode == ReportingMode.ANONYMOUS else rng.choice(org.staff),
            what_happened=rng.choice(WHAT_HAPPENED),
            reported_kind=rng.choice(["", *Kind.values]),
            occurred_on=_dt(discovered).date() if discovered else None,
            discovered_at=_dt(discovered) if discovered else None,
            location=rng.choice(LOCATIONS),
            whose_information=rng.sample(
                [WhoseInformation.PUPILS, WhoseInformation.STAFF, WhoseInformation.PARENTS], 1
            ),
            people_count=rng.choice(PeopleCount.values),
            information_categories=rng.sample(
                [
                    InformationCategory.BASIC_IDENTIFIERS,
                    InformationCategory.CONTACT,
                    InformationCategory.EDUCATION,
                    InformationCategory.SEN,
                    InformationCategory.HEALTH,
                ],
                rng.randint(1, 2),
            ),
            information_forms=[rng.choice(InformationForm.values)],
            people_involved=_words(rng, 6),
            already_done=_words(rng, 8),
            reported_at=reported_at,
            reported_out_of_hours=_out_of_hours(reported_at),
            report_delay_seconds=int(plan.reported - discovered) if discovered else None,
        )
        if plan.classified is not None:
            if state == State.NOT_AN_INCIDENT:
                kind, category, severity = Kind.NEAR_MISS, Category.FALSE_ALARM, "minor"
                personal = PersonalData.NO
            else:
                kind, category = _pick(rng, KINDS), _pick(rng, CATEGORIES)
                severity, personal = _pick(rng, SEVERITIES), _pick(rng, PERSONAL)
            level = self.severities[(org.profile_id, severity)]
            incident.kind = kind
            incident.category = category
            incident.personal_data = personal
            incident.confidentiality_affected = rng.random() < 0.7
            incident.integrity_affected = rng.random() < 0.2
            incident.availability_affected = rng.random() < 0.2
            incident.severity = severity
            incident.severity_rank = level.rank
            incident.is_serious = level.is_serious
            incident.severity_reason = _words(rng, 10)
            incident.classified_at = _dt(plan.classified)
            incident.classified_by_id = org.manager_id
            incident.verified_at = _dt(plan.classified + 600)
            incident.verified_by_id = org.manager_id
            incident.verification_notes = _words(rng, 6)
        if plan.started is not None:
            incident.investigator_id = org.people[Duty.INVESTIGATING_OFFICER]
        if plan.closed is not None:
            incident.closed_at = _dt(plan.closed)
            incident.closure_reason = _words(rng, 6) if state == State.NOT_AN_INCIDENT else ""
        return incident

    def _related(
        self,
        incident: _Row,
        plan: _Plan,
        org: _Org,
        rows: dict[type[models.Model], list[_Row]],
        breaches: list[_Row],
    ) -> None:
        rng = self.rng
        now = self.now
        state = incident.state
        deadlines = rows[Deadline]

        def deadline(
            step: str,
            start: float,
            due: float,
            met: float | None,
            *,
            action_id: int | None = None,
        ) -> None:
            # What the worker would have left: met or withdrawn rows have no next reminder;
            # an open one is reminded before its due time, then escalated daily for three
            # days, then left alone.
            withdrawn = None
            if met is None and plan.closed is not None:
                withdrawn = plan.closed
            next_at = None
            if met is None and withdrawn is None:
                if due - HOUR > now:
                    next_at = due - HOUR
                elif due > now - 3 * DAY:
                    next_at = now + rng.uniform(HOUR, DAY)
            deadlines.append(
                _Row(
                    incident_id=incident.pk,
                    organisation_id=incident.organisation_id,
                    step=step,
                    action_id=action_id,
                    started_at=_dt(start),
                    due_at=_dt(due),
                    met_at=_dt(met) if met is not None else None,
                    withdrawn_at=_dt(withdrawn) if withdrawn is not None else None,
                    next_reminder_at=_dt(next_at) if next_at is not None else None,
                    reminder_level=0 if met is not None else 1,
                )
            )

        reported = plan.reported
        deadline(TimescaleStep.ACKNOWLEDGE, reported, reported + DAY, plan.classified)
        deadline(TimescaleStep.CLASSIFY, reported, reported + 2 * DAY, plan.classified)
        if plan.classified is None:
            deadline(TimescaleStep.ICO_DECISION, reported, reported + 72 * HOUR, None)
            if incident.mode != ReportingMode.ANONYMOUS and rng.random() < 0.3:
                rows[Message].append(
                    _Row(
                        incident_id=incident.pk,
                        from_reporter=True,
                        author_id=incident.reporter_id,
                        body=_words(rng, 12),
                        created_at=_dt(min(now - 30, reported + HOUR)),
                    )
                )
            return

        rows[Classification].append(
            _Row(
                incident_id=incident.pk,
                kind=incident.kind,
                category=incident.category,
                personal_data=incident.personal_data,
                confidentiality_affected=incident.confidentiality_affected,
                integrity_affected=incident.integrity_affected,
                availability_affected=incident.availability_affected,
                severity=incident.severity,
                severity_reason=incident.severity_reason,
                policies_breached=[],
                classified_at=incident.classified_at,
                classified_by_id=org.manager_id,
            )
        )
        if incident.kind != Kind.NEAR_MISS and state != State.NOT_AN_INCIDENT:
            for policy in rng.sample(self.policies[org.profile_id], rng.randint(1, 2)):
                breaches.append(_Row(incident_id=incident.pk, informationpolicy_id=policy.pk))
        rows[Note].append(
            _Row(
                incident_id=incident.pk,
                created_at=_dt(plan.classified + 300),
                created_by_id=org.manager_id,
                body=_words(rng, 15),
            )
        )
        if incident.mode != ReportingMode.ANONYMOUS:
            rows[Message].append(
                _Row(
                    incident_id=incident.pk,
                    from_reporter=False,
                    author_id=org.manager_id,
                    body=_words(rng, 12),
                    created_at=_dt(plan.classified + 900),
                )
            )
        end = plan.closed or now
        ack = None
        if incident.is_serious:
            ack = min(plan.classified + rng.uniform(HOUR, 20 * HOUR), end - 1)
            ack = ack if ack < now else None
            rows[Involvement].append(
                _Row(
                    incident_id=incident.pk,
                    person_id=org.people[Duty.DPO],
                    duty=Duty.DPO,
                    role=InvolvementRole.REFERRAL,
                    created_at=incident.classified_at,
                    acknowledged_at=_dt(ack) if ack else None,
                )
            )
            deadline(TimescaleStep.DPO_REFERRAL, reported, plan.classified + DAY, ack)
        decided = None
        if incident.personal_data in {PersonalData.YES, PersonalData.UNKNOWN}:
            decided = plan.classified + rng.uniform(2 * HOUR, 60 * HOUR)
            decided = decided if decided < end else None
            rows[IcoAssessment].append(
                _Row(
                    incident_id=incident.pk,
                    personal_data_of_living_people=True,
                    risk_likely=rng.random() < 0.4 if decided else None,
                    high_risk=rng.random() < 0.1 if decided else None,
                    reasons=_words(rng, 14) if decided else "",
                    decision=rng.choice(IcoDecision.values) if decided else "",
                    decided_at=_dt(decided) if decided else None,
                    decided_by_id=org.people[Duty.DPO] if decided else None,
                    dpo_involved=bool(decided),
                )
            )
            deadline(TimescaleStep.ICO_DECISION, reported, reported + 72 * HOUR, decided)
        plan.acknowledged, plan.decided = ack, decided

        if plan.started is None:
            return
        investigator = org.people[Duty.INVESTIGATING_OFFICER]
        finished = plan.submitted is not None
        span = (plan.submitted or now) - plan.started
        done_steps = 11 if finished else rng.randint(0, 10)
        plan.steps_done = done_steps
        for number, (letter, title) in enumerate(INVESTIGATION_STEPS):
            if number < done_steps:
                skipped = letter in "dei" and rng.random() < 0.5
                status = StepStatus.NOT_APPLICABLE if skipped else StepStatus.DONE
            elif number == done_steps:
                status = StepStatus.IN_PROGRESS
            else:
                status = StepStatus.NOT_STARTED
            rows[InvestigationStep].append(
                _Row(
                    incident_id=incident.pk,
                    letter=letter,
                    title=title,
                    status=status,
                    what_was_done=_words(rng, 10) if status == StepStatus.DONE else "",
                    not_applicable_reason=(
                        _words(rng, 5) if status == StepStatus.NOT_APPLICABLE else ""
                    ),
                    disciplinary_decision=(
                        DisciplinaryDecision.NOT_COMMENCED
                        if letter == "h" and status == StepStatus.DONE
                        else ""
                    ),
                    updated_at=_dt(plan.started + span * (number + 1) / 12),
                    updated_by_id=investigator,
                )
            )
        closed = plan.closed if state == State.CLOSED else None
        action = _Row(
            id=self.next_id(Action),
            incident_id=incident.pk,
            created_at=_dt(plan.started + span / 2),
            created_by_id=investigator,
            kind=rng.choice(ActionKind.values),
            description=_words(rng, 9),
            owner_id=rng.choice([investigator, org.people[Duty.HEAD_OF_SCHOOL]]),
            due_on=_dt(plan.started + 30 * DAY).astimezone(local_zone()).date(),
            status=ActionStatus.DONE if closed else rng.choice(ActionStatus.values[:2]),
            done_at=_dt(closed) if closed else None,
        )
        rows[Action].append(action)
        deadline(
            ACTION_STEP,
            plan.started + span / 2,
            plan.started + 30 * DAY,
            closed,
            action_id=action.pk,
        )
        deadline(TimescaleStep.INVESTIGATION, plan.started, plan.started + 20 * DAY, plan.submitted)
        if plan.submitted is None:
            return
        report = _Row(
            id=self.next_id(OutcomeReport),
            incident_id=incident.pk,
            summary=_words(rng, 20),
            chronology=_words(rng, 20),
            cause=_words(rng, 12),
            impact=_words(rng, 12),
            steps_taken=_words(rng, 20),
            lessons_learned=_words(rng, 12),
            recommendations=_words(rng, 12),
            created_at=_dt(plan.submitted - DAY),
            updated_at=_dt(plan.submitted),
            updated_by_id=investigator,
            round=1,
            submitted_at=_dt(plan.submitted),
            submitted_by_id=investigator,
            approved_at=_dt(closed) if closed else None,
        )
        rows[OutcomeReport].append(report)
        deadline(TimescaleStep.OUTCOME_REVIEW, plan.submitted, plan.submitted + 10 * DAY, closed)
        if closed:
            review = _Row(
                report_id=report.pk,
                round=1,
                stage=MANAGER_STAGE,
                reviewer_id=org.manager_id,
                decision=ReviewDecision.APPROVED,
                comments=_words(rng, 8),
                reviewed_at=_dt(closed - 60),
            )
            rows[OutcomeReview].append(review)

    def _events(self, incident: _Row, plan: _Plan, org: _Org) -> None:
        """The incident's story in the audit log: about twenty events when it is closed."""
        add = self.chain.add
        pk, ref, org_id = incident.pk, incident.reference, org.pk
        manager = org.manager_id
        if incident.mode == ReportingMode.NAMED:
            add(
                plan.reported,
                incident.reporter_id,
                "incident.reported",
                org_id,
                pk,
                ref,
                {
                    "mode": incident.mode,
                    "source": "staff",
                    "out_of_hours": incident.reported_out_of_hours,
                    "report_delay_seconds": incident.report_delay_seconds,
                },
            )
        else:
            label = (
                "anonymous reporter"
                if incident.mode == ReportingMode.ANONYMOUS
                else "confidential reporter"
            )
            add(
                plan.reported,
                None,
                "incident.reported",
                org_id,
                pk,
                ref,
                {
                    "mode": incident.mode,
                    "source": "staff",
                    "out_of_hours": incident.reported_out_of_hours,
                    "report_delay_seconds": incident.report_delay_seconds,
                },
                actor_label=label,
            )
        if plan.classified is None:
            return
        c = plan.classified
        add(
            c,
            manager,
            "incident.classified",
            org_id,
            pk,
            ref,
            {"severity": incident.severity, "kind": incident.kind, "category": incident.category},
            {"state": [State.REPORTED, State.TRIAGED], "severity": ["", incident.severity]},
        )
        add(c + 600, manager, "incident.verified", org_id, pk, ref)
        add(c + 300, manager, "investigation.note_added", org_id, pk, ref, {"note": 1})
        if incident.mode != ReportingMode.ANONYMOUS:
            add(c + 900, manager, "incident.message_to_reporter", org_id, pk, ref)
        if plan.acknowledged is not None:
            add(
                plan.acknowledged,
                org.people[Duty.DPO],
                "incident.referral_acknowledged",
                org_id,
                pk,
                ref,
            )
        if plan.decided is not None:
            add(plan.decided, org.people[Duty.DPO], "ico.decided", org_id, pk, ref)
        if incident.state == State.NOT_AN_INCIDENT:
            add(
                plan.closed,
                manager,
                "incident.not_an_incident",
                org_id,
                pk,
                ref,
                None,  # type: ignore[arg-type]
                {"state": [State.TRIAGED, State.NOT_AN_INCIDENT]},
            )
            return
        if plan.started is None:
            return
        s = plan.started
        investigator = org.people[Duty.INVESTIGATING_OFFICER]
        add(
            s - 60,
            manager,
            "incident.investigator_assigned",
            org_id,
            pk,
            ref,
            {"investigator": investigator},
        )
        add(
            s,
            manager,
            "incident.start_investigation",
            org_id,
            pk,
            ref,
            None,
            {"state": [State.TRIAGED, State.INVESTIGATING]},
        )
        span = (plan.submitted or self.now) - s
        for letter, _ in INVESTIGATION_STEPS[: plan.steps_done]:
            number = "abcdefghijk".index(letter)
            at = s + span * (number + 1) / 12
            add(at, investigator, "investigation.step_updated", org_id, pk, ref, {"step": letter})
        add(s + span / 2, investigator, "investigation.action_added", org_id, pk, ref)
        if plan.submitted is None:
            return
        t = plan.submitted
        add(t - DAY, investigator, "outcome.report_saved", org_id, pk, ref)
        add(t - 30, investigator, "outcome.report_submitted", org_id, pk, ref, {"round": 1})
        add(
            t,
            investigator,
            "incident.submit_outcome",
            org_id,
            pk,
            ref,
            None,
            {"state": [State.INVESTIGATING, State.OUTCOME_SUBMITTED]},
        )
        if plan.closed is None:
            return
        add(plan.closed - 60, manager, "outcome.report_approved", org_id, pk, ref, {"round": 1})
        add(
            plan.closed - 30,
            investigator,
            "investigation.action_updated",
            org_id,
            pk,
            ref,
            {"status": "done"},
        )
        add(
            plan.closed,
            manager,
            "incident.close",
            org_id,
            pk,
            ref,
            None,
            {"state": [State.OUTCOME_SUBMITTED, State.CLOSED]},
        )


def load_bench_data(
    *,
    incidents: int,
    organisations: int,
    password: str = DEFAULT_PASSWORD,
    seed: int = 7,
    now: datetime.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> BenchResult:
    """Fills an empty database; returns the sign-in and API token for the benchmark.

    Raises ValueError for a database that holds incidents already.
    """
    if incidents < 1 or organisations < 1:
        raise ValueError("Give at least one incident and one organisation.")
    if Incident.objects.exists():
        raise ValueError(
            "This database already holds incidents. Bench data goes into an empty database "
            "made for measuring (migrate a new one, then run bench-data)."
        )
    sqlite_load = connection.vendor == "sqlite" and not connection.in_atomic_block
    if sqlite_load:
        # This connection only, for the load: commits need not wait for the disk, and a
        # bigger page cache keeps the indexes being filled in memory. The journal stays
        # WAL (a setting of the file, not of the connection), so a crash mid-load leaves
        # a consistent file with the last batches missing: run the load again into a
        # new database. `_restore_sqlite` puts the settings' values back at the end.
        # Foreign keys are not checked row by row either: every id is given here, parents
        # before children (tests/bench checks `PRAGMA foreign_key_check` on a load).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # 256 MB
            cursor.execute("PRAGMA foreign_keys=OFF")
    try:
        return _load(
            incidents=incidents,
            organisations=organisations,
            password=password,
            seed=seed,
            now=now,
            say=progress or (lambda _text: None),
        )
    finally:
        if sqlite_load:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.execute("PRAGMA cache_size=-2000")  # SQLite's default
                cursor.execute("PRAGMA foreign_keys=ON")


def _load(
    *,
    incidents: int,
    organisations: int,
    password: str,
    seed: int,
    now: datetime.datetime | None,
    say: Callable[[str], None],
) -> BenchResult:
    began = time.perf_counter()
    cpu_began = time.process_time()
    rng = random.Random(seed)  # noqa: S311 - invented data, repeatable by seed
    now = now or timezone.now()

    step = time.perf_counter(), time.process_time()
    orgs = _organisations(organisations, password, rng)
    labels = {
        pk: f"{name} <{email}>"
        for pk, name, email in Person.objects.values_list("pk", "full_name", "email")
    }
    loader = _Loader(orgs, labels, rng, now, incidents)
    loader.spent("organisations and people", step)
    say(f"{len(orgs)} organisations, {len(labels)} people")
    every = max(BATCH, incidents // 20)

    def report(done: int) -> None:
        if done % every == 0 or done == incidents:
            say(f"{done:,} incidents ({time.perf_counter() - began:.0f} s)")

    loader.run(report)
    # Of the audit events' time, how much went to inserting them (the rest is hashing).
    loader.timings["audit events: of which inserting"] = loader.chain.inserting[0]
    loader.cpu["audit events: of which inserting"] = loader.chain.inserting[1]

    step = time.perf_counter(), time.process_time()
    buckets = rebuild_statistics()
    loader.spent("statistics", step)
    say(f"statistics rebuilt: {buckets} organisation-months")

    manager = Person.objects.get(pk=orgs[0].manager_id)
    _, token = create_api_token(person=manager, name="bench", actor_label="bench-data")
    return BenchResult(
        manager_email=manager.email,
        password=password,
        token=token,
        incidents=incidents,
        organisations=len(orgs),
        audit_events=loader.chain.written,
        seconds=time.perf_counter() - began,
        timings=dict(loader.timings),
        cpu=dict(loader.cpu),
        cpu_seconds=time.process_time() - cpu_began,
    )
