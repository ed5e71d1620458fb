"""Reads for the reporting pages: a member of staff's own reports, and who hears of a report.

Access is decided here, not in views: a reporter reaches an incident only through
`report_of`, which answers 404 for anything they did not report under their own name or
in confidence. Anonymous reports carry no account, so they never appear here at all.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from incidentdesk.incidents.models import Incident, ReportingMode
from incidentdesk.organisations.models import Organisation, Person

from .models import Attachment, Message

# The modes in which the reporter's account is kept, and so "my reports" can list them.
_OWN_MODES = (ReportingMode.NAMED, ReportingMode.CONFIDENTIAL)


def reports_made_by(person: Person) -> QuerySet[Incident]:
    """The reports `person` made, named or confidential, newest first. One query."""
    return (
        Incident.objects.filter(reporter=person, mode__in=_OWN_MODES)
        .select_related("organisation")
        .order_by("-reported_at", "-pk")
    )


def report_of(*, person: Person, reference: str) -> Incident:
    """The report with `reference` if `person` made it (named or confidential); else 404.

    404 rather than 403 for someone else's report, so a reference cannot be probed.
    """
    if not person.is_authenticated:
        raise Http404
    try:
        return reports_made_by(person).get(reference=reference)
    except Incident.DoesNotExist as exc:
        raise Http404 from exc


def messages_with_reporter(incident: Incident) -> list[Message]:
    """Every message between the reporter and the incident manager, oldest first."""
    return list(Message.objects.filter(incident=incident).order_by("created_at", "pk"))


def attachments_of(incident: Incident) -> list[Attachment]:
    return list(Attachment.objects.filter(incident=incident).order_by("uploaded_at", "pk"))


def who_is_told(*, organisation: Organisation, mode: str) -> list[str]:
    """The titles of the duty holders a report goes to, in the policy's words.

    "Information Champion" in a trust, "Headteacher or Bursar" in a school; an anonymous
    report may go to someone else (the school policy sends it to the chair of governors).
    """
    profile = organisation.effective_profile
    if profile is None:
        return []
    duties = (
        [profile.anonymous_recipient]
        if mode == ReportingMode.ANONYMOUS
        else list(profile.report_recipients)
    )
    return [profile.duty_title(duty) for duty in duties]


def out_of_hours_title(organisation: Organisation) -> str:
    """The title of who is alerted to a report made out of hours ("Head of School")."""
    profile = organisation.effective_profile
    return profile.duty_title(profile.out_of_hours_recipient) if profile else ""
