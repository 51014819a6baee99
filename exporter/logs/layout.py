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

    `pattern` matches the whole element; `partial` matches what a line cut inside the element
    ends with (it is anchored at the end of the line). `reason` names the skip when the
    element is there but wrong, for the elements that have their own reason.
    """

    pattern: str
    partial: str
    reason: SkipReason | None = None
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)
    compiled_partial: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern))
        object.__setattr__(self, "compiled_partial", re.compile(f"(?:{self.partial})\\Z"))


def literal(text: str) -> Field:
    """Fixed separator text; a line cut inside it ends with one of its proper prefixes."""
    prefixes = "|".join(re.escape(text[:size]) for size in range(len(text)))
    return Field(re.escape(text), prefixes)


def token(charset: str = "[^ ]", reason: SkipReason | None = None) -> Field:
    """A run of `charset` characters, at least one."""
    return Field(f"{charset}+", f"{charset}*", reason)


def quoted(inner: str = '[^"]') -> Field:
    """A double-quoted value whose characters match `inner` (no newline, no bare quote)."""
    return Field(f'"{inner}*"', f'(?:"{inner}*)?')


def bracketed(inner: str = r"[^\]]", reason: SkipReason | None = None) -> Field:
    """A value between square brackets."""
    return Field(rf"\[{inner}*\]", rf"(?:\[{inner}*)?", reason)


def optional(pattern: str) -> Field:
    """An element some shapes of the format have and others do not; it never fails."""
    return Field(f"(?:{pattern})?", "")


@dataclass(frozen=True, slots=True)
class Layout:
    """A text format's grammar as a sequence of fields, for diagnosis only.

    `recognisable_from` is the index of the first field that can only fail on a line of
    this format: failures before it mean the line is something else (`not_access_log`), and
    a line cut before it cannot be told from any other short line. `other_format_ends` are
    field indexes where a complete line of a *different*, unsupported format ends (nginx
    `combined` stops after the user agent): ending exactly there is `unknown_format`,
    not `truncated`.
    """

    fields: Sequence[Field]
    recognisable_from: int
    other_format_ends: frozenset[int] = frozenset()

    def diagnose(self, line: str) -> SkipReason:
        """The skip reason for a line the format's full match rejected."""
        position = 0
        end = len(line)
        for index, element in enumerate(self.fields):
            match = element.compiled.match(line, position)
            if match is not None:
                position = match.end()
                continue
            recognised = index >= self.recognisable_from
            if position == end and index in self.other_format_ends:
                return SkipReason.UNKNOWN_FORMAT
            if element.compiled_partial.match(line, position) is not None:
                return SkipReason.TRUNCATED if recognised else SkipReason.NOT_ACCESS_LOG
            if not recognised:
                return SkipReason.NOT_ACCESS_LOG
            return element.reason or SkipReason.MALFORMED
        return SkipReason.MALFORMED
