"""The service navigation's links beyond Home: each shown only to people it can serve.

One entry per page: (label, URL name, the key `current` takes on that page, and the dotted
path of a predicate `(person) -> bool`). The predicate is the page's own permission rule,
so a link is never shown to someone the page would refuse.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe


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
    entries = _resolved_menu(tuple(MENU), get_script_prefix(), settings.ROOT_URLCONF, get_urlconf())
    return [item for item, predicate in entries if predicate(person)]


@functools.cache
def _resolved_menu(
    menu: tuple[tuple[str, str, str, str], ...], *url_settings: object
) -> tuple[tuple[MenuItem, Callable[..., bool]], ...]:
    """The links and their predicates, reversed and imported once per process (per URL
    configuration): only the predicates depend on who asks."""
    return tuple(
        (MenuItem(label, reverse(url_name), key), import_string(predicate))
        for label, url_name, key, predicate in menu
    )


def menu_links_html(person, current: str | None, *, home_url: str, admin_url: str) -> SafeString:
    """The menu's <li>s (Home, the pages this person may use, Admin for admin users),
    the one for `current` marked as the page you are on.

    Drawn here rather than by a loop of `{% if %}` in base.html: it is on every page, and
    the loop cost more than some pages' own content.
    """
    links = [_link_html("Home", home_url, current == "home")]
    links.extend(_link_html(item.label, item.url, current == item.key) for item in menu_for(person))
    if getattr(person, "is_staff", False):
        links.append(_link_html("Admin", admin_url, False))
    return mark_safe("\n".join(links))  # noqa: S308 - each link built by format_html


def _link_html(label: str, url: str, active: bool) -> SafeString:
    if active:
        return format_html(
            '<li class="govuk-service-navigation__item govuk-service-navigation__item--active">'
            '<a class="govuk-service-navigation__link" href="{}" aria-current="page">'
            '<strong class="govuk-service-navigation__active-fallback">{}</strong></a></li>',
            url,
            label,
        )
    return format_html(
        '<li class="govuk-service-navigation__item">'
        '<a class="govuk-service-navigation__link" href="{}">{}</a></li>',
        url,
        label,
    )
