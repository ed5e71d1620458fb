"""Audit events cannot be changed or removed, by the code or in the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from incidentdesk.audit.db import (
    append_only_triggers_present,
    install_append_only_triggers,
    remove_append_only_triggers,
)
from incidentdesk.audit.models import AppendOnlyError, AuditEvent, AuditHead
from incidentdesk.audit.selectors import verify_chain
from tests.audit.helpers import record_some, sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    return record_some(3)[1]


def _row(event: AuditEvent) -> list[tuple]:
    return sql(
        "SELECT sequence, action, details, hash FROM audit_auditevent WHERE id = %s", [event.pk]
    )


def test_it_refuses_to_save_a_changed_event(event):
    before = _row(event)
    event.action = "incident.deleted"

    with pytest.raises(AppendOnlyError):
        event.save()

    assert _row(event) == before


def test_it_refuses_to_save_an_event_made_outside_record_event():
    with pytest.raises(AppendOnlyError, match="outside record_event"):
        AuditEvent(sequence=999, action="forged").save()

    assert not AuditEvent.objects.filter(action="forged").exists()


def test_it_refuses_to_delete_an_event(event):
    with pytest.raises(AppendOnlyError):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_refuses_update_through_the_orm(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="incident.deleted")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["action"])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"action": "x"})

    assert AuditEvent.objects.get(pk=event.pk).action == "incident.updated"


def test_it_refuses_delete_and_bulk_create_through_the_orm(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(sequence=999, action="forged")])

    assert AuditEvent.objects.count() == 3


def test_it_refuses_update_in_the_database(event):
    before = _row(event)

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"step":9}', event.pk])

    assert _row(event) == before


def test_it_refuses_delete_in_the_database(event):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("DELETE FROM audit_auditevent")

    assert AuditEvent.objects.count() == 3
    assert verify_chain().ok


def test_the_database_refuses_to_delete_or_wind_back_the_head(event):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("DELETE FROM audit_audithead")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("UPDATE audit_audithead SET last_sequence = last_sequence - 1")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("UPDATE audit_audithead SET last_hash = %s", ["f" * 64])

    assert AuditHead.objects.get().last_sequence == 3
    assert verify_chain().ok


def test_the_triggers_can_be_removed_and_installed_again(event):
    assert append_only_triggers_present(connection)

    remove_append_only_triggers(connection)
    remove_append_only_triggers(connection)  # idempotent: the migration may be re-run

    assert not append_only_triggers_present(connection)
    sql("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["changed", event.pk])

    install_append_only_triggers(connection)
    install_append_only_triggers(connection)

    assert append_only_triggers_present(connection)
    with pytest.raises(IntegrityError), transaction.atomic():
        sql("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["again", event.pk])


# The next three run in this order on purpose: transactional tests end with a flush,
# and the tests after them must still find the database refusing changes.


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_keeps_the_triggers(event):
    assert append_only_triggers_present(connection)
    with pytest.raises(IntegrityError):
        sql("DELETE FROM audit_auditevent")


def test_live_server_tests_can_flush_the_log(live_server):
    record_some(2)

    assert append_only_triggers_present(connection)


def test_the_triggers_are_back_after_a_transactional_test(event):
    assert append_only_triggers_present(connection)
    with pytest.raises(IntegrityError), transaction.atomic():
        sql("DELETE FROM audit_auditevent")
