"""Strategy services, one module per area (vision, goals, research, metrics)."""
