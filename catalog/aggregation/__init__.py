"""Aggregation: records written into a resource by uploads and API calls, and their deletion."""
