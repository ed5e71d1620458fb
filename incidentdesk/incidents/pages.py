"""The sub-navigation between an incident's pages, the same on each of them.

Each page is listed only for a person its own rule lets in, so no link leads to a refusal.
"""

from __future__ import annotations

from django.urls import reverse

from . import rules
from .models import Incident, State


def incident_pages(
    incident: Incident, current: str, person: rules.Someone
) -> list[tuple[str, str, bool]]:
    """(name, address, whether it is the current page) for each page `person` may open."""
    # Imported here: these apps' rules import the incidents app.
    from incidentdesk.outcomes.rules import may_see_outcome
    from incidentdesk.regulator.rules import may_see_ico

    reference = incident.reference
    items = [("Overview", reverse("incidents:detail", args=[reference]), "overview")]
    if incident.investigator_id or incident.state not in {State.REPORTED, State.NOT_AN_INCIDENT}:
        workspace = reverse("investigations:workspace", args=[reference])
        items.append(("Investigation", workspace, "investigation"))
    if may_see_ico(person, incident):
        items.append(("ICO decision", reverse("regulator:ico", args=[reference]), "ico"))
    if incident.investigator_id and may_see_outcome(person, incident):
        items.append(("Outcome report", reverse("outcomes:report", args=[reference]), "outcome"))
    items.append(("Timeline", reverse("incidents:timeline", args=[reference]), "timeline"))
    return [(name, url, key == current) for name, url, key in items]
