"""Signed checkpoints of the audit log, and retention's erasure of an event's content.

The chain already hashes a content digest per event (0001), so no stored hash changes:
existing events keep their digests and hashes, and `verify-audit` checks them as before.
The triggers are re-installed so that the one allowed UPDATE (an erasure) passes and the
checkpoint table is append-only; on PostgreSQL the SECURITY DEFINER function
`audit_erase_event` is created (see incidentdesk/audit/db.py and
docs/decisions/0005-audit-checkpoints.md).
"""

from django.db import migrations, models

from incidentdesk.audit.db import (
    install_append_only_triggers,
    remove_append_only_triggers,
    remove_erase_function,
)


def install(apps, schema_editor):
    install_append_only_triggers(schema_editor.connection)


def remove(apps, schema_editor):
    # All of them: SQLite cannot drop the erasure column while a trigger names it. The
    # post_migrate handler puts 0002's triggers back once the column is gone.
    remove_append_only_triggers(schema_editor.connection)
    remove_erase_function(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sequence", models.BigIntegerField()),
                ("head_hash", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(db_index=True)),
                (
                    "key_id",
                    models.CharField(
                        help_text="The first 16 hex digits of the key's SHA-256.", max_length=16
                    ),
                ),
                ("signature", models.CharField(help_text="Ed25519, base64.", max_length=100)),
            ],
            options={
                "ordering": ["sequence", "created_at"],
                "get_latest_by": "created_at",
                "base_manager_name": "objects",
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(install, remove, elidable=False),
    ]
