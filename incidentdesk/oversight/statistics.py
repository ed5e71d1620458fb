"""Reading the statistics summary for the dashboards, the governors' report and the API.

Every figure comes from the organisation-months' figures (`models.StatisticBucket.figures`,
kept in step with the summary rows by `services`), one row per organisation and month,
summed in Python, so a dashboard costs the same handful of queries and rows whether an
organisation has a hundred incidents or a million. Averages are means (sums of durations
over counts are what the summary can keep in step); the pages say so.

Small numbers: in anything a governor or trustee sees, a count from 1 up to the profile's
`small_count_threshold` (5 unless changed) is shown as "fewer than 5", and an average or
a share worked out from so few incidents is not shown at all, so that no one can be
recognised from a figure. Managers, the DPO and the SIRO see exact counts.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from incidentdesk.incidents.models import Category, Kind, PersonalData, State
from incidentdesk.incidents.rules import Someone, acting_duty_holders, is_signed_in
from incidentdesk.investigations.models import Action, ActionStatus
from incidentdesk.organisations.models import Duty, Organisation, PolicyProfile, Preset

from .models import StatisticBucket
from .services import BREAKDOWNS, SUM_FIELDS, empty_figures

# Who sees exact counts, and who sees small counts suppressed.
MANAGING_DUTIES = (Duty.INCIDENT_MANAGER, Duty.DPO, Duty.SIRO)
GOVERNING_DUTIES = (Duty.GOVERNOR, Duty.CHAIR_OF_GOVERNORS)
DASHBOARD_DUTIES = MANAGING_DUTIES + GOVERNING_DUTIES
DEFAULT_THRESHOLD = 5
PERIOD_MONTHS_MAX = 60


# --- Who sees which organisations -------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The organisation a dashboard is about (a trust includes its schools), and how the
    viewer sees it."""

    organisation: Organisation
    organisation_ids: tuple[int, ...]
    schools: tuple[Organisation, ...]
    exact: bool  # False: small counts suppressed (governors and trustees)
    threshold: int
    preset: str

    @property
    def is_trust(self) -> bool:
        return bool(self.schools)


def dashboard_scopes(person: Someone) -> list[Scope]:
    """The organisations whose dashboard `person` may see, each with how they see it.

    The incident manager, DPO, SIRO, governors and the chair of an organisation see its
    dashboard; a trust's see the trust's with its schools side by side. Someone who both
    manages and governs sees exact counts. Two queries.
    """
    if not is_signed_in(person):
        return []
    holders = list(
        acting_duty_holders(person)  # type: ignore[arg-type]
        .filter(duty__in=DASHBOARD_DUTIES)
        .select_related("organisation__profile", "organisation__trust__profile")
    )
    if not holders:
        return []
    exact_for: dict[int, bool] = {}
    orgs: dict[int, Organisation] = {}
    for holder in holders:
        org = holder.organisation
        orgs[org.pk] = org
        exact_for[org.pk] = exact_for.get(org.pk, False) or holder.duty in MANAGING_DUTIES
    trust_ids = [pk for pk, org in orgs.items() if org.kind == "trust"]
    schools: dict[int, list[Organisation]] = {pk: [] for pk in trust_ids}
    if trust_ids:
        for school in Organisation.objects.filter(trust_id__in=trust_ids).order_by("name"):
            schools[school.trust_id].append(school)
    scopes = []
    for pk, org in sorted(orgs.items(), key=lambda item: (item[1].kind != "trust", item[1].name)):
        # A school whose trust's dashboard the person already sees, exactly, adds nothing.
        profile: PolicyProfile | None = org.effective_profile
        own_schools = tuple(schools.get(pk, ()))
        scopes.append(
            Scope(
                organisation=org,
                organisation_ids=(pk, *(s.pk for s in own_schools)),
                schools=own_schools,
                exact=exact_for[pk],
                threshold=(profile.small_count_threshold if profile else DEFAULT_THRESHOLD)
                or DEFAULT_THRESHOLD,
                preset=profile.preset if profile else Preset.SCHOOL,
            )
        )
    return scopes


def scope_for(person: Someone, slug: str | None) -> Scope | None:
    """The scope the viewer asked for by slug, else their first; None if they have none."""
    scopes = dashboard_scopes(person)
    if not scopes:
        return None
    if slug:
        for scope in scopes:
            if scope.organisation.slug == slug:
                return scope
    return scopes[0]


# --- The period ---------------------------------------------------------------------------


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    first: datetime.date  # first month, as its first day
    last: datetime.date  # last month, as its first day

    @property
    def start(self) -> datetime.date:
        return self.first

    @property
    def end(self) -> datetime.date:
        """The last day of the period."""
        return add_months(self.last, 1) - datetime.timedelta(days=1)

    @property
    def months(self) -> list[datetime.date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = add_months(month, 1)
        return out

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%B %Y}"
        return f"{self.first:%B %Y} to {self.last:%B %Y}"


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def default_period() -> Period:
    last = this_month()
    return Period(add_months(last, -11), last)


def month_choices(count: int = 36) -> list[datetime.date]:
    """The months a period may start or end in, latest first."""
    last = this_month()
    return [add_months(last, -i) for i in range(count)]


def parse_month(value: str | None) -> datetime.date | None:
    """ "2026-03" → 1 March 2026; anything else → None."""
    if not value:
        return None
    try:
        year, month = value.split("-")
        return datetime.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return None


# --- Shown numbers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """A count as the viewer may see it: exact, or "fewer than N"."""

    value: int
    suppressed: bool
    threshold: int

    def __str__(self) -> str:
        if not self.suppressed:
            return str(self.value)
        if self.value < self.threshold:
            return f"fewer than {self.threshold}"
        # Hidden so that a small count beside it cannot be worked out from the total.
        return "not shown"

    @property
    def plotted(self) -> int | None:
        """The value a chart may draw; None when it must not be drawn."""
        return None if self.suppressed else self.value

    def as_api(self) -> int | str:
        return str(self) if self.suppressed else self.value


@dataclass(frozen=True)
class Ratio:
    """A share or an average: not shown when worked out from a suppressed count."""

    numerator: int
    denominator: int
    shown: bool

    @property
    def percent(self) -> int | None:
        if not self.shown or not self.denominator:
            return None
        return round(100 * self.numerator / self.denominator)


def _days(seconds: int, count: int) -> float | None:
    if not count:
        return None
    return round(seconds / count / 86400, 1)


@dataclass(frozen=True)
class Average:
    days: float | None  # mean in days; None when there is nothing to average or hidden
    count: Count

    def __str__(self) -> str:
        if self.days is None:
            return "Not shown" if self.count.suppressed else "No incidents to count yet"
        return f"{self.days:g} days"


@dataclass(frozen=True)
class Row:
    label: str
    count: Count
    key: str = ""


@dataclass(frozen=True)
class Measure:
    """A policy point checked against what the product records."""

    number: int
    must: str
    measured: bool
    description: str = ""
    met: Count | None = None
    of: Count | None = None
    ratio: Ratio | None = None


@dataclass
class Statistics:
    scope: Scope
    period: Period
    total: Count
    open: Count
    closed: Count
    by_month: list[Row]
    by_kind: list[Row]
    by_category: list[Row]
    by_severity: list[Row]
    by_policy: list[Row]
    by_school: list[Row]
    by_personal_data: list[Row]
    to_report: Average
    to_classify: Average
    to_close: Average
    ico_decided: Count
    ico_within_72h: Count
    ico_ratio: Ratio
    near_misses: Count
    near_miss_ratio: Ratio
    overdue_actions: Count
    measures: list[Measure] = field(default_factory=list)


class Shower:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def count(self, value: int | None) -> Count:
        value = int(value or 0)
        suppressed = not self.scope.exact and 0 < value < self.scope.threshold
        return Count(value, suppressed, self.scope.threshold)

    def ratio(self, numerator: int | None, denominator: int | None) -> Ratio:
        numerator, denominator = int(numerator or 0), int(denominator or 0)
        # A share of a known total would tell a suppressed numerator: both must be shown.
        shown = self.scope.exact or (
            denominator >= self.scope.threshold and not self.count(numerator).suppressed
        )
        return Ratio(numerator, denominator, shown)

    def protect(self, rows: list[Row]) -> list[Row]:
        """Secondary suppression: with the total shown, one suppressed count among shown
        ones could be worked out by subtraction, so the next smallest is hidden too."""
        if self.scope.exact:
            return rows
        if sum(1 for r in rows if r.count.suppressed) != 1:
            return rows
        others = [r for r in rows if not r.count.suppressed and r.count.value > 0]
        if not others:
            return rows
        smallest = min(others, key=lambda r: r.count.value)
        hidden = Count(smallest.count.value, True, self.scope.threshold)
        return [Row(r.label, hidden, r.key) if r is smallest else r for r in rows]

    def average(self, seconds: int | None, count: int | None) -> Average:
        shown = self.count(count)
        days = None if shown.suppressed else _days(int(seconds or 0), int(count or 0))
        return Average(days, shown)


# --- Policy points ----------------------------------------------------------------------------

# What the product can measure of each numbered MUST point, by preset and number. The
# others are listed as not measured: whether staff gave "as much information as possible"
# or "supported investigations" is for people to judge, not a count.
MEASURES: dict[str, dict[int, list[tuple[str, str, str]]]] = {
    Preset.TRUST: {
        1: [("reported_within_day", "report_delay_count", "Reported within a day of discovery")],
        3: [
            (
                "investigations_on_time",
                "investigations_completed",
                "Investigations completed within the timescale",
            )
        ],
        5: [
            (
                "closed_after_review",
                "closed",
                "Closed with an outcome report reviewed (of all closed)",
            ),
            ("classified_on_time", "classified", "Classified within the timescale"),
        ],
        7: [("ico_decided_within_72h", "ico_decided", "ICO decision made within 72 hours")],
        8: [
            (
                "dpo_referral_on_time",
                "serious",
                "Major and critical incidents whose DPO referral was acknowledged in time",
            )
        ],
    },
    Preset.SCHOOL: {
        1: [("reported_within_day", "report_delay_count", "Reported within a day of discovery")],
        3: [
            (
                "investigations_on_time",
                "investigations_completed",
                "Investigations completed within the timescale",
            )
        ],
        5: [
            (
                "closed_after_review",
                "closed",
                "Closed with an outcome report reviewed (of all closed)",
            ),
            ("classified_on_time", "classified", "Classified within the timescale"),
        ],
        7: [("ico_decided_within_72h", "ico_decided", "ICO decision made within 72 hours")],
    },
}


# --- The figures ------------------------------------------------------------------------------


def _summed(scope: Scope, period: Period) -> tuple[dict[str, Any], dict, dict]:
    """The period's figures of the scope's organisation-months, summed in Python: one row
    per organisation-month (`StatisticBucket.figures`), a few hundred for a year of a large
    trust. Returns the summed figures, incidents by month and incidents by organisation."""
    totals = empty_figures()
    by_month: dict[datetime.date, int] = {}
    by_org: dict[int, int] = {}
    breakdowns = ("severity", "policy", *BREAKDOWNS)
    rows = StatisticBucket.objects.filter(
        organisation_id__in=scope.organisation_ids, month__gte=period.first, month__lte=period.last
    ).values_list("organisation_id", "month", "figures")
    for org_id, month, figures in rows:
        if not figures:
            continue
        n = figures["incidents"]
        by_month[month] = by_month.get(month, 0) + n
        by_org[org_id] = by_org.get(org_id, 0) + n
        for name in SUM_FIELDS:
            totals[name] += figures[name]
        totals["open"] += figures["open"]
        totals["serious"] += figures["serious"]
        for name in breakdowns:
            into = totals[name]
            for key, count in figures[name].items():
                into[key] = into.get(key, 0) + count
    return totals, by_month, by_org


def statistics_for(scope: Scope, period: Period) -> Statistics:
    """The dashboard's figures for `scope` over `period`. A fixed number of queries (4):
    the organisation-months' figures, overdue actions, the severity names and the policy's
    points, whatever the incidents."""
    show = Shower(scope)
    totals, by_month, by_org = _summed(scope, period)
    by_kind = [{"kind": k, "incidents": n} for k, n in sorted(totals["kind"].items())]
    by_category = [{"category": k, "incidents": n} for k, n in sorted(totals["category"].items())]
    by_personal = [
        {"personal_data": k, "incidents": n} for k, n in sorted(totals["personal_data"].items())
    ]
    by_severity = []
    for key, n in totals["severity"].items():
        rank, _, severity = key.partition(":")
        by_severity.append(
            {"severity_rank": int(rank) if rank else None, "severity": severity, "incidents": n}
        )
    by_severity.sort(key=lambda r: (r["severity_rank"] or 0, r["severity"]))
    policies = sorted(
        ({"policy": name, "n": n} for name, n in totals["policy"].items()),
        key=lambda p: (-p["n"], p["policy"]),
    )
    overdue = overdue_actions_count(scope.organisation_ids)

    sums = {name: int(totals[name]) for name in SUM_FIELDS}
    total = sums["incidents"]
    open_ = totals["open"]
    sums["serious"] = totals["serious"]

    kind_labels = dict(Kind.choices)
    category_labels = dict(Category.choices)
    personal_labels = dict(PersonalData.choices)
    severity_names = _severity_names(scope)

    def rows(data, key, labels, *, keep_order=False) -> list[Row]:
        out = [
            Row(
                labels.get(r[key], r[key]) if r[key] else "Not yet classified",
                show.count(r["incidents"]),
                r[key] or "",
            )
            for r in data
            if r["incidents"]
        ]
        if not keep_order:
            out.sort(key=lambda row: (not row.key, -row.count.value, row.label))
        return out

    severity_rows = [
        Row(
            severity_names.get(r["severity"], r["severity"])
            if r["severity"]
            else "Not yet classified",
            show.count(r["incidents"]),
            r["severity"] or "",
        )
        for r in sorted(
            by_severity, key=lambda r: (r["severity_rank"] is None, -(r["severity_rank"] or 0))
        )
        if r["incidents"]
    ]
    school_rows = []
    if scope.is_trust:
        names = {scope.organisation.pk: f"{scope.organisation.name} (the trust itself)"}
        names.update({s.pk: s.name for s in scope.schools})
        for org_id in scope.organisation_ids:
            count = by_org.get(org_id, 0)
            if org_id == scope.organisation.pk and not count:
                continue
            school_rows.append(Row(names[org_id], show.count(count), str(org_id)))

    split = show.protect([Row("open", show.count(open_)), Row("closed", show.count(total - open_))])
    result = Statistics(
        scope=scope,
        period=period,
        total=show.count(total),
        open=split[0].count,
        closed=split[1].count,
        by_month=show.protect(
            [Row(f"{m:%b %Y}", show.count(by_month.get(m)), f"{m:%Y-%m}") for m in period.months]
        ),
        by_kind=show.protect(rows(by_kind, "kind", kind_labels)),
        by_category=show.protect(rows(by_category, "category", category_labels)),
        by_severity=show.protect(severity_rows),
        # Not a partition (an incident may breach several policies): nothing to subtract.
        by_policy=[Row(p["policy"], show.count(p["n"]), p["policy"]) for p in policies if p["n"]],
        by_school=show.protect(school_rows),
        by_personal_data=show.protect(rows(by_personal, "personal_data", personal_labels)),
        to_report=show.average(sums["report_delay_seconds"], sums["report_delay_count"]),
        to_classify=show.average(sums["classify_seconds"], sums["classified"]),
        to_close=show.average(sums["close_seconds"], sums["closed"]),
        ico_decided=show.count(sums["ico_decided"]),
        ico_within_72h=show.count(sums["ico_decided_within_72h"]),
        ico_ratio=show.ratio(sums["ico_decided_within_72h"], sums["ico_decided"]),
        near_misses=show.count(sums["near_misses"]),
        near_miss_ratio=show.ratio(sums["near_misses"], total),
        overdue_actions=show.count(overdue),
    )
    result.measures = _measures(scope, show, sums)
    return result


def _severity_names(scope: Scope) -> dict[str, str]:
    profile = scope.organisation.effective_profile
    if profile is None:
        return {}
    # The profile's levels were prefetched by no one: one small query.
    return dict(profile.severities.values_list("key", "name"))


def _measures(scope: Scope, show: Shower, sums: dict[str, int]) -> list[Measure]:
    profile = scope.organisation.effective_profile
    if profile is None:
        return []
    table = MEASURES.get(scope.preset, {})
    out = []
    for point in profile.points.all():
        checks = table.get(point.number)
        if not checks:
            out.append(Measure(point.number, point.must, measured=False))
            continue
        for met, of, description in checks:
            out.append(
                Measure(
                    point.number,
                    point.must,
                    measured=True,
                    description=description,
                    met=show.count(sums[met]),
                    of=show.count(sums[of]),
                    ratio=show.ratio(sums[met], sums[of]),
                )
            )
    return out


def _overdue_actions(organisation_ids: Iterable[int]):
    return Action.objects.filter(
        ~Q(status=ActionStatus.DONE),
        incident__organisation_id__in=list(organisation_ids),
        due_on__lt=timezone.localdate(),
    )


def overdue_actions_count(organisation_ids: Iterable[int]) -> int:
    """Actions past their due date and not done: one count over an index range.

    Counted on the actions' deadlines, which `deadlines.services.schedule_for_incident`
    keeps in step with each action (open while it is not done, due at the end of its
    due day) and which carry their organisation: a range of the (organisation, step,
    due time) index of open deadlines, not a join through every incident the
    organisation ever had. Due before today began is due on a day before today.
    """
    from incidentdesk.deadlines.calendar import local_zone
    from incidentdesk.deadlines.models import ACTION_STEP, Deadline

    today = timezone.localdate()
    midnight = datetime.datetime(today.year, today.month, today.day, tzinfo=local_zone())
    return Deadline.objects.filter(
        organisation_id__in=list(organisation_ids),
        step=ACTION_STEP,
        met_at__isnull=True,
        withdrawn_at__isnull=True,
        due_at__lt=midnight,
    ).count()


def overdue_actions_for_report(organisation_ids: Iterable[int], limit: int = 50) -> list[dict]:
    """The overdue actions for the governors' report: what, which incident, how late; never
    the owner's name (the report goes into public governors' papers)."""
    today = timezone.localdate()
    return [
        {
            "reference": row["incident__reference"],
            "title": row["description"].splitlines()[0][:200] if row["description"] else "",
            "due_on": row["due_on"],
            "days_overdue": (today - row["due_on"]).days,
        }
        for row in _overdue_actions(organisation_ids)
        .order_by("due_on", "pk")
        .values("incident__reference", "description", "due_on")[:limit]
    ]


def serious_incidents_for_report(scope: Scope, period: Period, limit: int = 100) -> list[dict]:
    """Major and critical incidents reported in the period, summarised from the
    classification only: reference, dates, kind, category, severity, state. Never the
    reporter's free text or anyone's name."""
    from incidentdesk.incidents.models import Incident

    from .services import month_bounds

    start, _ = month_bounds(period.first)
    _, end = month_bounds(period.last)
    names = _severity_names(scope)
    kinds, categories, states = dict(Kind.choices), dict(Category.choices), dict(State.choices)
    personal = dict(PersonalData.choices)
    rows = (
        Incident.objects.filter(
            organisation_id__in=scope.organisation_ids,
            is_serious=True,
            reported_at__gte=start,
            reported_at__lt=end,
        )
        .order_by("reported_at", "pk")
        .values(
            "reference",
            "organisation__name",
            "reported_at",
            "classified_at",
            "closed_at",
            "kind",
            "category",
            "severity",
            "state",
            "personal_data",
        )[:limit]
    )
    return [
        {
            "reference": r["reference"],
            "organisation": r["organisation__name"],
            "reported_on": timezone.localdate(r["reported_at"]),
            "classified_on": timezone.localdate(r["classified_at"]) if r["classified_at"] else None,
            "closed_on": timezone.localdate(r["closed_at"]) if r["closed_at"] else None,
            "kind": kinds.get(r["kind"], r["kind"]),
            "category": categories.get(r["category"], r["category"]),
            "severity": names.get(r["severity"], r["severity"]),
            "state": states.get(r["state"], r["state"]),
            "summary": (
                f"{names.get(r['severity'], r['severity'])} "
                f"{kinds.get(r['kind'], r['kind']).lower()}: "
                f"{categories.get(r['category'], r['category']).lower()}; personal data: "
                f"{personal.get(r['personal_data'], 'not recorded').lower()}."
            ),
        }
        for r in rows
    ]
