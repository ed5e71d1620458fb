"""Reads of incidents. Every page and API operation gets its incidents here.

`incident_for_user` answers 404 for an incident the person may not see, whether it does
not exist, belongs to another organisation or is simply not theirs: the answer must not
tell an outsider which references exist. `incidents_visible_to` is the same rule asked
of the database, for lists (rules.py explains who sees what).
"""

from __future__ import annotations

import datetime
import operator
from dataclasses import dataclass
from functools import reduce

from django.core.paginator import Page, Paginator
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404

from incidentdesk.organisations.models import Duty, Organisation, Person, SeverityLevel
from incidentdesk.reporting.models import Attachment, Message

from . import rules
from .models import OPEN_STATES, Incident, Involvement, ReportingMode, State

QUEUE_PAGE_SIZE = 50
QUEUE_COLUMNS = (
    "reference",
    "state",
    "mode",
    "reported_kind",
    "reported_at",
    "reported_out_of_hours",
    "severity",
    "severity_rank",
    "organisation__name",
)
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
    return Incident.objects.filter(reduce(operator.or_, _visibility_terms(person)))


def _visibility_terms(person: Person) -> list[Q]:
    """`incidents_visible_to`'s reasons, one Q each: an incident is visible for any one."""
    acting = rules.acting_duty_holders(person)

    # Every term is "the incident's organisation is one of these" (or the incident's own
    # column), each an index range on its own: the database answers the OR as a union of
    # index lookups rather than testing every incident it holds.
    def covered(duty: Q) -> QuerySet[Organisation]:
        """The organisations where `person` acts for a duty matching `duty`, and the schools
        of such trusts."""
        held = acting.filter(duty).values("organisation_id")
        return Organisation.objects.filter(Q(pk__in=held) | Q(trust_id__in=held)).values("pk")

    def recipient_of(setting: str) -> QuerySet[Organisation]:
        """The organisations whose effective profile (its own, else its trust's, as
        Organisation.effective_profile) sends `setting`'s reports to a duty `person` acts
        for there or in its trust."""
        duty = Coalesce(f"profile__{setting}", f"trust__profile__{setting}")
        held = acting.filter(duty=OuterRef("recipient")).filter(
            Q(organisation_id=OuterRef("pk")) | Q(organisation_id=OuterRef("trust_id"))
        )
        return Organisation.objects.annotate(recipient=duty).filter(Exists(held)).values("pk")

    involved = Involvement.objects.filter(person=person).values("incident_id")
    return [
        Q(organisation_id__in=covered(Q(duty=Duty.INCIDENT_MANAGER))),
        Q(investigator=person),
        Q(pk__in=involved),
        Q(is_serious=True, organisation_id__in=covered(Q(duty__in=rules.OVERSIGHT_DUTIES))),
        Q(mode=ReportingMode.ANONYMOUS, organisation_id__in=recipient_of("anonymous_recipient")),
        Q(reported_out_of_hours=True, organisation_id__in=recipient_of("out_of_hours_recipient")),
    ]


# What the incident page shows of the people who handled it, in the incident's query.
DETAIL_RELATED = ("investigator", "verified_by")


def incident_for_user(
    *, person: rules.Someone, reference: str, related: tuple[str, ...] = ()
) -> Incident:
    """The incident with `reference` if `person` may view it; Http404 otherwise.

    The organisation, its trust and their profiles come with it, so finding whose profile
    applies costs no query; `related` names more to join (never "reporter"). The reporter
    does not: pages must ask `rules.may_see_reporter_identity` before they touch
    `incident.reporter`.
    """
    if not reference or len(reference) > REFERENCE_MAX_LENGTH:
        raise Http404
    if "reporter" in related:
        raise ValueError("The reporter is read only after rules.may_see_reporter_identity.")
    incident = (
        Incident.objects.select_related(
            "organisation__profile", "organisation__trust__profile", *related
        )
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
class VisibleOrganisations:
    """`incidents_visible_to`'s organisation reasons worked out in Python: where the
    person sees every incident, the serious ones, the anonymous reports, the reports
    made out of hours. An organisation managed is in none of the others: its incidents
    need no other reason."""

    managed: tuple[int, ...] = ()
    overseen: tuple[int, ...] = ()
    anonymous: tuple[int, ...] = ()
    out_of_hours: tuple[int, ...] = ()


def visible_organisations(person: Person) -> VisibleOrganisations:
    """The organisations behind `incidents_visible_to(person)`, in one small query (none
    for someone without duties): the person's duties come from `rules.acting_duties`.
    `rules.may_view` decides the same (tests/incidents/test_rules.py)."""
    acting = rules.acting_duties(person)
    ids = {organisation_id for organisation_id, _ in acting}
    if not ids:
        return VisibleOrganisations()
    organisations = (
        Organisation.objects.filter(Q(pk__in=ids) | Q(trust_id__in=ids))
        .select_related("profile", "trust__profile")
        .only(
            "trust_id",
            "profile__anonymous_recipient",
            "profile__out_of_hours_recipient",
            "trust__profile__anonymous_recipient",
            "trust__profile__out_of_hours_recipient",
        )
        .order_by("pk")
    )

    def acts(organisation: Organisation, duty: str | None) -> bool:
        # As rules.acts_for: in the organisation, or in the trust it belongs to.
        return bool(duty) and (
            (organisation.pk, duty) in acting or (organisation.trust_id, duty) in acting
        )

    managed: list[int] = []
    overseen: list[int] = []
    anonymous: list[int] = []
    out_of_hours: list[int] = []
    for organisation in organisations:
        if acts(organisation, Duty.INCIDENT_MANAGER):
            managed.append(organisation.pk)
            continue
        profile = organisation.effective_profile
        if any(acts(organisation, duty) for duty in rules.OVERSIGHT_DUTIES):
            overseen.append(organisation.pk)
        if profile is not None and acts(organisation, profile.anonymous_recipient):
            anonymous.append(organisation.pk)
        if profile is not None and acts(organisation, profile.out_of_hours_recipient):
            out_of_hours.append(organisation.pk)
    return VisibleOrganisations(
        tuple(managed), tuple(overseen), tuple(anonymous), tuple(out_of_hours)
    )


def _reasons(person: Person) -> tuple[list[Q], list[tuple[Q, tuple[int, ...]]]]:
    """`incidents_visible_to`'s reasons with the organisations worked out here
    (`visible_organisations`): those of the person's own (investigator, involved), and
    each per-organisation reason with the organisations it holds in (none left out)."""
    found = visible_organisations(person)
    own = [
        Q(investigator=person),
        Q(pk__in=Involvement.objects.filter(person=person).values("incident_id")),
    ]
    per_organisation = [
        (Q(), found.managed),
        (Q(is_serious=True), found.overseen),
        (Q(mode=ReportingMode.ANONYMOUS), found.anonymous),
        (Q(reported_out_of_hours=True), found.out_of_hours),
    ]
    return own, [(reason, ids) for reason, ids in per_organisation if ids]


def _queue_terms(person: Person) -> list[Q]:
    """`incidents_visible_to`'s reasons for the queue, each an index range over its own
    organisations."""
    own, per_organisation = _reasons(person)
    return [*own, *(reason & Q(organisation_id__in=ids) for reason, ids in per_organisation)]


# An organisation id no organisation has (ids start at 1), replaced in `newest_visible`.
_ORGANISATION_MARKER = -7_070_707


def newest_visible(
    person: rules.Someone,
    *,
    where: Q | None = None,
    after: tuple[datetime.datetime, int] | None = None,
    limit: int,
) -> QuerySet[Incident]:
    """At most `limit` of `incidents_visible_to(person)` matching `where`, newest report
    first (ties by id, highest first), from after the `after` (reported_at, id) on.

    One query (after `visible_organisations`'s): neither SQLite nor PostgreSQL merges
    the ordered index ranges of several organisations, so asked the OR of the reasons
    they read every visible row and sort them. Here each reason in each organisation
    gives its first `limit` rows from its own index range in the page's order
    ("incident_org_reported" and the like), and only those few are merged and
    deduplicated (UNION): a page costs what the number of schools makes it.
    The caller adds the columns and joins it needs.
    """
    if not rules.is_signed_in(person):
        return Incident.objects.none()
    own, per_organisation = _reasons(person)  # type: ignore[arg-type]  # signed in

    def branch(reason: Q) -> QuerySet:
        rows = Incident.objects.filter(reason)
        if where is not None:
            rows = rows.filter(where)
        if after is not None:
            # "(reported_at, id) < after" as a range on reported_at the index can read.
            at, pk = after
            rows = rows.filter(reported_at__lte=at).exclude(reported_at=at, pk__gte=pk)
        return rows.order_by("-reported_at", "-pk").values_list("id", "reported_at")[:limit]

    parts: list[str] = []
    params: list = []
    for reason in own:
        sql, one_params = branch(reason).query.sql_with_params()
        parts.append(sql)
        params.extend(one_params)
    # Each per-organisation reason is compiled once, with a marker where the
    # organisation's id goes: compiling a query costs more than running one here.
    for reason, organisation_ids in per_organisation:
        sql, one_params = branch(
            reason & Q(organisation_id=_ORGANISATION_MARKER)
        ).query.sql_with_params()
        at = [n for n, value in enumerate(one_params) if value == _ORGANISATION_MARKER]
        for organisation_id in organisation_ids:
            parts.append(sql)
            params.extend(
                organisation_id if n in at else value for n, value in enumerate(one_params)
            )
    # Every value is a parameter; the SQL is Django's own, the limit a number.
    merged = (
        "SELECT o.id FROM ("  # noqa: S608
        + " UNION ".join(f"SELECT * FROM ({sql}) AS o{n}" for n, sql in enumerate(parts))  # noqa: S608
        + f") AS o ORDER BY o.reported_at DESC, o.id DESC LIMIT {int(limit)}"
    )
    return Incident.objects.filter(pk__in=RawSQL(merged, params)).order_by(  # noqa: S611
        "-reported_at", "-pk"
    )


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
    register, not here. Four queries whatever the number of incidents (one when there are
    none): the count, the page's ids, the page's rows (with the organisation, for its
    name, and each incident's severity name from its profile's scheme, as
    `severity_name`), and whether more than one organisation's incidents are in the queue
    (then the page names each one's organisation).

    The count and the ids are asked of the incidents table alone, so the database finds
    them through its indexes (`incidents_visible_to`); only the 50 rows shown are joined.
    """
    if not rules.is_signed_in(person):
        ordered_ids: QuerySet = Incident.objects.none().values_list("pk")
    else:
        # One SELECT per reason to see an incident, each answered from an index alone, and
        # their UNION sorted: the OR of the reasons would make the database read every
        # candidate row of the table for its sort keys.
        branches = [
            Incident.objects.filter(term, state__in=OPEN_STATES)
            .annotate(is_new=Case(When(state=State.REPORTED, then=Value(0)), default=Value(1)))
            .order_by()
            .values_list("pk", "is_new", "severity_rank", "reported_at")
            for term in _queue_terms(person)  # type: ignore[arg-type]  # signed in
        ]
        ordered_ids = (
            branches[0]
            .union(*branches[1:])
            .order_by("is_new", F("severity_rank").desc(nulls_last=True), "reported_at", "pk")
        )
    paginator = Paginator(ordered_ids, QUEUE_PAGE_SIZE)
    page = paginator.get_page(page_number)
    ids = [row[0] for row in page.object_list]
    if not ids:
        return QueuePage(page=page, incidents=[], several_organisations=False)
    # The level's name in the incident's own profile (a school's, else its trust's),
    # asked in the page's query so the severity tag costs no query per row.
    severity_name = (
        SeverityLevel.objects.filter(
            key=OuterRef("severity"),
            profile_id=Coalesce(
                OuterRef("organisation__profile_id"), OuterRef("organisation__trust__profile_id")
            ),
        )
        .order_by()
        .values("name")[:1]
    )
    rows = (
        Incident.objects.filter(pk__in=ids)
        .select_related("organisation")
        # The columns the queue shows, not the report's free text.
        .only(*QUEUE_COLUMNS)
        .annotate(severity_name=Subquery(severity_name))
        .order_by()
    )
    by_id = {incident.pk: incident for incident in rows}
    # Whether more than one organisation's incidents are in the queue: asked of the page's
    # own rows first, which answers it without a query whenever the page mixes them.
    several = len({incident.organisation_id for incident in by_id.values()}) > 1
    if not several and paginator.num_pages > 1:
        visible = incidents_visible_to(person).filter(state__in=OPEN_STATES)
        shown = next(iter(by_id.values())).organisation_id
        several = visible.exclude(organisation_id=shown).exists()
    return QueuePage(
        page=page,
        incidents=[by_id[pk] for pk in ids],
        several_organisations=several,
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
