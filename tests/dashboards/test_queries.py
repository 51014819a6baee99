"""Every query of the committed dashboards is valid PromQL over series that exist.

A query is parsed with `promql-parser` after Grafana's variables are put in, the way the
Prometheus datasource sends it. Metric names must be exported by rollout-exporter (its
declared families), be the two ingress counters, be recorded by a recording rule of
rules/ (which the chart installs with the dashboards), or be an external series listed
in docs/dashboards.md. The ingress time series read the recording rules instead of
rate() over the counters, which cannot see a series' first sample and so would miss a
5xx burst that begins a series (dashboards/promql.py); a query may only filter and group
by labels its series carry, recording rules' included.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TypeVar

import promql_parser
import pytest

from exporter.rollout.families import ALL_FAMILIES
from tests.dashboards.queries import Query, panel_queries, queries, substitute, variables
from tests.rules.rulefiles import INGRESS_SAMPLES, recordings, sample_labels

DOCS = Path(__file__).resolve().parents[2] / "docs" / "dashboards.md"

INGRESS = frozenset({"rollout_ingress_requests_total", "rollout_ingress_5xx_total"})
"""The ingress attribution counters (exporter/ingress/families.py)."""

NAMESPACE = "ns-under-test"
WORKLOAD = "workload-under-test"
VALUES = variables(NAMESPACE, WORKLOAD)

PER_SERVICE = {spec.sample_name for spec in ALL_FAMILIES if "workload" not in spec.labels}
"""Families per Service only (endpoints, selector matches), without a workload label."""

RECORDED = {name: rule["expr"] for name, rule in recordings().items()}
"""Recording rule name → its expression, from rules/."""
RAW_LABELS = {**sample_labels(), **INGRESS_SAMPLES}
"""Every sample name the exporter exports → its label names."""
TARGET_LABELS = frozenset({"job", "instance"})
"""What Prometheus adds to each series it scrapes."""
RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})

Labels = frozenset[str]


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


Node = TypeVar("Node", bound=promql_parser.Expr)


def nodes_of(query: Query, kind: type[Node]) -> list[Node]:
    """Every node of type `kind` in the query's PromQL, the variables filled in."""
    found: list[Node] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, kind):
            found.append(node)

    promql_parser.walk(promql_parser.parse(query.substituted(VALUES)), visit)
    return found


def selectors(query: Query) -> list[promql_parser.VectorSelector]:
    return nodes_of(query, promql_parser.VectorSelector)


def matched(selector: promql_parser.VectorSelector, label: str) -> set[str]:
    """Values `selector` requires `label` to equal (or match, for a regex)."""
    return {m.value for m in selector.matchers.matchers if m.name == label}


def series_labels(name: str | None) -> Labels:
    """The labels every series of an exported sample or a recording rule carries."""
    if name in RECORDED:
        labels = labels_of(promql_parser.parse(RECORDED[name]))
        assert labels is not None, f"{name} records a scalar"
        return labels
    if name in RAW_LABELS:
        return frozenset(RAW_LABELS[name]) | TARGET_LABELS
    raise KeyError(f"labels of {name} unknown")


def labels_of(node: promql_parser.Expr) -> Labels | None:
    """The labels every series of `node` carries; None for a scalar or a string.

    Covers what the dashboards and the recording rules use; anything else raises.
    """
    if isinstance(node, promql_parser.NumberLiteral | promql_parser.StringLiteral):
        return None
    if isinstance(node, promql_parser.ParenExpr | promql_parser.UnaryExpr):
        return labels_of(node.expr)
    if isinstance(node, promql_parser.MatrixSelector):
        return labels_of(node.vector_selector)
    if isinstance(node, promql_parser.VectorSelector):
        return series_labels(node.name)
    if isinstance(node, promql_parser.Call):
        vectors = [labels for arg in node.args if (labels := labels_of(arg)) is not None]
        if not vectors:
            return None
        if node.func.name == "label_replace":
            destination = node.args[1]
            assert isinstance(destination, promql_parser.StringLiteral)
            return vectors[0] | {destination.val}
        return vectors[0]
    if isinstance(node, promql_parser.AggregateExpr):
        inner = labels_of(node.expr)
        assert inner is not None
        if str(node.op) in ("topk", "bottomk"):
            return inner
        if node.modifier is None:
            return frozenset()
        if node.modifier.type == promql_parser.AggModifierType.By:
            return frozenset(node.modifier.labels)
        return inner - frozenset(node.modifier.labels)
    if isinstance(node, promql_parser.BinaryExpr):
        return binary_labels(node)
    raise TypeError(f"labels_of does not know {type(node).__name__}: {node}")


def binary_labels(node: promql_parser.BinaryExpr) -> Labels | None:
    lhs = labels_of(node.lhs)
    if str(node.op) in ("and", "unless"):
        return lhs
    rhs = labels_of(node.rhs)
    if lhs is None or rhs is None:
        return rhs if lhs is None else lhs
    if str(node.op) == "or":
        return lhs & rhs
    modifier = node.modifier
    if modifier is None:
        return lhs
    included = frozenset(modifier.group_labels or ())
    if modifier.card == promql_parser.VectorMatchCardinality.ManyToOne:
        return lhs | included
    if modifier.card == promql_parser.VectorMatchCardinality.OneToMany:
        return rhs | included
    matching = modifier.matching
    if matching is None:
        return lhs
    if matching.type == promql_parser.LabelModifierType.Include:
        return lhs & frozenset(matching.labels)
    return lhs - frozenset(matching.labels)


def aggregations(query: Query) -> list[promql_parser.AggregateExpr]:
    return nodes_of(query, promql_parser.AggregateExpr)


def ingress_rate(node: promql_parser.Expr) -> promql_parser.VectorSelector | None:
    """The ingress counter `node` is a rate()/irate()/increase() of, if it is one."""
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    if isinstance(node, promql_parser.Call) and node.func.name in RATE_FUNCTIONS:
        (matrix,) = node.args
        if isinstance(matrix, promql_parser.MatrixSelector):
            selector = matrix.vector_selector
            if selector.name in INGRESS:
                return selector
    return None


def rate_rules(counter: str) -> dict[str, Labels]:
    """The recording rules that are a rate of `counter` (`level:<counter>:rate5m`), with
    the labels each keeps."""
    metric = counter.removesuffix("_total")
    return {
        name: series_labels(name)
        for name in RECORDED
        if name.split(":")[1] == metric and name.split(":")[2].startswith("rate")
    }


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
    known = exporter_series() | INGRESS | set(RECORDED) | documented_external_series()
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


@pytest.mark.parametrize("query", ALL, ids=ids)
def test_query_filters_and_groups_only_by_labels_its_series_carry(query: Query) -> None:
    """A recording rule keeps only the labels it aggregates by: a matcher on a label it
    dropped matches no series, a `by` or `on` over it silently merges every series into
    one. No error either way, so check the labels instead."""
    tree = promql_parser.parse(query.substituted(VALUES))
    names = {s.name or "" for s in selectors(query)}
    if not names <= RECORDED.keys() | RAW_LABELS.keys():
        pytest.skip(f"labels of {sorted(names - RECORDED.keys() - RAW_LABELS.keys())} unknown")
    problems: list[str] = []

    def visit(node: promql_parser.Expr) -> None:
        wanted: set[str] = set()
        carried: Labels | None = None
        if isinstance(node, promql_parser.VectorSelector):
            wanted = {m.name for m in node.matchers.matchers} - {"__name__"}
            carried = series_labels(node.name)
        elif isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
            if node.modifier.type == promql_parser.AggModifierType.By:
                wanted, carried = set(node.modifier.labels), labels_of(node.expr)
        elif isinstance(node, promql_parser.BinaryExpr) and node.modifier is not None:
            matching = node.modifier.matching
            lhs, rhs = labels_of(node.lhs), labels_of(node.rhs)
            if (
                matching is not None
                and matching.type == promql_parser.LabelModifierType.Include
                and lhs is not None
                and rhs is not None
            ):
                wanted, carried = set(matching.labels), lhs & rhs
        if carried is not None and wanted - carried:
            problems.append(f"{sorted(wanted - carried)} not on: {node}")

    promql_parser.walk(tree, visit)
    assert problems == []


TIME_SERIES = [q for q in ALL if not q.instant]


@pytest.mark.parametrize("query", TIME_SERIES, ids=[f"{q.file}: {q.label}" for q in TIME_SERIES])
def test_ingress_time_series_read_the_recording_rules(query: Query) -> None:
    """Most ingress 5xx series are born with their burst, often within one scrape, and
    rate() cannot see a series' first sample: a time series over the counters would draw
    nothing for the burst that paged. The recording rules count it, and the page is
    computed from them, so a time series reads the rule that keeps the labels it filters
    and groups by; rate() over a counter only where no rule keeps them."""
    rates = [s for s in selectors(query) if s.name in INGRESS]
    checked: list[promql_parser.VectorSelector] = []
    for aggregation in aggregations(query):
        selector = ingress_rate(aggregation.expr)
        if selector is None:
            continue
        checked.append(selector)
        assert aggregation.modifier is None or (
            aggregation.modifier.type == promql_parser.AggModifierType.By
        ), "group by the labels the panel shows"
        grouping = set(aggregation.modifier.labels) if aggregation.modifier else set()
        needed = grouping | {m.name for m in selector.matchers.matchers}
        assert selector.name is not None
        readable = [name for name, kept in rate_rules(selector.name).items() if needed <= kept]
        assert not readable, f"rate() over {selector.name} by {sorted(needed)}: read {readable}"
    assert len(checked) == len(rates), "an ingress counter outside sum by (...) (rate(...))"


def test_no_time_series_reads_the_ingress_counters_directly() -> None:
    """Every label a panel shows is kept by some recording rule, so none needs rate()."""
    raw = [q.label for q in TIME_SERIES if any(s.name in INGRESS for s in selectors(q))]
    assert raw == []


def test_ingress_rate_rules_exist() -> None:
    """The recording rules the ingress time series read: rules/ records them."""
    assert rate_rules("rollout_ingress_5xx_total")
    assert rate_rules("rollout_ingress_requests_total")
    used = {s.name for q in ALL for s in selectors(q)}
    assert used & RECORDED.keys() >= {
        "namespace_workload:rollout_ingress_requests:rate5m",
        "namespace_workload_revision_cause:rollout_ingress_5xx:rate5m",
        "namespace_workload_revision_pod_state_cause:rollout_ingress_5xx:rate5m",
    }


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
