"""The validators the matrix relies on do reject what the API server would reject."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.helm.chart import CRD_FILES, DATA, render, validation_errors


@pytest.fixture(scope="module")
def objects(fixture_chart: Path) -> dict[str, dict[str, Any]]:
    values = {
        "alertmanagerConfig": {
            "enabled": True,
            "pagerduty": {"routingKeySecret": {"name": "pagerduty", "key": "routing-key"}},
        }
    }
    return {obj["kind"]: obj for obj in render(fixture_chart, values).objects}


def broken(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(obj)
    *parents, last = path.split(".")
    node = changed
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(last) if last.isdigit() else last] = value
    return changed


@pytest.mark.parametrize(
    ("kind", "path", "value", "complaint"),
    [
        (
            "Deployment",
            "spec.template.spec.containers.0.securityContext.readOnly",
            True,
            "'readOnly' was unexpected",
        ),
        ("Deployment", "spec.replicas", "one", "is not of type 'integer'"),
        ("ClusterRole", "rules.0.verb", ["get"], "'verb' was unexpected"),
        ("ServiceMonitor", "spec.endpoints.0.interval", "-30s", "does not match"),
        ("ServiceMonitor", "spec.endpoints.0.honorLabel", True, "'honorLabel' was unexpected"),
        ("PrometheusRule", "spec.groups.0.rules.0.for", "ten minutes", "does not match"),
        (
            "PrometheusRule",
            "spec.groups.0.rules.0.severity",
            "critical",
            "'severity' was unexpected",
        ),
        ("AlertmanagerConfig", "spec.route.matchers.0.matchType", "==", "is not one of"),
        ("ConfigMap", "metadata.name", "Rollout_Overview", "is not a valid ConfigMap name"),
        ("Service", "metadata.labels.team", "a" * 64, "is not a valid label value"),
    ],
)
def test_a_mistake_in_a_rendered_object_is_reported(
    objects: dict[str, dict[str, Any]], kind: str, path: str, value: Any, complaint: str
) -> None:
    assert list(validation_errors(objects[kind])) == []
    errors = list(validation_errors(broken(objects[kind], path, value)))
    assert any(complaint in error for error in errors), errors


@pytest.mark.parametrize("crd", sorted(CRD_FILES.values()))
def test_each_crd_schema_names_its_source_release(crd: str) -> None:
    source = json.loads((DATA / "crds" / f"{crd}.json").read_text())["source"]
    assert source["repository"] == "prometheus-operator/prometheus-operator"
    assert source["tag"].startswith("v")
    assert len(source["commit"]) == 40
    assert source["path"].endswith(f"{crd}.yaml")
