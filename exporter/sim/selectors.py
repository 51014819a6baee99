"""Label and field selectors with kube-apiserver's grammar and its rejections.

Label selectors support every operator the real parser does (`=`, `==`, `!=`, `in`,
`notin`, exists, `!` does-not-exist, `>`/`<`). Field selectors support only the two
fields every resource has, `metadata.name` and `metadata.namespace`; anything else is
rejected with the server's own message rather than silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from exporter.sim.resources import JsonObj

_NAME = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)"
_KEY = rf"(?:[a-z0-9](?:[-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}"
_VALUE = rf"(?:{_NAME})?"

_EXISTS = re.compile(rf"^({_KEY})$")
_NOT_EXISTS = re.compile(rf"^!\s*({_KEY})$")
_SET = re.compile(rf"^({_KEY})\s+(in|notin)\s*\(([^()]*)\)$")
_EQUALITY = re.compile(rf"^({_KEY})\s*(==|=|!=)\s*({_VALUE})$")
_ORDER = re.compile(rf"^({_KEY})\s*(>|<)\s*(-?\d+)$")
_VALUE_ONLY = re.compile(rf"^{_VALUE}$")

SUPPORTED_FIELDS = ("metadata.name", "metadata.namespace")


class SelectorError(ValueError):
    """A selector the real server would answer with 400 BadRequest."""


@dataclass(frozen=True)
class Selector:
    """A parsed selector; `empty` matters because only unfiltered lists count remaining items."""

    matches: Callable[[JsonObj], bool]
    empty: bool


EVERYTHING = Selector(lambda _obj: True, empty=True)


def _split_terms(text: str) -> list[str]:
    terms: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            terms.append(text[start:index].strip())
            start = index + 1
    terms.append(text[start:].strip())
    return terms


def _label_requirement(term: str) -> Callable[[dict[str, str]], bool]:
    if m := _NOT_EXISTS.match(term):
        key = m[1]
        return lambda labels: key not in labels
    if m := _SET.match(term):
        key, op = m[1], m[2]
        values = frozenset(v.strip() for v in m[3].split(","))
        if not all(_VALUE_ONLY.match(v) for v in values) or values == {""}:
            raise SelectorError(f"unable to parse requirement: invalid values in {term!r}")
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if m := _EQUALITY.match(term):
        key, op, value = m[1], m[2], m[3]
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if m := _ORDER.match(term):
        key, op, bound = m[1], m[2], int(m[3])

        def compare(labels: dict[str, str]) -> bool:
            raw = labels.get(key)
            if raw is None or not re.fullmatch(r"-?\d+", raw):
                return False
            return int(raw) > bound if op == ">" else int(raw) < bound

        return compare
    if m := _EXISTS.match(term):
        key = m[1]
        return lambda labels: key in labels
    raise SelectorError(f"unable to parse requirement: found '{term}', expected a requirement")


def parse_label_selector(text: str | None) -> Selector:
    """Parse `?labelSelector=`; an empty selector matches everything."""
    if not text or not text.strip():
        return EVERYTHING
    requirements = [_label_requirement(term) for term in _split_terms(text)]

    def matches(obj: JsonObj) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(requirement(labels) for requirement in requirements)

    return Selector(matches, empty=False)


def parse_field_selector(text: str | None) -> Selector:
    """Parse `?fieldSelector=` for metadata.name / metadata.namespace only."""
    if not text or not text.strip():
        return EVERYTHING
    checks: list[Callable[[JsonObj], bool]] = []
    for term in _split_terms(text):
        m = re.fullmatch(r"([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)", term)
        if m is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        field, op, value = m[1], m[2], m[3]
        if field not in SUPPORTED_FIELDS:
            raise SelectorError(f"field label not supported: {field}")
        attribute = field.removeprefix("metadata.")

        def check(
            obj: JsonObj, attribute: str = attribute, value: str = value, negate: bool = op == "!="
        ) -> bool:
            actual: str = obj["metadata"].get(attribute, "")
            return (actual == value) != negate

        checks.append(check)
    return Selector(lambda obj: all(check(obj) for check in checks), empty=False)


def combine(first: Selector, second: Selector) -> Selector:
    if first.empty:
        return second
    if second.empty:
        return first
    return Selector(lambda obj: first.matches(obj) and second.matches(obj), empty=False)
