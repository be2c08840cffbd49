"""Indexes for the backlog's score sorts: (product, score DESC NULLS LAST, rank), the exact order of
backlog.filters.SORTS["rice"] / ["scorecard"], so a keyset page reads the next rows in index order
instead of sorting a product's features.

PostgreSQL only: SQLite refuses NULLS LAST in an index (and its embedded demo needs no index for a
sort of a few hundred rows); the model state has the indexes on every database."""

from django.db import migrations, models


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """AddIndex whose database part runs on PostgreSQL only (the state changes everywhere)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("backlog", "0003_feature_rank_unique_deferrable")]

    operations = [
        AddIndexOnPostgreSQL(
            model_name="feature",
            index=models.Index(
                models.F("product"),
                models.OrderBy(models.F("rice_score"), descending=True, nulls_last=True),
                models.F("rank"),
                name="feature_product_rice_order",
            ),
        ),
        AddIndexOnPostgreSQL(
            model_name="feature",
            index=models.Index(
                models.F("product"),
                models.OrderBy(models.F("scorecard_score"), descending=True, nulls_last=True),
                models.F("rank"),
                name="feature_product_card_order",
            ),
        ),
    ]
