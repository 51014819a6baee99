"""NOTES.txt says what to check first; the chart README documents every value."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.helm.chart import CHART, NAMESPACE, render, value_sets


def test_notes_start_with_readiness_rbac_and_the_servicemonitor_release_label() -> None:
    notes = render().notes
    checks = [
        "/readyz",
        "rollout_exporter_resource_available",
        "release=kube-prometheus-stack",
        "serviceMonitorSelector",
    ]
    positions = [notes.index(check) for check in checks]
    assert positions == sorted(positions)
    assert f"kubectl -n {NAMESPACE} rollout status deployment/rex-rollout-exporter" in notes


def test_notes_follow_the_values(fixture_chart: Path) -> None:
    notes = render(fixture_chart, value_sets()["everything"]).notes
    assert "release=prometheus" in notes
    assert "the namespaces shop, payments, ingress-nginx" in notes
    assert "alertmanagerConfigMatcherStrategy" in notes
    assert "pod logs in namespace ingress-nginx only" in notes
    off = render(fixture_chart, value_sets()["monitoring-off"]).notes
    assert "serviceMonitor.enabled is false" in off


def leaves(values: Any, prefix: str = "") -> set[str]:
    if isinstance(values, dict) and values:
        return {leaf for key, value in values.items() for leaf in leaves(value, f"{prefix}{key}.")}
    return {prefix.rstrip(".")}


def test_the_chart_readme_lists_every_value() -> None:
    readme = (CHART / "README.md").read_text()
    documented = set(re.findall(r"^\| `([^`]+)` \|", readme, re.M))
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    missing = {
        leaf
        for leaf in leaves(values)
        if not any(leaf == key or leaf.startswith(f"{key}.") for key in documented)
    }
    assert missing == set()
    assert documented <= leaves(values) | {
        key for key in documented if any(leaf.startswith(f"{key}.") for leaf in leaves(values))
    }
