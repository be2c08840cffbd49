"""Every workspace that exists before the backlog gets the default feature statuses (new ones get
them from backlog.services.statuses.statuses_create_defaults, run by workspace_create)."""

from django.db import migrations

# A copy of backlog.models.DEFAULT_STATUSES as it stood when this migration was written: a
# migration must not change when the defaults do.
DEFAULTS = (
    ("New", "#64748b", "backlog"),
    ("Under consideration", "#0ea5e9", "backlog"),
    ("Planned", "#6366f1", "planned"),
    ("In development", "#f59e0b", "in_progress"),
    ("In review", "#d97706", "in_progress"),
    ("Shipped", "#16a34a", "done"),
    ("Won't do", "#9ca3af", "wont_do"),
)


def add_defaults(apps, schema_editor):
    Workspace = apps.get_model("pmtool", "Workspace")
    FeatureStatus = apps.get_model("backlog", "FeatureStatus")
    have = set(FeatureStatus.objects.values_list("workspace_id", flat=True).distinct())
    rows = [
        FeatureStatus(workspace_id=ws_id, name=name, colour=colour, category=category, position=position)
        for ws_id in Workspace.objects.exclude(pk__in=have).values_list("pk", flat=True)
        for position, (name, colour, category) in enumerate(DEFAULTS)
    ]
    FeatureStatus.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("backlog", "0001_features_statuses_scorecard_plan")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
