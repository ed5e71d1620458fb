"""The service navigation's links beyond Home: each shown only to people it can serve.

One entry per page: (label, URL name, the key `current` takes on that page, and the dotted
path of a predicate `(person) -> bool`). The predicate is the page's own permission rule,
so a link is never shown to someone the page would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    key: str


MENU: list[tuple[str, str, str, str]] = [
    (
        "Dashboard",
        "oversight:dashboard",
        "dashboard",
        "incidentdesk.oversight.dashboard_rules.may_see_dashboard",
    ),
    ("Register", "oversight:register", "register", "incidentdesk.oversight.rules.may_see"),
    ("Policies", "governance:index", "governance", "incidentdesk.governance.rules.may_see"),
]


def menu_for(person) -> list[MenuItem]:
    if not getattr(person, "is_authenticated", False):
        return []
    return [
        MenuItem(label, reverse(url_name), key)
        for label, url_name, key, predicate in MENU
        if import_string(predicate)(person)
    ]
