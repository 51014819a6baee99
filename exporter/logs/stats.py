"""Counters a stream parser keeps about the lines it saw.

Plain ints and one Counter, bumped once per line, like `kube/stats.py`: the self-metrics
collector turns them into families at scrape time, so counting costs nothing on the hot path.
Skip reasons are a closed enum so the `reason` label stays bounded whatever the input is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

MAX_LINE_LENGTH = 65536
"""Longer lines are skipped as `too_long` before any regex sees them. Checked on the slow
paths only: the fast paths are linear in the line and bail out on such lines anyway."""


class SkipReason(StrEnum):
    """Why a line produced no record. Parsers return these instead of raising."""

    EMPTY = "empty"
    """Blank or whitespace-only."""
    TOO_LONG = "too_long"
    """Longer than the parser's limit; never matched, so no regex sees megabytes."""
    NOT_ACCESS_LOG = "not_access_log"
    """Something else the proxy writes: klog lines, error-log lines about other things,
    its own JSON logs, banners. Expected in a controller's stream, not a problem."""
    UNKNOWN_FORMAT = "unknown_format"
    """Looks like an HTTP access line, but in a shape no parser knows (e.g. nginx
    `combined`, which has no upstream fields), or no format was detected yet."""
    TRUNCATED = "truncated"
    """A prefix of a line of the stream's format: cut by a buffer, a crash, a copy."""
    MALFORMED = "malformed"
    """Starts like the stream's format, then breaks: mangled by copy-paste or editing."""
    BAD_STATUS = "bad_status"
    """The status field is not an HTTP status."""
    BAD_TIMESTAMP = "bad_timestamp"
    """The time field does not parse and no external timestamp was given."""


# Diagnoses ordered from least to most telling: when several parsers reject a line during
# detection, the most specific reason is the one counted.
SPECIFICITY: dict[SkipReason, int] = {
    reason: rank
    for rank, reason in enumerate(
        (
            SkipReason.EMPTY,
            SkipReason.TOO_LONG,
            SkipReason.NOT_ACCESS_LOG,
            SkipReason.UNKNOWN_FORMAT,
            SkipReason.MALFORMED,
            SkipReason.TRUNCATED,
            SkipReason.BAD_STATUS,
            SkipReason.BAD_TIMESTAMP,
        )
    )
}


@dataclass(slots=True)
class ParseStats:
    """What one stream's parser did: records out, lines skipped by reason, format changes.

    The hot paths count records in closure-local ints below 256 and add them to `counted`
    in batches (see `entry.py`); `records` adds what they hold whenever it is read, so the
    figure is exact for anyone holding this object.
    """

    counted: int = 0
    errors: int = 0
    skipped: Counter[SkipReason] = field(default_factory=Counter)
    detections: int = 0
    format: str | None = None
    _pending: list[Callable[[], int]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    @property
    def records(self) -> int:
        """Access records produced, including those a hot path has not added yet."""
        for take in self._pending:
            self.counted += take()
        return self.counted

    def count_pending(self, take: Callable[[], int]) -> None:
        """Register a hot path's batch counter: `take` returns its count and resets it."""
        self._pending.append(take)

    @property
    def lines(self) -> int:
        """Every line handed to the parser, whatever became of it."""
        return self.records + self.errors + self.skipped.total()
