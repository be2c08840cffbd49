"""Strategy selectors, one module per area (vision, goals, research, metrics)."""
