"""Decoding one JSON access line into just the keys a parser reads.

msgspec decodes straight into a Struct generated from the key mapping and skips every other
key without building it: a line's path, query, user agent and client address are not even
turned into Python strings unless the mapping names them (only `request`, read for its
method, does). Values are typed `object` because the same field is a
number in one installation's template and a string in another's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any

import msgspec

from exporter.logs.json_keys import JsonKeys
from exporter.logs.stats import MAX_LINE_LENGTH, SkipReason
from exporter.logs.timestamps import parse_rfc3339
from exporter.logs.values import ABSENT, STATUS_CODES


class JsonLineDecoder:
    """Decodes lines for one `JsonKeys` and reads fields by their canonical name."""

    def __init__(self, keys: JsonKeys) -> None:
        distinct = sorted(keys.all_keys())
        attribute = {key: f"f{index}" for index, key in enumerate(distinct)}
        struct = msgspec.defstruct(
            "JsonAccessLine",
            [(attribute[key], object, None) for key in distinct],
            rename={attribute[key]: key for key in distinct},
            gc=False,
        )
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(struct)
        self._getters: dict[str, attrgetter[Any]] = {}
        for field in fields(keys):
            candidates = getattr(keys, field.name)
            if candidates:
                names = [attribute[key] for key in candidates]
                # attrgetter with one name returns the value, not a 1-tuple: always ask for
                # two so every getter returns a tuple.
                self._getters[field.name] = attrgetter(names[0], *(names[1:] or names[:1]))

    def decode(self, line: str) -> Any | SkipReason:
        """The decoded line, or why it is not one: cut, broken, or not an object at all."""
        if len(line) > MAX_LINE_LENGTH:
            return SkipReason.TOO_LONG
        try:
            return self._decoder.decode(line)
        except msgspec.ValidationError:
            return SkipReason.NOT_ACCESS_LOG
        except msgspec.DecodeError as error:
            # A line cut inside a number or a literal reads as invalid, not as truncated;
            # a line that does not end its object was cut all the same.
            if "truncated" in str(error) or not line.rstrip().endswith("}"):
                return SkipReason.TRUNCATED
            return SkipReason.MALFORMED

    def decode_access(
        self,
        line: str,
        timestamp: float | None,
        parse_time: Callable[[object], float | None],
    ) -> tuple[Any, int, float] | SkipReason:
        """Decode a line and read what every access format needs: (fields, status, time).

        `timestamp`, when given, wins over the line's own `time` field, which `parse_time`
        reads in the format's own way.
        """
        decoded = self.decode(line)
        if isinstance(decoded, SkipReason):
            return decoded
        status_value = self.get(decoded, "status")
        if status_value is None:
            return SkipReason.NOT_ACCESS_LOG
        status_text = as_text(status_value)
        status = STATUS_CODES.get(status_text) if status_text is not None else None
        if status is None:
            return SkipReason.BAD_STATUS
        if timestamp is None:
            timestamp = parse_time(self.get(decoded, "time"))
            if timestamp is None:
                return SkipReason.BAD_TIMESTAMP
        return decoded, status, timestamp

    def get(self, line: Any, field: str) -> object:
        """The first candidate key's value that is present and not absent (`-`, ``, null)."""
        getter = self._getters.get(field)
        if getter is None:
            return None
        for value in getter(line):
            if value is None or (isinstance(value, str) and value in ABSENT):
                continue
            return value
        return None


def as_text(value: object) -> str | None:
    """A string field; numbers (an unquoted `$status`) are accepted as their text."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def rfc3339_value(value: object) -> float | None:
    """A time field written as RFC 3339 text (Envoy, Traefik JSON)."""
    text = as_text(value)
    return parse_rfc3339(text) if text is not None else None


def as_int(value: object) -> int | None:
    """An integer field logged as a number or as digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None
