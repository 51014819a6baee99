"""Where a followed pod log continues after a reconnect, and which re-read lines to drop.

The log endpoint resumes by time only, and only to the second: the API server re-formats
`sinceTime` with Go's `time.RFC3339` before passing it to the kubelet, so asking for
"after 12:00:05.734" returns every line from 12:00:05.000 on. Lines of one container
arrive in time order, so after a reconnect a line older than the newest one delivered
was delivered before, and one stamped exactly like it was delivered before only as many
times as it was delivered at that instant. Keeping those lines (a handful: the ones
sharing the newest nanosecond) makes the resume exact, even for identical lines.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from exporter.logs import split_timestamp_prefix

_PREFIX_BYTES = 40
"""More than the longest RFC 3339 stamp with nanoseconds and a zone offset, plus a space."""


def split_stamp(line: bytes) -> tuple[float | None, int | None, bytes]:
    """(epoch seconds, exact nanoseconds, the line without the prefix) of one log line.

    Only the head is decoded: the rest of the line goes to the parsers as bytes. An
    unstamped line comes back whole with None for both times.
    """
    head = line[:_PREFIX_BYTES].decode("ascii", "replace")
    seconds, rest = split_timestamp_prefix(head)
    if seconds is None:
        return None, None, line
    consumed = len(head) - len(rest)
    # Undecodable bytes became one replacement character each, so characters are bytes.
    return seconds, _nanoseconds(head[: consumed - 1], seconds), line[consumed:]


def _nanoseconds(stamp: str, seconds: float) -> int:
    """The stamp as integer nanoseconds: a float cannot tell two nanoseconds apart."""
    digits = ""
    if len(stamp) > 20 and stamp[19] in ".,":
        end = 20
        while end < len(stamp) and stamp[end].isdigit():
            end += 1
        digits = stamp[20:end]
    fraction = int(digits) / 10 ** len(digits) if digits else 0.0
    whole = round(seconds - fraction)
    return whole * 1_000_000_000 + (int(digits[:9].ljust(9, "0")) if digits else 0)


class ResumePoint:
    """The newest line delivered from one stream, for resuming it without double counting."""

    def __init__(self) -> None:
        self._newest: int | None = None
        self._at_newest: Counter[bytes] = Counter()
        """Lines delivered stamped exactly `_newest`, with how often."""
        self._to_skip: Counter[bytes] = Counter()

    @property
    def since_time(self) -> str | None:
        """`sinceTime` for the next request: the newest line's second, or None if none."""
        if self._newest is None:
            return None
        moment = datetime.fromtimestamp(self._newest // 1_000_000_000, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def reconnected(self) -> None:
        """A new connection starts: the lines at the newest instant may come again."""
        self._to_skip = Counter(self._at_newest)

    def admit(self, nanoseconds: int, line: bytes) -> bool:
        """Whether a line stamped `nanoseconds` is new, recording it if so."""
        newest = self._newest
        if newest is not None and nanoseconds <= newest:
            if nanoseconds < newest:
                return False
            if self._to_skip[line] > 0:
                self._to_skip[line] -= 1
                return False
            self._at_newest[line] += 1
            return True
        self._newest = nanoseconds
        self._at_newest = Counter({line: 1})
        self._to_skip = Counter()
        return True
