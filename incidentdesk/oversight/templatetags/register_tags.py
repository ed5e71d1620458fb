"""For the home page: whether to link the register. For the register's page: its table,
its cards and its filters' checkboxes, each written by one tag.

Why tags and not template loops: a page of fifty rows in `{% for %}`/`{% if %}`/
`{% include %}` cost the register some 13 ms a request in Django's template engine; the
same HTML from `format_html` costs well under one. Every value goes through
`format_html` or `_e`, so it is escaped as the template would escape it.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Iterable
from typing import Any

from django import template
from django.forms import BoundField
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from incidentdesk.incidents.models import Category, Incident, Kind, State
from incidentdesk.incidents.rules import Someone
from incidentdesk.incidents.templatetags.incidents import (
    clock,
    day,
    severity_tag_class,
    state_tag_class,
)
from incidentdesk.oversight import rules
from incidentdesk.oversight.register import RegisterRow

register = template.Library()

KIND_NAMES = dict(Kind.choices)
CATEGORY_NAMES = dict(Category.choices)
STATE_NAMES = dict(State.choices)
NOT_CLASSIFIED = "Not classified yet"


@register.simple_tag
def may_use_register(person: Someone) -> bool:
    return rules.may_see(person)


def _detail_url() -> str:
    # One reverse() per page, not per row: the reference is the only part that changes.
    return reverse("incidents:detail", args=["REF"]).replace("REF", "{}")


def _e(value: Any) -> str:
    # The standard library's escape: the same characters as Django's `escape`, without
    # its lazy-string checks, which cost more than the escaping on a page of 50 rows.
    return html.escape(str(value), quote=True)


def _reported(incident: Incident | RegisterRow, zone: datetime.tzinfo) -> str:
    """When it was reported, as `when` writes it (escaped), worked out once a row for
    the table and the cards; the time zone is asked once a page, not once a row."""
    words = getattr(incident, "reported_words", None)
    if words is None:
        local = incident.reported_at.astimezone(zone)
        words = _e(f"{day(local.date())} at {clock(local.time())}")
        if isinstance(incident, RegisterRow):
            incident.reported_words = words
    return words


def _severity(incident: Incident | RegisterRow) -> str:
    if not incident.severity:
        return NOT_CLASSIFIED
    name = getattr(incident, "severity_name", None) or incident.severity
    return f'<strong class="govuk-tag {_e(severity_tag_class(incident))}">{_e(name)}</strong>'


def _state(incident: Incident | RegisterRow) -> str:
    name = STATE_NAMES.get(incident.state, incident.state)
    return f'<strong class="govuk-tag {_e(state_tag_class(incident.state))}">{_e(name)}</strong>'


@register.simple_tag
def register_table_rows(
    incidents: Iterable[Incident | RegisterRow], several_organisations: bool
) -> SafeString:
    """The rows of the register's table (the `<tbody>`'s content)."""
    url = _detail_url()
    zone = timezone.get_current_timezone()
    rows = []
    for incident in incidents:
        organisation = (
            '<span class="govuk-body-s app-incident-queue__organisation">'
            f"{_e(incident.organisation.name)}</span>"
            if several_organisations
            else ""
        )
        if incident.kind:
            kind = _e(KIND_NAMES.get(incident.kind, incident.kind))
            if incident.category:
                category = CATEGORY_NAMES.get(incident.category, incident.category)
                kind += f'<br><span class="govuk-body-s">{_e(category)}</span>'
        else:
            kind = NOT_CLASSIFIED
        overdue = (
            '<br><strong class="govuk-tag govuk-tag--red govuk-!-margin-top-1">Overdue</strong>'
            if getattr(incident, "is_overdue", False)
            else ""
        )
        reference = _e(incident.reference)
        rows.append(
            '<tr class="govuk-table__row">'
            '<th scope="row" class="govuk-table__header">'
            f'<a class="govuk-link" href="{_e(url.format(incident.reference))}">{reference}</a>'
            f"{organisation}</th>"
            f'<td class="govuk-table__cell">{_reported(incident, zone)}</td>'
            f'<td class="govuk-table__cell">{kind}</td>'
            f'<td class="govuk-table__cell">{_severity(incident)}</td>'
            f'<td class="govuk-table__cell">{_state(incident)}{overdue}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped


def _summary_row(key: str, value_html: str) -> str:
    return (
        '<div class="govuk-summary-list__row">'
        f'<dt class="govuk-summary-list__key">{key}</dt>'
        f'<dd class="govuk-summary-list__value">{value_html}</dd>'
        "</div>"
    )


@register.simple_tag
def register_cards(
    incidents: Iterable[Incident | RegisterRow], several_organisations: bool
) -> SafeString:
    """The same incidents as summary cards, for narrow screens."""
    url = _detail_url()
    zone = timezone.get_current_timezone()
    overdue_tag = ' <strong class="govuk-tag govuk-tag--red">Overdue</strong>'
    cards = []
    for incident in incidents:
        rows = []
        if several_organisations:
            rows.append(_summary_row("School or trust", _e(incident.organisation.name)))
        state = _state(incident)
        if getattr(incident, "is_overdue", False):
            state += overdue_tag
        rows.append(_summary_row("State", state))
        rows.append(_summary_row("Severity", _severity(incident)))
        rows.append(_summary_row("Reported", _reported(incident, zone)))
        if incident.kind:
            kind = KIND_NAMES.get(incident.kind, incident.kind)
            if incident.category:
                kind += ", " + CATEGORY_NAMES.get(incident.category, incident.category).lower()
        else:
            kind = NOT_CLASSIFIED
        rows.append(_summary_row("Kind", _e(kind)))
        cards.append(
            '<li class="govuk-summary-card">'
            '<div class="govuk-summary-card__title-wrapper">'
            '<h2 class="govuk-summary-card__title">'
            f'<a class="govuk-link" href="{_e(url.format(incident.reference))}">'
            f"{_e(incident.reference)}</a></h2></div>"
            '<div class="govuk-summary-card__content">'
            f'<dl class="govuk-summary-list">{"".join(rows)}</dl></div></li>'
        )
    return mark_safe("\n".join(cards))  # noqa: S308 - every value above is escaped


@register.simple_tag
def register_checkboxes(field: BoundField, hint: str = "") -> SafeString:
    """GOV.UK small checkboxes for one of the filters, as incidents/_choices.html writes
    them: the first option carries the field's id, so the error summary lands on it."""
    auto_id = field.auto_id
    errors = field.errors
    error = errors[0] if errors else ""
    value = field.value()
    if value is None:
        chosen: set[str] = set()
    elif isinstance(value, (list, tuple, set)):
        chosen = {str(v) for v in value}
    else:
        chosen = {str(value)}
    described = " ".join(
        part for part, used in ((f"{auto_id}-hint", hint), (f"{auto_id}-error", error)) if used
    )
    # Plain strings with `_e`, not format_html per option: a severity or a state list
    # is a dozen options, and format_html's lazy-string checks cost more than escaping.
    name = _e(field.html_name)
    items = mark_safe(  # noqa: S308 - every value is escaped by _e
        "\n".join(
            '<div class="govuk-checkboxes__item">'
            f'<input class="govuk-checkboxes__input" id="{_e(option_id)}" name="{name}" '
            f'type="checkbox" value="{_e(option)}"{" checked" if str(option) in chosen else ""}>'
            f'<label class="govuk-label govuk-checkboxes__label" for="{_e(option_id)}">'
            f"{_e(label)}</label></div>"
            for n, (option, label) in enumerate(field.field.choices, start=1)
            for option_id in [auto_id if n == 1 else f"{auto_id}-{n}"]
        )
    )
    return format_html(
        '<div class="govuk-form-group{}">'
        '<fieldset class="govuk-fieldset"{}>'
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{}</legend>'
        "{}{}"
        '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
        "{}</div></fieldset></div>",
        " govuk-form-group--error" if error else "",
        format_html(' aria-describedby="{}"', described) if described else "",
        field.label,
        format_html('<div id="{}-hint" class="govuk-hint">{}</div>', auto_id, hint) if hint else "",
        format_html(
            '<p id="{}-error" class="govuk-error-message">'
            '<span class="govuk-visually-hidden">Error:</span> {}</p>',
            auto_id,
            error,
        )
        if error
        else "",
        items,
    )
