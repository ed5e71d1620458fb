"""Reads of incidents. Every page and API operation gets its incidents here.

`incident_for_user` answers 404 for an incident the person may not see, whether it does
not exist, belongs to another organisation or is simply not theirs: the answer must not
tell an outsider which references exist. `incidents_visible_to` is the same rule asked
of the database, for lists (rules.py explains who sees what).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from incidentdesk.organisations.models import Duty, SeverityLevel
from incidentdesk.reporting.models import Attachment, Message

from . import rules
from .models import OPEN_STATES, Incident, Involvement, ReportingMode, State

QUEUE_PAGE_SIZE = 50
# A reference is `CODE-2026-0042`: anything much longer is not one, so it is refused
# before it reaches the database.
REFERENCE_MAX_LENGTH = Incident._meta.get_field("reference").max_length or 30


def incidents_visible_to(person: rules.Someone) -> QuerySet[Incident]:
    """The incidents `person` may open on the incident pages (`rules.may_view`, in SQL).

    Default-deny: nobody signed in, nothing. One query whatever the person's duties: the
    duties come in as subqueries. A reporter's own reports are not here: the reporting
    pages show those, through `rules.may_see_as_reporter`.
    """
    if not rules.is_signed_in(person):
        return Incident.objects.none()
    acting = rules.acting_duty_holders(person)  # type: ignore[arg-type]  # signed in
    managed = acting.filter(duty=Duty.INCIDENT_MANAGER).values("organisation_id")
    # The organisation's effective profile: its own, else its trust's (as
    # Organisation.effective_profile), and the duty that profile sends anonymous reports to.
    recipient_duty = Coalesce(
        OuterRef("organisation__profile__anonymous_recipient"),
        OuterRef("organisation__trust__profile__anonymous_recipient"),
    )
    receives_anonymous = acting.filter(duty=recipient_duty).filter(
        Q(organisation_id=OuterRef("organisation_id"))
        | Q(organisation_id=OuterRef("organisation__trust_id"))
    )
    out_of_hours_duty = Coalesce(
        OuterRef("organisation__profile__out_of_hours_recipient"),
        OuterRef("organisation__trust__profile__out_of_hours_recipient"),
    )
    alerted_out_of_hours = acting.filter(duty=out_of_hours_duty).filter(
        Q(organisation_id=OuterRef("organisation_id"))
        | Q(organisation_id=OuterRef("organisation__trust_id"))
    )
    overseen = acting.filter(duty__in=rules.OVERSIGHT_DUTIES).values("organisation_id")
    involved = Involvement.objects.filter(person=person, incident_id=OuterRef("pk"))
    return Incident.objects.filter(
        Q(organisation_id__in=managed)
        | Q(organisation__trust_id__in=managed)
        | Q(investigator=person)
        | Q(Exists(involved))
        | Q(is_serious=True, organisation_id__in=overseen)
        | Q(is_serious=True, organisation__trust_id__in=overseen)
        | Q(Exists(receives_anonymous), mode=ReportingMode.ANONYMOUS)
        | Q(Exists(alerted_out_of_hours), reported_out_of_hours=True)
    )


def incident_for_user(*, person: rules.Someone, reference: str) -> Incident:
    """The incident with `reference` if `person` may view it; Http404 otherwise.

    The organisation, its trust and their profiles come with it, so finding whose profile
    applies costs no query. The reporter does not: pages must ask
    `rules.may_see_reporter_identity` before they touch `incident.reporter`.
    """
    if not reference or len(reference) > REFERENCE_MAX_LENGTH:
        raise Http404
    incident = (
        Incident.objects.select_related("organisation__profile", "organisation__trust__profile")
        .filter(reference=reference)
        .first()
    )
    if incident is None:
        raise Http404
    if not rules.may_view(person, incident):
        raise Http404
    return incident


def attachment_for_user(*, person: rules.Someone, reference: str, attachment_id: int) -> Attachment:
    """An attachment of an incident `person` may view, or Http404."""
    incident = incident_for_user(person=person, reference=reference)
    if not rules.may_download_attachments(person, incident):
        raise Http404
    attachment = incident.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    attachment.incident = incident
    return attachment


@dataclass(frozen=True)
class QueuePage:
    page: Page
    incidents: list[Incident]
    several_organisations: bool


def queue_for(person: rules.Someone, *, page_number: str | int | None) -> QueuePage:
    """The open incidents `person` handles, 50 a page: new reports first, then the most
    severe, then the oldest.

    Oldest first within a severity because the queue is the work to do: the report waiting
    longest is the one whose deadline comes first. Closed incidents belong in the
    register, not here. Three queries whatever the number of incidents: the count, the
    page (with the organisation, for its name, and each incident's severity name from its
    profile's scheme, as `severity_name`), and whether more than one organisation's
    incidents are in the queue (then the page names each one's organisation).
    """
    visible = incidents_visible_to(person).filter(state__in=OPEN_STATES)
    # The level's name in the incident's own profile (a school's, else its trust's),
    # asked in the page's query so the severity tag costs no query per row.
    severity_name = SeverityLevel.objects.filter(
        key=OuterRef("severity"),
        profile_id=Coalesce(
            OuterRef("organisation__profile_id"), OuterRef("organisation__trust__profile_id")
        ),
    ).values("name")[:1]
    ordered = (
        visible.select_related("organisation")
        .annotate(severity_name=Subquery(severity_name))
        .alias(
            is_new=Case(When(state=State.REPORTED, then=Value(0)), default=Value(1)),
        )
        .order_by("is_new", F("severity_rank").desc(nulls_last=True), "reported_at", "pk")
    )
    paginator = Paginator(ordered, QUEUE_PAGE_SIZE)
    page = paginator.get_page(page_number)
    organisations = visible.order_by().values("organisation_id").distinct()[:2]
    return QueuePage(
        page=page,
        incidents=list(page.object_list),
        several_organisations=len(organisations) > 1,
    )


@dataclass(frozen=True)
class ShownMessage:
    """A message as the incident's handlers see it, with its sender in words."""

    from_reporter: bool
    sender: str
    body: str
    created_at: datetime.datetime


def messages_for_handlers(*, incident: Incident, reporter_name: str | None) -> list[ShownMessage]:
    """The messages with the reporter, oldest first, in one query.

    A confidential reporter's message is stored with its author, their account; the
    author's name is read from the database only for messages to the reporter, so the
    reporter's name cannot reach a page by mistake. `reporter_name` is for a named report.
    """
    rows = (
        Message.objects.filter(incident=incident)
        .annotate(
            sender_name=Case(
                When(from_reporter=False, then=F("author__full_name")),
                default=Value(""),
            )
        )
        .values_list("from_reporter", "sender_name", "body", "created_at")
    )
    shown = []
    for from_reporter, sender_name, body, created_at in rows:
        if from_reporter:
            sender = f"The reporter, {reporter_name}" if reporter_name else "The reporter"
        else:
            sender = sender_name or "Incident Desk"
        shown.append(
            ShownMessage(
                from_reporter=from_reporter, sender=sender, body=body, created_at=created_at
            )
        )
    return shown
