"""What the audit tests share: tampering the way someone with database access would."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import connection

from incidentdesk.audit.db import AUDIT_TABLES, TRIGGER_NAMES
from incidentdesk.audit.services import record_event


def bypass_triggers() -> None:
    """Switch the append-only triggers off, as an attacker with database access could.

    The test's transaction is rolled back afterwards, which brings them back.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")


def sql(statement: str, params: list | tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def run_verify_audit(*args: str) -> tuple[int, str, str]:
    """Run `verify-audit` and return its exit status, output and error output."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, out.getvalue(), err.getvalue()


def record_some(count: int, *, obj=None, action: str = "incident.updated") -> list:
    return [
        record_event(actor=None, action=action, obj=obj, details={"step": step})
        for step in range(count)
    ]


def use_key(settings, path) -> None:
    """Sign with a key of the test's own, made on first use in `path`."""
    settings.AUDIT_SIGNING_KEY_FILE = path
    settings.AUDIT_SIGNING_KEY_GENERATE = True
    settings.AUDIT_TRUSTED_PUBLIC_KEYS = []


def rechain_from(sequence: int) -> None:
    """Re-compute every digest and hash from `sequence` on, and the head, as an attacker
    who edited an event would to make the chain verify again. Triggers must be off."""
    from incidentdesk.audit.chain import chain_hash, content_digest
    from incidentdesk.audit.models import AuditEvent

    previous = sql("SELECT hash FROM audit_auditevent WHERE sequence = %s", [sequence - 1])
    last_hash = previous[0][0] if previous else "0" * 64
    last_sequence = sequence - 1
    for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        digest = content_digest(event.content())
        new_hash = chain_hash(sequence=event.sequence, previous_hash=last_hash, digest=digest)
        sql(
            "UPDATE audit_auditevent SET content_digest = %s, previous_hash = %s, hash = %s "
            "WHERE id = %s",
            [digest, last_hash, new_hash, event.pk],
        )
        last_hash, last_sequence = new_hash, event.sequence
    sql(
        "UPDATE audit_audithead SET last_sequence = %s, last_hash = %s",
        [last_sequence, last_hash],
    )
