"""Who may see and decide what in the governance registers. Default-deny.

- Any signed-in member of an organisation may ask for an exception or propose a policy
  change there, and sees their own requests and proposals.
- Members see their organisation's policy documents (they are the policies they work to).
- The incident manager (the Information Champion) of the organisation, or of its trust, or
  whoever deputises for them while they are absent, sees and decides every request and
  proposal, and keeps the policy documents.
- Anything of another organisation is not found (404), not refused.
"""

from __future__ import annotations

from django.db.models import Q

from incidentdesk.incidents.rules import (
    Someone,
    acting_duty_holders,
    acts_for,
    duties_held,
    is_signed_in,
)
from incidentdesk.organisations.models import Duty, Membership, Organisation


def managed_organisation_ids(person: Someone) -> set[int]:
    """Organisations `person` acts as incident manager for: their own and a trust's schools."""
    if not is_signed_in(person):
        return set()
    own = set(
        acting_duty_holders(person)  # type: ignore[arg-type]
        .filter(duty=Duty.INCIDENT_MANAGER)
        .values_list("organisation_id", flat=True)
    )
    if not own:
        return set()
    schools = Organisation.objects.filter(trust_id__in=own).values_list("pk", flat=True)
    return own | set(schools)


def member_organisation_ids(person: Someone) -> set[int]:
    if not is_signed_in(person):
        return set()
    return set(Membership.objects.filter(person=person).values_list("organisation_id", flat=True))


def visible_organisation_ids(person: Someone) -> set[int]:
    return member_organisation_ids(person) | managed_organisation_ids(person)


def may_see(person: Someone) -> bool:
    """The menu's predicate: anyone who belongs to (or manages) an organisation."""
    if not is_signed_in(person):
        return False
    if Duty.INCIDENT_MANAGER in duties_held(person):
        return True
    if Membership.objects.filter(person=person).exists():
        return True
    return False


def may_decide(person: Someone, organisation: Organisation) -> bool:
    """Decide requests and proposals, and keep the policy documents: the incident manager."""
    if not is_signed_in(person):
        return False
    if acts_for(person, organisation, Duty.INCIDENT_MANAGER):
        return True
    return False


def may_ask(person: Someone, organisation: Organisation) -> bool:
    """Ask for an exception or propose a change: any member, or its incident manager."""
    if not is_signed_in(person):
        return False
    if organisation.pk in member_organisation_ids(person):
        return True
    if may_decide(person, organisation):
        return True
    return False


def may_view_request(person: Someone, obj) -> bool:
    """An exception request or a change proposal: its author, or the incident manager."""
    if not is_signed_in(person):
        return False
    author_id = getattr(obj, "requested_by_id", None) or getattr(obj, "proposed_by_id", None)
    if author_id is not None and author_id == person.pk:
        return True
    if may_decide(person, obj.organisation):
        return True
    return False


def may_view_document(person: Someone, document) -> bool:
    if not is_signed_in(person):
        return False
    if document.organisation_id in visible_organisation_ids(person):
        return True
    return False


def requests_filter(person: Someone, author_field: str) -> Q:
    """The same rule as `may_view_request`, as a filter for the lists."""
    if not is_signed_in(person):
        return Q(pk__in=[])
    return Q(**{author_field: person.pk}) | Q(organisation_id__in=managed_organisation_ids(person))
