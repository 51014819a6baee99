"""Every query of the committed dashboards is valid PromQL over series that exist.

A query is parsed with `promql-parser` after Grafana's variables are put in, the way the
Prometheus datasource sends it. Metric names must be exported by rollout-exporter (its
declared families), be the two ingress counters, or be an external series listed in
docs/dashboards.md; recording rules are deliberately not used, so the dashboards work
without the rules pack.
"""

from __future__ import annotations

import re
from pathlib import Path

import promql_parser
import pytest

from exporter.rollout.families import ALL_FAMILIES
from tests.dashboards.queries import Query, panel_queries, queries, substitute, variables

DOCS = Path(__file__).resolve().parents[2] / "docs" / "dashboards.md"

INGRESS = frozenset({"rollout_ingress_requests_total", "rollout_ingress_5xx_total"})
"""The ingress attribution counters (exporter/ingress/families.py)."""

NAMESPACE = "ns-under-test"
WORKLOAD = "workload-under-test"
VALUES = variables(NAMESPACE, WORKLOAD)

PER_SERVICE = {spec.sample_name for spec in ALL_FAMILIES if "workload" not in spec.labels}
"""Families per Service only (endpoints, selector matches), without a workload label."""


def exporter_series() -> set[str]:
    names = set()
    for spec in ALL_FAMILIES:
        if spec.type == "histogram":
            names |= {spec.name + suffix for suffix in ("_bucket", "_sum", "_count")}
        else:
            names.add(spec.sample_name)
    return names


def documented_external_series() -> set[str]:
    """`kube_*` names in the "External sources" section of docs/dashboards.md."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## External sources", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`(kube_[a-z0-9_]+)`", section))


def selectors(query: Query) -> list[promql_parser.VectorSelector]:
    found: list[promql_parser.VectorSelector] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(promql_parser.parse(query.substituted(VALUES)), visit)
    return found


def matched(selector: promql_parser.VectorSelector, label: str) -> set[str]:
    """Values `selector` requires `label` to equal (or match, for a regex)."""
    return {m.value for m in selector.matchers.matchers if m.name == label}


ALL = queries()
ids = [f"{q.file}: {q.label}" for q in ALL]


def test_the_dashboards_have_queries() -> None:
    kinds = {q.kind for q in ALL}
    assert kinds == {"panel", "annotation", "variable"}
    assert len(ALL) > 30


@pytest.mark.parametrize("query", ALL, ids=ids)
def test_query_parses_as_promql(query: Query) -> None:
    try:
        promql_parser.parse(query.substituted(VALUES))
    except ValueError as error:
        pytest.fail(f"{query.expr!r} does not parse: {error}")


@pytest.mark.parametrize("query", ALL, ids=ids)
def test_query_uses_only_series_that_exist(query: Query) -> None:
    known = exporter_series() | INGRESS | documented_external_series()
    names = [s.name for s in selectors(query)]
    assert None not in names, "every selector names its metric"
    unknown = {name for name in names if name and name not in known}
    assert not unknown, f"unknown series: {sorted(unknown)}"


@pytest.mark.parametrize("query", ALL, ids=ids)
def test_every_selector_is_scoped_to_the_selected_namespace(query: Query) -> None:
    """No namespace is hard-coded, and none is left out (except to list namespaces)."""
    if query.label == "variable: $namespace":
        assert all(not matched(s, "namespace") for s in selectors(query))
        return
    for selector in selectors(query):
        assert matched(selector, "namespace") == {NAMESPACE}, str(selector)


@pytest.mark.parametrize(
    "query", [q for q in ALL if q.file == "rollout-workload.json"], ids=lambda q: q.label
)
def test_workload_dashboard_selects_the_chosen_workload(query: Query) -> None:
    """Every workload-labelled series is filtered on `$workload`; per-Service series are
    joined to it through rollout_service_workload_info instead."""
    if query.label in ("variable: $namespace", "variable: $workload"):
        return
    scoped = [s for s in selectors(query) if s.name not in PER_SERVICE]
    assert scoped, "the query reads at least one workload series"
    for selector in scoped:
        assert matched(selector, "workload") == {WORKLOAD}, str(selector)


@pytest.mark.parametrize("query", ALL, ids=ids)
def test_counters_are_windowed_by_grafanas_intervals(query: Query) -> None:
    """rate()/increase() over `$__rate_interval` (or `$__range` for a table over the whole
    time range); never a hard-coded window that ignores the scrape interval."""
    windows = re.findall(r"\[([^\]]+)\]", query.expr)
    assert set(windows) <= {"$__rate_interval", "$__range"}, windows


def test_only_documented_kube_state_metrics_series_are_external() -> None:
    """The External sources section lists exactly the kube-state-metrics series used."""
    used = {s.name or "" for q in ALL for s in selectors(q)}
    assert {name for name in used if name.startswith("kube_")} == documented_external_series()


def test_ingress_names_are_the_ones_the_exporter_declares() -> None:
    families = pytest.importorskip("exporter.ingress.families")
    declared = {spec.sample_name for spec in families.INGRESS_FAMILIES}
    assert declared >= INGRESS


def test_panel_queries_fill_in_every_grafana_variable() -> None:
    """What the end-to-end tests get: one entry per query, ready to send to Prometheus."""
    filled = panel_queries("shop", "web", rate_interval="4s", interval="1s", time_range="60s")
    assert len(filled) == len(ALL)
    for dashboard, panel, expr in filled:
        assert not re.search(r"\$[A-Za-z_{]", expr), f"{dashboard}: {panel}: {expr}"
        promql_parser.parse(expr)
    assert any('namespace=~"shop"' in q.expr for q in filled)
    assert any('workload="web"' in q.expr for q in filled)


def test_an_unknown_variable_is_an_error_not_a_literal() -> None:
    with pytest.raises(KeyError, match=r"\$namspace"):
        substitute('up{namespace="$namspace"}', VALUES)
