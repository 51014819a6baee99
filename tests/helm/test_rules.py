"""The PrometheusRule carries exactly the rules of rules/, after the documented overrides."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from tests.helm.chart import CHART, FIXTURES, REPO, render
from tests.helm.conftest import make_repository

Groups = list[dict[str, Any]]


def rule_documents(folder: Path) -> list[dict[str, Any]]:
    """The rule files the chart ships from `folder`, in the order Helm reads them."""
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    return [yaml.safe_load(path.read_text()) for path in paths]


def source_groups(documents: list[dict[str, Any]]) -> Groups:
    groups = copy.deepcopy([group for document in documents for group in document["groups"]])
    for group in groups:
        for rule in group["rules"]:
            for key in ("labels", "annotations"):
                if not rule.get(key):
                    rule.pop(key, None)
    return [group for group in groups if group["rules"]]


def alerts(groups: Groups) -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for group in groups for rule in group["rules"] if "alert" in rule}


def rendered_groups(chart: Path, values: dict[str, Any] | None = None) -> Groups:
    rules = render(chart, values).of_kind("PrometheusRule")
    if not rules:
        return []
    (rule,) = rules
    groups: Groups = rule["spec"]["groups"]
    return groups


def threshold_bindings() -> dict[str, dict[str, Any]]:
    """The table in templates/_rules.tpl that says where each threshold value goes."""
    text = (CHART / "templates" / "_rules.tpl").read_text()
    body = re.search(r'define "rollout-exporter.ruleThresholds" -}}\n(.*?)\n{{- end }}', text, re.S)
    assert body is not None
    bindings: dict[str, dict[str, Any]] = yaml.safe_load(body.group(1))
    return bindings


FIXTURE_GROUPS = source_groups(rule_documents(FIXTURES / "rules"))


def test_the_committed_chart_carries_exactly_the_rules_in_rules_dir() -> None:
    assert rendered_groups(CHART) == source_groups(rule_documents(REPO / "rules"))


def test_the_fixture_rules_are_carried_unchanged_by_default(fixture_chart: Path) -> None:
    assert rendered_groups(fixture_chart) == FIXTURE_GROUPS


def test_disabled_alerts_are_left_out_and_emptied_groups_dropped(fixture_chart: Path) -> None:
    disabled = ["RolloutTooLong", "WorkloadLifecycleRisk"]
    groups = rendered_groups(fixture_chart, {"prometheusRule": {"disabledAlerts": disabled}})

    expected = copy.deepcopy(FIXTURE_GROUPS)
    for group in expected:
        group["rules"] = [rule for rule in group["rules"] if rule.get("alert") not in disabled]
    assert groups == [group for group in expected if group["rules"]]
    assert "rollout-exporter.info" not in {group["name"] for group in groups}


def test_a_threshold_replaces_the_shipped_literal_and_nothing_else(fixture_chart: Path) -> None:
    groups = rendered_groups(
        fixture_chart, {"prometheusRule": {"thresholds": {"rolloutDurationSeconds": 300}}}
    )
    expected = copy.deepcopy(FIXTURE_GROUPS)
    rule = alerts(expected)["RolloutTooLong"]
    rule["expr"] = rule["expr"].replace(
        "rollout_exporter_rollout_started_timestamp_seconds) > 600",
        "rollout_exporter_rollout_started_timestamp_seconds) > 300",
    )
    assert groups == expected


def test_fractional_thresholds_are_written_as_promql_numbers(fixture_chart: Path) -> None:
    groups = rendered_groups(
        fixture_chart, {"prometheusRule": {"thresholds": {"rolloutDurationSeconds": 90.5}}}
    )
    assert ") > 90.5\n" in alerts(groups)["RolloutTooLong"]["expr"]


def test_alert_overrides_replace_fields_and_merge_labels_and_annotations(
    fixture_chart: Path,
) -> None:
    overrides = {
        "RolloutStalled": {
            "for": "15m",
            "labels": {"severity": "warning", "team": "payments"},
            "annotations": {"summary": "Stalled."},
        },
        "RolloutTooLong": {"expr": "vector(1)", "keep_firing_for": "5m"},
    }
    groups = rendered_groups(
        fixture_chart,
        {
            "prometheusRule": {
                "alertOverrides": overrides,
                "thresholds": {"rolloutDurationSeconds": 1},
            }
        },
    )
    expected = copy.deepcopy(FIXTURE_GROUPS)
    stalled = alerts(expected)["RolloutStalled"]
    stalled["for"] = "15m"
    stalled["labels"] = {"severity": "warning", "team": "payments"}
    stalled["annotations"]["summary"] = "Stalled."
    too_long = alerts(expected)["RolloutTooLong"]
    too_long["expr"] = "vector(1)"  # an explicit expression wins over the threshold
    too_long["keep_firing_for"] = "5m"
    assert groups == expected


def test_additional_rule_labels_and_annotations_reach_every_alert_but_not_over_its_own(
    fixture_chart: Path,
) -> None:
    groups = rendered_groups(
        fixture_chart,
        {
            "prometheusRule": {
                "additionalRuleLabels": {"team": "platform", "severity": "none"},
                "additionalRuleAnnotations": {"dashboard": "https://grafana.example.com/d/x"},
            }
        },
    )
    expected = copy.deepcopy(FIXTURE_GROUPS)
    for rule in alerts(expected).values():
        rule["labels"] = {"team": "platform", "severity": "none"} | rule.get("labels", {})
        rule["annotations"] = {"dashboard": "https://grafana.example.com/d/x"} | rule.get(
            "annotations", {}
        )
    assert groups == expected
    recording = [rule for group in groups for rule in group["rules"] if "record" in rule]
    assert all("labels" not in rule for rule in recording)


@pytest.mark.parametrize("field", ["disabledAlerts", "alertOverrides"])
def test_naming_an_alert_the_chart_does_not_ship_fails(fixture_chart: Path, field: str) -> None:
    value: Any = ["RolloutToLong"] if field == "disabledAlerts" else {"RolloutToLong": {}}
    with pytest.raises(
        helm.HelmRenderError,
        match=f'prometheusRule.{field}: the chart ships no alert "RolloutToLong"',
    ):
        render(fixture_chart, {"prometheusRule": {field: value}})


def test_a_rule_file_that_drifts_from_its_threshold_binding_fails_to_render(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "sources"
    shutil.copytree(FIXTURES / "rules", rules)
    path = rules / "rollouts.yaml"
    path.write_text(path.read_text().replace("> 600", "> 900"))
    chart = make_repository(tmp_path / "repo", rules=rules, dashboards=None)
    with pytest.raises(helm.HelmRenderError, match="should compare `> 600` exactly once"):
        render(chart)


def test_a_rule_file_without_a_list_of_groups_fails_to_render(tmp_path: Path) -> None:
    rules = tmp_path / "sources"
    rules.mkdir()
    (rules / "odd.yaml").write_text("groups:\n  name: not-a-list\n")
    chart = make_repository(tmp_path / "repo", rules=rules, dashboards=None)
    with pytest.raises(helm.HelmRenderError, match="is not a Prometheus rule file"):
        render(chart)


def test_thresholds_are_documented_bound_and_default_to_the_shipped_literal() -> None:
    bindings = threshold_bindings()
    values = yaml.safe_load((CHART / "values.yaml").read_text())["prometheusRule"]["thresholds"]
    schema = json.loads((CHART / "values.schema.json").read_text())
    declared = schema["properties"]["prometheusRule"]["properties"]["thresholds"]["properties"]
    assert set(bindings) == set(values) == set(declared)
    for name, binding in bindings.items():
        assert values[name] == binding["shipped"], name
        fixture = alerts(FIXTURE_GROUPS)[binding["alert"]]
        assert f"{binding['operator']} {binding['shipped']}" in fixture["expr"]


def test_every_threshold_binds_an_alert_of_rules_dir() -> None:
    shipped = alerts(source_groups(rule_documents(REPO / "rules")))
    if not shipped:
        pytest.skip("rules/ has no alerts yet; the fixture rules stand in for them")
    for name, binding in threshold_bindings().items():
        assert binding["alert"] in shipped, (
            f"prometheusRule.thresholds.{name} is bound to alert {binding['alert']}, which "
            "rules/ does not define: update rollout-exporter.ruleThresholds in _rules.tpl"
        )


def test_the_pagerduty_route_matches_exactly_this_charts_critical_alerts(
    fixture_chart: Path,
) -> None:
    values = {
        "alertmanagerConfig": {
            "enabled": True,
            "pagerduty": {"routingKeySecret": {"name": "pagerduty", "key": "routing-key"}},
        }
    }
    config = render(fixture_chart, values).one("AlertmanagerConfig")["spec"]
    matchers = {m["name"]: m for m in config["route"]["matchers"]}
    assert matchers["severity"] == {"name": "severity", "matchType": "=", "value": "critical"}
    assert matchers["alertname"]["matchType"] == "=~"
    pattern = re.compile(matchers["alertname"]["value"])  # Alertmanager anchors the regex
    for name in alerts(FIXTURE_GROUPS):
        assert pattern.fullmatch(name)
    for other in ("KubePodCrashLooping", "RolloutTooLongX", "Rollout"):
        assert not pattern.fullmatch(other)
    (receiver,) = config["receivers"]
    assert receiver["name"] == config["route"]["receiver"]
    assert receiver["pagerdutyConfigs"][0]["routingKey"] == {
        "name": "pagerduty",
        "key": "routing-key",
    }


def test_no_pagerduty_route_while_the_chart_ships_no_alerts(tmp_path: Path) -> None:
    chart = make_repository(tmp_path, rules=None, dashboards=None)
    values = {
        "alertmanagerConfig": {
            "enabled": True,
            "pagerduty": {"routingKeySecret": {"name": "pagerduty", "key": "routing-key"}},
        }
    }
    rendered = render(chart, values)
    assert rendered.of_kind("AlertmanagerConfig") == []
    assert rendered.of_kind("PrometheusRule") == []
    assert "ships no alerts to route" in rendered.notes
    assert "ships no rule files" in rendered.notes
