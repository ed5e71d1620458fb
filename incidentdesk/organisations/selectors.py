"""Reads for organisations, duties and profiles. Access is decided here, not in views."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

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
        holders = list(_active_holders(organisation_id=org_id, duty=duty))
        if holders:
            return acting_people(holders)
    return []


def acting_people(holders: Iterable[DutyHolder]) -> list[Person]:
    """The people who act for these holders of one duty: an absent holder's deputy, when
    one is named, in their place; each person once, in the holders' order."""
    acting: list[Person] = []
    for holder in holders:
        person = holder.deputy if holder.is_absent and holder.deputy else holder.person
        if person not in acting:
            acting.append(person)
    return acting


def _active_holders(**filters: Any) -> QuerySet[DutyHolder]:
    return (
        DutyHolder.objects.filter(person__is_active=True, **filters)
        .select_related("person", "deputy")
        .order_by("pk")
    )


class DutyHoldersOf:
    """`duty_holders_for` for several organisations and duties, from one query.

    The same rule, over rows read at once: for a batch of deadlines, or for the several
    duties a report tells.
    """

    def __init__(
        self, organisations: Iterable[Organisation], duties: Iterable[str] | None = None
    ) -> None:
        ids: set[int] = set()
        for organisation in organisations:
            ids.add(organisation.pk)
            if organisation.trust_id:
                ids.add(organisation.trust_id)
        filters: dict[str, Any] = {"organisation_id__in": ids}
        if duties is not None:
            filters["duty__in"] = set(duties)
        self.holders: dict[tuple[int, str], list[DutyHolder]] = defaultdict(list)
        for holder in _active_holders(**filters):
            self.holders[(holder.organisation_id, holder.duty)].append(holder)

    def __call__(self, organisation: Organisation, duty: str) -> list[Person]:
        for org_id in (organisation.pk, organisation.trust_id):
            holders = self.holders.get((org_id, duty)) if org_id is not None else None
            if holders:
                return acting_people(holders)
        return []
