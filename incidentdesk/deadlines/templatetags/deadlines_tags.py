"""For the home page: whether to link "Due and overdue" for someone who handles no incidents
but owns a policy document whose review is open."""

from __future__ import annotations

from django import template

from incidentdesk.deadlines import selectors
from incidentdesk.incidents.rules import Someone

register = template.Library()


@register.simple_tag
def owns_a_policy_review(person: Someone) -> bool:
    return selectors.owns_a_policy_review(person)
