"""Database triggers that make the audit log append-only below the ORM.

The code offers no way to change or remove an event, but the database must refuse too,
so that a bug, a shell session or a hand-written query cannot quietly rewrite history.

- `audit_auditevent`: every DELETE is refused, and every UPDATE but one: retention's
  erasure (`incidentdesk.audit.services.erase_personal_content`), which may only empty
  `changes` and `details` and set `erased_at` once, every other column unchanged. The
  chain columns (`content_digest`, `previous_hash`, `hash`) never change, so the chain
  still verifies after erasure. On PostgreSQL the erasure goes through the SECURITY
  DEFINER function `audit_erase_event`, so the application's role needs no UPDATE
  privilege on the table at all (see `incidentdesk harden-db`).
- `audit_auditcheckpoint`: every UPDATE and DELETE is refused.
- `audit_audithead`: DELETE is refused, and an UPDATE must move the head forward by
  exactly one event, so the record of where the log ends cannot be wound back.

Both functions are idempotent and run on SQLite and PostgreSQL; the errors they raise
arrive in Django as `IntegrityError`.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

EVENT_TABLE = "audit_auditevent"
HEAD_TABLE = "audit_audithead"
CHECKPOINT_TABLE = "audit_auditcheckpoint"
AUDIT_TABLES = (EVENT_TABLE, HEAD_TABLE, CHECKPOINT_TABLE)
MESSAGE = "audit events are append-only"
ERASE_FUNCTION = "audit_erase_event"

# The columns an erasure leaves exactly as they were: all but changes, details, erased_at.
_KEPT_COLUMNS = (
    "id",
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "content_digest",
    "previous_hash",
    "hash",
)


def _erasure(vendor: str) -> str:
    """The condition an UPDATE must meet to pass: the one allowed erasure, nothing else."""
    same = "IS" if vendor == "sqlite" else "IS NOT DISTINCT FROM"
    empty = "'{}'" if vendor == "sqlite" else "'{}'::jsonb"
    kept = " AND ".join(f"NEW.{column} {same} OLD.{column}" for column in _KEPT_COLUMNS)
    return (
        f"OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL "
        f"AND NEW.changes = {empty} AND NEW.details = {empty} AND {kept}"
    )


# (trigger name, table, event, condition or None); "{erasure}" is filled in per vendor.
_TRIGGERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("audit_event_refuse_update", EVENT_TABLE, "UPDATE", "NOT ({erasure})"),
    ("audit_event_refuse_delete", EVENT_TABLE, "DELETE", None),
    ("audit_head_refuse_delete", HEAD_TABLE, "DELETE", None),
    (
        "audit_head_refuse_rewind",
        HEAD_TABLE,
        "UPDATE",
        "NEW.id <> OLD.id OR NEW.last_sequence <> OLD.last_sequence + 1",
    ),
    ("audit_checkpoint_refuse_update", CHECKPOINT_TABLE, "UPDATE", None),
    ("audit_checkpoint_refuse_delete", CHECKPOINT_TABLE, "DELETE", None),
)
TRIGGER_NAMES = tuple(name for name, *_ in _TRIGGERS)
_PG_FUNCTION = "audit_refuse_change"


def _schema(connection: BaseDatabaseWrapper) -> tuple[set[str], bool]:
    """The audit tables that exist, and whether events have `erased_at` yet.

    The migrations that came before the checkpoints (0002) install the triggers too, on
    a schema without the checkpoint table or the erasure column: they get the triggers
    their schema can hold, and migration 0003 installs the rest.
    """
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor)) & set(AUDIT_TABLES)
        erasable = EVENT_TABLE in tables and any(
            column.name == "erased_at"
            for column in connection.introspection.get_table_description(cursor, EVENT_TABLE)
        )
    return tables, erasable


def _triggers(
    vendor: str, tables: set[str], erasable: bool
) -> list[tuple[str, str, str, str | None]]:
    found = []
    for name, table, event, condition in _TRIGGERS:
        if table not in tables:
            continue
        if condition and "{erasure}" in condition:
            condition = condition.format(erasure=_erasure(vendor)) if erasable else None
        found.append((name, table, event, condition))
    return found


def _sqlite_install(tables: set[str], erasable: bool) -> list[str]:
    statements = []
    for name, table, event, condition in _triggers("sqlite", tables, erasable):
        when = f" WHEN {condition}" if condition else ""
        # Dropped first: an older definition (before erasure was allowed) is replaced.
        statements.append(f"DROP TRIGGER IF EXISTS {name}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    return statements


def _postgresql_install(tables: set[str], erasable: bool, schema: str) -> list[str]:
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
        """,
        # The one way to erase an event's personal content on PostgreSQL. SECURITY DEFINER:
        # it runs with its owner's (the migrating role's) rights, so the application's role
        # can erase without holding UPDATE on the table; the trigger above still checks
        # that the UPDATE is exactly an erasure.
        # The table is named with its schema: the function's search path holds only the
        # system schemas, so no object someone else creates can stand in for it.
        f"""
        CREATE OR REPLACE FUNCTION {ERASE_FUNCTION}(event_id bigint, erased timestamptz)
        RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
        DECLARE
            done integer;
        BEGIN
            UPDATE {schema}.{EVENT_TABLE}
               SET changes = '{{}}'::jsonb, details = '{{}}'::jsonb, erased_at = erased
             WHERE id = event_id AND erased_at IS NULL;
            GET DIAGNOSTICS done = ROW_COUNT;
            RETURN done;
        END;
        $body$
        """,  # noqa: S608 - names are constants of this module
        f"REVOKE ALL ON FUNCTION {ERASE_FUNCTION}(bigint, timestamptz) FROM PUBLIC",
    ]
    if not erasable:
        statements = statements[:1]
    for name, table, event, condition in _triggers("postgresql", tables, erasable):
        when = f" WHEN ({condition})" if condition else ""
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
            f"EXECUTE FUNCTION {_PG_FUNCTION}()"
        )
    return statements


def _remove(connection: BaseDatabaseWrapper) -> list[str]:
    if connection.vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}"
        for name, table, *_ in _TRIGGERS
        if table in tables
    ] + [f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()"]
    # The erase function stays: it is no trigger, and dropping it would drop the
    # application role's EXECUTE grant with it. Migration 0003's reverse removes it.


def remove_erase_function(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP FUNCTION IF EXISTS {ERASE_FUNCTION}(bigint, timestamptz)")


def _check_vendor(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor not in {"sqlite", "postgresql"}:
        raise NotImplementedError(f"no append-only triggers for {connection.vendor}")


def install_append_only_triggers(connection: BaseDatabaseWrapper) -> None:
    """Create (or re-create) the triggers on the connection's database."""
    _check_vendor(connection)
    tables, erasable = _schema(connection)
    if connection.vendor == "sqlite":
        statements = _sqlite_install(tables, erasable)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = connection.ops.quote_name(cursor.fetchone()[0])
        statements = _postgresql_install(tables, erasable, schema)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def remove_append_only_triggers(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers, for the migration's reverse and the test suite's flush."""
    _check_vendor(connection)
    with connection.cursor() as cursor:
        for statement in _remove(connection):
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
