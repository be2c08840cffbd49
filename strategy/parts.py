"""Parts of strategy pages that apps above strategy fill in (the import direction is
feedback → roadmaps → backlog → strategy → pmtool: strategy never imports them).

Owns the registry of the *initiative features* loader: the backlog registers
`load(initiative_ids, limit) -> {initiative_id: [InitiativeFeature, …]}` (its top features by
rank, with their status) in its AppConfig.ready(); the product strategy page and the initiative
page call `initiative_features`, which answers None while no app has registered one (the pages
then say where features will come from)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

TOP_FEATURES = 5


@dataclass(frozen=True)
class InitiativeFeature:
    """A feature as a strategy page lists it: its title, link and status (name, colour, category)."""

    title: str
    status: str
    colour: str
    category: str
    url: str | None = None
    done: bool = False


Loader = Callable[[list[int], int], dict[int, list[InitiativeFeature]]]
_loader: list[Loader] = []


def register_initiative_features(load: Loader) -> None:
    """Register the loader of initiatives' top features (one: a second registration replaces it)."""
    _loader[:] = [load]


def initiative_features(
    initiative_ids: Iterable[int], *, limit: int = TOP_FEATURES
) -> dict[int, list[InitiativeFeature]] | None:
    """Each initiative's top `limit` features, or None when no app provides features."""
    if not _loader:
        return None
    ids = list(dict.fromkeys(initiative_ids))
    found = _loader[0](ids, limit) if ids else {}
    return {pk: found.get(pk, []) for pk in ids}
