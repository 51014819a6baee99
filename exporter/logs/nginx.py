"""ingress-nginx access lines in the `upstreaminfo` log format, every shape it has had.

The controller's default `log-format-upstream` (internal/ingress/controller/config/config.go)::

    since 0.26 (2019-09)  $remote_addr - $remote_user [$time_local] "$request" $status
                          $body_bytes_sent "$http_referer" "$http_user_agent" $request_length
                          $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name]
                          $upstream_addr $upstream_response_length $upstream_response_time
                          $upstream_status $req_id
    0.25 (2019-06)        $the_real_ip - [$the_real_ip] - $remote_user [$time_local] ... the same
    0.14 - 0.24           as 0.25 without [$proxy_alternative_upstream_name]
    0.9 - 0.13            as 0.14 without $req_id (2017-06: `- [$the_real_ip] -`; before that
                          `- [$the_x_forwarded_for] -` and `- [$proxy_add_x_forwarded_for] -`)

One grammar accepts all of them: the bracketed client address after the first ` - `, the
alternative upstream name and the request id are optional. Fields that are never kept are
only delimited, not validated — the client address and user (redacted or proxy-protocol
garbage is common there), the referer, the user agent and the request length; every field
a record carries is validated.

The hot path splits on `"` (nginx escapes quotes inside values as `\\x22`, so a well-formed
line has exactly six) and reads the current shape with a single upstream without a regex:
that is nearly every line of a healthy proxy. Retries, redirects, the older shapes and the
first line of each new second or upstream name are read from the same split by
`_parse_tokens`, still without a regex. Only what neither can read goes to the full regex
(`parse_slow`), and what that rejects is diagnosed field by field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from exporter.logs.entry import SETTLE_EVERY, OnSkip, Parser, StreamEntry
from exporter.logs.layout import (
    Field,
    Layout,
    bracketed,
    literal,
    optional,
    quoted,
    status_field,
    time_field,
    token,
)
from exporter.logs.records import AccessRecord, ErrorRecord, UpstreamAttempt
from exporter.logs.stats import MAX_LINE_LENGTH, ParseStats, SkipReason
from exporter.logs.timestamps import time_local
from exporter.logs.upstreams import is_list, upstream_attempts
from exporter.logs.values import (
    ASCII_WHITESPACE,
    SECONDS,
    STATUS_CODES,
    UPSTREAM_STATUSES,
    present,
    seconds,
    upstream_status,
)

NAME = "nginx"

_ENTRY = r"(?:[^ ,:\[][^ ,]*|\[[^ ,\]]*\][^ ,]+)"
_LIST = rf"{_ENTRY}(?:(?:, | : ){_ENTRY})*"

PATTERN = re.compile(
    r'[^"]*?\[([^\]]{26})\] "([^ "]*)[^"]*" (\d{3}) [^"]*"[^"]*"[^"]*"[^"]*" '
    r"[^ ]* ([^ ]+) \[([^ ]*)\] (?:\[([^ ]*)\] )?"
    rf"({_LIST}) {_LIST} ({_LIST}) ({_LIST})(?: ([^ ]+))?\Z"
)
"""The full grammar, one match; also the bench's bare-regex baseline."""

_ANY_LIST = r"(?:[^ ]*(?:, | : ?|,))*[^ ]*"
"""What a list cut anywhere ends with."""

LAYOUT = Layout(
    fields=(
        Field(  # $remote_addr - $remote_user, and the older shapes' bracketed client
            r'[^"\[]*(?:\[[^\]"]*\] - [^"\[]*)?',
            r'[^"\[]*(?:\[[^\]"]*(?:\](?: (?:-(?: [^"\[]*)?)?)?)?)?',
        ),
        time_field(r"[^\]]{26}"),  # [$time_local]
        literal(" "),
        quoted(),  # "$request"
        literal(" "),
        status_field(),  # $status
        literal(" "),
        Field(r'[^"]*', r'[^"]*'),  # $body_bytes_sent
        quoted(),  # "$http_referer"
        Field(r'[^"]*', r'[^"]*'),
        quoted(),  # "$http_user_agent"; nginx `combined` ends here
        literal(" "),
        Field(r"[^ ]*", r"[^ ]*"),  # $request_length
        literal(" "),
        token(),  # $request_time
        literal(" "),
        bracketed(r"[^ ]"),  # [$proxy_upstream_name]
        literal(" "),
        optional(r"\[[^ ]*\] "),  # [$proxy_alternative_upstream_name]
        Field(_LIST, _ANY_LIST),  # $upstream_addr
        literal(" "),
        Field(_LIST, _ANY_LIST),  # $upstream_response_length
        literal(" "),
        Field(_LIST, _ANY_LIST),  # $upstream_response_time
        literal(" "),
        Field(_LIST, _ANY_LIST),  # $upstream_status
        optional(" [^ ]+"),  # $req_id
        Field(r"\Z", ""),
    ),
    anchor=1,
    other_format_ends=frozenset({11}),
)


def _single(address: str, status: str, time: str) -> tuple[UpstreamAttempt, ...]:
    """One logged upstream entry; `- - -` means no upstream was contacted at all."""
    if address == "-" and status == "-" and time == "-":
        return ()
    return (UpstreamAttempt(present(address), upstream_status(status), seconds(time)),)


def _build(
    timestamp: float | None,
    time_field: str,
    method: str,
    status_text: str,
    duration_text: str,
    name: str,
    alternative: str | None,
    addresses: str,
    times: str,
    statuses: str,
    request_id: str | None,
) -> AccessRecord | SkipReason:
    """A record from the full regex's groups, validating what the regex cannot."""
    status = STATUS_CODES.get(status_text)
    if status is None:
        return SkipReason.BAD_STATUS
    if timestamp is None:
        timestamp = time_local(time_field)
        if timestamp is None:
            return SkipReason.BAD_TIMESTAMP
    try:
        duration = seconds(duration_text)
        if is_list(addresses) or is_list(statuses) or is_list(times):
            upstreams, retries = upstream_attempts(addresses, statuses, times)
        else:
            upstreams, retries = _single(addresses, statuses, times), 0
    except ValueError:
        return SkipReason.MALFORMED
    return AccessRecord(
        timestamp=timestamp,
        status=status,
        upstreams=upstreams,
        upstream_name=present(name),
        alternative_upstream_name=present(alternative),
        request_id=present(request_id),
        method=method or None,
        duration=duration,
        retries=retries,
    )


def parse_slow(line: str, timestamp: float | None = None) -> AccessRecord | SkipReason:
    """Any shape, any number of upstreams; diagnoses what it rejects.

    Surrounding whitespace is dropped here rather than on the hot path: the fast path
    rejects lines that end in it, so only those lines pay for stripping. Only ASCII
    whitespace is stripped, as it is the only kind the fast path cannot carry over.
    """
    if len(line) > MAX_LINE_LENGTH:
        return SkipReason.TOO_LONG
    line = line.strip(ASCII_WHITESPACE)
    match = PATTERN.match(line)
    if match is None:
        return LAYOUT.diagnose(line)
    record = _build(timestamp, *match.groups())
    if isinstance(record, AccessRecord):
        _remember(match.group(1), match.group(5), match.group(6), timestamp is None, record)
    elif record is SkipReason.MALFORMED and _cut_in_statuses(match):
        return SkipReason.TRUNCATED
    return record


def _separators(field: str) -> int:
    return field.count(",") + field.count(" : ")


def _cut_in_statuses(match: re.Match[str]) -> bool:
    """Whether the line ends inside its upstream status list rather than being wrong.

    That is: no request id follows (or only a lone `:`, the start of a group separator),
    and the list is shorter than the address list or its last entry is one or two digits.
    """
    addresses, statuses, request_id = match.group(7, 9, 10)
    if request_id not in (None, ":"):
        return False
    last = statuses.rpartition(" ")[2]
    cut_short = _separators(statuses) < _separators(addresses)
    return cut_short or (last.isascii() and last.isdigit() and len(last) < 3)


_CACHE_SIZE = 4096
_time_cache: dict[str, float] = {}
"""`[$time_local] ` as it ends the head of a line → epoch seconds."""
_name_cache: dict[str, str | None] = {}
"""`[$proxy_upstream_name]` and `[$proxy_alternative_upstream_name]` tokens → names."""


def clear_time_cache() -> None:
    """Forget learnt seconds."""
    _time_cache.clear()


def clear_caches() -> None:
    """Forget learnt times and names (benchmarks and tests start cold)."""
    clear_time_cache()
    _name_cache.clear()
    _name_cache["[]"] = _name_cache["[-]"] = None


clear_caches()
_spaced_statuses = {f" {text} ": code for text, code in STATUS_CODES.items() if len(text) == 3}


def _remember(
    time_field: str, name: str, alternative: str | None, own_time: bool, record: AccessRecord
) -> None:
    """Teach the fast path the time and names of a line only the slow path could read.

    A new second or a new upstream name takes the slow path once; the lines after it,
    which share them, take the fast one. Full caches are cleared rather than evicted entry
    by entry: they refill within a second of traffic. Addresses are not cached: with
    thousands of pods, a lookup misses the CPU caches and costs more than checking.
    """
    if len(_time_cache) >= _CACHE_SIZE or len(_name_cache) >= _CACHE_SIZE:
        clear_caches()
    parsed_time = record.timestamp if own_time else time_local(time_field)
    if parsed_time is not None:
        _time_cache[f"[{time_field}] "] = parsed_time
    _name_cache[f"[{name}]"] = record.upstream_name
    if alternative is not None:
        _name_cache[f"[{alternative}]"] = record.alternative_upstream_name


def _bracketed(token: str) -> str | None:
    """The name in a `[name]` token, learnt for the fast path; ValueError if not bracketed."""
    if token in _name_cache:
        return _name_cache[token]
    if len(token) < 2 or token[0] != "[" or token[-1] != "]":
        raise ValueError(token)
    if len(_name_cache) >= _CACHE_SIZE:
        clear_caches()
    name = _name_cache[token] = present(token[1:-1])
    return name


def _time_of(head: str, timestamp: float | None) -> float:
    """The line's time from the end of its head, learnt for the fast path.

    With an external timestamp the field is still checked, as `PATTERN` checks it, but its
    value is not needed. ValueError when the field is not a time the fast path can take.
    """
    key = head[-29:]
    known = _time_cache.get(key)
    if known is None:
        field = key[1:-2]
        if key[:1] != "[" or key[-2:] != "] " or "]" in field:
            raise ValueError(key)
        known = time_local(field)
        if known is None:
            raise ValueError(key)
        if len(_time_cache) >= _CACHE_SIZE:
            clear_time_cache()
        _time_cache[key] = known
    return known if timestamp is None else timestamp


_BRACKETED_ENTRY = re.compile(r"\[[^ ,\]]*\][^ ,]+")


def _take_list(tokens: list[str], start: int) -> tuple[list[str], int, int]:
    """One `$upstream_*` list from `tokens[start]` on, as greedily as `PATTERN` takes it.

    `, ` leaves a token ending in a comma, ` : ` a `:` token of its own. Returns the
    entries, how many groups they form, and the index after the list; ValueError when the
    tokens are not a list `PATTERN` would take (each entry as `_ENTRY`: no comma, no
    leading `:`, a leading `[` only as `[v6]:port`).
    """
    entries = []
    groups = 1
    index = start
    last = len(tokens) - 1
    while True:
        entry = tokens[index]
        index += 1
        more = True
        if entry[-1:] == "," and index <= last:
            entry = entry[:-1]
        elif index < last and tokens[index] == ":":
            groups += 1
            index += 1
        else:
            more = False
        if (
            not entry
            or "," in entry
            or entry[0] == ":"
            or (entry[0] == "[" and _BRACKETED_ENTRY.fullmatch(entry) is None)
        ):
            raise ValueError(entry)
        entries.append(entry)
        if not more:
            return entries, groups, index


def _attempts(
    addresses: list[str], statuses: list[str], times: list[str]
) -> tuple[UpstreamAttempt, ...]:
    """Zip the entries into attempts, dropping `- - -` entries (no upstream was asked).

    ValueError when the lists differ in length: nginx writes them from one array.
    """
    attempts = []
    for address, status, time in zip(addresses, statuses, times, strict=True):
        if address == "-" and status == "-" and time == "-":
            continue
        try:
            response_time = SECONDS[time]
        except KeyError:
            response_time = seconds(time)
        attempts.append(
            UpstreamAttempt(
                None if address == "-" else address, UPSTREAM_STATUSES[status], response_time
            )
        )
    return tuple(attempts)


def _parse_tokens(
    head: str, request: str, middle: str, tokens: list[str], timestamp: float | None
) -> AccessRecord | None:
    """Any shape and any number of upstreams, from the tokens after the user agent.

    The middle path: without a regex, for what the fast path does not take (retries,
    redirects, older shapes, a second or a name met for the first time). None sends the
    line on to `parse_slow`; like the fast path, this accepts only what `PATTERN` accepts.
    """
    try:
        if tokens[0] or len(tokens) < 9:
            return None
        code = _spaced_statuses[middle[:5]]
        timestamp = _time_of(head, timestamp)
        duration = seconds(tokens[2])
        name = _bracketed(tokens[3])
        index, alternative = 4, None
        if tokens[4][:1] == "[" and tokens[4][-1:] == "]":
            index, alternative = 5, _bracketed(tokens[4])
        addresses, groups, index = _take_list(tokens, index)
        _sizes, _groups, index = _take_list(tokens, index)
        times, _groups, index = _take_list(tokens, index)
        statuses, _groups, index = _take_list(tokens, index)
        rest = tokens[index:]
        if len(rest) > 1 or (rest and rest[0][-1] <= " "):
            return None
        upstreams = _attempts(addresses, statuses, times)
    except (ValueError, IndexError, KeyError):
        return None
    return AccessRecord(
        timestamp=timestamp,
        status=code,
        upstreams=upstreams,
        upstream_name=name,
        alternative_upstream_name=alternative,
        request_id=present(rest[0]) if rest else None,
        method=request.split(" ", 1)[0] or None,
        duration=duration,
        retries=len(addresses) - groups,
    )


T = TypeVar("T")


def make_parser(
    stats: ParseStats, miss: Callable[[str, float | None], AccessRecord | T]
) -> Parser[T]:
    """A parser counting its records into `stats`.

    This is the one copy of the per-line hot path. `StreamParser` makes one per stream and
    calls it directly, so a line costs one Python call; the module's `parse` is one made
    for callers that want the skip reason back. Lines it does not read are handed to
    `miss` (`parse_slow`, or the stream's handling of it).

    Three paths, each taking only what `PATTERN` accepts and building the same record (a
    property test holds them to that). The fast path reads the current shape with one
    upstream or none, whose second and names are already known — nearly every line of a
    healthy proxy; each step is the cheapest of the ways measured for it (a 200 is compared
    before statuses are looked up; comparing the time with the previous line's cost more
    than the lookup it would save). `_parse_tokens` takes the rest of the well-formed
    lines and learns new seconds and names; `parse_slow` runs the regex and diagnoses what
    it rejects.

    Records are counted as `entry.py` explains.
    """
    pending = 0

    def take() -> int:
        nonlocal pending
        taken, pending = pending, 0
        return taken

    def parse(line: str, timestamp: float | None = None) -> AccessRecord | T:
        nonlocal pending
        try:
            head, request, middle, _referer, _gap, _agent, tail = line.split('"')
        except ValueError:  # not six quotes: not a line the token paths can read
            return miss(line, timestamp)
        tokens = tail.split(" ")
        try:
            (
                lead,
                _length,
                duration,
                name,
                alternative,
                address,
                size,
                time,
                status,
                request_id,
            ) = tokens
            if (
                lead
                or request_id[-1] <= " "
                or not (size.isdigit() or size == "-")
                or "," in address
                or address[0] in ":["
            ):
                raise ValueError
            code = 200 if middle[:5] == " 200 " else _spaced_statuses[middle[:5]]
            known = _time_cache[head[-29:]]
            if timestamp is None:
                timestamp = known
            upstreams: tuple[UpstreamAttempt, ...]
            if address != "-":
                upstreams = (UpstreamAttempt(address, UPSTREAM_STATUSES[status], SECONDS[time]),)
            elif status == "-" and time == "-":
                upstreams = ()
            else:
                upstreams = (UpstreamAttempt(None, UPSTREAM_STATUSES[status], SECONDS[time]),)
            record = AccessRecord(
                timestamp,
                code,
                upstreams,
                _name_cache[name],
                None if alternative == "[]" else _name_cache[alternative],
                None if request_id == "-" else request_id,
                request.partition(" ")[0] or None,
                SECONDS[duration],
            )
        except (ValueError, IndexError, KeyError):  # another shape, or not known yet
            slower = _parse_tokens(head, request, middle, tokens, timestamp)
            if slower is not None:
                stats.counted += 1
                return slower
            return miss(line, timestamp)
        pending += 1
        if pending == SETTLE_EVERY:
            stats.counted += SETTLE_EVERY
            pending = 0
        return record

    stats.count_pending(take)
    return parse


def stream_parser(stats: ParseStats, on_skip: OnSkip) -> StreamEntry:
    """The parser a `StreamParser` uses: skips go to `on_skip` with their reason."""

    def miss(line: str, timestamp: float | None) -> AccessRecord | ErrorRecord | None:
        record = parse_slow(line, timestamp)
        if isinstance(record, AccessRecord):
            stats.counted += 1
            return record
        return on_skip(line, timestamp, record)

    return make_parser(stats, miss)


parse = make_parser(ParseStats(), parse_slow)
"""One upstreaminfo line → a record, or the reason it was skipped (nobody reads its count)."""
