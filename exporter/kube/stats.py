"""Plain counters a reflector keeps about itself.

They are ints in a dataclass rather than prometheus_client children because they are
bumped once per watch event; the self-metrics collector turns them into families at
scrape time, which costs nothing on the hot path.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class WatchStats:
    kind: str
    events: Counter[str] = field(default_factory=Counter)
    relists: Counter[str] = field(default_factory=Counter)
    restarts: Counter[str] = field(default_factory=Counter)
    decode_errors: Counter[str] = field(default_factory=Counter)
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    listed_objects: int = 0
    last_event_time: float = 0.0
    available: bool = True
    synced: bool = False
