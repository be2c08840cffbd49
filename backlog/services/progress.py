"""Initiative progress: the done share of an initiative's features, written set-based.

The rule (documented for PMs in the README too):
- the features counted are the initiative's features that are not archived and whose status is
  not in the *won't do* category (a dropped feature leaves the denominator, it is not "not done");
- a feature counts as done when its status is in the *done* category (never by a status's name);
- when every counted feature has an effort, progress is effort-weighted:
  100 × Σ effort(done) ÷ Σ effort(counted); else it is by count: 100 × done ÷ counted;
- with no counted feature, progress is empty (None), never 0.

`features_done` / `features_counted` are stored beside it ("4 of 9 features done"). The
recompute of any set of initiatives is one `UPDATE … FROM (subquery)`; the goals those
initiatives serve are then recomputed (a goal without key results falls back to its initiatives'
progress: strategy.rollups). Strategy never imports the backlog: the backlog writes these columns.

Callers that change a feature's status, effort, initiative or archive state enqueue
`backlog.tasks.refresh_initiative_progress(*initiative_ids)` with `schedule_progress_refresh`
(after commit; old and new initiative both when a feature moves).
"""

from __future__ import annotations

from collections.abc import Iterable

from pmtool.queue import enqueue_on_commit

from ..progress import initiatives_progress_refresh as initiatives_progress_refresh
from ..tasks import refresh_initiative_progress


def schedule_progress_refresh(initiative_ids: Iterable[int | None]) -> None:
    """Enqueue the recompute of these initiatives' progress once the current transaction commits
    (None ids, features without an initiative, are dropped)."""
    ids = sorted({int(i) for i in initiative_ids if i is not None})
    if ids:
        enqueue_on_commit(refresh_initiative_progress, *ids, robust=True)
