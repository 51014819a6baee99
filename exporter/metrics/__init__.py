"""Metric families as data, cached exposition, and the exporter's self-metrics."""
