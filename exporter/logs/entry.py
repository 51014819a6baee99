"""The per-line entry points a stream calls, and how they count.

A stream settles on one format and then calls that format's entry point for every line:
one Python call, which counts the record or hands the line back to the stream with the
reason it was skipped. ingress-nginx builds its own (`nginx.make_parser`, the hot path);
other formats get `counting_parser` around their `parse`.

Records are counted in a closure-local int and added to `ParseStats.counted` every
`SETTLE_EVERY`: an int below 257 is a cached object in CPython, so counting costs no
allocation, where incrementing a large counter allocates a new int per line. Each entry
point registers with its `ParseStats` how to take what it holds, so that reading
`ParseStats.records` is always exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from exporter.logs.records import AccessRecord, ErrorRecord
from exporter.logs.stats import ParseStats, SkipReason

SETTLE_EVERY = 255

Miss = TypeVar("Miss", covariant=True)


class Parser(Protocol[Miss]):
    """A line and an optional external timestamp → a record, or what the miss handler says."""

    def __call__(self, line: str, timestamp: float | None = None, /) -> AccessRecord | Miss: ...


Parse = Callable[[str, float | None], AccessRecord | SkipReason]
"""A format's plain parser: a record or the reason there is none."""
OnSkip = Callable[[str, float | None, SkipReason], AccessRecord | ErrorRecord | None]
"""The stream's handling of a line its format rejected (an error-log line is a record;
after a format change, the line may still parse as the new format)."""
StreamEntry = Parser[ErrorRecord | None]
StreamParserFactory = Callable[[ParseStats, OnSkip], StreamEntry]


def counting_parser(parse: Parse) -> StreamParserFactory:
    """The stream entry-point factory for a format that has only a `parse` function."""

    def factory(stats: ParseStats, on_skip: OnSkip) -> StreamEntry:
        pending = 0

        def take() -> int:
            nonlocal pending
            taken, pending = pending, 0
            return taken

        def entry(line: str, timestamp: float | None = None) -> AccessRecord | ErrorRecord | None:
            nonlocal pending
            result = parse(line, timestamp)
            if isinstance(result, AccessRecord):
                pending += 1
                if pending == SETTLE_EVERY:
                    stats.counted += SETTLE_EVERY
                    pending = 0
                return result
            return on_skip(line, timestamp, result)

        stats.count_pending(take)
        return entry

    return factory
