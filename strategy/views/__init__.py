"""Strategy views, one module per area (vision, goals, research, metrics)."""
