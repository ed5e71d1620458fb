from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "incidentdesk.audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from . import jobs  # noqa: F401 - registers the checkpoint job

        post_migrate.connect(restore_append_only_triggers, sender=self)


TRIGGERS_MIGRATION = ("audit", "0002_append_only_triggers")


def restore_append_only_triggers(*, using: str, **kwargs: Any) -> None:
    """Put the append-only triggers back after `migrate` and `flush`, if they are due.

    The migration installs them once; this restores them if they were dropped, and after
    the test suite's flush of a SQLite database, which must drop them to empty the table.
    Only while the triggers' migration is applied, so migrating backwards still works.
    """
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from incidentdesk.audit.db import install_append_only_triggers

    connection = connections[using]
    if connection.vendor not in {"sqlite", "postgresql"}:
        return
    if TRIGGERS_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    install_append_only_triggers(connection)
