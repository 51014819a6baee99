"""One log stream's parser: detects the stream's format, parses, counts what it skips.

Every source (a controller pod's log, a tailed file, a replayed file) gets its own
`StreamParser`, because streams differ: one cluster may run ingress-nginx and Envoy side by
side, and a format can change when an operator edits the controller's configuration.

Detection looks at the stream's first non-empty lines and tries every format on each; the
first format to accept `detect_lines` of them, or the one that accepted the most once that
many lines went by, is kept, and from then on only its parser runs. Nothing is lost while
detecting: every line is parsed by whichever format accepts it. After `redetect_after`
consecutive lines the kept format rejects, detection starts over. The lines a controller
writes besides requests (klog, its error log, banners) neither vote nor count as failures;
error-log lines about upstream failures come back as `ErrorRecord`s in any stream.
"""

from __future__ import annotations

from collections import Counter
from functools import partial

from exporter.logs import nginx_errors
from exporter.logs.entry import StreamEntry
from exporter.logs.formats import FORMAT_NAMES, LineFormat, build_formats
from exporter.logs.json_keys import ENVOY_JSON_KEYS, NGINX_JSON_KEYS, JsonKeys
from exporter.logs.other_lines import is_other_log_line
from exporter.logs.records import AccessRecord, ErrorRecord
from exporter.logs.stats import MAX_LINE_LENGTH, SPECIFICITY, ParseStats, SkipReason
from exporter.logs.timestamps import split_timestamp_prefix
from exporter.logs.values import ASCII_WHITESPACE

AUTO = "auto"


class StreamParser:
    """Lines of one stream in, records out; never raises on input.

    `parse(line, timestamp=None)` is the per-line entry point (`parse_bytes` for undecoded
    lines): an `AccessRecord`, an `ErrorRecord`, or None for a skipped line, whose reason is
    counted in `stats`. `parse` is the chosen format's own entry point, so a line costs a
    single Python call; it is rebound when the format is (re)detected. Call it as
    `parser.parse(line)`, or look it up again per chunk of lines: a reference kept from
    before still parses correctly, through one more call.
    """

    parse: StreamEntry

    def __init__(
        self,
        format: str = AUTO,
        *,
        stats: ParseStats | None = None,
        nginx_json_keys: JsonKeys = NGINX_JSON_KEYS,
        envoy_json_keys: JsonKeys = ENVOY_JSON_KEYS,
        timestamp_prefix: bool = False,
        detect_lines: int = 5,
        redetect_after: int = 20,
    ) -> None:
        """`format` is `auto` or one of `FORMAT_NAMES`; a named format is never re-detected.

        `timestamp_prefix` strips the Kubernetes `timestamps=true` prefix from each line and
        uses it as the line's time. `stats` may be shared with whoever exports it.
        """
        if format != AUTO and format not in FORMAT_NAMES:
            raise ValueError(f"unknown log format {format!r}; known: {AUTO}, {FORMAT_NAMES}")
        if detect_lines < 1 or redetect_after < 1:
            raise ValueError("detect_lines and redetect_after must be positive")
        self._stats = stats if stats is not None else ParseStats()
        self._formats = build_formats(
            nginx_json_keys=nginx_json_keys, envoy_json_keys=envoy_json_keys
        )
        self._text_formats = tuple(fmt for fmt in self._formats if not fmt.json)
        self._json_formats = tuple(fmt for fmt in self._formats if fmt.json)
        self._timestamp_prefix = timestamp_prefix
        self._detect_lines = detect_lines
        self._redetect_after = redetect_after
        self._fixed = format != AUTO
        self._votes: Counter[str] = Counter()
        self._examined = 0
        self._failures = 0
        self._records_at_last_failure = -1
        self._entries: dict[str, StreamEntry] = {}
        self._detecting = self._prefixed(self._detect_entry)
        self._unprefixed: StreamEntry = self._detect_entry
        self.parse = self._detecting
        if self._fixed:
            self._lock(next(fmt for fmt in self._formats if fmt.name == format))

    @property
    def stats(self) -> ParseStats:
        """This stream's counters."""
        return self._stats

    @property
    def format(self) -> str | None:
        """The format in use, None while detecting."""
        return self._stats.format

    def parse_bytes(
        self, line: bytes, timestamp: float | None = None
    ) -> AccessRecord | ErrorRecord | None:
        """`parse` for a line as read from a socket or a file: UTF-8, invalid bytes replaced.

        Strict decoding is tried first: it is measurably cheaper than naming an error
        handler, and nearly every line is valid.
        """
        try:
            text = line.decode()
        except UnicodeDecodeError:
            text = line.decode("utf-8", "replace")
        return self.parse(text, timestamp)

    def _prefixed(self, entry: StreamEntry) -> StreamEntry:
        """`entry` behind the `timestamps=true` prefix split, when the stream has it."""
        if not self._timestamp_prefix:
            return entry

        def split_then_parse(
            line: str, timestamp: float | None = None
        ) -> AccessRecord | ErrorRecord | None:
            prefixed, line = split_timestamp_prefix(line)
            return entry(line, prefixed if timestamp is None else timestamp)

        return split_then_parse

    def _detect_entry(
        self, line: str, timestamp: float | None = None
    ) -> AccessRecord | ErrorRecord | None:
        """`parse` while no format is chosen; forwards when one was chosen since."""
        if self.parse is not self._detecting:
            return self._unprefixed(line, timestamp)
        result = self._detect(line, timestamp)
        if isinstance(result, AccessRecord):
            self._stats.counted += 1
            return result
        return self._skip(line, timestamp, result)

    def _skip(
        self, line: str, timestamp: float | None, reason: SkipReason, source: str | None = None
    ) -> ErrorRecord | AccessRecord | None:
        """A line the current parser rejected: an error-log record, or a counted skip.

        `source` is the format whose entry point rejected the line. When that is no longer
        the stream's format (a reference to `parse` kept from before a change), the line is
        handed to the current entry point instead: judged by the old format, it would count
        towards yet another re-detection.
        """
        stats = self._stats
        if source is not None and source != stats.format:
            return self._unprefixed(line, timestamp)
        line = line.strip(ASCII_WHITESPACE)
        if not line:
            stats.skipped[SkipReason.EMPTY] += 1
            return None
        if len(line) > MAX_LINE_LENGTH:
            stats.skipped[SkipReason.TOO_LONG] += 1
            return None
        if nginx_errors.looks_like_error_log(line):
            error = nginx_errors.parse(line, timestamp)
            if isinstance(error, ErrorRecord):
                stats.errors += 1
                return error
            stats.skipped[error] += 1
            return None
        if is_other_log_line(line):
            stats.skipped[SkipReason.NOT_ACCESS_LOG] += 1
            return None
        stats.skipped[reason] += 1
        if not self._fixed and stats.format is not None:
            records = stats.records
            if records != self._records_at_last_failure:
                self._failures = 0
            self._failures += 1
            self._records_at_last_failure = records
            if self._failures >= self._redetect_after:
                self._unlock()
        return None

    def _detect(self, line: str, timestamp: float | None) -> AccessRecord | SkipReason:
        """Try every format that could fit; vote for the one that accepts the line."""
        line = line.strip(ASCII_WHITESPACE)
        if not line:
            return SkipReason.EMPTY
        if len(line) > MAX_LINE_LENGTH:
            return SkipReason.TOO_LONG
        self._examined += 1
        best = SkipReason.NOT_ACCESS_LOG
        for fmt in self._json_formats if line[:1] == "{" else self._text_formats:
            result = fmt.parse(line, timestamp)
            if isinstance(result, AccessRecord):
                self._vote(fmt)
                return result
            if SPECIFICITY[result] > SPECIFICITY[best]:
                best = result
        self._decide()
        return best

    def _vote(self, fmt: LineFormat) -> None:
        self._votes[fmt.name] += 1
        self._decide()

    def _decide(self) -> None:
        """Settle on a format once one has `detect_lines` votes, or once that many lines
        were examined and some format accepted any (the most votes win; ties go to the
        earlier format, ingress-nginx first)."""
        if not self._votes:
            return
        winner, votes = self._votes.most_common(1)[0]
        if votes >= self._detect_lines or self._examined >= self._detect_lines:
            self._lock(next(candidate for candidate in self._formats if candidate.name == winner))

    def _lock(self, fmt: LineFormat) -> None:
        if fmt.name not in self._entries:
            self._entries[fmt.name] = fmt.stream_parser(
                self._stats, partial(self._skip, source=fmt.name)
            )
        self._unprefixed = self._entries[fmt.name]
        self.parse = self._prefixed(self._unprefixed)
        self._stats.format = fmt.name
        self._stats.detections += 0 if self._fixed else 1
        self._votes.clear()
        self._examined = 0
        self._failures = 0

    def _unlock(self) -> None:
        self._unprefixed = self._detect_entry
        self.parse = self._detecting
        self._stats.format = None
        self._failures = 0
