"""`incidentdesk harden-db --app-role ROLE`: PostgreSQL privileges for the application's role.

Run it as the role that owns the tables and runs the migrations, after every `migrate`
(new tables need their grants). See docs/admin-guide.md, "Database roles".
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from incidentdesk.audit.db import CHECKPOINT_TABLE, ERASE_FUNCTION, EVENT_TABLE, HEAD_TABLE

# Tables whose rows the application may add but never change or remove.
APPEND_ONLY = (EVENT_TABLE, CHECKPOINT_TABLE)


def app_role_privileges(role: str) -> dict[str, dict[str, bool]]:
    """What `role` may do to each audit table, as PostgreSQL itself answers."""
    checks = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
    found: dict[str, dict[str, bool]] = {}
    with connection.cursor() as cursor:
        for table in (*APPEND_ONLY, HEAD_TABLE):
            found[table] = {}
            for privilege in checks:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
                found[table][privilege] = cursor.fetchone()[0]
    return found


class Command(BaseCommand):
    help = (
        "PostgreSQL only. Give the application's database role what it needs on every "
        "table (SELECT, INSERT, UPDATE, DELETE and the sequences), then take UPDATE, DELETE "
        "and TRUNCATE on the audit events and checkpoints away from it: it may add to the "
        "audit log and read it, never change it. Retention's erasure goes through the "
        "audit_erase_event function, which it may execute. Run as the owner role that "
        "runs the migrations, after each migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--app-role", required=True, help="The role the web app and the worker log in as."
        )

    def handle(self, *args: Any, app_role: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write(
                "Nothing to do: SQLite has no database roles. Its triggers keep the audit "
                "log append-only."
            )
            return
        role = connection.ops.quote_name(app_role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"There is no role {app_role!r} in this database cluster.")
            if row[0]:
                raise CommandError(f"{app_role} is a superuser: no privilege can be taken away.")
            cursor.execute(
                "SELECT current_user, tableowner FROM pg_tables WHERE tablename = %s",
                [EVENT_TABLE],
            )
            current, owner = cursor.fetchone()
        if app_role in {current, owner}:
            raise CommandError(
                f"{app_role} owns the audit tables (or is running this): an owner can grant "
                "itself anything back. Run the migrations and this command as a separate "
                "owner role, and let the application log in as another."
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = connection.ops.quote_name(cursor.fetchone()[0])
        statements = [
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY)} FROM {role}",
            # The head moves forward one event at a time (its trigger checks that).
            f"REVOKE DELETE, TRUNCATE ON {HEAD_TABLE} FROM {role}",
            f"GRANT EXECUTE ON FUNCTION {ERASE_FUNCTION}(bigint, timestamptz) TO {role}",
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        granted = app_role_privileges(app_role)
        for table in APPEND_ONLY:
            if any(granted[table][p] for p in ("UPDATE", "DELETE", "TRUNCATE")):
                raise CommandError(f"{app_role} can still change {table}; check its roles.")
        self.stdout.write(
            f"{app_role} may read and add to the audit log, and cannot update, delete or "
            f"truncate {', '.join(APPEND_ONLY)}."
        )
