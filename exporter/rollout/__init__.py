"""Rollout health: what we derive from the index, and the metric families it feeds."""
