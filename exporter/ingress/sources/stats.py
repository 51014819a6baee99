"""Plain counters a log source keeps about what it read.

Ints in a dataclass rather than prometheus_client children, as `kube/stats.py`: they are
bumped once per log line, and the self-metrics collector turns them into families only
when scraped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SourceStats:
    """What one source read. `source` names it for a metric label, e.g. `kubernetes`,
    `file:/var/log/nginx/access.log` or `replay:incident.log`; counters never go down."""

    source: str
    lines: int = 0
    """Lines handed to the sink."""
    bytes: int = 0
    """Bytes those lines took on the wire or on disk, prefix and newline included."""
    reconnects: Counter[str] = field(default_factory=Counter)
    """Kubernetes: log requests that ended or failed and were made again, by why (`end`,
    `connection`, `inactivity`, `server_error`, `throttled`, `not_ready`, `forbidden`,
    `unauthorized`, `client_error`, `internal_error`)."""
    duplicates: int = 0
    """Kubernetes: lines read again after a resume (the API resumes at a whole second) and
    dropped, because they had been delivered before."""
    rotations: int = 0
    """Files: a file was replaced under its path (renamed or deleted, then recreated)."""
    truncations: int = 0
    """Files: a file shrank below what was read of it, and was read again from its start."""
    overlong: int = 0
    """Files and replay: lines longer than the limit, dropped."""
    streams: int = 0
    """Streams open right now: followed containers, open files."""
    last_line_time: float = 0.0
    """`time.time()` when the last line was delivered, so staleness can be exported."""

    def delivered(self, size: int, now: float) -> None:
        """Count one line of `size` bytes (as read, newline included)."""
        self.lines += 1
        self.bytes += size
        self.last_line_time = now
