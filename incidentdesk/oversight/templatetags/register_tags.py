"""For the home page: whether to link the register."""

from __future__ import annotations

from django import template

from incidentdesk.incidents.rules import Someone
from incidentdesk.oversight import rules

register = template.Library()


@register.simple_tag
def may_use_register(person: Someone) -> bool:
    return rules.may_see(person)
