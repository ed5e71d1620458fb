"""`incidentdesk bench-data`: the shape of what it loads, an intact audit chain, and a
statistics summary equal to a direct count. Small (200 incidents) to stay fast."""

from __future__ import annotations

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from incidentdesk.api.models import ApiToken, hash_token
from incidentdesk.audit.models import AuditEvent
from incidentdesk.audit.selectors import verify_chain
from incidentdesk.deadlines.models import Deadline
from incidentdesk.incidents.models import OPEN_STATES, Incident, State
from incidentdesk.incidents.services import next_reference
from incidentdesk.investigations.models import Action, InvestigationStep
from incidentdesk.organisations.models import Duty, DutyHolder, Organisation, Person
from incidentdesk.oversight.bench_data import LARGE_TRUST_CODE, load_bench_data
from incidentdesk.oversight.models import IncidentStatistic

pytestmark = pytest.mark.django_db
INVESTIGATED = {State.INVESTIGATING, State.OUTCOME_SUBMITTED, State.CLOSED}


@pytest.fixture
def loaded():
    return load_bench_data(incidents=200, organisations=3, password="bench-password-1")


def test_it_loads_the_promised_shape_with_a_chain_and_summary_that_hold(loaded):
    assert Incident.objects.count() == 200
    trust = Organisation.objects.get(code=LARGE_TRUST_CODE)
    assert trust.schools.exists()
    assert Organisation.objects.count() == 3
    states = Counter(Incident.objects.values_list("state", flat=True))
    assert states[State.CLOSED] > states[State.NOT_AN_INCIDENT] > 0
    assert any(states[s] for s in OPEN_STATES), states
    assert len(set(Incident.objects.values_list("kind", flat=True)) - {""}) == 3
    assert len(set(Incident.objects.values_list("category", flat=True)) - {""}) >= 5
    assert len(set(Incident.objects.values_list("severity", flat=True)) - {""}) == 4
    oldest, newest = (
        Incident.objects.order_by(field).values_list("reported_at", flat=True)[0]
        for field in ("reported_at", "-reported_at")
    )
    assert newest - oldest > datetime.timedelta(days=3 * 365 - 30)
    assert newest <= timezone.now()

    investigated = Incident.objects.filter(state__in=INVESTIGATED)
    steps = InvestigationStep.objects.values("incident_id").annotate(n=Count("pk"))
    assert {row["n"] for row in steps} == {11}
    assert {row["incident_id"] for row in steps} == set(investigated.values_list("pk", flat=True))
    assert Action.objects.count() == investigated.count()
    # Every incident has its acknowledge and classify deadlines; each action one more.
    assert Deadline.objects.filter(step="classify").count() == 200
    assert Deadline.objects.filter(action__isnull=False).count() == Action.objects.count()
    # Nothing is due for the worker at once: the bench sets its own due deadlines.
    assert not Deadline.objects.filter(next_reminder_at__lte=timezone.now()).exists()

    per_incident = AuditEvent.objects.filter(object_type="incident").count() / 200
    assert 15 <= per_incident <= 25, per_incident
    closed = Incident.objects.filter(state=State.CLOSED).first()
    events = AuditEvent.objects.filter(object_type="incident", object_id=str(closed.pk))
    assert events.count() >= 20
    # The story reads in order: the log is in time order, as record_event writes it.
    times = list(
        AuditEvent.objects.filter(object_type="incident")
        .order_by("sequence")
        .values_list("occurred_at", flat=True)
    )
    assert times == sorted(times)

    # The hash chain, continued from the organisations' own events, verifies.
    result = verify_chain()
    assert result.ok, result.problem
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "chain intact" in out.getvalue()

    # The summary was rebuilt after the bulk load: it equals a direct count.
    assert IncidentStatistic.objects.aggregate(n=Sum("incidents"))["n"] == 200
    for field in ("state", "kind", "severity", "organisation_id"):
        summary = Counter(
            {
                row[field]: row["n"]
                for row in IncidentStatistic.objects.values(field).annotate(n=Sum("incidents"))
            }
        )
        assert summary == Counter(Incident.objects.values_list(field, flat=True)), field


def test_it_gives_a_manager_of_the_large_trust_a_sign_in_and_a_token(loaded):
    manager = Person.objects.get(email=loaded.manager_email)
    assert manager.check_password("bench-password-1")
    assert DutyHolder.objects.filter(
        person=manager, duty=Duty.INCIDENT_MANAGER, organisation__code=LARGE_TRUST_CODE
    ).exists()
    assert ApiToken.objects.get(token_hash=hash_token(loaded.token)).person == manager
    # A report made afterwards takes a free reference.
    trust = Organisation.objects.get(code=LARGE_TRUST_CODE)
    reference = next_reference(organisation=trust, when=timezone.now())
    assert not Incident.objects.filter(reference=reference).exists()
    # It fills an empty database only.
    with pytest.raises(ValueError, match="already holds incidents"):
        load_bench_data(incidents=10, organisations=1)


def test_every_row_it_loads_keeps_the_foreign_keys_and_sequences(loaded):
    from django.db import connection

    if connection.vendor == "sqlite":
        # The load does not check foreign keys row by row on SQLite: check them all here.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1  # back on for the rest of the connection
    # Ids were given by the load: the database's own next ids come after them.
    organisation = Organisation.objects.get(code=LARGE_TRUST_CODE)
    incident = Incident.objects.create(
        organisation=organisation,
        reference="BENCH-NEW-1",
        mode="named",
        what_happened="After the load.",
    )
    assert incident.pk > max(Incident.objects.exclude(pk=incident.pk).values_list("pk", flat=True))
    action = Action.objects.create(
        incident=incident,
        created_by=Person.objects.get(email=loaded.manager_email),
        kind="remedial",
        description="After the load.",
        owner=Person.objects.get(email=loaded.manager_email),
        due_on=datetime.date(2030, 1, 1),
    )
    assert action.pk > max(Action.objects.exclude(pk=action.pk).values_list("pk", flat=True))
