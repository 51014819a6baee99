"""Log lines are what operators grep and ship: their shape and escaping are the contract."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exporter.log_setup import JSONFormatter, LogfmtFormatter, configure_logging

FIXED_TS = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC).timestamp()


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def record(
    msg: str = "watch restarted",
    *,
    level: int = logging.INFO,
    extra: Mapping[str, object] | None = None,
) -> logging.LogRecord:
    """What ``logger.log(level, msg, extra=extra)`` produces, at a fixed time."""
    return logging.makeLogRecord(
        {
            "name": "exporter.kube.reflector",
            "msg": msg,
            "levelno": level,
            "levelname": logging.getLevelName(level),
            "created": FIXED_TS,
            "msecs": 123.0,
            **(extra or {}),
        }
    )


def parse_logfmt(line: str) -> dict[str, str]:
    """A strict reader for what we write: bare tokens or Go-style quoted strings."""
    pairs: dict[str, str] = {}
    pattern = re.compile(r'([^\s="]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s="]*))(?: |$)')
    position = 0
    while position < len(line):
        match = pattern.match(line, position)
        assert match, f"unparseable logfmt at {position}: {line!r}"
        key, quoted, bare = match.groups()
        pairs[key] = bare if quoted is None else _unescape(quoted)
        position = match.end()
    return pairs


def _unescape(text: str) -> str:
    simple = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}

    def one(match: re.Match[str]) -> str:
        escape = match.group(0)[1:]
        if escape[0] in simple:
            return simple[escape[0]]
        return chr(int(escape[1:], 16))

    return re.sub(r'\\(?:["\\nrt]|u[0-9a-f]{4}|U[0-9a-f]{8})', one, text)


def test_logfmt_line_has_promlog_shape() -> None:
    line = LogfmtFormatter().format(record(extra={"kind": "pods", "reason": "gone"}))
    assert line == (
        "ts=2026-11-23T10:00:00.123Z level=info logger=exporter.kube.reflector "
        'msg="watch restarted" kind=pods reason=gone'
    )


def test_json_line_has_the_same_keys_in_the_same_order() -> None:
    rec = record(extra={"kind": "pods", "reason": "gone"})
    line = JSONFormatter().format(rec)
    assert "\n" not in line
    assert json.loads(line) == {
        "ts": "2026-11-23T10:00:00.123Z",
        "level": "info",
        "logger": "exporter.kube.reflector",
        "msg": "watch restarted",
        "kind": "pods",
        "reason": "gone",
    }
    assert list(json.loads(line)) == list(parse_logfmt(LogfmtFormatter().format(rec)))


LOGFMT_VALUES = [
    pytest.param("pods", "pods", id="bare-word"),
    pytest.param("héllo", "héllo", id="non-ascii-stays-bare"),
    pytest.param("C:\\dir", "C:\\dir", id="backslash-alone-stays-bare"),
    pytest.param("", '""', id="empty-is-quoted"),
    pytest.param("watch restarted", '"watch restarted"', id="space"),
    pytest.param('say "hi"', '"say \\"hi\\""', id="double-quote"),
    pytest.param("a=b", '"a=b"', id="equals"),
    pytest.param("a b\\c", '"a b\\\\c"', id="backslash-inside-quotes"),
    pytest.param("a\nb", '"a\\nb"', id="newline"),
    pytest.param("a\r\nb", '"a\\r\\nb"', id="crlf"),
    pytest.param("a\tb", '"a\\tb"', id="tab"),
    pytest.param("a\x00b\x1b", '"a\\u0000b\\u001b"', id="control-characters"),
    pytest.param("a\u00a0b", '"a\\u00a0b"', id="non-breaking-space"),
    pytest.param("a\u2028b", '"a\\u2028b"', id="unicode-line-separator"),
    pytest.param(3, "3", id="int"),
    pytest.param(1.5, "1.5", id="float"),
    pytest.param(True, "true", id="bool"),
    pytest.param(None, "null", id="none"),
    pytest.param(float("nan"), "nan", id="nan-as-text"),
    pytest.param([1, "a b"], "\"[1, 'a b']\"", id="object-as-quoted-str"),
]


@pytest.mark.parametrize(("value", "expected"), LOGFMT_VALUES)
def test_logfmt_escapes_values(value: object, expected: str) -> None:
    line = LogfmtFormatter().format(record("m", extra={"v": value}))
    assert line.endswith(f" v={expected}")
    assert "\n" not in line


JSON_VALUES = [
    pytest.param("a\nb", "a\nb", id="newline-roundtrips"),
    pytest.param('q"=\\', 'q"=\\', id="quotes-roundtrip"),
    pytest.param("a\u2028b", "a\u2028b", id="line-separator-roundtrips"),
    pytest.param(3, 3, id="int-stays-number"),
    pytest.param(True, True, id="bool-stays-bool"),
    pytest.param(None, None, id="none-is-null"),
    pytest.param(float("inf"), "inf", id="non-finite-float-as-text"),
    pytest.param([1, 2], "[1, 2]", id="object-as-str"),
]


@pytest.mark.parametrize(("value", "expected"), JSON_VALUES)
def test_json_encodes_values(value: object, expected: object) -> None:
    line = JSONFormatter().format(record("m", extra={"v": value}))
    assert "\n" not in line
    assert "\u2028" not in line
    assert json.loads(line)["v"] == expected


@given(st.text())
def test_logfmt_string_values_roundtrip(value: str) -> None:
    line = LogfmtFormatter().format(record(value, extra={"v": value}))
    assert len(line.splitlines()) == 1
    parsed = parse_logfmt(line)
    assert parsed["msg"] == value
    assert parsed["v"] == value


RESERVED = {*logging.makeLogRecord({}).__dict__, "message", "asctime", "taskName"}


@given(st.text(min_size=1).filter(lambda key: key not in RESERVED))
def test_logfmt_keys_stay_single_tokens(key: str) -> None:
    line = LogfmtFormatter().format(record("m", extra={key: "v"}))
    assert len(line.splitlines()) == 1
    assert list(parse_logfmt(line).values())[-1] == "v"


@pytest.mark.parametrize(
    ("level", "name"),
    [
        (logging.DEBUG, "debug"),
        (logging.INFO, "info"),
        (logging.WARNING, "warn"),
        (logging.ERROR, "error"),
        (logging.CRITICAL, "critical"),
    ],
)
def test_level_names_follow_promlog(level: int, name: str) -> None:
    assert f" level={name} " in LogfmtFormatter().format(record(level=level))


def test_extras_named_like_fixed_keys_do_not_shadow_them() -> None:
    rec = record(extra={"ts": "x", "level": "y", "exc": "z"})
    parsed = parse_logfmt(LogfmtFormatter().format(rec))
    assert parsed["ts"] == "2026-11-23T10:00:00.123Z"
    assert (parsed["level"], parsed["ts_"], parsed["level_"], parsed["exc_"]) == (
        "info",
        "x",
        "y",
        "z",
    )


@pytest.mark.parametrize("fmt", ["logfmt", "json"])
def test_exception_is_one_field_on_one_line(fmt: str) -> None:
    stream = io.StringIO()
    configure_logging("info", "json" if fmt == "json" else "logfmt", stream)
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        logging.getLogger("exporter.test").exception("list failed", extra={"kind": "pods"})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    fields = json.loads(lines[0]) if fmt == "json" else parse_logfmt(lines[0])
    assert fields["exc"].startswith("Traceback (most recent call last):\n")
    assert fields["exc"].endswith("ZeroDivisionError: division by zero")
    assert list(fields)[-2:] == ["kind", "exc"]


def test_configure_logging_routes_records_through_the_chosen_format() -> None:
    stream = io.StringIO()
    configure_logging("info", "logfmt", stream)
    logging.getLogger("exporter.kube.reflector").info(
        "listed %d objects", 5, extra={"kind": "pods"}
    )
    fields = parse_logfmt(stream.getvalue().strip())
    assert (fields["level"], fields["logger"], fields["msg"], fields["kind"]) == (
        "info",
        "exporter.kube.reflector",
        "listed 5 objects",
        "pods",
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", fields["ts"])


def test_records_below_the_level_are_dropped() -> None:
    stream = io.StringIO()
    configure_logging("warn", "logfmt", stream)
    logging.getLogger("exporter").info("quiet")
    logging.getLogger("exporter").warning("loud")
    assert [parse_logfmt(line)["msg"] for line in stream.getvalue().splitlines()] == ["loud"]


def test_reconfiguring_replaces_our_handler_and_keeps_others() -> None:
    other = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(other)
    first, second = io.StringIO(), io.StringIO()
    configure_logging("info", "logfmt", first)
    configure_logging("info", "json", second)
    logging.getLogger("exporter").info("once")
    assert first.getvalue() == ""
    assert json.loads(second.getvalue())["msg"] == "once"
    assert other in logging.getLogger().handlers


@pytest.mark.parametrize(("level", "fmt"), [("warning", "logfmt"), ("info", "text")])
def test_invalid_level_or_format_is_rejected(level: str, fmt: str) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        configure_logging(level, fmt, io.StringIO())  # type: ignore[arg-type]
