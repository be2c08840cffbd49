"""Backlog reads, one module per area: querysets with their joins and annotations, shared by pages and API."""
