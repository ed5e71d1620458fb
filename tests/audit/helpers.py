"""What the audit tests share: tampering the way someone with database access would."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import connection

from incidentdesk.audit.services import record_event


def bypass_triggers() -> None:
    """Switch the append-only triggers off, as an attacker with database access could.

    The test's transaction is rolled back afterwards, which brings them back.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in (
                "audit_event_refuse_update",
                "audit_event_refuse_delete",
                "audit_head_refuse_delete",
                "audit_head_refuse_rewind",
            ):
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_audithead DISABLE TRIGGER USER")


def sql(statement: str, params: list | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def run_verify_audit() -> tuple[int, str, str]:
    """Run `verify-audit` and return its exit status, output and error output."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, out.getvalue(), err.getvalue()


def record_some(count: int, *, obj=None, action: str = "incident.updated") -> list:
    return [
        record_event(actor=None, action=action, obj=obj, details={"step": step})
        for step in range(count)
    ]
