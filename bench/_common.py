"""Helpers shared by the benchmarks: timing and the final JSON line."""

from __future__ import annotations

import json
import time
from collections.abc import Callable


def best_of(runs: int, fn: Callable[[], object]) -> float:
    """Minimum wall time of `runs` calls: the least noisy estimate on a shared machine."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def report(figures: dict[str, object]) -> None:
    """Print the figures, then one JSON object as the last line (the contract of bench/)."""
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(json.dumps(figures, sort_keys=True))
