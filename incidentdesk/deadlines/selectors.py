"""Reads for deadlines."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse

from incidentdesk.deadlines.calendar import local_zone
from incidentdesk.incidents import rules
from incidentdesk.incidents.models import Incident, State
from incidentdesk.incidents.rules import Someone
from incidentdesk.organisations.models import (
    Duty,
    DutyHolder,
    Organisation,
    Person,
    TimescaleStep,
)

from .models import ACTION_STEP, EXCEPTION_EXPIRY_STEP, POLICY_REVIEW_STEP, Deadline


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


# The most rows a "Due and overdue" list shows: the soonest due, so the page costs the same
# whatever an organisation has open (the register finds the rest).
DUE_LIST_LIMIT = 25


# What the lists show and `_responsible` asks of a row: only these are read (a row's
# incident has some twenty columns the lists never use).
_SHOWN = (
    "incident_id",
    "policy_document_id",
    "exception_request_id",
    "action_id",
    "organisation_id",
    "step",
    "due_at",
    "incident__reference",
    "incident__organisation_id",
    "incident__investigator_id",
    "incident__organisation__trust_id",
    "action__description",
    "action__owner_id",
    "policy_document__title",
    "policy_document__organisation__trust_id",
    "policy_document__owner__is_active",
    "exception_request__title",
    "exception_request__organisation__trust_id",
)


def _soonest(
    qs: QuerySet[Deadline], terms: list[Q], keep, limit: int | None
) -> tuple[list[Deadline], bool]:
    """The first `limit` rows of `qs` matching any of `terms` (by due time) that `keep`
    accepts, and whether there are more.

    Each term is read on its own, as due times and ids from its index (an OR across
    indexes would make the database scan every open deadline), the keys merged, then only
    the page's rows are read with what they show. A page `keep` thins is followed by the
    next, by keyset."""
    if not terms:
        return [], False
    if limit is None:
        either = terms[0]
        for term in terms[1:]:
            either |= term
        return [d for d in qs.filter(either) if keep(d)], False
    keys = [qs.filter(term).values_list("due_at", "pk").order_by("due_at", "pk") for term in terms]
    out: list[Deadline] = []
    after: tuple | None = None
    while True:
        batch: set[tuple] = set()
        for key in keys:
            if after is not None:
                key = key.filter(Q(due_at__gt=after[0]) | Q(due_at=after[0], pk__gt=after[1]))
            batch.update(key[: limit + 1])
        page = sorted(batch)[: limit + 1]
        wanted = {pk for _, pk in page}
        rows = (
            sorted(qs.filter(pk__in=wanted).only(*_SHOWN), key=lambda d: (d.due_at, d.pk))
            if wanted
            else []
        )
        out.extend(d for d in rows if keep(d))
        if len(out) > limit:
            return out[:limit], True
        if len(page) <= limit:
            return out, False
        after = page[-1]


def deadlines_for_person(
    person: Someone, now: datetime.datetime, *, limit: int | None = None
) -> list[Deadline]:
    """The open deadlines `person` must meet themselves, soonest first (the first `limit`):
    who `services.responsible_for` would remind, in four queries whatever the number.

    A policy review is its owner's; an exception's review or expiry the incident
    manager's. An overdue policy review is the incident manager's too, as its escalation
    tells them.

    The database narrows the rows, through indexes, to the person's actions,
    investigations and policy documents, and to the steps of the organisations where they
    act for the duty that step needs (a school's own holders stand before its trust's,
    `duty_holders_for`'s rule); the rows read are then checked with the same rule.
    """
    return deadlines_for_person_page(person, now, limit=limit)[0]


def deadlines_for_person_page(
    person: Someone, now: datetime.datetime, *, limit: int | None = None
) -> tuple[list[Deadline], bool]:
    """`deadlines_for_person`, and whether more than `limit` are open."""
    if not rules.is_signed_in(person):
        return [], False
    from incidentdesk.governance.models import PolicyDocument
    from incidentdesk.investigations.models import Action

    acting = set(
        DutyHolder.objects.filter(person__is_active=True)
        .filter(
            Q(person=person) & ~Q(is_absent=True, deputy__isnull=False)
            | Q(deputy=person, is_absent=True)
        )
        .values_list("organisation_id", "duty")
    )
    acting_orgs = {org_id for org_id, _ in acting}
    orgs = (
        list(
            Organisation.objects.filter(
                Q(pk__in=acting_orgs) | Q(trust_id__in=acting_orgs)
            ).select_related("profile", "trust__profile")
        )
        if acting_orgs
        else []
    )
    staffed = set(
        DutyHolder.objects.filter(
            organisation_id__in=[o.pk for o in orgs], person__is_active=True
        ).values_list("organisation_id", "duty")
        if orgs
        else []
    )
    managing, referring, deciding = [], [], []
    for org in orgs:
        if _acts_as(org, [Duty.INCIDENT_MANAGER], acting, staffed):
            managing.append(org.pk)
        profile = org.effective_profile
        referral = (list(profile.referral_recipients) if profile else []) or [Duty.DPO]
        if _acts_as(org, referral, acting, staffed):
            referring.append(org.pk)
        if _acts_as(org, [Duty.INCIDENT_MANAGER, Duty.DPO], acting, staffed):
            deciding.append(org.pk)
    # Each term is served by an index on the deadline's own columns (no OR across joins).
    # Each term is served by an index on the deadline's own columns.
    terms = [
        Q(action_id__in=Action.objects.filter(owner=person).values("pk"))
        | Q(
            step=TimescaleStep.INVESTIGATION,
            incident_id__in=Incident.objects.filter(investigator=person).values("pk"),
        )
        | Q(policy_document_id__in=PolicyDocument.objects.filter(owner=person).values("pk"))
    ]
    if managing:
        # The manager's steps, less those that are someone else's: an assigned
        # investigation, a policy review its active owner still has time for.
        terms.append(
            Q(organisation_id__in=managing)
            & (
                ~Q(
                    step__in=[
                        ACTION_STEP,
                        TimescaleStep.DPO_REFERRAL,
                        TimescaleStep.ICO_DECISION,
                        TimescaleStep.INVESTIGATION,
                        POLICY_REVIEW_STEP,
                    ]
                )
                | Q(step=POLICY_REVIEW_STEP, due_at__lt=now)
                | Q(
                    policy_document_id__in=PolicyDocument.objects.filter(
                        organisation_id__in=managing, owner__is_active=False
                    ).values("pk"),
                )
                | Q(
                    step=TimescaleStep.INVESTIGATION,
                    incident_id__in=Incident.objects.filter(
                        organisation_id__in=managing,
                        state__in=[State.INVESTIGATING, State.OUTCOME_SUBMITTED],
                        investigator__isnull=True,
                    ).values("pk"),
                )
            )
        )
    duty_steps = Q()
    if referring:
        duty_steps |= Q(organisation_id__in=referring, step=TimescaleStep.DPO_REFERRAL)
    if deciding:
        duty_steps |= Q(organisation_id__in=deciding, step=TimescaleStep.ICO_DECISION)
    if duty_steps:
        terms.append(duty_steps)
    # The organisations (with their profiles) are those read above: the rows need not
    # bring them again.
    by_id = {org.pk: org for org in orgs}
    candidates = _open_deadlines().select_related("incident__organisation")
    return _soonest(
        candidates,
        terms,
        lambda d: _responsible(d, person, acting, staffed, now, by_id),
        limit,
    )


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
    organisations: dict[int, Organisation] | None = None,
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
    organisation = (organisations or {}).get(incident.organisation_id) or incident.organisation
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


def deadlines_for_manager(
    person: Someone, now: datetime.datetime, *, limit: int | None = None
) -> list[Deadline]:
    """Every open deadline (the first `limit`) of the incidents `person` manages
    (`rules.may_manage`, in SQL), and of the policy documents and exceptions of the
    organisations they manage, soonest first, in one query."""
    return deadlines_for_manager_page(person, now, limit=limit)[0]


def deadlines_for_manager_page(
    person: Someone, now: datetime.datetime, *, limit: int | None = None
) -> tuple[list[Deadline], bool]:
    """`deadlines_for_manager`, and whether more than `limit` are open."""
    if not rules.is_signed_in(person):
        return [], False
    managed = (
        rules.acting_duty_holders(person)  # type: ignore[arg-type]  # signed in
        .filter(duty=Duty.INCIDENT_MANAGER)
        .values("organisation_id")
    )
    # The deadline's own organisation column: one index range per organisation.
    organisations = Organisation.objects.filter(Q(pk__in=managed) | Q(trust_id__in=managed))
    return _soonest(
        _open_deadlines(),
        [Q(organisation_id__in=organisations.values("pk"))],
        lambda d: True,
        limit,
    )


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
    # "23 November 2026, 17:00", made once here rather than by a filter per use.
    due_text: str
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
                due_text=f"{due_local.day} {due_local:%B %Y, %H:%M}",
                overdue=deadline.due_at < now,
                tag_class=tag_class,
            )
        )
    return shown
