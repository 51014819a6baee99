"""Helpers shared by the benchmarks: timing, the final JSON line, and a client that never
connects (the benchmarks feed the reflector lines directly)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class NoCredentials:
    """Credentials for an ApiClient that is never asked to connect."""

    host = "http://127.0.0.1:1"
    ssl = False
    tls_server_name = None

    def authorization(self) -> str | None:
        return None

    def force_refresh(self) -> None:
        return None


def best_of(runs: int, fn: Callable[[], object]) -> float:
    """Minimum wall time of `runs` calls: the least noisy estimate on a shared machine."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def best_of_fresh(runs: int, prepare: Callable[[int], T], fn: Callable[[T], object]) -> float:
    """Like `best_of`, with fresh input per run (prepared untimed): replaying the same
    watch events would hit the store's "same resourceVersion" shortcut and measure
    nothing."""
    best = float("inf")
    for run in range(runs):
        data = prepare(run)
        started = time.perf_counter()
        fn(data)
        best = min(best, time.perf_counter() - started)
    return best


def report(figures: dict[str, object]) -> None:
    """Print the figures, then one JSON object as the last line (the contract of bench/)."""
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(json.dumps(figures, sort_keys=True))
