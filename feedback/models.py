"""Models of the feedback app: built by its own issue."""
