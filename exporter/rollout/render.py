"""Sample lines for the rollout families, rendered once per workload or Service change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from exporter.metrics.exposition import format_labels, format_value, join_labels
from exporter.rollout.families import DURATION_BUCKETS


def labels(*pairs: tuple[str, str]) -> str:
    return format_labels(pairs)


@lru_cache(maxsize=262_144)
def _prefix(name: str, base: str, extra: tuple[tuple[str, str], ...]) -> str:
    rendered = join_labels(base, format_labels(extra)[1:-1]) if extra else base
    return f"{name}{rendered} "


def line(name: str, base: str, value: float, extra: tuple[tuple[str, str], ...] = ()) -> str:
    """One sample: `base` is the entity's rendered label set, `extra` adds labels.

    The `name{labels} ` prefix is cached: the same series are re-rendered with new values
    on every change of their workload, and formatting labels is most of the cost.
    """
    if value.__class__ is bool or value.__class__ is int:
        return _prefix(name, base, extra) + str(int(value)) + "\n"
    return _prefix(name, base, extra) + format_value(value) + "\n"


class HistogramState:
    """Bucket counts of one histogram series: observed rarely, rendered on change."""

    __slots__ = ("buckets", "count", "total")

    def __init__(self) -> None:
        self.buckets = [0] * len(DURATION_BUCKETS)
        self.count = 0
        self.total = 0.0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(DURATION_BUCKETS):
            if value <= bound:
                self.buckets[i] += 1
        self.count += 1
        self.total += value

    def render(self, name: str, base: str, extra: tuple[tuple[str, str], ...]) -> str:
        out = []
        for bound, count in zip(DURATION_BUCKETS, self.buckets, strict=True):
            out.append(line(name + "_bucket", base, count, (*extra, ("le", format_value(bound)))))
        out.append(line(name + "_bucket", base, self.count, (*extra, ("le", "+Inf"))))
        out.append(line(name + "_sum", base, self.total, extra))
        out.append(line(name + "_count", base, self.count, extra))
        return "".join(out)


def render_counters(
    name: str, base: str, label_names: Sequence[str], values: Mapping[Any, float]
) -> str:
    """One sample per key of `values`, whose tuple keys are the values of `label_names`."""
    return "".join(
        line(name, base, value, tuple(zip(label_names, key, strict=True)))
        for key, value in sorted(values.items())
    )
