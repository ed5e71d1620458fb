"""Who may do what with an incident. Default-deny, one condition per line.

These predicates are the only place access to an incident is decided: the pages and the
API reach incidents through `selectors.incident_for_user`, which asks `may_view`, and the
queue through `selectors.incidents_visible_to`, which asks the same questions of the
database (tests/incidents/test_rules.py holds the two to the same answers). Each
predicate starts from "no" and says "yes" for one named reason per line, so coverage
shows every case and a new role (investigators, the DPO and SIRO, governors: later
issues) is one more line, not a rewrite.

Who sees what today:

- the incident manager of the incident's organisation, or of its trust, sees all of its
  incidents, and is the only one who may be shown a confidential reporter's name;
- whoever holds the profile's "anonymous reports go to" duty (the Chair of Governors in
  the school preset) sees the organisation's anonymous incidents;
- someone acting for an absent duty holder, as their named deputy, acts for the duty:
  the notices about a report go to the deputy then (`duty_holders_for`), so the deputy
  must be able to open what the notice links to;
- whoever holds the profile's out-of-hours duty (the Head of School in the trust preset)
  sees the incidents reported out of hours, which they were alerted to;
- a reporter sees their own named or confidential reports, on the reporting pages only
  (`may_see_as_reporter`); the incident pages are for those who handle incidents.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from incidentdesk.organisations.models import Duty, DutyHolder, Organisation, Person

from .models import Incident, ReportingMode

Someone = Person | AnonymousUser


def is_signed_in(person: Someone) -> bool:
    if not person.is_authenticated:
        return False
    if not person.is_active:
        return False
    return True


def acting_duty_holders(person: Person) -> QuerySet[DutyHolder]:
    """The duty holder rows `person` acts on: their own, and an absent holder's they deputise."""
    return DutyHolder.objects.filter(Q(person=person) | Q(deputy=person, is_absent=True))


def duties_held(person: Someone) -> frozenset[str]:
    """The duties `person` acts in anywhere (their own, or an absent holder's), one query.

    Kept on the person object: the menu asks several pages' rules about the same
    `request.user` in one request, and each request loads a fresh user. Only questions of
    the form "may this person use page X at all" use it; each page still checks the
    organisation with `acts_for`.
    """
    if not is_signed_in(person):
        return frozenset()
    cached = getattr(person, "_duties_held", None)
    if cached is None:
        cached = frozenset(duty for _, duty in acting_duties(person))
        person._duties_held = cached  # type: ignore[union-attr]
    return cached


def acts_for(person: Someone, organisation: Organisation, duty: str) -> bool:
    """Whether `person` acts for `duty` in `organisation`, or in the trust it belongs to.

    A trust's duty holder covers its schools, as `organisations_managed_by` has it.
    """
    if not is_signed_in(person):
        return False
    acting = acting_duties(person)
    if (organisation.pk, duty) in acting:
        return True
    return organisation.trust_id is not None and (organisation.trust_id, duty) in acting


def acting_duties(person: Someone) -> frozenset[tuple[int, str]]:
    """(organisation id, duty) of every duty `person` acts in, one query a request.

    Kept on the person object, as `duties_held`: one page asks `acts_for` of the same
    `request.user` many times (may_view, may_manage, the ICO and outcome rules...).
    """
    if not is_signed_in(person):
        return frozenset()
    cached = getattr(person, "_acting_duties", None)
    if cached is None:
        cached = frozenset(
            acting_duty_holders(person)  # type: ignore[arg-type]  # signed in: a Person
            .order_by()
            .values_list("organisation_id", "duty")
        )
        person._acting_duties = cached  # type: ignore[union-attr]
    return cached


def anonymous_recipient_duty(organisation: Organisation) -> str | None:
    """The duty the organisation's profile sends anonymous reports to, if it has a profile."""
    profile = organisation.effective_profile
    if profile is None:
        return None
    return profile.anonymous_recipient or None


def is_anonymous_recipient(person: Someone, organisation: Organisation) -> bool:
    duty = anonymous_recipient_duty(organisation)
    if duty is None:
        return False
    return acts_for(person, organisation, duty)


def is_out_of_hours_recipient(person: Someone, organisation: Organisation) -> bool:
    profile = organisation.effective_profile
    if profile is None or not profile.out_of_hours_recipient:
        return False
    return acts_for(person, organisation, profile.out_of_hours_recipient)


def may_manage(person: Someone, incident: Incident) -> bool:
    """The incident manager of the incident's organisation or of its trust."""
    if not is_signed_in(person):
        return False
    if acts_for(person, incident.organisation, Duty.INCIDENT_MANAGER):
        return True
    return False


# Duties that see every major and critical incident of their organisation (and a trust's
# holders, of its schools): the DPO and SIRO in full, governors in detail.
OVERSIGHT_DUTIES = (Duty.DPO, Duty.SIRO, Duty.GOVERNOR, Duty.CHAIR_OF_GOVERNORS)


def is_investigator(person: Someone, incident: Incident) -> bool:
    if not is_signed_in(person):
        return False
    if incident.investigator_id is None:
        return False
    return incident.investigator_id == person.pk


def is_involved(person: Someone, incident: Incident) -> bool:
    """Brought in by a referral or for support (the DPO, SIRO, governors, safeguarding lead)."""
    if not is_signed_in(person):
        return False
    return incident.involvements.filter(person=person).exists()


def oversees_serious(person: Someone, incident: Incident) -> bool:
    if not incident.is_serious:
        return False
    return any(acts_for(person, incident.organisation, duty) for duty in OVERSIGHT_DUTIES)


def may_investigate(person: Someone, incident: Incident) -> bool:
    """Work on the investigation: the assigned investigator and the incident manager."""
    if may_manage(person, incident):
        return True
    if is_investigator(person, incident):
        return True
    return False


def may_view(person: Someone, incident: Incident) -> bool:
    """Whether `person` may open the incident's pages (not the reporter's own view of it)."""
    if not is_signed_in(person):
        return False
    if may_manage(person, incident):
        return True
    if is_investigator(person, incident):
        return True
    if is_involved(person, incident):
        return True
    if oversees_serious(person, incident):
        return True
    if incident.mode == ReportingMode.ANONYMOUS and is_anonymous_recipient(
        person, incident.organisation
    ):
        return True
    # The policy has the Head of School act on an out-of-hours report before the
    # Information Champion can: the alert's link must open.
    if incident.reported_out_of_hours and is_out_of_hours_recipient(person, incident.organisation):
        return True
    return False


def may_see_reporter_identity(person: Someone, incident: Incident) -> bool:
    """Whether `person` may be told who reported the incident.

    A named reporter is shown to everyone who may view the incident. A confidential
    reporter only to the incident manager, and only through the audited "Show who
    reported this" (`disclosures.reporter_reveal`), never on the page as it loads, never
    in exports or the API. An anonymous report has no one to show.
    """
    if incident.reporter_id is None:
        return False
    if incident.mode == ReportingMode.ANONYMOUS:
        return False
    if incident.mode == ReportingMode.NAMED:
        return may_view(person, incident)
    if incident.mode == ReportingMode.CONFIDENTIAL:
        return may_manage(person, incident)
    return False


def may_reveal_reporter(person: Someone, incident: Incident) -> bool:
    """Whether `person` may use "Show who reported this" on a confidential report."""
    if incident.mode != ReportingMode.CONFIDENTIAL:
        return False
    return may_see_reporter_identity(person, incident)


def may_write_to_reporter(person: Someone, incident: Incident) -> bool:
    """Whether `person` may send the reporter a message (an anonymous one reads it by receipt).

    Those who handle the incident: the incident manager, the investigator and, for an
    anonymous report, the person the profile names to receive them. Oversight (DPO, SIRO,
    governors) reads the conversation but does not take part in it.
    """
    handles = may_manage(person, incident) or may_investigate(person, incident)
    receives = incident.mode == ReportingMode.ANONYMOUS and is_anonymous_recipient(
        person, incident.organisation
    )
    if not (handles or receives):
        return False
    if incident.anonymised_at is not None:
        # The retention policy removed the conversation; it is not started again.
        return False
    if incident.mode != ReportingMode.ANONYMOUS and incident.reporter_id is None:
        return False
    return True


def may_download_attachments(person: Someone, incident: Incident) -> bool:
    if not may_view(person, incident):
        return False
    return True


def may_see_as_reporter(person: Someone, incident: Incident) -> bool:
    """The reporter of a named or confidential report, on the reporting pages."""
    if not is_signed_in(person):
        return False
    if incident.mode == ReportingMode.ANONYMOUS:
        return False
    if incident.reporter_id is None:
        return False
    if incident.reporter_id != person.pk:
        return False
    return True


def handles_incidents(person: Someone) -> bool:
    """Whether `person` may have incidents to handle, so the home page links the queue.

    One query: the duties `person` acts on, with the profiles that say where anonymous
    reports go.
    """
    if not is_signed_in(person):
        return False
    holders = acting_duty_holders(person).select_related(  # type: ignore[arg-type]
        "organisation__profile", "organisation__trust__profile"
    )
    for holder in holders:
        if holder.duty == Duty.INCIDENT_MANAGER:
            return True
        if holder.duty == anonymous_recipient_duty(holder.organisation):
            return True
        profile = holder.organisation.effective_profile
        if profile is not None and holder.duty == profile.out_of_hours_recipient:
            return True
    return False
