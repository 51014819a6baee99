"""Structured logging on the stdlib ``logging`` module, in logfmt or JSON lines.

Platform engineers feed exporter logs into the same pipelines as other Prometheus
components, so the shape follows promlog: ``ts``, ``level``, ``logger``, ``msg``, then the
record's structured extras (``logger.info("watch restarted", extra={"kind": "pods"})``),
then ``exc``. Every value stays on one line so a log shipper never splits a record.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import time
from typing import IO, Final, Literal, get_args

__all__ = [
    "LOG_LEVELS",
    "JSONFormatter",
    "LogFormat",
    "LogLevel",
    "LogfmtFormatter",
    "configure_logging",
]

LogLevel = Literal["debug", "info", "warn", "error"]
LogFormat = Literal["logfmt", "json"]
LOG_LEVELS: Final[tuple[str, ...]] = get_args(LogLevel)
LOG_FORMATS: Final[tuple[str, ...]] = get_args(LogFormat)

_LEVEL_NUMBERS: Final[dict[str, int]] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
_LEVEL_NAMES: Final[dict[int, str]] = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warn",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS: Final[frozenset[str]] = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__
) | {"message", "asctime", "taskName"}
_FIXED_KEYS: Final[frozenset[str]] = frozenset({"ts", "level", "logger", "msg", "exc", "stack"})

# A logfmt value may stay bare only if a parser cannot mistake where it ends.
_BARE_VALUE: Final[re.Pattern[str]] = re.compile(r'[^\s="]+')
_ESCAPES: Final[dict[str, str]] = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


def _level(record: logging.LogRecord) -> str:
    return _LEVEL_NAMES.get(record.levelno, record.levelname.lower())


Scalar = str | int | float | bool | None


def _scalar(value: object) -> Scalar:
    """Keep JSON-native scalars; stringify everything else so both formats agree."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)


class _StructuredFormatter(logging.Formatter):
    """Turns a record into ordered key/value pairs; subclasses only choose the encoding."""

    def fields(self, record: logging.LogRecord) -> list[tuple[str, Scalar]]:
        pairs: list[tuple[str, Scalar]] = [
            ("ts", _timestamp(record)),
            ("level", _level(record)),
            ("logger", record.name),
            ("msg", record.getMessage()),
        ]
        for key, value in record.__dict__.items():
            if key in _STANDARD_ATTRS:
                continue
            # An extra named like a fixed key must not shadow it in JSON or confuse logfmt.
            name = f"{key}_" if key in _FIXED_KEYS else key
            pairs.append((name, _scalar(value)))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            pairs.append(("exc", record.exc_text))
        if record.stack_info:
            pairs.append(("stack", self.formatStack(record.stack_info)))
        return pairs


def _logfmt_value(value: Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if _BARE_VALUE.fullmatch(text) and text.isprintable():
        return text
    return '"' + "".join(_escape_char(ch) for ch in text) + '"'


def _escape_char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ch.isprintable():
        return ch
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _logfmt_key(key: str) -> str:
    """Extras may be any string; a key must stay one bare token."""
    return "".join(ch if ch.isprintable() and ch not in ' ="' else "_" for ch in key) or "_"


class LogfmtFormatter(_StructuredFormatter):
    """``ts=... level=info logger=... msg="..." key=value``, quoted only where needed."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{_logfmt_key(k)}={_logfmt_value(v)}" for k, v in self.fields(record))


class JSONFormatter(_StructuredFormatter):
    """One JSON object per line with the same keys as logfmt, in the same order."""

    def format(self, record: logging.LogRecord) -> str:
        line = json.dumps(dict(self.fields(record)), ensure_ascii=False, separators=(",", ":"))
        # Valid JSON, but tools that split on Unicode line breaks would cut the record.
        return line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class _ExporterHandler(logging.StreamHandler[IO[str]]):
    """Marks the handler we own, so reconfiguring replaces it and leaves others alone."""


def configure_logging(
    level: str,
    fmt: LogFormat,
    stream: IO[str] | None = None,
) -> None:
    """Send all records at ``level`` and above to ``stream`` (stderr by default).

    ``stream`` defaults to the *current* ``sys.stderr`` rather than the one at import
    time, so test harnesses that swap stderr see the output. Calling again replaces the
    previous configuration; handlers installed by others (e.g. pytest) are kept.
    """
    if level not in _LEVEL_NUMBERS:
        raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    formatter: logging.Formatter
    if fmt == "logfmt":
        formatter = LogfmtFormatter()
    elif fmt == "json":
        formatter = JSONFormatter()
    else:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got {fmt!r}")
    handler = _ExporterHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _ExporterHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(_LEVEL_NUMBERS[level])
