"""Indexes for the backlog's score sorts: (product, score DESC NULLS LAST, rank), the exact order of
backlog.filters.SORTS["rice"] / ["scorecard"], so a keyset page reads the next rows in index order
instead of sorting a product's features."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("backlog", "0003_feature_rank_unique_deferrable")]

    operations = [
        migrations.AddIndex(
            model_name="feature",
            index=models.Index(
                models.F("product"),
                models.OrderBy(models.F("rice_score"), descending=True, nulls_last=True),
                models.F("rank"),
                name="feature_product_rice_order",
            ),
        ),
        migrations.AddIndex(
            model_name="feature",
            index=models.Index(
                models.F("product"),
                models.OrderBy(models.F("scorecard_score"), descending=True, nulls_last=True),
                models.F("rank"),
                name="feature_product_card_order",
            ),
        ),
    ]
