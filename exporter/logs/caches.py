"""The parse caches are per process, shared by every stream; this empties them all.

They only ever hold conversions of field text (a second, an upstream name, a duration), so
sharing them across streams is safe and makes the second stream of a cluster warm at once.
Benchmarks and tests clear them to measure or check the cold path.
"""

from __future__ import annotations

from exporter.logs import nginx, timestamps, values


def clear_caches() -> None:
    """Empty every conversion cache of the parsing layer."""
    nginx.clear_caches()
    timestamps.clear_caches()
    values.clear_caches()


def clear_time_caches() -> None:
    """Empty only the time conversions: what a live stream meets anew every second.

    Upstream names and durations come from small sets a running process has long learnt;
    the time of day does not.
    """
    nginx.clear_time_cache()
    timestamps.clear_caches()
