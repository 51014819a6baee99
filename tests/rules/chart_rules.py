"""The rules as the Helm chart renders them, threshold overrides applied by Helm itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helm.chart import render
from tests.helm.conftest import make_repository
from tests.rules.rulefiles import RULES


def chart_rule_groups(
    workdir: Path, thresholds: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    """spec.groups of the PrometheusRule the chart renders from this repository's rules/,
    with `prometheusRule.thresholds` set to `thresholds`; a Prometheus rule file body."""
    chart = make_repository(workdir, rules=RULES, dashboards=None)
    values = {"prometheusRule": {"thresholds": thresholds}} if thresholds else None
    (rule,) = render(chart, values).of_kind("PrometheusRule")
    groups: list[dict[str, Any]] = rule["spec"]["groups"]
    return groups
