"""Who may use the register. Default-deny, one reason per line.

The register lists an organisation's incidents for those who answer for all of them:

- the incident manager of a school or trust (a trust's covers its schools);
- the DPO and the SIRO, who see in it what `incidents_visible_to` gives them (the major
  and critical incidents, and any they were brought into).

Governors and the Chair of Governors are not here: they see aggregates on the dashboard
and the governing body's report, which hide counts small enough to identify someone;
a row-by-row list would undo that. Investigators and staff reach the incidents they work
on through the queue and the reporting pages, not through the register.
"""

from __future__ import annotations

from incidentdesk.incidents import rules as incident_rules
from incidentdesk.organisations.models import Duty

REGISTER_DUTIES = (Duty.INCIDENT_MANAGER, Duty.DPO, Duty.SIRO)


def may_see(person: incident_rules.Someone) -> bool:
    """Whether `person` may open the register and export it."""
    return bool(incident_rules.duties_held(person) & set(REGISTER_DUTIES))
