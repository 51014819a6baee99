"""RFC 3339 timestamps from API objects, as Unix seconds."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache


@lru_cache(maxsize=65536)
def parse_timestamp(value: str | None) -> float | None:
    """`2026-11-23T10:00:00Z` → 1795428000.0; None for absent or unparseable values.

    Cached: the same few timestamps (creation, transitions) are re-read on every
    re-derivation of a workload.
    """
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
