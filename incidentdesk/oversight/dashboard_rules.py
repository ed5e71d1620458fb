"""Who may see the dashboards and the governing body's report. Default-deny."""

from __future__ import annotations

from incidentdesk.incidents.rules import Someone, duties_held

from .statistics import DASHBOARD_DUTIES, Scope


def may_see_dashboard(person: Someone) -> bool:
    """The incident manager, DPO, SIRO, governors and chair of any organisation."""
    return bool(duties_held(person) & set(DASHBOARD_DUTIES))


def sees_exact_counts(scope: Scope) -> bool:
    """Managers, the DPO and SIRO see exact counts; governors and trustees see small counts
    as "fewer than N" (`statistics.dashboard_scopes` decides it per organisation)."""
    return scope.exact
