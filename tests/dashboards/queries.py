"""Every query the committed dashboards run, with Grafana's variables filled in.

Read from dashboards/*.json — what the chart ships, not what the code would generate
(tests/dashboards/test_generated.py keeps the two equal). A query is a panel target, an
annotation, or a template variable (`label_values(selector, label)` is run as the
`selector` it lists values of, so "returns data" means "the variable has values").

`panel_queries(namespace, workload)` is what an end-to-end test calls to check that each
panel returns data against a real Prometheus:

    for dashboard, panel, expr in panel_queries("shop", "web", rate_interval="4s"):
        ...

`substitute` raises on a variable it does not know, so a typo in a dashboard
(`$namspace`) fails loudly instead of querying a literal dollar sign.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

FOLDER = Path(__file__).resolve().parents[2] / "dashboards"

VARIABLE = re.compile(r"\$(?:\{(?P<braced>\w+)(?::\w+)?\}|(?P<plain>[A-Za-z_]\w*))")
"""`$name`, `${name}` and `${name:format}`; not `$1` (a label_replace back-reference)."""
LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>\w+)\)$", re.S)

Kind = Literal["panel", "annotation", "variable"]


class PanelQuery(NamedTuple):
    dashboard: str
    """The dashboard's title."""
    panel: str
    """The panel's title; `Title (query B)` for each query of a panel that has several,
    `annotation: Name` and `variable: $name` for the dashboard's own queries."""
    expr: str


@dataclass(frozen=True)
class Query:
    """One query of a committed dashboard, as written there (variables unsubstituted)."""

    file: str
    dashboard: str
    label: str
    kind: Kind
    expr: str
    instant: bool
    """Evaluated once at the end of the time range (tables), not as a range."""

    def substituted(self, values: Mapping[str, str]) -> str:
        return substitute(self.expr, values, where=f"{self.file}: {self.label}")


def load(folder: Path = FOLDER) -> dict[str, dict[str, Any]]:
    """File name → parsed dashboard, for every dashboards/*.json."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
    }


def panels(dashboard: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows and the panels inside collapsed rows included."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def queries(folder: Path = FOLDER) -> list[Query]:
    found = []
    for file, dashboard in load(folder).items():
        title = dashboard["title"]
        for panel in panels(dashboard):
            targets = panel.get("targets", [])
            for target in targets:
                label = panel["title"]
                if len(targets) > 1:
                    label += f" (query {target['refId']})"
                found.append(
                    Query(file, title, label, "panel", target["expr"], target.get("instant", False))
                )
        for annotation in dashboard.get("annotations", {}).get("list", []):
            if "expr" in annotation:
                found.append(
                    Query(
                        file,
                        title,
                        f"annotation: {annotation['name']}",
                        "annotation",
                        annotation["expr"],
                        False,
                    )
                )
        for variable in dashboard.get("templating", {}).get("list", []):
            if variable["type"] == "query":
                found.append(
                    Query(
                        file,
                        title,
                        f"variable: ${variable['name']}",
                        "variable",
                        variable_selector(variable["query"]),
                        True,
                    )
                )
    return found


def variable_selector(query: str | Mapping[str, Any]) -> str:
    """The series a `label_values(selector, label)` variable lists the label values of."""
    text = query if isinstance(query, str) else str(query["query"])
    match = LABEL_VALUES.match(text.strip())
    if not match:
        raise ValueError(f"not a label_values(selector, label) variable query: {text!r}")
    return match["selector"]


def substitute(expr: str, values: Mapping[str, str], *, where: str = "query") -> str:
    def value(match: re.Match[str]) -> str:
        name = match["braced"] or match["plain"]
        if name not in values:
            raise KeyError(f"{where}: unknown variable ${name} in {expr!r}")
        return values[name]

    return VARIABLE.sub(value, expr)


def variables(
    namespace: str,
    workload: str,
    *,
    rate_interval: str = "5m",
    interval: str = "1m",
    time_range: str = "1h",
    datasource: str = "prometheus",
) -> dict[str, str]:
    """What Grafana would put in for each variable the dashboards use."""
    return {
        "namespace": namespace,
        "workload": workload,
        "datasource": datasource,
        "__rate_interval": rate_interval,
        "__interval": interval,
        "__range": time_range,
    }


def panel_queries(
    namespace: str,
    workload: str,
    *,
    rate_interval: str = "5m",
    interval: str = "1m",
    time_range: str = "1h",
) -> list[PanelQuery]:
    """Every panel's (and annotation's, and variable's) query for one workload.

    On the overview, `$namespace` (a regex there) becomes the one namespace given.
    """
    values = variables(
        namespace, workload, rate_interval=rate_interval, interval=interval, time_range=time_range
    )
    return [PanelQuery(q.dashboard, q.label, q.substituted(values)) for q in queries()]
