"""The incident's history in words: every audit event of the incident, oldest first.

A read for the timeline page. Two queries whatever the number of events: the events
(with their actors) and the names of the people the events mention by e-mail address.

Nobody's e-mail address is shown, and a reporter who chose to be confidential or
anonymous is never named: their events carry no actor (`services.audit_actor_for`), only
the label, and the label is all that is shown for them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from incidentdesk.audit.models import AuditEvent
from incidentdesk.audit.selectors import events_for_object
from incidentdesk.organisations.models import Duty, Person

from .models import Category, Incident, Kind, PersonalData, ReportingMode, State

# Labels the reporting services give events whose actor must stay unnamed.
UNNAMED_REPORTERS = {
    "confidential reporter": "The confidential reporter",
    "anonymous reporter": "The anonymous reporter",
}


# Events the reporter makes: not named once the incident is anonymised.
REPORTER_ACTIONS = frozenset({"incident.reported", "incident.reporter_message"})

INVOLVEMENT_WORDS = {
    "incident.referral": ("Referred the incident", "was referred it, and must acknowledge it."),
    "incident.support": ("Asked for support", "was told, and given access to the incident."),
    "incident.safeguarding": ("Flagged it for safeguarding", "was told."),
}


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime.datetime
    who: str
    what: str
    detail: str


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _who(event: AuditEvent) -> str:
    if event.actor_label in UNNAMED_REPORTERS:
        return UNNAMED_REPORTERS[event.actor_label]
    if event.actor_id is not None and event.actor is not None:
        return event.actor.full_name
    if event.actor_label == "system":
        return "Incident Desk"
    # The label is "Full Name <address>" when the person is gone: keep only the name.
    return event.actor_label.split(" <", 1)[0] or "Someone"


def _state(value: str) -> str:
    return _label(State, value).lower()


def _classified(event: AuditEvent) -> tuple[str, str]:
    changes = event.changes or {}
    parts = []
    labels: dict[str, tuple[str, Callable[[Any], str]]] = {
        "severity": ("severity", lambda v: str(v)),
        "kind": ("kind", lambda v: _label(Kind, v).lower()),
        "category": ("sort", lambda v: _label(Category, v).lower()),
        "personal_data": ("personal information", lambda v: _label(PersonalData, v).lower()),
    }
    for field, (words, show) in labels.items():
        if field in changes:
            before, after = changes[field]
            after_words = show(after) if after else "none"
            parts.append(
                f"{words} {show(before)} → {after_words}" if before else f"{words} {after_words}"
            )
    if "severity_reason" in changes:
        parts.append(f"reason: “{changes['severity_reason'][1]}”")
    policies = (event.details or {}).get("policies_breached") or []
    if policies:
        parts.append("policies breached: " + ", ".join(policies))
    if not parts:
        return "Classified", "No change"
    text = "; ".join(parts)
    return "Classified", text[0].upper() + text[1:]


def _person(details: dict[str, Any], key: str, names: dict[str, str]) -> str:
    email = details.get(key, "")
    return names.get(email, "someone")


def _describe(
    event: AuditEvent, names: dict[str, str], duty: Callable[[str], str]
) -> tuple[str, str]:
    details = event.details or {}
    action = event.action
    reason = details.get("reason", "")
    if action == "incident.reported":
        mode = _label(ReportingMode, details.get("mode", "")).lower()
        extra = ", out of working hours" if details.get("out_of_hours") else ""
        return "Reported the incident", f"A {mode} report{extra}."
    if action == "incident.classified":
        return _classified(event)
    if action == "incident.verified":
        return "Verified the details", details.get("what_was_checked", "")
    if action == "incident.investigator_assigned":
        return "Assigned the investigator", _person(details, "investigator", names)
    if action in INVOLVEMENT_WORDS:
        what, then = INVOLVEMENT_WORDS[action]
        return what, f"{_person(details, 'person', names)}, {duty(details.get('duty', ''))}, {then}"
    if action == "incident.referral_acknowledged":
        return "Acknowledged the referral", f"As {duty(details.get('duty', ''))}."
    if action == "incident.reporter_revealed":
        return "Was shown who reported it", ""
    if action == "attachment.downloaded":
        return "Downloaded a file sent with the report", f"SHA-256 {details.get('sha256', '')}"
    if action == "incident.anonymised":
        years = details.get("retention_years")
        return (
            "Removed the details under the retention policy",
            f"Closed for more than {years} years: names and free text removed, "
            "the dates and figures kept.",
        )
    if action == "incident.reporter_message":
        return "Added information to the report", ""
    if action == "incident.message_to_reporter":
        return "Wrote to the reporter", ""
    if action.startswith("incident.") and "state" in (event.changes or {}):
        before, after = event.changes["state"]
        what = {
            "incident.classify": "Moved it on for handling",
            "incident.start_investigation": "Started the investigation",
            "incident.not_an_incident": "Closed it as not a security incident",
            "incident.submit_outcome": "Submitted the outcome report",
            "incident.return_outcome": "Returned the outcome report",
            "incident.close": "Closed the incident",
            "incident.reopen": "Reopened the incident",
        }.get(action, "Changed its state")
        detail = f"From {_state(before)} to {_state(after)}."
        return what, f"{detail} Reason: “{reason}”" if reason else detail
    # An event another part of Incident Desk records (the investigation, later issues):
    # its name in words rather than nothing.
    return action.split(".", 1)[-1].replace("_", " ").capitalize(), ""


def timeline_for(incident: Incident) -> list[TimelineEntry]:
    """Every audit event of `incident`, oldest first, as who did what and when."""
    events = list(
        events_for_object(object_type="incident", object_id=str(incident.pk)).select_related(
            "actor"
        )
    )
    emails = {
        value
        for event in events
        for key in ("person", "investigator")
        if isinstance(value := (event.details or {}).get(key), str)
    }
    names = (
        dict(Person.objects.filter(email__in=emails).values_list("email", "full_name"))
        if emails
        else {}
    )
    profile = incident.organisation.effective_profile

    def duty(value: str) -> str:
        # The duty's title in the incident's own policy ("Information Champion").
        return profile.duty_title(value) if profile and value in Duty.values else value

    entries = []
    for event in events:
        what, detail = _describe(event, names, duty)
        who = _who(event)
        if incident.anonymised_at is not None and event.action != "incident.anonymised":
            # The audit log keeps what was written (it is append-only), but the retention
            # policy removed it from the incident: show what was done and when, not the text,
            # and not who reported it.
            detail = ""
            if event.action in REPORTER_ACTIONS:
                who = "The reporter"
        entries.append(
            TimelineEntry(occurred_at=event.occurred_at, who=who, what=what, detail=detail)
        )
    return entries
