"""Make the audit tables append-only in the database itself (see incidentdesk/audit/db.py)."""

from django.db import migrations

from incidentdesk.audit.db import install_append_only_triggers, remove_append_only_triggers


def install(apps, schema_editor):
    install_append_only_triggers(schema_editor.connection)


def remove(apps, schema_editor):
    remove_append_only_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_log"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
