"""Every write to an incident: its creation and each change of state.

Each function checks who is asking, saves, writes the audit event and queues what must
follow (notices, deadlines) in one transaction, so a change is either whole or absent.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from incidentdesk.audit.services import record_event
from incidentdesk.deadlines.calendar import is_working_time, local_zone
from incidentdesk.organisations.models import Organisation, Person

from .models import Incident, ReferenceCounter, ReportingMode, State


def next_reference(*, organisation: Organisation, when: datetime.datetime) -> str:
    """The next reference of the organisation's year, as `CODE-2026-0042`; never reused.

    Must run inside the transaction that saves the incident: the counter row stays locked
    until it commits, so two reports can never take the same number.
    """
    year = when.astimezone(local_zone()).year
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
        organisation=organisation, year=year
    )
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{organisation.code}-{year}-{counter.last_number:04d}"


def audit_actor_for(incident: Incident) -> tuple[Person | None, str | None]:
    """Who the audit log names as the reporter.

    A confidential reporter's name must not appear where investigators read the history, so
    the event is labelled "confidential reporter"; an anonymous reporter is no one at all.
    """
    if incident.mode == ReportingMode.ANONYMOUS:
        return None, "anonymous reporter"
    if incident.mode == ReportingMode.CONFIDENTIAL:
        # Not even the account id: the audit log is read by more people than the manager.
        return None, "confidential reporter"
    return incident.reporter, None


@transaction.atomic
def incident_create(*, incident: Incident, now: datetime.datetime | None = None) -> Incident:
    """Saves a new report as an incident in the "reported" state.

    Gives it its reference, marks it out of hours when it is, records the gap between
    discovery and report, and writes the audit event. The caller has filled in the report.
    """
    now = now or timezone.now()
    organisation = incident.organisation
    profile = organisation.effective_profile
    incident.state = State.REPORTED
    incident.state_changed_at = now
    incident.reported_at = now
    incident.reference = next_reference(organisation=organisation, when=now)
    incident.reported_out_of_hours = profile is not None and not is_working_time(profile, now)
    if incident.discovered_at is not None:
        incident.report_delay_seconds = max(0, int((now - incident.discovered_at).total_seconds()))
    incident.save()
    actor, label = audit_actor_for(incident)
    record_event(
        actor=actor,
        actor_label=label,
        action="incident.reported",
        obj=incident,
        organisation=organisation,
        details={
            "mode": incident.mode,
            "source": incident.source,
            "out_of_hours": incident.reported_out_of_hours,
            "report_delay_seconds": incident.report_delay_seconds,
        },
    )
    return incident
