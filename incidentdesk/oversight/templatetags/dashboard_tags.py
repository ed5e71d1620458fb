from django import template

from incidentdesk.oversight.dashboard_rules import may_see_dashboard as _may_see_dashboard

register = template.Library()


@register.simple_tag
def may_see_dashboard(person) -> bool:
    return _may_see_dashboard(person)
