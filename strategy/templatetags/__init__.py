"""Template tags of the strategy app, one module per area."""
