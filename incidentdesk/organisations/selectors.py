"""Reads for organisations, duties and profiles. Access is decided here, not in views."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Duty, DutyHolder, Membership, Organisation, Person


def organisations_of(person: Person) -> QuerySet[Organisation]:
    """The organisations a person belongs to."""
    return Organisation.objects.filter(memberships__person=person).distinct()


def organisations_managed_by(person: Person) -> QuerySet[Organisation]:
    """Organisations whose incident manager `person` is: their own, and a trust's schools."""
    managed = DutyHolder.objects.filter(person=person, duty=Duty.INCIDENT_MANAGER).values(
        "organisation_id"
    )
    return Organisation.objects.filter(Q(pk__in=managed) | Q(trust_id__in=managed))


def organisation_for_member(*, person: Person, slug: str) -> Organisation:
    """The organisation, if `person` belongs to it or manages it; otherwise 404.

    Another organisation's page answers 404, not 403, so its existence is not revealed.
    """
    if not person.is_authenticated:
        raise Http404
    member_of = Membership.objects.filter(person=person).values("organisation_id")
    managed = organisations_managed_by(person).values("pk")
    try:
        return (
            Organisation.objects.select_related("profile", "trust__profile")
            .filter(Q(pk__in=member_of) | Q(pk__in=managed))
            .get(slug=slug)
        )
    except Organisation.DoesNotExist as exc:
        raise Http404 from exc


def holds_duty(person: Person, organisation: Organisation, *duties: str) -> bool:
    """Whether `person` holds any of `duties` in `organisation` or in its trust."""
    orgs = [organisation.pk] + ([organisation.trust_id] if organisation.trust_id else [])
    return DutyHolder.objects.filter(
        person=person, organisation_id__in=orgs, duty__in=duties
    ).exists()


def duty_holders_for(organisation: Organisation, duty: str) -> list[Person]:
    """Who acts for `duty` in `organisation` now.

    The organisation's own holders first; a school with none uses its trust's. A holder
    marked absent is replaced by their deputy, when one is named.
    """
    for org_id in [organisation.pk, organisation.trust_id]:
        if org_id is None:
            continue
        holders = list(
            DutyHolder.objects.filter(organisation_id=org_id, duty=duty, person__is_active=True)
            .select_related("person", "deputy")
            .order_by("pk")
        )
        if holders:
            acting: list[Person] = []
            for holder in holders:
                person = holder.deputy if holder.is_absent and holder.deputy else holder.person
                if person not in acting:
                    acting.append(person)
            return acting
    return []
