"""The dashboard, /oversight/dashboard/, and the governing body's report download.

Thin: who sees which organisation is `statistics.dashboard_scopes`; the figures are
`statistics.statistics_for`; the PDF and its audit are `governors_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .charts import dashboard_charts
from .governors_report import download_governors_report
from .statistics import (
    PERIOD_MONTHS_MAX,
    Period,
    Scope,
    dashboard_scopes,
    default_period,
    month_choices,
    parse_month,
    statistics_for,
)

# A download is a file, not a page: the browser must save it, never render or run it.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


@dataclass
class PeriodForm:
    start: str
    end: str
    organisation: str
    errors: dict[str, str] = field(default_factory=dict)


def _read(request: HttpRequest, scopes: list[Scope]) -> tuple[Scope, Period, PeriodForm]:
    """The organisation and period asked for; the default period while the input is wrong
    (with the reasons, and what was chosen kept)."""
    form = PeriodForm(
        start=request.GET.get("start", "")[:7],
        end=request.GET.get("end", "")[:7],
        organisation=request.GET.get("organisation", "")[:60],
    )
    scope = next((s for s in scopes if s.organisation.slug == form.organisation), None)
    if form.organisation and scope is None:
        # Not one of theirs: the same answer as an organisation that does not exist.
        raise Http404
    scope = scope or scopes[0]
    form.organisation = scope.organisation.slug
    period = default_period()
    if not form.start and not form.end:
        form.start, form.end = f"{period.first:%Y-%m}", f"{period.last:%Y-%m}"
        return scope, period, form
    first, last = parse_month(form.start), parse_month(form.end)
    if first is None:
        form.errors["start"] = "Choose the month the period starts"
    if last is None:
        form.errors["end"] = "Choose the month the period ends"
    if first and last and first > last:
        form.errors["end"] = "The period must end in or after the month it starts"
    if (
        first
        and last
        and (last.year - first.year) * 12 + last.month - first.month >= PERIOD_MONTHS_MAX
    ):
        form.errors["end"] = "Choose a period of 5 years or less"
    if form.errors or first is None or last is None:
        return scope, period, form
    return scope, Period(first, last), form


def _scopes(request: HttpRequest) -> list[Scope]:
    scopes = dashboard_scopes(request.user)
    if not scopes:
        raise Http404
    return scopes


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scopes = _scopes(request)
    scope, period, form = _read(request, scopes)
    stats = statistics_for(scope, period)
    return render(
        request,
        "oversight/dashboard.html",
        {
            "current": "dashboard",
            "scopes": scopes,
            "scope": scope,
            "period": period,
            "form": form,
            "months": month_choices(),
            "stats": stats,
            "charts": dashboard_charts(stats),
        },
        status=200,
    )


@login_required
@require_GET
def governors_report(request: HttpRequest) -> HttpResponse:
    scopes = _scopes(request)
    scope, period, form = _read(request, scopes)
    if form.errors:
        # The dashboard shows the errors beside the fields; the report is not made.
        return dashboard(request)
    content = download_governors_report(actor=request.user, scope=scope, period=period)  # type: ignore[arg-type]
    response = HttpResponse(content, content_type="application/pdf")
    filename = (
        f"{scope.organisation.code}-governors-report-"
        f"{period.first:%Y-%m}-to-{period.last:%Y-%m}.pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "no-store"
    return response
