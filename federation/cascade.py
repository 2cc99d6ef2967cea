"""The catalog cascade (docs/federation.md §11): shared entries go to the other levels, with the national catalog metadata."""
