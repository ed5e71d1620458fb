"""The governing body's report: the dashboard's figures for a period as a PDF for the
governors' papers, with major and critical incidents summarised without names, overdue
actions, policy exceptions and proposed policy changes. Every download is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from incidentdesk.audit.services import record_event
from incidentdesk.organisations.models import Person

from .charts import dashboard_charts
from .statistics import (
    Period,
    Scope,
    overdue_actions_for_report,
    serious_incidents_for_report,
    statistics_for,
)

TITLE = "Information security incidents: report to the governing body"


def report_context(scope: Scope, period: Period) -> dict[str, Any]:
    from incidentdesk.governance.selectors import exceptions_for_report, policy_changes_for_report

    stats = statistics_for(scope, period)
    ids = list(scope.organisation_ids)
    return {
        "title": TITLE,
        "stats": stats,
        "charts": dashboard_charts(stats),
        "scope": scope,
        "period": period,
        "serious": serious_incidents_for_report(scope, period),
        "overdue": overdue_actions_for_report(ids) if stats.overdue_actions.value else [],
        "exceptions": exceptions_for_report(ids, period.start, period.end),
        "policy_changes": policy_changes_for_report(ids, period.start, period.end),
        "made_at": timezone.localtime(),
        "governor_title": _governor_title(scope),
    }


def _governor_title(scope: Scope) -> str:
    profile = scope.organisation.effective_profile
    if profile is None:
        return "governing body"
    return "trust board" if profile.preset == "trust" else "governing body"


def render_pdf(scope: Scope, period: Period) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the download needs.
    from weasyprint import HTML

    html = render_to_string("oversight/governors_report_pdf.html", report_context(scope, period))
    # No base_url: the template is self-contained, so nothing is fetched while rendering.
    return HTML(string=html).write_pdf()


@transaction.atomic
def download_governors_report(*, actor: Person, scope: Scope, period: Period) -> bytes:
    """The report as PDF, with an audit event saying who took it and for which period.

    `scope` comes from `statistics.dashboard_scopes(actor)`, which is the permission
    check: only the organisations the actor oversees can be in it.
    """
    content = render_pdf(scope, period)
    record_event(
        actor=actor,
        action="oversight.governors_report_downloaded",
        obj=scope.organisation,
        organisation=scope.organisation,
        details={
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "exact_counts": scope.exact,
        },
    )
    return content
