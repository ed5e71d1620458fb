"""Each of the register's filters and sorts is answered through an index, on SQLite
(EXPLAIN QUERY PLAN) and on PostgreSQL (EXPLAIN after ANALYZE), at a table size where a
planner prefers reading the whole table when no index fits: 6,000 incidents in a trust of
twenty schools and a school of its own.

Run with `-s` to see each plan. bench/RESULTS.md has the measured speed at 100,000 and
1,000,000 incidents; this test keeps the plans from quietly losing their indexes.
"""

from __future__ import annotations

import datetime
import itertools
import re

import pytest
from django.db import connection
from django.utils import timezone

from incidentdesk.deadlines.models import Deadline
from incidentdesk.incidents.models import Category, Incident, Kind, ReportingMode, State
from incidentdesk.organisations.models import Duty, Organisation, OrganisationKind
from incidentdesk.organisations.services import organisation_create
from incidentdesk.oversight import register
from tests.factories import make_person

SCHOOLS = 20
PER_SCHOOL = 280
STATES = list(State)
KINDS = list(Kind)
CATEGORIES = list(Category)
SEVERITIES = [("minor", 1), ("moderate", 2), ("major", 3), ("critical", 4)]


@pytest.fixture
def big_trust(db):
    trust = organisation_create(
        name="Big Trust", slug="big", code="BIG", kind=OrganisationKind.TRUST, preset="trust"
    )
    schools = Organisation.objects.bulk_create(
        Organisation(
            name=f"School {n}", slug=f"school-{n}", code=f"S{n:03d}", kind="school", trust=trust
        )
        for n in range(SCHOOLS)
    )
    policy = trust.profile.information_policies.first()
    start = timezone.now() - datetime.timedelta(days=3 * 365)
    counter = itertools.count()
    incidents = []
    for school in [*schools, trust]:
        for i in range(PER_SCHOOL):
            n = next(counter)
            severity, rank = SEVERITIES[n % 4] if n % 5 else ("", None)
            incidents.append(
                Incident(
                    organisation=school,
                    reference=f"{school.code}-2026-{i:04d}",
                    mode=ReportingMode.NAMED,
                    what_happened=f"Report {n}.",
                    reported_at=start + datetime.timedelta(hours=n * 4),
                    state=STATES[n % len(STATES)],
                    kind=KINDS[n % len(KINDS)] if severity else "",
                    category=CATEGORIES[n % len(CATEGORIES)] if severity else "",
                    severity=severity,
                    severity_rank=rank,
                    is_serious=rank is not None and rank >= 3,
                )
            )
    for incident in incidents:
        incident.fill_sort_columns()  # as bench-data does: bulk_create calls no save()
    Incident.objects.bulk_create(incidents, batch_size=1000)
    made = list(Incident.objects.order_by("pk").values_list("pk", flat=True))
    Through = Incident.policies_breached.through
    Through.objects.bulk_create(
        Through(incident_id=pk, informationpolicy_id=policy.pk) for pk in made[::23]
    )
    now = timezone.now()
    Deadline.objects.bulk_create(
        Deadline(
            incident_id=pk,
            step="classify",
            started_at=now - datetime.timedelta(days=3),
            due_at=now - datetime.timedelta(days=1)
            if i % 7 == 0
            else now + datetime.timedelta(days=1),
        )
        for i, pk in enumerate(made[::3])
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    champion = make_person(organisation=trust, duties=(Duty.INCIDENT_MANAGER,))
    head = make_person(organisation=schools[0], duties=(Duty.INCIDENT_MANAGER,))
    return {
        "trust": trust,
        "school": schools[0],
        "policy": policy,
        "champion": champion,
        "head": head,
    }


FILTERS = {
    "none": {},
    "state": {"states": [State.CLOSED]},
    "kind": {"kinds": [Kind.NEAR_MISS]},
    "category": {"categories": [Category.CYBER_ATTACK]},
    "severity": {"severities": ["critical"]},
    "dates": {
        "reported_from": (timezone.now() - datetime.timedelta(days=40)).date(),
        "reported_to": (timezone.now() - datetime.timedelta(days=10)).date(),
    },
    "search": {"search": "Report 12"},
    "overdue": {"overdue": True},
    "sort oldest": {"sort": "oldest"},
    "sort severity": {"sort": "severity"},
    "sort state": {"sort": "state"},
    "sort reference": {"sort": "reference"},
}


def plan(person, **filters) -> str:
    if connection.vendor == "postgresql":
        # At a few thousand rows PostgreSQL rightly reads a small table whole when a filter
        # matches one row in twenty; at a million it would not. With sequential scans
        # priced out, a Seq Scan left in the plan means no index fits the query at all.
        # (SET LOCAL: undone when the test's transaction rolls back.)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    scope = register.register_scope(person)
    wanted = register.RegisterFilters(**filters)
    rows = register.register_rows(person, scope, wanted)
    query = register.page_query(rows, wanted.sort, register.page_organisations(scope, wanted))
    return query.explain()


def full_scans(text: str) -> list[str]:
    """The lines of a plan that read the whole incidents table."""
    if connection.vendor == "postgresql":
        return [line for line in text.splitlines() if "Seq Scan on incidents_incident" in line]
    return [
        line
        for line in text.splitlines()
        if re.search(r"\bSCAN incidents_incident\b", line) and "INDEX" not in line
    ]


def incident_indexes(text: str) -> set[str]:
    return set(re.findall(r"\b(incident_\w+|incidents_incident_\w+)", text)) - {
        "incidents_incident"
    }


@pytest.mark.parametrize("who", ["head", "champion"])
def test_every_filter_and_sort_reads_incidents_through_an_index(big_trust, who: str) -> None:
    person = big_trust[who]
    filters = dict(FILTERS)
    filters["organisation"] = {"organisations": [big_trust["school"].pk]}
    filters["policy"] = {"policies": [big_trust["policy"].pk]}
    problems = {}
    for name, given in filters.items():
        text = plan(person, **given)
        print(f"\n--- {who}: {name}\n{text}")
        if full_scans(text) or not incident_indexes(text):
            problems[name] = text
    assert not problems, problems


OWN_INDEX = {
    "state": "incident_org_state",
    "kind": "incident_org_kind",
    "category": "incident_org_category",
    "severity": "incident_org_severity",
    "dates": "incident_org_reported",
}


def test_each_field_filter_uses_the_index_made_for_it(big_trust) -> None:
    """Across a trust's schools, a selective filter is read through its own index (or
    newest first through `incident_reported`, stopping at a page)."""
    champion = big_trust["champion"]
    for name, index in OWN_INDEX.items():
        text = plan(champion, **FILTERS[name])
        used = incident_indexes(text)
        if connection.vendor == "postgresql":
            # The severity slug has Django's own single-column index too.
            own = {index, "incident_reported"} | {
                u for u in used if u.startswith(f"incidents_incident_{name}_")
            }
            assert used & own, (name, text)
        else:
            # SQLite may also walk newest first through `incident_reported` and stop at a
            # page when the filter matches often (near misses are a third of the rows).
            assert used & {index, "incident_reported"}, (name, text)
