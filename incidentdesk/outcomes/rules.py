"""Who may write, review and export the outcome report. Default-deny, one reason per line.

- Writing and submitting: the investigator and the incident manager (`may_investigate`).
- Reviewing: the incident manager first; for a major or critical incident then the holders
  of the profile's `outcome_reviewers_serious` duties (the SIRO for the trust, the Chair of
  Governors for the school), each acting for that duty in the incident's organisation or
  its trust.
- The outcome report's export (PDF, Word): whoever may write or review it, and, for a
  serious incident, the DPO and SIRO who oversee it. It names staff who handled the
  incident but never a confidential reporter.
- The full record's export (everything from report to closure, with the timeline and the
  evidence hashes): the incident manager, who keeps the record (policy point 5); and for a
  major or critical incident the DPO and the SIRO, who must be able to account for it.
  Not the investigator alone, and not governors: the full record holds more detail than
  their part needs; they have the outcome report.
"""

from __future__ import annotations

from incidentdesk.incidents import rules as incident_rules
from incidentdesk.incidents.models import Incident
from incidentdesk.organisations.models import Duty

from .models import MANAGER_STAGE

Someone = incident_rules.Someone


def serious_review_duties(incident: Incident) -> list[str]:
    """The duties that approve after the incident manager; none for lesser incidents."""
    if not incident.is_serious:
        return []
    profile = incident.organisation.effective_profile
    if profile is None:
        return []
    return [d for d in profile.outcome_reviewers_serious if d != MANAGER_STAGE]


def review_stages(incident: Incident) -> list[str]:
    return [MANAGER_STAGE, *serious_review_duties(incident)]


def may_review_stage(person: Someone, incident: Incident, stage: str) -> bool:
    if not incident_rules.may_view(person, incident):
        return False
    if stage == MANAGER_STAGE:
        return incident_rules.may_manage(person, incident)
    if stage in serious_review_duties(incident):
        return incident_rules.acts_for(person, incident.organisation, stage)
    return False


def may_review_outcome(person: Someone, incident: Incident) -> bool:
    """Reviews at some stage of this incident's report (returning it is a review)."""
    return any(may_review_stage(person, incident, stage) for stage in review_stages(incident))


def may_write_outcome(person: Someone, incident: Incident) -> bool:
    return incident_rules.may_investigate(person, incident)


def may_see_outcome(person: Someone, incident: Incident) -> bool:
    if may_write_outcome(person, incident):
        return True
    if may_review_outcome(person, incident):
        return True
    if incident_rules.may_view(person, incident) and _oversees(person, incident):
        return True
    return False


def _oversees(person: Someone, incident: Incident) -> bool:
    if not incident.is_serious:
        return False
    return incident_rules.acts_for(
        person, incident.organisation, Duty.DPO
    ) or incident_rules.acts_for(person, incident.organisation, Duty.SIRO)


def may_export_outcome(person: Someone, incident: Incident) -> bool:
    return may_see_outcome(person, incident)


def may_export_full_record(person: Someone, incident: Incident) -> bool:
    if incident_rules.may_manage(person, incident):
        return True
    if incident_rules.may_view(person, incident) and _oversees(person, incident):
        return True
    return False
