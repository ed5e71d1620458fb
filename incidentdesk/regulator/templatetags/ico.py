"""The ICO countdown as pages show it: `{% load ico %}`, then `{% ico_countdown incident %}`
on an incident's page or `{% ico_countdowns %}` on the home page.

The incident and home views read the countdowns themselves (so each page's queries are in
its view, fixed and counted) and pass them in; the regulator's selectors apply
`rules.may_see_ico`.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from incidentdesk.regulator import selectors

register = template.Library()


def _person(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("regulator/_ico_countdown.html", takes_context=True)
def ico_countdown(context: template.Context, incident: Any) -> dict[str, Any]:
    person = _person(context)
    countdown = selectors.ico_countdown_for(person, incident, timezone.now()) if person else None
    return {"countdowns": [countdown] if countdown else [], "on_incident_page": True}


@register.inclusion_tag("regulator/_ico_countdown.html", takes_context=True)
def ico_countdowns(context: template.Context, countdowns: Any = None) -> dict[str, Any]:
    """The home page's list; the view passes the countdowns it read (its query stays in
    the view, counted with the page's), else they are read here."""
    if countdowns is None:
        person = _person(context)
        countdowns = selectors.ico_countdowns_for(person, timezone.now()) if person else []
    shown = list(countdowns)[: selectors.HOME_COUNTDOWNS]
    return {
        "countdowns": shown,
        "more": len(countdowns) > len(shown),
        "on_incident_page": False,
    }
