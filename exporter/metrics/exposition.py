"""Prometheus text / OpenMetrics rendering primitives.

Written by hand (not with prometheus_client) because these run once per object change
for thousands of objects; they only build strings, which is all a sample line is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def escape_label_value(value: str) -> str:
    """Escape `\\`, `"` and newlines, the three characters the formats reserve."""
    if "\\" in value or '"' in value or "\n" in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return value


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_labels(labels: Iterable[tuple[str, str]]) -> str:
    """`{a="1",b="2"}`, or the empty string when there are no labels."""
    inner = ",".join(f'{name}="{escape_label_value(value)}"' for name, value in labels)
    return "{" + inner + "}" if inner else ""


def join_labels(base: str, extra: str) -> str:
    """Merge two rendered label sets (`{a="1"}` + `b="2"` → `{a="1",b="2"}`)."""
    if not extra:
        return base
    if not base:
        return "{" + extra + "}"
    return base[:-1] + "," + extra + "}"


def format_value(value: float) -> str:
    """Go-compatible float formatting: integers without a fraction, `+Inf`, `NaN`."""
    value = float(value)
    if math.isfinite(value):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if math.isnan(value):
        return "NaN"
    return "+Inf" if value > 0 else "-Inf"


def sample(name: str, labels: str, value: float) -> str:
    """One sample line, newline included."""
    return f"{name}{labels} {format_value(value)}\n"
