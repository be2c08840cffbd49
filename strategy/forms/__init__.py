"""Strategy forms, one module per area (vision, goals, research, metrics)."""
