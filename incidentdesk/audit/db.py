"""Database triggers that make the audit log append-only below the ORM.

The code offers no way to change or remove an event, but the database must refuse too,
so that a bug, a shell session or a hand-written query cannot quietly rewrite history.

- `audit_auditevent`: every UPDATE and DELETE is refused.
- `audit_audithead`: DELETE is refused, and an UPDATE must move the head forward by
  exactly one event, so the record of where the log ends cannot be wound back.

Both functions are idempotent and run on SQLite and PostgreSQL; the errors they raise
arrive in Django as `IntegrityError`.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

EVENT_TABLE = "audit_auditevent"
HEAD_TABLE = "audit_audithead"
MESSAGE = "audit events are append-only"

# (trigger name, table, event, condition or None)
_TRIGGERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("audit_event_refuse_update", EVENT_TABLE, "UPDATE", None),
    ("audit_event_refuse_delete", EVENT_TABLE, "DELETE", None),
    ("audit_head_refuse_delete", HEAD_TABLE, "DELETE", None),
    (
        "audit_head_refuse_rewind",
        HEAD_TABLE,
        "UPDATE",
        "NEW.id <> OLD.id OR NEW.last_sequence <> OLD.last_sequence + 1",
    ),
)
TRIGGER_NAMES = tuple(name for name, *_ in _TRIGGERS)
_PG_FUNCTION = "audit_refuse_change"


def _sqlite_install() -> list[str]:
    statements = []
    for name, table, event, condition in _TRIGGERS:
        when = f" WHEN {condition}" if condition else ""
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    return statements


def _postgresql_install() -> list[str]:
    # SQLSTATE 23000 (integrity_constraint_violation) so psycopg raises IntegrityError,
    # as SQLite's RAISE(ABORT) does.
    statements = [
        f"""
        CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $body$
        BEGIN
            RAISE EXCEPTION USING
                MESSAGE = '{MESSAGE}: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused',
                ERRCODE = 'integrity_constraint_violation';
        END;
        $body$
        """
    ]
    for name, table, event, condition in _TRIGGERS:
        when = f" WHEN ({condition})" if condition else ""
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
            f"EXECUTE FUNCTION {_PG_FUNCTION}()"
        )
    return statements


def _remove(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES]
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table, *_ in _TRIGGERS] + [
        f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()"
    ]


def _check_vendor(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor not in {"sqlite", "postgresql"}:
        raise NotImplementedError(f"no append-only triggers for {connection.vendor}")


def install_append_only_triggers(connection: BaseDatabaseWrapper) -> None:
    """Create (or re-create) the triggers on the connection's database."""
    _check_vendor(connection)
    statements = _sqlite_install() if connection.vendor == "sqlite" else _postgresql_install()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def remove_append_only_triggers(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers, for the migration's reverse and the test suite's flush."""
    _check_vendor(connection)
    with connection.cursor() as cursor:
        for statement in _remove(connection.vendor):
            cursor.execute(statement)


def append_only_triggers_present(connection: BaseDatabaseWrapper) -> bool:
    """Whether every trigger exists (on PostgreSQL: exists and is enabled)."""
    _check_vendor(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            # tgenabled 'D' is a trigger switched off with ALTER TABLE ... DISABLE TRIGGER.
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
            )
        present = {row[0] for row in cursor.fetchall()}
    return set(TRIGGER_NAMES) <= present
