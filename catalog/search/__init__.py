"""Search: full-text search of published catalog entries."""
