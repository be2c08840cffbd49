"""On PostgreSQL the unique (product, rank) index becomes a DEFERRABLE INITIALLY IMMEDIATE unique
constraint of the same name: still checked for every statement, but at its end rather than row by
row, so the re-key (backlog.services.ranking.features_rekey) can rewrite every key of a product in
one UPDATE that passes through transient duplicates (a row takes the key another row still holds).

Database only: the model keeps its plain UniqueConstraint("product", "rank"), so SQLite (which has
no deferrable constraints; Django would create none there and warn, models.W038) keeps a real
unique index, and the migration state does not change. A later migration that alters this
constraint must drop it with ALTER TABLE ... DROP CONSTRAINT on PostgreSQL (not DROP INDEX)."""

from django.db import migrations

NAME = "feature_rank_unique"


def make_deferrable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')
    schema_editor.execute(
        f'ALTER TABLE "backlog_feature" ADD CONSTRAINT "{NAME}" UNIQUE ("product_id", "rank") '
        "DEFERRABLE INITIALLY IMMEDIATE"
    )


def make_plain(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'ALTER TABLE "backlog_feature" DROP CONSTRAINT IF EXISTS "{NAME}"')
    schema_editor.execute(f'CREATE UNIQUE INDEX "{NAME}" ON "backlog_feature" ("product_id", "rank")')


class Migration(migrations.Migration):
    dependencies = [
        ("backlog", "0002_default_statuses_for_existing_workspaces"),
    ]

    operations = [migrations.RunPython(make_deferrable, make_plain, elidable=False)]
