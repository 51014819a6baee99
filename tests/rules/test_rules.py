"""The rules in rules/ are valid, tested on both sides of every boundary, and read only
metrics that the exporter exports or that the rules themselves record."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.ingress.families import INGRESS_FAMILIES
from exporter.metrics.self_metrics import SelfMetrics
from tests.rules.rulefiles import (
    INGRESS_SAMPLES,
    PROMTOOL_SUITES,
    REPO,
    RULE_FILES,
    RULES,
    RUNBOOK_BASE,
    alerts,
    groups,
    metric_name,
    recordings,
    rules,
    run_tool,
    sample_labels,
    selectors,
    template_queries,
)

SEVERITIES = ("critical", "warning", "info")


def rule_id(rule: dict[str, Any]) -> str:
    return str(rule.get("alert") or rule.get("record"))


def queries(rule: dict[str, Any]) -> list[str]:
    """The rule's expression and the queries its annotations run."""
    return [str(rule["expr"]), *template_queries(rule)]


def test_there_are_rule_files_and_promtool_suites() -> None:
    assert RULE_FILES, "rules/ holds no rule file"
    assert PROMTOOL_SUITES, "rules/tests/ holds no promtool suite"


def test_promtool_check_rules_finds_nothing_wrong() -> None:
    assert "SUCCESS" in run_tool("promtool", "check", "rules", *map(str, RULE_FILES))


def test_every_promtool_suite_passes() -> None:
    suites = (p.name for p in PROMTOOL_SUITES)
    output = run_tool("promtool", "test", "rules", *suites, cwd=RULES / "tests", timeout=120)
    assert "FAILED" not in output


@pytest.mark.parametrize("suite", PROMTOOL_SUITES, ids=lambda path: path.name)
def test_every_suite_loads_the_shipped_rules_recording_groups_first(suite: Path) -> None:
    """promtool evaluates groups in an unspecified order unless told: without the order, an
    alert may read the recording of the previous evaluation and the suite turns flaky."""
    document = yaml.safe_load(suite.read_text())
    loaded = {(suite.parent / name).resolve() for name in document["rule_files"]}
    assert loaded == {path.resolve() for path in RULE_FILES}
    names = [group["name"] for path in RULE_FILES for group in groups(path)]
    recording = [
        group["name"]
        for path in RULE_FILES
        for group in groups(path)
        if all("record" in rule for rule in group["rules"])
    ]
    order = document["group_eval_order"]
    assert sorted(order) == sorted(names)
    assert order[: len(recording)] == recording


DURATION = re.compile(r"(\d+)(ms|s|m|h|d)")
SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(duration: str) -> float:
    assert "".join(m.group(0) for m in DURATION.finditer(duration)) == duration, duration
    return sum(int(n) * SECONDS[unit] for n, unit in DURATION.findall(duration))


def checks_of(alert: str) -> list[list[tuple[float, bool]]]:
    """Per promtool test case: (eval time, firing?) of the checks of `alert`, in time order."""
    return [
        sorted(
            (seconds(check["eval_time"]), bool(check["exp_alerts"]))
            for check in case.get("alert_rule_test", [])
            if check["alertname"] == alert
        )
        for suite in PROMTOOL_SUITES
        for case in yaml.safe_load(suite.read_text())["tests"]
    ]


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_every_alert_is_tested_on_both_sides_of_the_moment_it_starts_firing(alert: str) -> None:
    """Quiet at one evaluation, firing at the next one checked, on the same input."""
    crossings = [
        (before, after)
        for checks in checks_of(alert)
        for (before, quiet), (after, firing) in pairwise(checks)
        if not quiet and firing
    ]
    assert crossings, f"{alert}: no case is quiet and then firing"


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_every_alert_has_a_case_where_it_never_fires(alert: str) -> None:
    """The clean counterparts: a clean rollout, an app's own 502, a finished rollout."""
    assert any(checks and not any(firing for _, firing in checks) for checks in checks_of(alert))


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_a_firing_case_expects_severity_and_the_three_annotations(alert: str) -> None:
    expected = [
        entry
        for suite in PROMTOOL_SUITES
        for case in yaml.safe_load(suite.read_text())["tests"]
        for check in case.get("alert_rule_test", [])
        if check["alertname"] == alert
        for entry in check["exp_alerts"]
    ]
    assert expected
    for entry in expected:
        assert entry["exp_labels"]["severity"] == alerts()[alert]["labels"]["severity"]
        assert set(entry["exp_annotations"]) == {"summary", "description", "runbook_url"}


def self_metric_samples() -> set[str]:
    """The sample names of the exporter's own metrics (rollout_exporter_start_time_seconds, ...)."""
    return {sample.name for family in SelfMetrics().registry.collect() for sample in family.samples}


def test_every_metric_a_rule_reads_is_exported_or_recorded() -> None:
    known = set(sample_labels()) | set(INGRESS_SAMPLES) | set(recordings())
    known |= self_metric_samples()
    unknown = {
        (rule_id(rule), metric_name(selector))
        for rule in rules()
        for query in queries(rule)
        for selector in selectors(query)
        if metric_name(selector) not in known
    }
    assert not unknown, f"rules read metrics nobody exports or records: {sorted(unknown)}"


def test_the_ingress_metrics_are_exported_as_the_rules_expect_them() -> None:
    """The rules were written against issue 5's names before it landed; they must agree."""
    exported = {spec.sample_name: spec.labels for spec in INGRESS_FAMILIES}
    assert exported == INGRESS_SAMPLES


def test_label_matchers_name_labels_the_metric_has() -> None:
    labels = sample_labels() | INGRESS_SAMPLES
    wrong = {
        (rule_id(rule), name, matcher.name)
        for rule in rules()
        for query in queries(rule)
        for selector in selectors(query)
        if (name := metric_name(selector)) in labels
        for matcher in selector.matchers.matchers
        if matcher.name not in labels[name]
    }
    assert not wrong, f"matchers on labels the metric does not have: {sorted(wrong)}"


@pytest.mark.parametrize("record", sorted(recordings()))
def test_recording_rules_are_named_level_metric_operations(record: str) -> None:
    level, metric, operations = record.split(":")
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", level), record
    assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", operations), record
    bases = {name.removesuffix("_total") for name in (*sample_labels(), *INGRESS_SAMPLES)}
    assert any(metric == base or metric.startswith(base + "_") for base in bases), (
        f"{record}: the metric part should be the metric it derives from"
    )
    assert "labels" not in recordings()[record], "the chart adds no labels to recording rules"


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_alerts_are_camel_case_with_the_rollout_prefix(alert: str) -> None:
    assert re.fullmatch(r"Rollout([A-Z][a-z0-9]*|[0-9]+[a-z]*)+", alert)


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_every_alert_has_a_severity_a_summary_a_description_and_a_runbook(alert: str) -> None:
    rule = alerts()[alert]
    assert rule["labels"]["severity"] in SEVERITIES
    assert set(rule["annotations"]) == {"summary", "description", "runbook_url"}
    assert rule["annotations"]["runbook_url"] == f"{RUNBOOK_BASE}{alert}.md"


@pytest.mark.parametrize("alert", sorted(alerts()))
@pytest.mark.parametrize("annotation", ["summary", "description"])
def test_summary_and_description_name_namespace_workload_revision_and_image(
    alert: str, annotation: str
) -> None:
    text = alerts()[alert]["annotations"][annotation]
    for label in ("namespace", "workload", "revision", "images"):
        assert re.search(rf"\$labels\.{label}\b", text), f"{alert} {annotation}: no {label}"


def chart_threshold_bindings() -> dict[str, dict[str, Any]]:
    """Which comparison of which alert each prometheusRule.thresholds value replaces."""
    template = (REPO / "helm" / "rollout-exporter" / "templates" / "_rules.tpl").read_text()
    body = re.search(
        r'define "rollout-exporter.ruleThresholds" -}}\n(.*?)\n{{- end }}', template, re.S
    )
    assert body, "_rules.tpl lost its threshold bindings"
    bindings: dict[str, dict[str, Any]] = yaml.safe_load(body.group(1))
    return bindings


def test_each_chart_threshold_compares_once_in_its_alert_as_the_chart_requires() -> None:
    """The chart replaces `<operator> <shipped>` in the bound alert's expression and fails
    to render unless it occurs exactly once."""
    bindings = chart_threshold_bindings()
    assert bindings["rolloutDurationSeconds"] == {
        "alert": "RolloutTooLong",
        "operator": ">",
        "shipped": 600,
    }
    for binding in bindings.values():
        expression = alerts()[binding["alert"]]["expr"]
        pattern = rf"{re.escape(binding['operator'])}\s*{binding['shipped']}\b"
        assert len(re.findall(pattern, expression)) == 1, binding


def test_rollout_too_long_fires_when_the_rollout_in_progress_is_older_than_the_threshold() -> None:
    rule = alerts()["RolloutTooLong"]
    assert "time() - rollout_started_timestamp_seconds > 600" in rule["expr"]
    assert "rollout_in_progress == 1" in rule["expr"]
    assert rule.get("for", "0m") == "0m", "it fires at the threshold, not later"
