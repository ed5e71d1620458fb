"""How incidents are written on the pages: state tags, times, kinds, delays."""

from __future__ import annotations

import datetime
import functools
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from incidentdesk.incidents import rules
from incidentdesk.incidents.models import KIND_PLAIN_WORDS, Kind, State

register = template.Library()

# One colour per state, the same everywhere (ux.md): a tag never carries meaning by
# colour alone, its words say it too.
STATE_TAG_CLASSES = {
    State.REPORTED: "govuk-tag--blue",
    State.TRIAGED: "govuk-tag--light-blue",
    State.INVESTIGATING: "govuk-tag--purple",
    State.OUTCOME_SUBMITTED: "govuk-tag--turquoise",
    State.CLOSED: "govuk-tag--green",
    State.NOT_AN_INCIDENT: "govuk-tag--grey",
}
OUT_OF_HOURS_TAG_CLASS = "govuk-tag--orange"
# One colour per severity level, by the default scheme's keys; a profile's own levels
# take the colour of the default level of the same rank. Warmer is more severe; the
# level's name is always written in the tag, so the colour is never the only sign.
SEVERITY_TAG_CLASSES = {
    "minor": "govuk-tag--yellow",
    "moderate": "govuk-tag--pink",
    "major": "govuk-tag--red",
    "critical": "app-tag--critical",
}
SEVERITY_TAG_BY_RANK = {1: "minor", 2: "moderate", 3: "major"}


@register.filter
def state_tag_class(state: str) -> str:
    return STATE_TAG_CLASSES.get(state, "govuk-tag--grey")


@register.filter
def severity_tag_class(incident_or_key: object) -> str:
    """The tag colour of a severity: give it the incident (key and rank) or a level."""
    key = getattr(incident_or_key, "severity", None) or getattr(incident_or_key, "key", None)
    if key is None and isinstance(incident_or_key, str):
        key = incident_or_key
    if key in SEVERITY_TAG_CLASSES:
        return SEVERITY_TAG_CLASSES[key]
    rank = getattr(incident_or_key, "severity_rank", None) or getattr(incident_or_key, "rank", None)
    if isinstance(rank, int):
        return SEVERITY_TAG_CLASSES[SEVERITY_TAG_BY_RANK.get(rank, "critical")]
    return "govuk-tag--grey"


@register.filter
def chosen(value: object, option: object) -> bool:
    """Whether a radio or checkbox `option` is among a bound or initial field `value`.

    Values come as strings from a POST and as ints or strings from initial data.
    """
    if value is None:
        return False
    if isinstance(value, (list, tuple, set)):
        return str(option) in {str(v) for v in value}
    if isinstance(value, bool):
        return value
    return str(value) == str(option)


@register.simple_tag
def select_options(field: Any) -> str:
    """A select's options in one tag rather than a loop of nodes per person: the empty
    choice is never marked selected, as a bound or initial value would otherwise do."""
    value = field.value()
    return format_html_join(
        "\n",
        '<option value="{}"{}>{}</option>',
        (
            (option, " selected" if option != "" and chosen(value, option) else "", label)
            for option, label in field.field.choices
        ),
    )


@register.simple_tag
def out_of_hours_tag_class() -> str:
    return OUT_OF_HOURS_TAG_CLASS


@register.filter
def kind_in_words(kind: str) -> str:
    """The reporter's own idea of what happened, in the words the form gave them."""
    if not kind:
        return "Not sure"
    return KIND_PLAIN_WORDS.get(Kind(kind), Kind(kind).label)


def _clock(moment: datetime.datetime | datetime.time) -> str:
    # GOV.UK style: "9:05am", "midday", "midnight".
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    if moment.hour == 0 and moment.minute == 0:
        return "midnight"
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"


@register.filter
def day(value: datetime.date | datetime.datetime | None) -> str:
    """As in 25 November 2026; a date-time in the site's time zone (Europe/London)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value.day} {value:%B %Y}"


@register.filter
def when(value: datetime.datetime | None) -> str:
    """As in 25 November 2026 at 9:05am, in the site's time zone (Europe/London)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{day(local)} at {_clock(local)}"


@register.filter
def clock(value: datetime.time | None) -> str:
    return "" if value is None else _clock(value)


@register.filter
def duration(seconds: int | None) -> str:
    """As in 2 days 3 hours, or 45 minutes: the two largest units, enough to act on."""
    if seconds is None:
        return ""
    if seconds < 60:
        return "Less than a minute"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if n
    ]
    return " ".join(parts[:2])


@register.simple_tag
def handles_incidents(person: rules.Someone) -> bool:
    """For the home page: whether to link the incident queue."""
    return rules.handles_incidents(person)


@register.filter
def duty_title(duty: str, incident: object) -> str:
    """The duty's title in the incident's own policy, as in "Information Champion"."""
    organisation = getattr(incident, "organisation", None)
    profile = organisation.effective_profile if organisation is not None else None
    if profile is not None:
        return profile.duty_title(duty)
    return duty.replace("_", " ").capitalize()


@register.filter
def lookup(mapping: dict[str, str] | None, key: object) -> str:
    """A hint for a choice, from a {value: hint} dict given to a template."""
    if not mapping:
        return ""
    return mapping.get(str(key), "")


@register.simple_tag
def severity_tag(incident: object) -> str:
    """The severity tag of a queue row in one tag, not an include per row: the level's name
    in the incident's profile (`severity_name`), else its key; "Not classified yet"."""
    severity = getattr(incident, "severity", "")
    if not severity:
        return "Not classified yet"
    name = getattr(incident, "severity_name", None) or severity
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', severity_tag_class(incident), name
    )


@functools.cache
def _detail_url_pattern() -> tuple[str, str]:
    # The URL patterns do not change while the process runs: reversed once, then filled in.
    url = reverse("incidents:detail", args=["REFERENCE"])
    before, after = url.split("REFERENCE")
    return before, after


@register.filter
def detail_url(reference: str) -> str:
    """The incident page's address, as `{% url 'incidents:detail' reference %}` gives it."""
    before, after = _detail_url_pattern()
    return f"{before}{quote(str(reference), safe='')}{after}"
