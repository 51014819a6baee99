"""Hypothesis strategies for ingress-nginx upstreaminfo lines, with the record each must give.

Lines are drawn from the format's grammar with the values that make parsing hard — retries
and redirect groups, `-` entries, IPv6 peers, the older shapes, odd but legal tokens in the
fields that are only delimited — so a test can compare every field with what went in.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from hypothesis import strategies as st

from exporter.logs import AccessRecord, UpstreamAttempt

# Printable, no space, no quote: what nginx's escaping leaves in a space-delimited field.
_TOKEN_CHARS = st.characters(
    min_codepoint=33, max_codepoint=0x2FF, exclude_characters='"\\', exclude_categories=["Cs"]
)
tokens = st.text(_TOKEN_CHARS, min_size=1, max_size=12)
_QUOTED_CHARS = st.characters(
    min_codepoint=32, max_codepoint=0x2FF, exclude_characters='"\\', exclude_categories=["Cs"]
)
quoted_values = st.text(_QUOTED_CHARS, max_size=40)

ports = st.integers(min_value=1, max_value=65535)
ipv4 = st.tuples(*[st.integers(0, 255)] * 4, ports).map(lambda p: "{}.{}.{}.{}:{}".format(*p))
ipv6 = st.tuples(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), ports).map(
    lambda p: f"[fd00:{p[0]:x}::{p[1]:x}]:{p[2]}"
)
addresses = st.one_of(ipv4, ipv4, ipv6, st.just("-"), st.just("upstream_balancer"))
upstream_statuses = st.one_of(st.just("-"), st.sampled_from(["200", "201", "404", "499", "502"]))
seconds_texts = st.one_of(
    st.just("-"), st.integers(0, 60_000).map(lambda ms: f"{ms // 1000}.{ms % 1000:03d}")
)
names = st.one_of(st.just("-"), st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True))
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
statuses = st.sampled_from(["200", "201", "204", "301", "308", "400", "404", "499", "500"])
request_ids = st.from_regex(r"[0-9a-f]{32}", fullmatch=True)
times = st.datetimes(
    min_value=datetime.datetime(2001, 1, 1),
    max_value=datetime.datetime(2099, 12, 31),
    timezones=st.sampled_from(
        [
            datetime.UTC,
            datetime.timezone(datetime.timedelta(hours=2)),
            datetime.timezone(-datetime.timedelta(hours=5, minutes=30)),
        ]
    ),
).map(lambda moment: moment.replace(microsecond=0))


@dataclass(frozen=True)
class Entry:
    address: str
    status: str
    time: str
    size: str


entries = st.builds(
    Entry,
    addresses,
    upstream_statuses,
    seconds_texts,
    st.one_of(st.just("-"), st.integers(0, 10**7).map(str)),
)
groups = st.lists(st.lists(entries, min_size=1, max_size=3), min_size=1, max_size=2)


def _field(groups: list[list[Entry]], part: str) -> str:
    return " : ".join(", ".join(getattr(entry, part) for entry in group) for group in groups)


def _none(text: str | None) -> str | None:
    return None if text in (None, "", "-") else text


@dataclass(frozen=True)
class GeneratedLine:
    line: str
    record: AccessRecord


@st.composite
def upstreaminfo_lines(draw: st.DrawFn) -> GeneratedLine:
    """A well-formed line in any of the shapes, and the record it stands for."""
    moment = draw(times)
    method = draw(methods)
    path = draw(tokens)
    status = draw(statuses)
    name = draw(names)
    shape = draw(st.sampled_from(["current", "0.25", "0.14", "0.9"]))
    alternative = draw(st.one_of(st.just(""), names)) if shape in ("current", "0.25") else None
    request_id = draw(request_ids) if shape != "0.9" else None
    upstreams = draw(groups)
    duration = draw(seconds_texts.filter(lambda text: text != "-"))
    client = draw(st.one_of(tokens, st.just("-")))
    head = f"{client} - "
    if shape != "current":
        head += f"[{draw(st.one_of(tokens, st.just('192.0.2.1, 10.0.0.1')))}] - "
    head += f"{draw(st.one_of(tokens, st.just('-')))} [{moment.strftime('%d/%b/%Y:%H:%M:%S %z')}]"
    line = (
        f'{head} "{method} {path} HTTP/1.1" {status} {draw(st.integers(0, 10**6))} '
        f'"{draw(quoted_values)}" "{draw(quoted_values)}" {draw(st.integers(0, 10**5))} '
        f"{duration} [{name}] "
        + (f"[{alternative}] " if alternative is not None else "")
        + " ".join(_field(upstreams, part) for part in ("address", "size", "time", "status"))
        + (f" {request_id}" if request_id is not None else "")
    )
    attempts = tuple(
        UpstreamAttempt(
            _none(entry.address),
            None if entry.status == "-" else int(entry.status),
            None if entry.time == "-" else float(entry.time),
        )
        for group in upstreams
        for entry in group
        if (entry.address, entry.status, entry.time) != ("-", "-", "-")
    )
    record = AccessRecord(
        timestamp=moment.timestamp(),
        status=int(status),
        upstreams=attempts,
        upstream_name=_none(name),
        alternative_upstream_name=_none(alternative),
        request_id=request_id,
        method=method,
        duration=float(duration),
        retries=sum(len(group) - 1 for group in upstreams),
    )
    return GeneratedLine(line, record)


_MEANINGFUL = [" ", '"', "[", "]", ",", ":", "-", "0", "x", "\t", "\r", "\x00", "\u3000", "“"]


@st.composite
def mutated(draw: st.DrawFn, lines: st.SearchStrategy[str]) -> str:
    """A line after one or two copy-paste accidents: a character lost, doubled or replaced,
    a stretch cut out or repeated."""
    line = draw(lines)
    for _ in range(draw(st.integers(1, 2))):
        if not line:
            break
        at = draw(st.integers(0, len(line) - 1))
        operation = draw(st.sampled_from(["delete", "insert", "replace", "cut", "repeat"]))
        if operation == "delete":
            line = line[:at] + line[at + 1 :]
        elif operation == "insert":
            line = line[:at] + draw(st.sampled_from(_MEANINGFUL)) + line[at:]
        elif operation == "replace":
            line = line[:at] + draw(st.sampled_from(_MEANINGFUL)) + line[at + 1 :]
        else:
            end = draw(st.integers(at, min(len(line), at + 40)))
            line = line[:at] + (line[at:end] * 2 if operation == "repeat" else "") + line[end:]
    return line
