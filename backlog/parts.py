"""The backlog's parts of other apps' pages, registered in BacklogConfig.ready(): each
initiative's top features (by rank) on strategy's pages (strategy.parts)."""

from __future__ import annotations

from django.urls import reverse

from strategy.parts import InitiativeFeature, register_initiative_features

from .models import StatusCategory
from .selectors.plan import initiative_features


def _load(initiative_ids: list[int], limit: int) -> dict[int, list[InitiativeFeature]]:
    return {
        pk: [
            InitiativeFeature(
                title=f.title,
                status=f.status.name,
                colour=f.status.colour,
                category=f.status.category,
                done=f.status.category == StatusCategory.DONE,
                url=reverse("backlog:feature_detail", kwargs={"ws": f.product.workspace.slug, "feature_id": f.pk}),
            )
            for f in features
        ]
        for pk, features in initiative_features(initiative_ids, limit=limit).items()
    }


def register() -> None:
    register_initiative_features(_load)
