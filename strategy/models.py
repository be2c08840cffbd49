"""Models of the strategy app: built by its own issue."""
