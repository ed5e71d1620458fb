"""The sub-navigation between an incident's pages, the same on each of them.

Each page is listed only for a person its own rule lets in, so no link leads to a refusal.
"""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.urls import get_script_prefix, reverse

from . import rules
from .models import Incident, State

PLACEHOLDER = "REFERENCE"


@functools.cache
def _address_pattern(name: str, prefix: str) -> tuple[str, str]:
    # The URL patterns do not change while the process runs: each name is reversed once
    # (per script prefix), then filled in with the reference on every page.
    before, after = reverse(name, args=[PLACEHOLDER]).split(PLACEHOLDER)
    return before, after


def incident_address(name: str, reference: str) -> str:
    """`reverse(name, args=[reference])` for the incident's pages, without the reversing."""
    before, after = _address_pattern(name, get_script_prefix())
    return f"{before}{quote(reference, safe='')}{after}"


def incident_pages(
    incident: Incident, current: str, person: rules.Someone
) -> list[tuple[str, str, bool]]:
    """(name, address, whether it is the current page) for each page `person` may open."""
    # Imported here: these apps' rules import the incidents app.
    from incidentdesk.outcomes.rules import may_see_outcome
    from incidentdesk.regulator.rules import may_see_ico

    reference = incident.reference
    items = [("Overview", incident_address("incidents:detail", reference), "overview")]
    if incident.investigator_id or incident.state not in {State.REPORTED, State.NOT_AN_INCIDENT}:
        workspace = incident_address("investigations:workspace", reference)
        items.append(("Investigation", workspace, "investigation"))
    if may_see_ico(person, incident):
        items.append(("ICO decision", incident_address("regulator:ico", reference), "ico"))
    if incident.investigator_id and may_see_outcome(person, incident):
        items.append(("Outcome report", incident_address("outcomes:report", reference), "outcome"))
    items.append(("Timeline", incident_address("incidents:timeline", reference), "timeline"))
    return [(name, url, key == current) for name, url, key in items]
