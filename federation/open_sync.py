"""Open data in sync (Q6.3, F9; docs/federation.md §11): the open catalog goes to the provincial portal."""
