"""The API's oversight operations."""

from ninja import Router

router = Router(tags=["oversight"])


# --- The register: the same rows, filters, order and keyset paging as its page ----------
from incidentdesk.api.register_api import RegisterPageOut, get_register  # noqa: E402
from incidentdesk.api.schemas import responses as _responses  # noqa: E402

router.get(
    "/register",
    response=_responses({200: RegisterPageOut}, 403, 422),
    operation_id="get_register",
    summary="List the register's incidents, filtered",
)(get_register)


# --- get_statistics: the dashboard's figures (dashboards and governors' report) -----------

from typing import Annotated as _Annotated  # noqa: E402

from django.http import HttpRequest  # noqa: E402
from ninja import Query, Schema  # noqa: E402
from ninja.errors import HttpError as _HttpError  # noqa: E402

from incidentdesk.oversight import statistics as _stats  # noqa: E402

# A count a governor sees as words when it is small: "fewer than 5".
_ShownCount = int | str


class StatisticRowOut(Schema):
    key: str
    label: str
    count: _ShownCount


class PolicyPointOut(Schema):
    number: int
    must: str
    measured: bool
    description: str
    met: _ShownCount | None
    of: _ShownCount | None
    percent: int | None


class StatisticsOut(Schema):
    organisation: str
    period_start: str
    period_end: str
    exact_counts: bool
    small_count_threshold: int
    total: _ShownCount
    open: _ShownCount
    closed: _ShownCount
    near_misses: _ShownCount
    near_miss_percent: int | None
    mean_days_discovery_to_report: float | None
    mean_days_report_to_classification: float | None
    mean_days_report_to_closure: float | None
    ico_decisions: _ShownCount
    ico_decisions_within_72_hours: _ShownCount
    ico_within_72_hours_percent: int | None
    overdue_actions: _ShownCount
    by_month: list[StatisticRowOut]
    by_kind: list[StatisticRowOut]
    by_category: list[StatisticRowOut]
    by_severity: list[StatisticRowOut]
    by_policy_breached: list[StatisticRowOut]
    by_school: list[StatisticRowOut]
    policy_points: list[PolicyPointOut]


def _rows(rows: list[_stats.Row]) -> list[StatisticRowOut]:
    return [StatisticRowOut(key=r.key, label=r.label, count=r.count.as_api()) for r in rows]


@router.get(
    "/statistics",
    response=_responses({200: StatisticsOut}, 404, 422),
    operation_id="get_statistics",
    summary="Get the dashboard's statistics",
)
def get_statistics(
    request: HttpRequest,
    organisation: _Annotated[
        str, Query(max_length=60, description="Slug; default: your first.")
    ] = "",
    start: _Annotated[
        str, Query(pattern=r"^\d{4}-\d{2}$", description="First month, YYYY-MM.")
    ] = "",
    end: _Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="Last month, YYYY-MM.")] = "",
) -> StatisticsOut:
    """The dashboard's figures for one organisation (a trust with its schools) and period
    (default: the last 12 months). Governors and trustees get a count from 1 to 4 as the
    string "fewer than 5", and no average or percentage worked out from so few, exactly as
    on the dashboard. An organisation whose dashboard the caller may not see is a 404."""
    scopes = _stats.dashboard_scopes(request.auth)  # type: ignore[attr-defined]
    scope = next((s for s in scopes if s.organisation.slug == organisation), None)
    if scope is None and (organisation or not scopes):
        raise _HttpError(404, "Not found.")
    scope = scope or scopes[0]
    period = _stats.default_period()
    if start or end:
        first, last = _stats.parse_month(start or end), _stats.parse_month(end or start)
        if first is None or last is None or first > last:
            raise _HttpError(422, "The period must end in or after the month it starts.")
        if (last.year - first.year) * 12 + last.month - first.month >= _stats.PERIOD_MONTHS_MAX:
            raise _HttpError(422, "Choose a period of 5 years or less.")
        period = _stats.Period(first, last)
    s = _stats.statistics_for(scope, period)

    def opt(count: _stats.Count | None) -> int | str | None:
        return count.as_api() if count is not None else None

    return StatisticsOut(
        organisation=scope.organisation.slug,
        period_start=period.start.isoformat(),
        period_end=period.end.isoformat(),
        exact_counts=scope.exact,
        small_count_threshold=scope.threshold,
        total=s.total.as_api(),
        open=s.open.as_api(),
        closed=s.closed.as_api(),
        near_misses=s.near_misses.as_api(),
        near_miss_percent=s.near_miss_ratio.percent,
        mean_days_discovery_to_report=s.to_report.days,
        mean_days_report_to_classification=s.to_classify.days,
        mean_days_report_to_closure=s.to_close.days,
        ico_decisions=s.ico_decided.as_api(),
        ico_decisions_within_72_hours=s.ico_within_72h.as_api(),
        ico_within_72_hours_percent=s.ico_ratio.percent,
        overdue_actions=s.overdue_actions.as_api(),
        by_month=_rows(s.by_month),
        by_kind=_rows(s.by_kind),
        by_category=_rows(s.by_category),
        by_severity=_rows(s.by_severity),
        by_policy_breached=_rows(s.by_policy),
        by_school=_rows(s.by_school),
        policy_points=[
            PolicyPointOut(
                number=m.number,
                must=m.must,
                measured=m.measured,
                description=m.description,
                met=opt(m.met),
                of=opt(m.of),
                percent=m.ratio.percent if m.ratio else None,
            )
            for m in s.measures
        ],
    )
