"""The statistics summary: kept in step by the services, equal to a direct count, and the
figures the dashboard shows for a known set of incidents on both presets."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from incidentdesk.incidents.models import Incident, State
from incidentdesk.oversight.models import (
    IncidentStatistic,
    PolicyBreachStatistic,
    StatisticBucket,
)
from incidentdesk.oversight.services import (
    SUM_FIELDS,
    rebuild_statistics,
    refresh_statistics,
)
from incidentdesk.oversight.statistics import dashboard_scopes, scope_for, statistics_for
from tests.oversight.conftest import PERIOD, World, at, classify, not_an_incident, report


def summary(org_ids: list[int], field: str) -> Counter:
    rows = (
        IncidentStatistic.objects.filter(organisation_id__in=org_ids)
        .values(field)
        .annotate(n=Sum("incidents"))
    )
    return Counter({r[field]: r["n"] for r in rows if r["n"]})


def direct(org_ids: list[int], field: str) -> Counter:
    return Counter(
        Incident.objects.filter(organisation_id__in=org_ids).values_list(field, flat=True)
    )


def assert_summary_matches(org_ids: list[int]) -> None:
    for field in ("kind", "category", "severity", "state", "personal_data", "organisation_id"):
        assert summary(org_ids, field) == direct(org_ids, field), field
    near = IncidentStatistic.objects.filter(organisation_id__in=org_ids).aggregate(
        n=Sum("near_misses")
    )["n"]
    incidents = Incident.objects.filter(organisation_id__in=org_ids)
    assert near == sum(1 for i in incidents if (i.kind or i.reported_kind) == "near_miss")
    closed = IncidentStatistic.objects.filter(organisation_id__in=org_ids).aggregate(
        n=Sum("closed"), s=Sum("close_seconds")
    )
    done = [i for i in incidents if i.state in {State.CLOSED, State.NOT_AN_INCIDENT}]
    assert closed["n"] == len(done)
    assert closed["s"] == sum(int((i.closed_at - i.reported_at).total_seconds()) for i in done)


def test_the_summary_equals_a_direct_count_after_every_change(world: World):
    birch = [world.birch.pk]
    assert_summary_matches(birch)
    e, f = world.birch_incidents[4], world.birch_incidents[5]
    classify(e, world.manager, at(10, 21), category="it_failure", severity="moderate")
    assert_summary_matches(birch)
    not_an_incident(Incident.objects.get(pk=f.pk), world.manager, at(11, 4))
    assert_summary_matches(birch)
    # A reclassification moves the incident from one row of the summary to another.
    classify(Incident.objects.get(pk=e.pk), world.manager, at(10, 22), severity="minor")
    assert_summary_matches(birch)
    report(world.birch, world.reporter, at(11, 20))
    assert_summary_matches(birch)
    trust = [world.trust.pk, world.acorn.pk, world.beech.pk]
    assert_summary_matches(trust)
    # What the services kept in step is exactly what a recount from scratch gives, both the
    # summary rows and each organisation-month's figures the dashboard reads.
    kept, kept_figures = snapshot(), figures_snapshot()
    assert kept_figures[(world.birch.pk, datetime.date(2026, 11, 1))]["incidents"] == 2
    rebuild_statistics()
    assert snapshot() == kept
    assert figures_snapshot() == kept_figures
    # And each month's figures are its summary rows summed.
    for (org_id, month), figures in kept_figures.items():
        rows = IncidentStatistic.objects.filter(organisation_id=org_id, month=month)
        assert figures["incidents"] == sum(r.incidents for r in rows)
        assert figures["open"] == sum(r.incidents for r in rows if r.is_open)
        kinds: Counter = Counter()
        for r in rows:
            kinds[r.kind] += r.incidents
        assert figures["kind"] == dict(+kinds)


def figures_snapshot() -> dict[tuple, dict]:
    return {
        (b.organisation_id, b.month): b.figures
        for b in StatisticBucket.objects.all()
        if b.figures.get("incidents")
    }


def snapshot() -> list[tuple]:
    fields = ["organisation_id", "month", "kind", "category", "severity", "state", "personal_data"]
    return sorted(
        tuple(row.values())
        for row in IncidentStatistic.objects.values(*fields).annotate(
            **{name: Sum(name) for name in SUM_FIELDS}
        )
    )


def test_rebuild_recomputes_what_a_bulk_load_left_out(world: World):
    IncidentStatistic.objects.all().delete()
    PolicyBreachStatistic.objects.all().delete()
    # As bench data does: rows written in bulk, bypassing the services.
    assert rebuild_statistics() == 9  # Birch 3 months, Oak's 4 months, Cedar 3... by org-month
    everyone = list(Incident.objects.values_list("organisation_id", flat=True).distinct())
    assert_summary_matches(everyone)
    assert PolicyBreachStatistic.objects.aggregate(n=Sum("incidents"))["n"] == 2


def test_an_emptied_month_is_emptied_in_the_summary(world: World):
    IncidentStatistic.objects.create(
        organisation=world.birch,
        month=datetime.date(2025, 1, 1),
        state="reported",
        is_open=True,
        incidents=3,
    )
    refresh_statistics(world.birch.pk, datetime.date(2025, 1, 1))
    assert not IncidentStatistic.objects.filter(month=datetime.date(2025, 1, 1)).exists()
    bucket = StatisticBucket.objects.get(organisation=world.birch, month=datetime.date(2025, 1, 1))
    assert bucket.figures["incidents"] == 0 and bucket.figures["kind"] == {}


def test_school_figures_for_the_known_set(world: World):
    scope = scope_for(world.manager, None)
    assert scope.organisation == world.birch and scope.exact
    stats = statistics_for(scope, PERIOD)
    assert stats.total.value == 6
    assert stats.open.value == 5 and stats.closed.value == 1
    assert [(r.label, r.count.value) for r in stats.by_month] == [
        ("Sep 2026", 3),
        ("Oct 2026", 2),
        ("Nov 2026", 1),
    ]
    kinds = {r.label: r.count.value for r in stats.by_kind}
    assert kinds == {"Confirmed breach": 2, "Near miss": 1, "Not yet classified": 3}
    assert {r.label: r.count.value for r in stats.by_severity} == {
        "Major": 1,
        "Minor": 2,
        "Not yet classified": 3,
    }
    assert {r.label: r.count.value for r in stats.by_policy} == {"Data Protection Policy": 2}
    assert stats.near_misses.value == 1 and stats.near_miss_ratio.percent == 17
    # Discovery to report: 2 hours and 3 days, a mean of 1.5 days and 1 hour.
    assert stats.to_report.days == round((2 * 3600 + 3 * 86400) / 2 / 86400, 1)
    # Report to classification: 2 h, 24 h, 4 h.
    assert stats.to_classify.days == round((2 + 24 + 4) * 3600 / 3 / 86400, 1)
    assert stats.to_close.days == 2.0
    assert stats.ico_decided.value == 1 and stats.ico_within_72h.value == 1
    assert stats.by_school == []
    points = {(m.number, m.description): m for m in stats.measures}
    assert [m.number for m in stats.measures if not m.measured] == [2, 4, 6]
    reported = points[(1, "Reported within a day of discovery")]
    assert (reported.met.value, reported.of.value) == (1, 2)
    ico = points[(7, "ICO decision made within 72 hours")]
    assert (ico.met.value, ico.of.value) == (1, 1)
    classified = points[(5, "Classified within the timescale")]
    assert classified.of.value == 3


def test_trust_figures_put_its_schools_side_by_side(world: World):
    scope = scope_for(world.champion, None)
    assert scope.organisation == world.trust and scope.is_trust
    stats = statistics_for(scope, PERIOD)
    assert stats.total.value == 4
    assert [(r.label, r.count.value) for r in stats.by_school] == [
        ("Oak Learning Trust (the trust itself)", 1),
        ("Acorn Primary", 2),
        ("Beech Primary", 1),
    ]
    assert stats.near_misses.value == 1
    numbers = sorted({m.number for m in stats.measures})
    assert numbers == [1, 2, 3, 4, 5, 6, 7, 8]
    dpo = next(m for m in stats.measures if m.number == 8)
    assert dpo.measured and dpo.of.value == 1  # the critical one


def test_another_organisations_incidents_are_never_counted(world: World):
    for person in (world.manager, world.champion, world.chair, world.trustee):
        for scope in dashboard_scopes(person):
            assert world.cedar.pk not in scope.organisation_ids
    assert statistics_for(scope_for(world.outsider, None), PERIOD).total.value == 3
    assert statistics_for(scope_for(world.manager, None), PERIOD).total.value == 6


def test_governors_see_small_counts_as_fewer_than_5(world: World):
    scope = scope_for(world.chair, None)
    assert not scope.exact and scope.threshold == 5
    stats = statistics_for(scope, PERIOD)
    assert str(stats.total) == "6"
    assert [str(r.count) for r in stats.by_month] == ["fewer than 5"] * 3
    assert str(stats.near_misses) == "fewer than 5"
    # 1 of 6 as a percentage would tell the suppressed count.
    assert stats.near_miss_ratio.percent is None
    assert str(stats.ico_decided) == "fewer than 5" and stats.ico_ratio.percent is None
    assert stats.to_report.days is None and str(stats.to_report) == "Not shown"


def test_the_threshold_is_the_profiles(world: World):
    profile = world.birch.effective_profile
    profile.small_count_threshold = 3
    profile.save()
    stats = statistics_for(scope_for(world.governor, None), PERIOD)
    assert [str(r.count) for r in stats.by_month] == ["3", "fewer than 3", "fewer than 3"]


@pytest.mark.parametrize("more", [0, 30])
def test_the_figures_take_the_same_queries_whatever_the_size(world: World, more: int):
    for i in range(more):
        report(world.birch, world.reporter, at(9 + i % 3, 1 + i % 27, 9 + i % 8))
    scope = scope_for(world.manager, None)
    with CaptureQueriesContext(connection) as queries:
        statistics_for(scope, PERIOD)
    assert len(queries) == 4
