"""Reads for deadlines."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse

from incidentdesk.deadlines.calendar import local_zone
from incidentdesk.incidents import rules
from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.rules import Someone
from incidentdesk.organisations.models import (
    Duty,
    DutyHolder,
    Organisation,
    Person,
    TimescaleStep,
)

from .models import ACTION_STEP, EXCEPTION_EXPIRY_STEP, Deadline


def due_deadline_ids(*, now: datetime.datetime, limit: int) -> list[int]:
    """The earliest due, unclaimed deadlines: an index scan however many incidents exist."""
    return list(
        Deadline.objects.filter(met_at__isnull=True, next_reminder_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_reminder_at")
        .values_list("pk", flat=True)[:limit]
    )


def deadlines_of(incident: Incident) -> list[Deadline]:
    """Every deadline of the incident, met and withdrawn ones too, soonest due first, with
    the reminders and escalations sent for each: two queries whatever the number."""
    return list(
        Deadline.objects.filter(incident=incident)
        .select_related("action")
        .prefetch_related("events")
        .order_by("due_at", "pk")
    )


def open_deadlines_for(incident: Incident) -> list[Deadline]:
    """The incident's deadlines still to be met, soonest first."""
    return list(
        Deadline.objects.filter(incident=incident, met_at__isnull=True, withdrawn_at__isnull=True)
        .select_related("incident", "action")  # `shown_deadlines` links the incident
        .order_by("due_at", "pk")
    )


def _open_deadlines() -> QuerySet[Deadline]:
    """Open deadlines of every kind, with what the pages show of their subject: an
    incident's reference, or a policy document's or exception's title and organisation."""
    return (
        Deadline.objects.filter(met_at__isnull=True, withdrawn_at__isnull=True)
        .select_related(
            "incident",
            "action",
            "policy_document__organisation",
            "policy_document__owner",
            "exception_request__organisation",
        )
        .order_by("due_at", "pk")
    )


def _in_organisations(ids) -> Q:
    """Deadlines of any subject belonging to organisations `ids`, or to their trusts' schools
    when `ids` holds a trust. `ids` is a set or a subquery."""
    q = Q()
    for subject in ("incident", "policy_document", "exception_request"):
        q |= Q(**{f"{subject}__organisation_id__in": ids})
        q |= Q(**{f"{subject}__organisation__trust_id__in": ids})
    return q


def deadlines_for_person(person: Someone, now: datetime.datetime) -> list[Deadline]:
    """The open deadlines `person` must meet themselves, soonest first: who
    `services.responsible_for` would remind, in three queries whatever the number.

    A policy review is its owner's; an exception's review or expiry the incident
    manager's. An overdue policy review is the incident manager's too, as its escalation
    tells them.

    The database narrows the rows to the person's actions, investigations and the
    incidents of the organisations (or trusts) where they hold or deputise for a duty;
    which duty each step needs, and whether a school's own holders stand before its
    trust's, is then decided on the rows (`duty_holders_for`'s rule, without a query each).
    """
    if not rules.is_signed_in(person):
        return []
    acting = set(
        DutyHolder.objects.filter(person__is_active=True)
        .filter(
            Q(person=person) & ~Q(is_absent=True, deputy__isnull=False)
            | Q(deputy=person, is_absent=True)
        )
        .values_list("organisation_id", "duty")
    )
    acting_orgs = {org_id for org_id, _ in acting}
    candidates = list(
        _open_deadlines()
        .select_related("incident__organisation__profile", "incident__organisation__trust__profile")
        .filter(
            Q(step=ACTION_STEP, action__owner=person)
            | Q(step=TimescaleStep.INVESTIGATION, incident__investigator=person)
            | Q(policy_document__owner=person)
            | _in_organisations(acting_orgs)
        )
    )
    org_ids = {_organisation_of(d).pk for d in candidates}
    staffed = set(
        DutyHolder.objects.filter(organisation_id__in=org_ids, person__is_active=True).values_list(
            "organisation_id", "duty"
        )
        if org_ids
        else []
    )
    return [d for d in candidates if _responsible(d, person, acting, staffed, now)]


def _organisation_of(deadline: Deadline) -> Organisation:
    subject = deadline.incident or deadline.policy_document or deadline.exception_request
    return subject.organisation  # type: ignore[union-attr]  # a deadline has one subject


def _acts_as(
    organisation: Organisation,
    duties: list[str],
    acting: set[tuple[int, str]],
    staffed: set[tuple[int, str]],
) -> bool:
    """`duty_holders_for(organisation, duty)` holds the person for one of `duties`."""
    for duty in duties:
        # A school's own holders act; a school with none uses its trust's.
        if (organisation.pk, duty) in staffed:
            if (organisation.pk, duty) in acting:
                return True
        elif organisation.trust_id is not None and (organisation.trust_id, duty) in acting:
            return True
    return False


def _responsible(
    deadline: Deadline,
    person: Person,
    acting: set[tuple[int, str]],
    staffed: set[tuple[int, str]],
    now: datetime.datetime,
) -> bool:
    """`services.responsible_for(deadline)` contains `person`, asked of rows already read;
    for a policy review past its date, the incident manager it escalates to as well."""
    if deadline.incident_id is None:
        manages = _acts_as(_organisation_of(deadline), [Duty.INCIDENT_MANAGER], acting, staffed)
        document = deadline.policy_document
        if document is None or not document.owner.is_active:
            return manages
        return document.owner_id == person.pk or (manages and deadline.due_at < now)
    incident = deadline.incident
    organisation = incident.organisation
    if deadline.step == ACTION_STEP and deadline.action is not None:
        return deadline.action.owner_id == person.pk
    if deadline.step == TimescaleStep.INVESTIGATION and incident.investigator_id is not None:
        return incident.investigator_id == person.pk
    if deadline.step == TimescaleStep.DPO_REFERRAL:
        profile = organisation.effective_profile
        duties = list(profile.referral_recipients) if profile else []
        duties = duties or [Duty.DPO]
    elif deadline.step == TimescaleStep.ICO_DECISION:
        duties = [Duty.INCIDENT_MANAGER, Duty.DPO]
    else:
        duties = [Duty.INCIDENT_MANAGER]
    return _acts_as(organisation, duties, acting, staffed)


def deadlines_for_manager(person: Someone, now: datetime.datetime) -> list[Deadline]:
    """Every open deadline of the incidents `person` manages (`rules.may_manage`, in SQL),
    and of the policy documents and exceptions of the organisations they manage, soonest
    first, in one query."""
    if not rules.is_signed_in(person):
        return []
    managed = (
        rules.acting_duty_holders(person)  # type: ignore[arg-type]  # signed in
        .filter(duty=Duty.INCIDENT_MANAGER)
        .values("organisation_id")
    )
    return list(_open_deadlines().filter(_in_organisations(managed)))


def manages_anywhere(person: Someone) -> bool:
    """Whether `person` is an incident manager (or acts for one) anywhere: one query."""
    if not rules.is_signed_in(person):
        return False
    return (
        rules.acting_duty_holders(person)  # type: ignore[arg-type]  # signed in
        .filter(duty=Duty.INCIDENT_MANAGER)
        .exists()
    )


def owns_a_policy_review(person: Someone) -> bool:
    """Whether a policy document's open review is `person`'s, as its owner: one query. The
    home page links "Due and overdue" for them even if they handle no incidents."""
    if not rules.is_signed_in(person):
        return False
    return Deadline.objects.filter(
        policy_document__owner=person, met_at__isnull=True, withdrawn_at__isnull=True
    ).exists()


@dataclass(frozen=True)
class ShownDeadline:
    """A deadline as the pages show it: what it is about (a link), what is due, when
    (local time) and its status."""

    deadline: Deadline
    link: str
    link_text: str
    # The document's or exception's title, for screen readers: "Policy" alone, read out of
    # the table, would not say which.
    link_title: str
    what: str
    due_local: datetime.datetime
    status: str
    overdue: bool
    tag_class: str


def what_is_due(deadline: Deadline) -> str:
    """What the deadline asks, in words, with the action or the document it is about."""
    from .services import step_label

    if deadline.policy_document_id is not None:
        return f"Review the policy document “{deadline.policy_document.title}”"
    if deadline.exception_request_id is not None:
        title = deadline.exception_request.title
        if deadline.step == EXCEPTION_EXPIRY_STEP:
            return f"Review the exception “{title}” before it ends"
        return f"Review the exception “{title}”"
    what = step_label(deadline.step)
    if deadline.step == ACTION_STEP and deadline.action_id is not None:
        what = f"{what}: {deadline.action.description[:80]}"
    return what


def subject_link(deadline: Deadline) -> tuple[str, str]:
    """The page of what the deadline belongs to, and words for the link."""
    if deadline.policy_document_id is not None:
        return reverse("governance:document", args=[deadline.policy_document_id]), "Policy"
    if deadline.exception_request_id is not None:
        return reverse("governance:exception", args=[deadline.exception_request_id]), "Exception"
    reference = deadline.incident.reference  # type: ignore[union-attr]  # one subject
    return reverse("incidents:detail", args=[reference]), reference


def shown_deadlines(deadlines: list[Deadline], now: datetime.datetime) -> list[ShownDeadline]:
    """Words for each deadline; no query. Days are counted on Europe/London dates."""
    zone = local_zone()
    today = now.astimezone(zone).date()
    shown = []
    for deadline in deadlines:
        due_local = deadline.due_at.astimezone(zone)
        days = (due_local.date() - today).days
        if deadline.due_at < now:
            status, tag_class = "Overdue", "govuk-tag--red"
        elif days <= 0:
            status, tag_class = "Due today", "govuk-tag--yellow"
        else:
            status = "Due in 1 day" if days == 1 else f"Due in {days} days"
            tag_class = "govuk-tag--grey"
        link, link_text = subject_link(deadline)
        subject = deadline.policy_document or deadline.exception_request
        shown.append(
            ShownDeadline(
                deadline=deadline,
                link=link,
                link_text=link_text,
                link_title=subject.title if subject is not None else "",
                what=what_is_due(deadline),
                due_local=due_local,
                status=status,
                overdue=deadline.due_at < now,
                tag_class=tag_class,
            )
        )
    return shown
