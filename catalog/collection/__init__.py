"""Collection: the collection catalog, source checks, temporary collection and emergencies (Q3.1–Q3.3, G14, G40)."""
