"""The register's sort keys as stored columns (the state's place in the order an incident
goes through; the severity's rank, 0 when not classified), filled in for every incident,
and the indexes that make each sort and the filters used together an index range."""

from django.db import migrations, models
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Coalesce

# As incidents.models.STATE_ORDER when this was written (a migration keeps its own copy).
STATE_ORDER = {
    "reported": 0,
    "triaged": 1,
    "investigating": 2,
    "outcome_submitted": 3,
    "closed": 4,
    "not_an_incident": 5,
}


def fill(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Incident.objects.update(
        state_order=Case(
            *(When(state=state, then=Value(n)) for state, n in STATE_ORDER.items()),
            default=Value(len(STATE_ORDER)),
            output_field=IntegerField(),
        ),
        severity_order=Coalesce("severity_rank", Value(0), output_field=IntegerField()),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0004_register_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="state_order",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="incident",
            name="severity_order",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="incident", name="incident_org_reported"),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["organisation", "reported_at", "id"], name="incident_org_reported"
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["organisation", "severity_order", "reported_at", "id"],
                name="incident_org_severity_order",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["organisation", "state_order", "-reported_at", "-id"],
                name="incident_org_state_order",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["organisation", "reference"], name="incident_org_reference"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["organisation", "kind", "severity", "state", "reported_at"],
                name="incident_org_classified",
            ),
        ),
    ]
