"""Backlog writes, one module per area: features, ranking, scorecard, plan, statuses, saved views, CSV."""
