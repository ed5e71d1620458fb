"""One invented demo incident taken to an approved outcome report, ready to close.

Called by `organisations.demo.load_demo`; a second run finds it and changes nothing.
Every name is invented; no real pupil, parent or address.
"""

from __future__ import annotations

import datetime

from incidentdesk.incidents.models import Incident, Kind, ReportingMode
from incidentdesk.incidents.services import (
    ClassificationInput,
    assign_investigator,
    classify_incident,
)
from incidentdesk.investigations.models import InvestigationStep, StepStatus
from incidentdesk.investigations.services import add_action, update_investigation_step
from incidentdesk.organisations.models import Duty, Organisation
from incidentdesk.organisations.selectors import duty_holders_for
from incidentdesk.regulator.services import IcoDecisionInput, record_ico_decision
from incidentdesk.reporting.services import ReportDetails, report_incident

from .services import review_outcome_report, save_outcome_report, submit_outcome_report

DEMO_WHAT_HAPPENED = "Year 5 class list with parents' phone numbers left on the photocopier."


def load_demo_outcome(organisation: Organisation) -> Incident | None:
    """A minor incident at `organisation`, investigated, its report approved, not closed."""
    # Found by its words: the demo's year of incidents has outcome reports of its own.
    if Incident.objects.filter(
        organisation=organisation, what_happened=DEMO_WHAT_HAPPENED
    ).exists():
        return None
    managers = duty_holders_for(organisation, Duty.INCIDENT_MANAGER)
    investigators = duty_holders_for(organisation, Duty.INVESTIGATING_OFFICER)
    if not managers or not investigators:
        return None
    manager, investigator = managers[0], investigators[0]
    incident = report_incident(
        organisation=organisation,
        reporter=investigator,
        mode=ReportingMode.NAMED,
        details=ReportDetails(what_happened=DEMO_WHAT_HAPPENED, reported_kind=Kind.NEAR_MISS),
    ).incident
    incident = classify_incident(
        incident=incident,
        actor=manager,
        data=ClassificationInput(
            kind=Kind.NEAR_MISS,
            category="accident",
            personal_data="yes",
            severity="minor",
            severity_reason="Found by staff within minutes; no one outside the school saw it.",
        ),
    )
    incident = assign_investigator(incident=incident, actor=manager, investigator=investigator)
    add_action(
        incident=incident,
        actor=investigator,
        kind="preventive",
        description="Turn on secure print release on the staffroom photocopier.",
        owner=manager,
        due_on=datetime.date.today() + datetime.timedelta(days=14),
    )
    for step in InvestigationStep.objects.filter(incident=incident):
        update_investigation_step(
            incident=incident,
            actor=investigator,
            letter=step.letter,
            status=StepStatus.DONE,
            what_was_done="Done and recorded in the investigation.",
            disciplinary_decision="not_commenced" if step.letter == "h" else "",
        )
    record_ico_decision(
        incident=incident,
        actor=manager,
        data=IcoDecisionInput(
            personal_data_of_living_people=True,
            risk_likely=False,
            high_risk=False,
            reasons="Seen by no one outside the staff; collected within minutes.",
        ),
    )
    save_outcome_report(
        incident=incident,
        actor=investigator,
        sections={
            "summary": "A class list was left on the staffroom photocopier and found by staff.",
            "cause": "Printing to the shared copier without secure print release.",
            "impact": "Names and parents' phone numbers of one class; seen only by staff.",
            "people_told": "No one needed to be told: no risk to the families.",
            "lessons_learned": "Printing personal information needs secure print release.",
            "recommendations": "Turn on secure print release on every shared copier.",
        },
    )
    submit_outcome_report(incident=incident, actor=investigator)
    review_outcome_report(incident=incident, actor=manager, decision="approved")
    return Incident.objects.get(pk=incident.pk)
