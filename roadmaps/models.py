"""Models of the roadmaps app: built by its own issue."""
