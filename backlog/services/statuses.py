"""A workspace's feature statuses: the defaults every workspace starts with (and, with its own
issue area, creating, renaming, recolouring, reordering and removing them)."""

from __future__ import annotations

from pmtool.models import Workspace

from ..models import DEFAULT_STATUSES, FeatureStatus


def statuses_create_defaults(workspace: Workspace) -> list[FeatureStatus]:
    """Give a new workspace the default statuses (registered with pmtool's workspace set-up)."""
    if FeatureStatus.objects.filter(workspace=workspace).exists():
        return []
    return FeatureStatus.objects.bulk_create(
        FeatureStatus(workspace=workspace, name=name, colour=colour, category=category, position=position)
        for position, (name, colour, category) in enumerate(DEFAULT_STATUSES)
    )
