"""On PostgreSQL the application's role cannot UPDATE, DELETE or TRUNCATE the audit log.

`incidentdesk harden-db --app-role ROLE`, run by the owner role, leaves the application's
role INSERT and SELECT on the audit events and checkpoints, and the erase function. Here
the test's connection takes on a fresh role (SET ROLE) and tries. SQLite has no roles;
its triggers are tested in test_append_only.py and test_erasure.py.
"""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import ProgrammingError, connection, transaction

from incidentdesk.audit.checkpoints import write_checkpoint
from incidentdesk.audit.management.commands.harden_db import app_role_privileges
from incidentdesk.audit.models import AuditEvent
from incidentdesk.audit.selectors import verify_chain
from incidentdesk.audit.services import erase_personal_content, record_event
from tests.audit.helpers import record_some, sql, use_key

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no database roles"
)


@pytest.fixture
def app_role():
    """A role of its own, made and dropped inside the test's transaction."""
    name = f"incidentdesk_app_{uuid.uuid4().hex[:8]}"
    sql(f"CREATE ROLE {name} NOLOGIN")
    call_command("harden_db", app_role=name, stdout=io.StringIO())
    yield name
    sql("RESET ROLE")


@postgresql_only
def test_the_app_role_cannot_update_delete_or_truncate_audit_rows(app_role):
    event = record_some(2)[0]
    sql(f"SET ROLE {app_role}")

    attempts = [
        ("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.pk]),
        ("UPDATE audit_auditevent SET changes = '{}', details = '{}', erased_at = now()", []),
        ("DELETE FROM audit_auditevent WHERE id = %s", [event.pk]),
        ("TRUNCATE audit_auditevent", []),
        ("UPDATE audit_auditcheckpoint SET sequence = 1", []),
        ("DELETE FROM audit_auditcheckpoint", []),
        ("DELETE FROM audit_audithead", []),
        ("ALTER TABLE audit_auditevent DISABLE TRIGGER USER", []),
    ]
    for statement, params in attempts:
        with pytest.raises(ProgrammingError, match="permission denied|must be owner"):
            with transaction.atomic():
                sql(statement, params)

    sql("RESET ROLE")
    assert AuditEvent.objects.get(pk=event.pk).action == event.action
    assert verify_chain().ok


@postgresql_only
def test_the_app_role_can_still_record_erase_and_checkpoint(app_role, settings, tmp_path):
    use_key(settings, tmp_path / "key.pem")
    record_some(1)
    sql(f"SET ROLE {app_role}")

    event = record_event(actor=None, action="incident.reported", details={"who": "Zebedee"})
    erased = erase_personal_content(
        events=AuditEvent.objects.filter(pk=event.pk), reason="retention"
    )
    checkpoint = write_checkpoint()

    assert erased == 1
    assert checkpoint is not None
    assert AuditEvent.objects.get(pk=event.pk).details == {}
    assert verify_chain().ok


@postgresql_only
def test_harden_db_reports_what_the_role_may_do(app_role):
    granted = app_role_privileges(app_role)

    for table in ("audit_auditevent", "audit_auditcheckpoint"):
        assert granted[table] == {
            "SELECT": True,
            "INSERT": True,
            "UPDATE": False,
            "DELETE": False,
            "TRUNCATE": False,
        }
    assert granted["audit_audithead"]["UPDATE"] is True  # the head moves forward
    assert granted["audit_audithead"]["DELETE"] is False


@postgresql_only
def test_harden_db_refuses_the_owner_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_auditevent'")
        owner = cursor.fetchone()[0]

    with pytest.raises(CommandError, match="owns the audit tables|superuser"):
        call_command("harden_db", app_role=owner, stdout=io.StringIO())


def test_harden_db_has_nothing_to_do_on_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    out = io.StringIO()

    call_command("harden_db", app_role="anyone", stdout=out)

    assert "SQLite has no database roles" in out.getvalue()
