"""values.schema.json: bad values fail at render time with a message naming them."""

from __future__ import annotations

import json
from typing import Any

import helm_python as helm
import pytest
import yaml

from tests.helm.chart import CHART, render, value_sets


@pytest.mark.parametrize(
    ("values", "message"),
    [
        # wrong types
        ({"replicaCount": "two"}, "/replicaCount"),
        ({"namespaces": "shop,payments"}, "/namespaces"),
        ({"serviceMonitor": {"enabled": "yes"}}, "/serviceMonitor/enabled"),
        ({"web": {"port": 98080}}, "/web/port"),
        ({"logLevel": "verbose"}, "/logLevel"),
        ({"commonLabels": {"team": 7}}, "/commonLabels/team"),
        (
            {"prometheusRule": {"disabledAlerts": "RolloutTooLong"}},
            "/prometheusRule/disabledAlerts",
        ),
        # unknown keys, at the top level and below
        ({"replicas": 2}, "additional properties 'replicas' not allowed"),
        ({"serviceMonitor": {"labels": {"a": "b"}}}, "additional properties 'labels'"),
        ({"prometheusRule": {"thresholds": {"rolloutSeconds": 60}}}, "rolloutSeconds"),
        (
            {"prometheusRule": {"alertOverrides": {"RolloutTooLong": {"severity": "x"}}}},
            "additional properties 'severity'",
        ),
        # negative intervals and thresholds
        ({"serviceMonitor": {"interval": "-30s"}}, "/serviceMonitor/interval"),
        ({"serviceMonitor": {"scrapeTimeout": "-1s"}}, "/serviceMonitor/scrapeTimeout"),
        ({"kube": {"watchTimeout": "-5m"}}, "/kube/watchTimeout"),
        ({"kube": {"backoffInitial": -1}}, "/kube/backoffInitial"),
        ({"alertmanagerConfig": {"repeatInterval": "-4h"}}, "/alertmanagerConfig/repeatInterval"),
        (
            {"prometheusRule": {"thresholds": {"rolloutDurationSeconds": -600}}},
            "/prometheusRule/thresholds/rolloutDurationSeconds",
        ),
        (
            {"prometheusRule": {"alertOverrides": {"RolloutTooLong": {"for": "-5m"}}}},
            "/prometheusRule/alertOverrides/RolloutTooLong/for",
        ),
        ({"probes": {"liveness": {"periodSeconds": -1}}}, "/probes/liveness/periodSeconds"),
        (
            {"prometheusRule": {"thresholds": {"rolloutDurationSeconds": None}}},
            "missing property 'rolloutDurationSeconds'",
        ),
        # what a feature needs when it is switched on
        ({"logSources": {"kubernetes": {"enabled": True}}}, "/logSources/kubernetes/namespace"),
        (
            {"alertmanagerConfig": {"enabled": True}},
            "/alertmanagerConfig/pagerduty/routingKeySecret/name",
        ),
        ({"serviceAccount": {"create": False}}, "/serviceAccount/name"),
        # values that would make invalid objects
        ({"namespaces": ["Shop"]}, "/namespaces/0"),
        ({"image": {"digest": "latest"}}, "/image/digest"),
        ({"extraArgs": ["run"]}, "/extraArgs/0"),
    ],
)
def test_invalid_values_fail_with_a_schema_error(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmValuesError) as failure:
        render(values=values)
    text = str(failure.value)
    assert "values don't meet the specifications of the schema" in text
    assert message in text


def test_lint_reports_a_schema_error_too() -> None:
    report = helm.lint(CHART, {"serviceMonitor": {"interval": "-30s"}}, strict=True)
    assert any("/serviceMonitor/interval" in error for error in report["errors"])


@pytest.mark.parametrize("scenario", value_sets())
def test_every_ci_value_set_is_valid(scenario: str) -> None:
    load = helm.Chart.load(CHART)
    with load as chart:
        chart.validate_schema(value_sets()[scenario])


def leaves(values: Any, prefix: str = "") -> set[str]:
    if isinstance(values, dict) and values:
        return {leaf for key, value in values.items() for leaf in leaves(value, f"{prefix}{key}.")}
    return {prefix.rstrip(".")}


def schema_paths(schema: dict[str, Any], definitions: dict[str, Any], prefix: str = "") -> set[str]:
    if "$ref" in schema:
        schema = definitions[schema["$ref"].rsplit("/", 1)[-1]]
    properties = schema.get("properties")
    if schema.get("type") != "object" or not properties:
        return {prefix.rstrip(".")}
    return {
        path
        for key, sub in properties.items()
        for path in schema_paths(sub, definitions, f"{prefix}{key}.")
    }


def test_the_schema_describes_exactly_the_keys_of_values_yaml() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    declared = schema_paths(schema, schema["definitions"]) - {"global"}
    # Free-form maps (labels, resources, affinity) end a declared path; their content is open.
    undeclared = {
        leaf
        for leaf in leaves(values)
        if not any(leaf == path or leaf.startswith(f"{path}.") for path in declared)
    }
    assert undeclared == set()
    assert {path for path in declared if not has_path(values, path)} == set()
    assert schema["additionalProperties"] is False


def has_path(values: Any, path: str) -> bool:
    for key in path.split("."):
        if not isinstance(values, dict) or key not in values:
            return False
        values = values[key]
    return True
