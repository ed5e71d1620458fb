"""The ICO countdown as pages show it: `{% load ico %}`, then `{% ico_countdown incident %}`
on an incident's page or `{% ico_countdowns %}` on the home page.

Tags rather than view context so the shared incident and home views need no change; each
asks the regulator's selectors, which apply `rules.may_see_ico`.
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
def ico_countdowns(context: template.Context) -> dict[str, Any]:
    person = _person(context)
    countdowns = selectors.ico_countdowns_for(person, timezone.now()) if person else []
    return {"countdowns": countdowns, "on_incident_page": False}
