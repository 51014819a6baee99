"""The dashboards follow what kube-prometheus-stack users expect, and ship unedited.

A `datasource` variable every query goes through; no import placeholders (`__inputs`,
`${DS_...}`) so the Grafana sidecar can load the files from ConfigMaps as they are;
stable uids that links and bookmarks rely on; a shared tag and links both ways; a unit
on every time series and stat; lifecycle risks mapped to the fixes of docs/metrics.md.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashboards.risks import documented_risks
from exporter.rollout.lifecycle import RISKS
from tests.dashboards.queries import FOLDER, load, panels

DASHBOARDS = load()
UIDS = {"rollout-overview.json": "rollout-overview", "rollout-workload.json": "rollout-workload"}
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
TAG = "rollout-exporter"

FILES = sorted(DASHBOARDS)


def variable(dashboard: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = (v for v in dashboard["templating"]["list"] if v["name"] == name)
    assert isinstance(found, dict)
    return found


def query_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in panels(dashboard) if p["type"] != "row"]


def test_both_dashboards_are_committed() -> None:
    assert sorted(UIDS) == FILES


@pytest.mark.parametrize("file", FILES)
def test_uid_is_stable(file: str) -> None:
    """Links, bookmarks and the sidecar's updates all find a dashboard by its uid."""
    assert DASHBOARDS[file]["uid"] == UIDS[file]


@pytest.mark.parametrize("file", FILES)
def test_json_has_no_import_placeholders_or_fixed_id(file: str) -> None:
    text = (FOLDER / file).read_text(encoding="utf-8")
    dashboard = DASHBOARDS[file]
    assert "__inputs" not in dashboard
    assert "${DS_" not in text
    assert dashboard.get("id") is None, "a fixed id clashes with Grafana's own numbering"


@pytest.mark.parametrize("file", FILES)
def test_datasource_is_a_prometheus_variable(file: str) -> None:
    datasource = variable(DASHBOARDS[file], "datasource")
    assert datasource["type"] == "datasource"
    assert datasource["query"] == "prometheus"


@pytest.mark.parametrize("file", FILES)
def test_every_panel_target_annotation_and_variable_uses_the_datasource_variable(
    file: str,
) -> None:
    dashboard = DASHBOARDS[file]
    users: list[tuple[str, Any]] = []
    for panel in query_panels(dashboard):
        users.append((panel["title"], panel.get("datasource")))
        users += [(f"{panel['title']} {t['refId']}", t.get("datasource")) for t in panel["targets"]]
    users += [(a["name"], a["datasource"]) for a in dashboard["annotations"].get("list", [])]
    users += [
        (v["name"], v.get("datasource"))
        for v in dashboard["templating"]["list"]
        if v["type"] == "query"
    ]
    assert users
    assert [name for name, ref in users if ref != DATASOURCE] == []


@pytest.mark.parametrize("file", FILES)
def test_every_timeseries_and_stat_has_a_unit(file: str) -> None:
    missing = [
        panel["title"]
        for panel in query_panels(DASHBOARDS[file])
        if panel["type"] in ("timeseries", "stat")
        and not panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
    ]
    assert missing == []


@pytest.mark.parametrize("file", FILES)
def test_every_panel_has_a_title_and_a_description(file: str) -> None:
    for panel in query_panels(DASHBOARDS[file]):
        assert panel.get("title")
        assert panel.get("description"), panel["title"]


@pytest.mark.parametrize("file", FILES)
def test_panel_ids_are_unique(file: str) -> None:
    ids = [panel["id"] for panel in panels(DASHBOARDS[file])]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("file", FILES)
def test_panels_do_not_overlap_on_the_grid(file: str) -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in panels(DASHBOARDS[file]):
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


@pytest.mark.parametrize("file", FILES)
def test_dashboards_are_tagged_and_link_to_each_other(file: str) -> None:
    """The tag dropdown lists both dashboards and carries time range and variables."""
    dashboard = DASHBOARDS[file]
    assert TAG in dashboard["tags"]
    (link,) = dashboard["links"]
    assert link["type"] == "dashboards"
    assert link["tags"] == [TAG]
    assert link["includeVars"]
    assert link["keepTime"]


def test_overview_tables_link_each_workload_to_its_dashboard() -> None:
    overview = json.dumps(DASHBOARDS["rollout-overview.json"])
    links = overview.count("/d/rollout-workload?${datasource:queryparam}")
    assert links >= 4
    assert overview.count("var-workload=${__value.raw}") == links


def test_overview_namespace_variable_allows_all_namespaces() -> None:
    namespace = variable(DASHBOARDS["rollout-overview.json"], "namespace")
    assert namespace["includeAll"]
    assert namespace["multi"]
    assert namespace["allValue"] == ".*"


def test_workload_dashboard_selects_one_namespace_and_workload() -> None:
    dashboard = DASHBOARDS["rollout-workload.json"]
    assert [v["name"] for v in dashboard["templating"]["list"]] == [
        "datasource",
        "namespace",
        "workload",
    ]
    for name in ("namespace", "workload"):
        assert not variable(dashboard, name).get("multi")
    assert "$namespace" in variable(dashboard, "workload")["query"]


def test_rollout_timeline_is_drawn_from_the_exporters_metrics() -> None:
    annotations = {a["name"]: a for a in DASHBOARDS["rollout-workload.json"]["annotations"]["list"]}
    assert set(annotations) == {"Rollout started", "Rollout stalled", "Rollout ended"}
    started = annotations["Rollout started"]
    assert "rollout_started_timestamp_seconds" in started["expr"]
    assert started["useValueForTime"], "the start is the timestamp's value, not when seen"
    assert started["expr"].endswith("* 1000"), "Grafana reads the value as milliseconds"
    assert "rollout_duration_seconds_count" in annotations["Rollout ended"]["expr"]
    assert annotations["Rollout ended"]["tagKeys"] == "outcome"


def test_every_lifecycle_risk_is_mapped_to_its_documented_fix() -> None:
    (table,) = (
        p
        for p in panels(DASHBOARDS["rollout-workload.json"])
        if p["title"] == "Lifecycle risks and the fix to apply"
    )
    mappings = {
        override["matcher"]["options"]: prop["value"][0]["options"]
        for override in table["fieldConfig"]["overrides"]
        for prop in override["properties"]
        if prop["id"] == "mappings"
    }
    fixes = {risk: result["text"] for risk, result in mappings["fix"].items()}
    assert fixes == {risk.name: risk.fix for risk in documented_risks()}
    assert set(fixes) == set(RISKS)
    assert set(mappings["when"]) == set(RISKS)
