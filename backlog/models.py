"""Models of the backlog app: built by its own issue."""
