"""The demo's year of invented incidents: spread over the organisations, the months and the
states, made through the services so the audit chain, the deadlines and the dashboard
agree; a second run adds nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidentdesk.audit.models import AuditEvent
from incidentdesk.audit.selectors import verify_chain
from incidentdesk.deadlines.models import Deadline
from incidentdesk.incidents.models import Incident, ReportingMode, State
from incidentdesk.investigations.models import Action, ActionStatus
from incidentdesk.organisations.models import Organisation, Person
from incidentdesk.oversight.models import IncidentStatistic
from incidentdesk.oversight.services import month_of, rebuild_statistics
from incidentdesk.oversight.statistics import dashboard_scopes, default_period, statistics_for
from incidentdesk.regulator.models import IcoAssessment

pytestmark = pytest.mark.django_db

CHAMPION = "priya.lawson@learningtrust.example.org"


def _summary() -> list[tuple]:
    fields = [f.name for f in IncidentStatistic._meta.fields if f.name != "id"]
    return sorted(IncidentStatistic.objects.values_list(*fields))


def test_the_demo_makes_a_year_of_incidents_the_services_agree_on(client):
    call_command("demo", "--quiet")
    now = timezone.now()
    incidents = list(Incident.objects.select_related("organisation"))

    assert 30 <= len(incidents) <= 45
    assert {i.organisation.slug for i in incidents} == set(
        Organisation.objects.values_list("slug", flat=True)
    )
    assert len({month_of(i.reported_at) for i in incidents}) >= 9
    assert min(i.reported_at for i in incidents) > now - datetime.timedelta(days=335)
    states = {i.state for i in incidents}
    assert {
        State.REPORTED,
        State.TRIAGED,
        State.INVESTIGATING,
        State.OUTCOME_SUBMITTED,
        State.CLOSED,
        State.NOT_AN_INCIDENT,
    } <= states
    assert sum(i.state == State.CLOSED for i in incidents) > len(incidents) / 2
    assert {i.mode for i in incidents} == set(ReportingMode.values)
    assert any(i.reported_out_of_hours for i in incidents)
    assert any(i.severity == "critical" for i in incidents)
    # Reported today, so the queue and the ICO clock show something.
    assert any(now - i.reported_at < datetime.timedelta(hours=12) for i in incidents)
    # One ICO decision overdue, one action overdue.
    undecided = [
        i
        for i in incidents
        if i.state == State.INVESTIGATING
        and not IcoAssessment.objects.filter(incident=i, decided_at__isnull=False).exists()
    ]
    assert any(now - i.reported_at > datetime.timedelta(hours=72) for i in undecided)
    assert Action.objects.filter(
        due_on__lt=timezone.localdate(), status=ActionStatus.OPEN, incident__state=State.CLOSED
    ).exists()
    # Every person is invented, at example.org.
    assert all(e.endswith("example.org") for e in Person.objects.values_list("email", flat=True))

    # The trust's champion sees figures in many months of the dashboard's default period.
    champion = Person.objects.get(email=CHAMPION)
    scope = next(s for s in dashboard_scopes(champion) if s.is_trust)
    stats = statistics_for(scope, default_period())
    assert (
        stats.total.value
        == len(incidents)
        - Incident.objects.filter(organisation__slug="example-junior-school").count()
    )
    assert sum(1 for row in stats.by_month if row.count.value) >= 8
    assert stats.overdue_actions.value >= 1
    client.force_login(champion)
    assert client.get("/oversight/dashboard/").status_code == 200

    assert verify_chain().ok
    # The summary the services kept is the one a full recount gives.
    kept = _summary()
    rebuild_statistics()
    assert _summary() == kept

    # The past is settled: no months-old notices or e-mails waiting; the latest still new.
    from incidentdesk.notifications.models import Notification, OutgoingEmail

    two_days_ago = now - datetime.timedelta(days=2)
    assert not Notification.objects.filter(
        created_at__lt=two_days_ago, read_at__isnull=True
    ).exists()
    assert not OutgoingEmail.objects.filter(created_at__lt=two_days_ago, sent_at=None).exists()
    assert Notification.objects.filter(created_at__gte=two_days_ago, read_at=None).exists()

    counts = (Incident.objects.count(), AuditEvent.objects.count(), Deadline.objects.count())
    call_command("demo", "--quiet")
    assert (
        Incident.objects.count(),
        AuditEvent.objects.count(),
        Deadline.objects.count(),
    ) == counts
    assert verify_chain().ok
