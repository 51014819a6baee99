"""PromQL idioms more than one panel needs."""

from __future__ import annotations


def grew(series: str, window: str) -> str:
    """How much `series` (a histogram's `_count` or `_sum`) grew within `window`.

    `increase()` misses a series' first sample, and the exporter creates a workload's
    duration histogram at its first finished rollout, so `increase()` would drop exactly
    the first rollout of every workload. A series absent at the start of the window
    counts from 0 instead. After an exporter restart the difference is negative for the
    window that spans the restart (the histogram starts empty again), which `> 0`
    filters out where a panel uses it.
    """
    return f"({series} - ({series} offset {window} or {series} * 0))"
