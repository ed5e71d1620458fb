"""The "Outcome report" card on the incident page, for those who may see the report."""

from __future__ import annotations

from typing import Any

from django import template

from incidentdesk.incidents.models import Incident
from incidentdesk.outcomes import rules, selectors

register = template.Library()


@register.inclusion_tag("outcomes/_card.html")
def outcome_card(incident: Incident, person: Any) -> dict[str, Any]:
    if not rules.may_see_outcome(person, incident):
        return {"show": False}
    return {"show": True, "incident": incident, "review": selectors.review_status(incident)}
