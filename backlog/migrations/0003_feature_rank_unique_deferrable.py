"""The unique (product, rank) constraint becomes DEFERRABLE INITIALLY IMMEDIATE: still checked at
the end of every statement, unless a transaction defers it, as the re-key does (it rewrites every
key of a product in one UPDATE, which passes through transient duplicates; SET CONSTRAINTS ...
DEFERRED checks them at commit). The index it owns keeps serving ORDER BY rank."""

import django.db.models.constraints
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("backlog", "0002_default_statuses_for_existing_workspaces"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="feature",
            name="feature_rank_unique",
        ),
        migrations.AddConstraint(
            model_name="feature",
            constraint=models.UniqueConstraint(
                deferrable=django.db.models.constraints.Deferrable["IMMEDIATE"],
                fields=("product", "rank"),
                name="feature_rank_unique",
            ),
        ),
    ]
