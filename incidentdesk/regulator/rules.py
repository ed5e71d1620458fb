"""Who may see and record the ICO decision. Default-deny, one condition per line."""

from __future__ import annotations

from incidentdesk.incidents import rules as incident_rules
from incidentdesk.incidents.models import Incident
from incidentdesk.organisations.models import Duty


def is_dpo_for(person: incident_rules.Someone, incident: Incident) -> bool:
    """The DPO of the incident's organisation (or its trust) who may view the incident."""
    if not incident_rules.acts_for(person, incident.organisation, Duty.DPO):
        return False
    if not incident_rules.may_view(person, incident):
        return False
    return True


def may_see_ico(person: incident_rules.Someone, incident: Incident) -> bool:
    """The ICO page and its draft: the incident manager and the DPO."""
    if incident_rules.may_manage(person, incident):
        return True
    if is_dpo_for(person, incident):
        return True
    return False


def may_decide(person: incident_rules.Someone, incident: Incident) -> bool:
    """The decision and what follows it are the incident manager's, with the DPO's advice."""
    return incident_rules.may_manage(person, incident)


def may_comment_as_dpo(person: incident_rules.Someone, incident: Incident) -> bool:
    return is_dpo_for(person, incident)
