"""Reads for the API: who a token belongs to, and what `GET /me` shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from incidentdesk.organisations.models import DutyHolder, Membership, Organisation, Person

from .models import TOKEN_MAX_LENGTH, ApiToken, hash_token


def api_token_for(raw: str) -> ApiToken | None:
    """The live token whose value is `raw`, with its person; None if unknown or revoked.

    The lookup is by the SHA-256 of the token, never by the token itself, so how long the
    database takes to answer says nothing about how close a guess was (the attacker does
    not control the digest). An inactive person's token is refused as well.
    """
    if not raw or len(raw) > TOKEN_MAX_LENGTH or not raw.isascii():
        return None
    token = (
        ApiToken.objects.select_related("person")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.person.is_active:
        return None
    return token


def person_for_token(raw: str) -> Person | None:
    """The active person whose live token is `raw`, or None."""
    token = api_token_for(raw)
    return token.person if token else None


@dataclass
class OrganisationWithDuties:
    organisation: Organisation
    duties: list[DutyHolder] = field(default_factory=list)


def organisations_with_duties(person: Person) -> list[OrganisationWithDuties]:
    """The organisations `person` belongs to or holds a duty in, each with their duties.

    Two queries whatever the number of organisations and duties: memberships and duty
    holders each come with the organisation, its trust and the profiles that give the
    duty titles (`DutyHolder.display_title` reads the effective profile).
    """
    related = ("organisation__profile", "organisation__trust__profile")
    by_id: dict[int, OrganisationWithDuties] = {}
    for membership in Membership.objects.filter(person=person).select_related(*related):
        by_id[membership.organisation_id] = OrganisationWithDuties(membership.organisation)
    holders = (
        DutyHolder.objects.filter(person=person)
        .select_related(*related, "deputy")
        .order_by("organisation_id", "duty", "pk")
    )
    for holder in holders:
        # duty_assign makes a duty holder a member too, but a duty alone still counts.
        entry = by_id.setdefault(
            holder.organisation_id, OrganisationWithDuties(holder.organisation)
        )
        entry.duties.append(holder)
    return sorted(by_id.values(), key=lambda e: (e.organisation.name, e.organisation.pk))
