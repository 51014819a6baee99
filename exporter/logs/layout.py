"""Saying *why* a text line did not parse, one field at a time.

The hot path of each text format is one match (or one split); it only says yes or no. When
it says no, the line is walked again field by field with the same grammar to find where it
breaks: ending inside a field means the line was cut (`truncated`); a wrong status or time
field has its own reason; a break before the line ever looked like this format means it is
some other kind of line. This costs a few microseconds, but only for lines that are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from exporter.logs.stats import SkipReason


@dataclass(frozen=True, slots=True)
class Field:
    """One element of a line's grammar.

    `pattern` matches the element's extent; `partial` matches what a line cut inside the
    element ends with (it is anchored at the end of the line). `valid`, when given, is what
    the element's text must also be: a status of the wrong shape still delimits the fields
    after it, so the walk goes on and only reports `reason` if nothing else breaks.
    `reason` also names the skip when the element is missing altogether.
    """

    pattern: str
    partial: str
    reason: SkipReason | None = None
    valid: str | None = None
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)
    compiled_partial: re.Pattern[str] = field(init=False, repr=False, compare=False)
    compiled_valid: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern))
        object.__setattr__(self, "compiled_partial", re.compile(f"(?:{self.partial})\\Z"))
        valid = re.compile(self.valid) if self.valid is not None else None
        object.__setattr__(self, "compiled_valid", valid)


def literal(text: str) -> Field:
    """Fixed separator text; a line cut inside it ends with one of its proper prefixes."""
    prefixes = "|".join(re.escape(text[:size]) for size in range(len(text)))
    return Field(re.escape(text), prefixes)


def token(charset: str = "[^ ]") -> Field:
    """A run of `charset` characters, at least one."""
    return Field(f"{charset}+", f"{charset}*")


def quoted(inner: str = '[^"]') -> Field:
    """A double-quoted value whose characters match `inner` (no bare quote inside)."""
    return Field(f'"{inner}*"', f'(?:"{inner}*)?')


def escaped_quoted() -> Field:
    """A double-quoted value in which quotes are escaped with backslashes (Traefik, Go)."""
    inner = r'(?:[^"\\]|\\.)'
    return Field(f'"{inner}*"', f'(?:"{inner}*\\\\?)?')


def bracketed(inner: str = r"[^\]]") -> Field:
    """A value between square brackets."""
    return Field(rf"\[{inner}*\]", rf"(?:\[{inner}*)?")


def optional(pattern: str, partial: str = "") -> Field:
    """An element some shapes of the format have and others do not; it never fails.

    `partial` is what a line cut inside it ends with, when that can be told.
    """
    return Field(f"(?:{pattern})?", partial)


def status_field(digits: str = r"\d{3}") -> Field:
    """An HTTP status: any token delimits it; only `digits` are a status."""
    return Field("[^ ]+", r"\d{0,2}", SkipReason.BAD_STATUS, valid=digits)


def time_field(inner: str = r"[^\]]+") -> Field:
    """A bracketed time: any bracketed text delimits it; only `inner` is the format's time."""
    return Field(r"\[[^\]]*\]", r"\[[^\]]*", SkipReason.BAD_TIMESTAMP, valid=rf"\[{inner}\]")


@dataclass(frozen=True, slots=True)
class Layout:
    """A text format's grammar as a sequence of fields, for diagnosis only.

    `anchor` is the index of the field that identifies the format (its time field): a line
    that breaks before it, or at it without having started it, is some other kind of line
    (`not_access_log`); a line cut before the anchor cannot be told from any other short
    line. `other_format_ends` are field indexes where a complete line of a *different*,
    unsupported format ends (nginx `combined` stops after the user agent): ending exactly
    there is `unknown_format`, not `truncated`.
    """

    fields: Sequence[Field]
    anchor: int
    other_format_ends: frozenset[int] = frozenset()

    def diagnose(self, line: str) -> SkipReason:
        """The skip reason for a line the format's full match rejected.

        The walk does not backtrack, so a field that matched may have matched too little of
        a line cut inside it (a list ending in `, `, an optional part cut short): when a
        field fails, the fields just before it are asked too whether the line ends inside
        them.
        """
        position = 0
        end = len(line)
        starts: list[int] = []
        invalid: SkipReason | None = None
        for index, element in enumerate(self.fields):
            starts.append(position)
            match = element.compiled.match(line, position)
            if match is not None:
                valid = element.compiled_valid
                if invalid is None and valid is not None and not valid.fullmatch(match.group()):
                    invalid = element.reason
                position = match.end()
                continue
            if position == end and index in self.other_format_ends:
                return SkipReason.UNKNOWN_FORMAT
            for back in range(index, max(-1, index - _LOOK_BACK), -1):
                start = starts[back]
                if self.fields[back].compiled_partial.match(line, start) is not None:
                    started = back > self.anchor or (back == self.anchor and start < end)
                    return SkipReason.TRUNCATED if started else SkipReason.NOT_ACCESS_LOG
            if index <= self.anchor:
                return SkipReason.NOT_ACCESS_LOG
            return invalid or element.reason or SkipReason.MALFORMED
        return invalid or SkipReason.MALFORMED


_LOOK_BACK = 4
"""How many fields back a failure is checked for a cut: a field, its separator, and an
optional part before them."""
