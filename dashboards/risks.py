"""When each lifecycle risk is reported and the fix to apply, read from docs/metrics.md.

The docs' "Lifecycle risks" table is the one place both are written down; the workload
dashboard maps each `risk` label value to them, so a reworded fix reaches the dashboard
on the next `python -m dashboards` (and the up-to-date test catches a forgotten run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from exporter.rollout.lifecycle import RISKS

METRICS_DOC = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"

_ROW = re.compile(
    r"^\|\s*`(?P<risk>[a-z_]+)`\s*\|\s*(?P<when>[^|]+?)\s*\|\s*(?P<fix>[^|]+?)\s*\|\s*$"
)


class UndocumentedRiskError(LookupError):
    """A risk the exporter reports has no row in docs/metrics.md."""


@dataclass(frozen=True)
class Risk:
    name: str
    """The `risk` label value."""
    when: str
    fix: str


def documented_risks(doc: Path = METRICS_DOC) -> list[Risk]:
    """Every risk the exporter reports, in its order, as documented (backticks removed)."""
    text = doc.read_text(encoding="utf-8")
    section = text.split("## Lifecycle risks", 1)[-1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if match := _ROW.match(line):
            rows[match["risk"]] = Risk(
                match["risk"], match["when"].replace("`", ""), match["fix"].replace("`", "")
            )
    missing = [risk for risk in RISKS if risk not in rows]
    if missing:
        raise UndocumentedRiskError(f"{doc}: no row for {', '.join(missing)}")
    return [rows[risk] for risk in RISKS]
