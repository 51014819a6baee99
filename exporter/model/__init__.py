"""Slim msgspec projections of the API objects we watch: only the fields we read."""
