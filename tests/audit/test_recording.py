"""Recording audit events: what is stored, and how each event is chained to the last."""

from __future__ import annotations

import datetime
import decimal
import threading
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections, transaction

from incidentdesk.audit.chain import GENESIS_HASH, canonical_json, chain_hash, content_digest
from incidentdesk.audit.models import AuditEvent, AuditHead
from incidentdesk.audit.selectors import events_for_object, verify_chain
from incidentdesk.audit.services import changes_between, record_event
from incidentdesk.organisations.models import Membership, Organisation
from tests.audit.helpers import bypass_triggers, record_some, sql
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db


def test_it_chains_each_event_to_the_one_before():
    events = record_some(4)

    assert [e.sequence for e in events] == list(range(events[0].sequence, events[0].sequence + 4))
    for before, after in zip(events, events[1:], strict=False):
        assert after.previous_hash == before.hash
    head = AuditHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (events[-1].sequence, events[-1].hash)
    assert verify_chain().ok


def test_the_first_event_follows_the_genesis_hash():
    record_some(1)

    first = AuditEvent.objects.order_by("sequence").first()
    assert (first.sequence, first.previous_hash) == (1, GENESIS_HASH)


def test_its_hash_covers_sequence_previous_hash_and_content_digest():
    event = record_some(1)[0]
    stored = AuditEvent.objects.get(pk=event.pk)

    assert stored.content_digest == content_digest(stored.content())
    assert stored.hash == chain_hash(
        sequence=stored.sequence, previous_hash=stored.previous_hash, digest=stored.content_digest
    )


def test_it_describes_the_object_from_the_model_instance():
    school = make_organisation("Elm Primary")

    event = record_event(actor=None, action="organisation.renamed", obj=school)

    assert event.object_type == "organisation"
    assert event.object_id == str(school.pk)
    assert event.object_label == "Elm Primary"
    assert event.organisation_id == school.pk


def test_it_takes_the_organisation_from_the_object():
    school = make_organisation()
    make_person("Dee Dale", organisation=school)
    membership = Membership.objects.get(person__full_name="Dee Dale")

    event = record_event(actor=None, action="membership.viewed", obj=membership)

    assert event.organisation_id == school.pk
    assert event.object_type == "membership"


def test_it_prefers_the_objects_audit_label():
    school = make_organisation("Elm Primary")
    school.audit_label = "EPA-2026-0001"

    event = record_event(actor=None, action="incident.classified", obj=school)

    assert event.object_label == "EPA-2026-0001"


def test_explicit_object_fields_win_over_the_instance():
    school = make_organisation()

    event = record_event(
        actor=None,
        action="incident.viewed",
        obj=school,
        object_type="incident",
        object_id="42",
        object_label="EPA-2026-0042",
    )

    assert (event.object_type, event.object_id, event.object_label) == (
        "incident",
        "42",
        "EPA-2026-0042",
    )


def test_it_names_the_actor_as_they_were_at_the_time():
    alice = make_person("Alice Able")

    event = record_event(actor=alice, action="person.signed_in", obj=alice)
    alice.full_name = "Alice Archer"
    alice.save()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id == alice.pk
    assert stored.actor_label == f"Alice Able <{alice.email}>"


def test_it_records_the_system_and_anonymous_people_without_an_identity():
    system = record_event(actor=None, action="deadline.escalated")
    visitor = record_event(actor=AnonymousUser(), action="report.viewed")
    reporter = record_event(
        actor=AnonymousUser(), action="report.submitted", actor_label="anonymous reporter"
    )

    assert (system.actor_id, system.actor_label) == (None, "system")
    assert (visitor.actor_id, visitor.actor_label) == (None, "anonymous")
    assert (reporter.actor_id, reporter.actor_label) == (None, "anonymous reporter")


def test_it_stores_changes_and_details_exactly_as_they_were_hashed():
    london = ZoneInfo("Europe/London")
    ref = uuid.UUID("12345678-1234-5678-1234-567812345678")
    event = record_event(
        actor=None,
        action="incident.classified",
        changes={
            "severity": ["minor", "major"],
            "aware_at": [None, datetime.datetime(2026, 7, 1, 9, 30, tzinfo=london)],
            "due_on": [datetime.date(2026, 7, 3), datetime.date(2026, 7, 4)],
        },
        details={"cost": decimal.Decimal("12.50"), "ref": ref, "hours": 72.0, "ratio": 0.25},
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.changes == {
        "severity": ["minor", "major"],
        "aware_at": [None, "2026-07-01T08:30:00.000000+00:00"],
        "due_on": ["2026-07-03", "2026-07-04"],
    }
    assert stored.details == {"cost": "12.50", "ref": str(ref), "hours": 72, "ratio": 0.25}
    assert content_digest(stored.content()) == event.content_digest
    assert stored.content()["occurred_at"].endswith("+00:00")


def test_it_refuses_values_it_cannot_record_faithfully():
    naive = datetime.datetime(2026, 7, 1, 9, 30)

    with pytest.raises(ValueError, match="timezone-aware"):
        record_event(actor=None, action="x.y", details={"at": naive})
    with pytest.raises(TypeError, match="bytes"):
        record_event(actor=None, action="x.y", details={"blob": b"\x00"})
    with pytest.raises(ValueError, match="cannot be nan"):
        record_event(actor=None, action="x.y", details={"n": float("nan")})
    with pytest.raises(ValueError, match=r"\[before, after\]"):
        record_event(actor=None, action="x.y", changes={"severity": "major"})
    assert not AuditEvent.objects.filter(action="x.y").exists()


def test_it_refuses_an_unsaved_object():
    with pytest.raises(ValueError, match="save the organisation"):
        record_event(actor=None, action="x.y", obj=Organisation())


def test_canonical_json_is_one_spelling():
    assert canonical_json({"b": 1, "a": ["é", None, True]}) == '{"a":["é",null,true],"b":1}'
    assert canonical_json({"s": {3, 1, 2}}) == '{"s":[1,2,3]}'


def test_changes_between_keeps_only_the_fields_that_changed():
    before = {"severity": "minor", "title": "Lost laptop", "cost": decimal.Decimal("1.50")}
    after = {"severity": "major", "title": "Lost laptop", "owner": "Bob"}

    assert changes_between(before, after) == {
        "cost": ["1.50", None],
        "owner": [None, "Bob"],
        "severity": ["minor", "major"],
    }


def test_changes_between_sees_equal_instants_in_other_time_zones_as_unchanged():
    utc = datetime.datetime(2026, 7, 1, 8, 30, tzinfo=datetime.UTC)
    london = utc.astimezone(ZoneInfo("Europe/London"))

    assert changes_between({"at": utc}, {"at": london}) == {}


def test_an_event_rolls_back_with_the_service_transaction():
    kept = record_some(1)[0]

    with pytest.raises(RuntimeError), transaction.atomic():
        record_some(1)
        raise RuntimeError("the service failed")

    assert AuditHead.objects.get().last_sequence == kept.sequence
    after = record_some(1)[0]
    assert after.sequence == kept.sequence + 1
    assert after.previous_hash == kept.hash
    assert verify_chain().ok


def test_it_starts_the_chain_when_the_head_is_missing():
    record_some(2)
    bypass_triggers()
    sql("DELETE FROM audit_auditevent")
    sql("DELETE FROM audit_audithead")

    event = record_some(1)[0]

    assert (event.sequence, event.previous_hash) == (1, GENESIS_HASH)
    assert AuditHead.objects.get().last_sequence == 1


def test_it_continues_from_the_last_event_when_the_head_is_missing():
    events = record_some(2)
    bypass_triggers()
    sql("DELETE FROM audit_audithead")

    event = record_some(1)[0]

    assert event.sequence == events[-1].sequence + 1
    assert event.previous_hash == events[-1].hash
    assert verify_chain().ok


def test_it_lists_the_events_about_one_object_oldest_first():
    school, other = make_organisation(), make_organisation()
    first = record_event(actor=None, action="organisation.viewed", obj=school)
    record_event(actor=None, action="organisation.viewed", obj=other)
    second = record_event(actor=None, action="organisation.renamed", obj=school)

    events = events_for_object(object_type="organisation", object_id=str(school.pk))

    assert [e.pk for e in events if e.action != "organisation.created"] == [first.pk, second.pk]


@pytest.mark.django_db(transaction=True)
def test_it_records_in_a_transactional_test_where_the_head_may_be_missing():
    record_some(3)

    result = verify_chain()
    assert result.ok, result.problem
    assert AuditHead.objects.get().last_sequence == AuditEvent.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers by itself")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    writers, per_writer = 6, 15
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write() -> None:
        try:
            start.wait()
            record_some(per_writer, action="concurrent.write")
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEvent.objects.filter(action="concurrent.write").count() == writers * per_writer
    result = verify_chain()
    assert result.ok, result.problem
