"""The repository's rule files, their promtool suites, and the tools that check them.

Shared by tests/rules and tests/e2e, which read the same rules/ the Helm chart ships.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from exporter.rollout.families import ALL_FAMILIES

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"
RULE_FILES = sorted(p for p in RULES.iterdir() if p.suffix in (".yaml", ".yml"))
"""Rule files directly in rules/: what scripts/sync-chart copies into the chart."""
PROMTOOL_SUITES = sorted((RULES / "tests").glob("*.yaml"))
ALERTMANAGER_EXAMPLE = RULES / "alertmanager" / "alertmanager.yml"
RUNBOOKS = REPO / "docs" / "runbooks"
ALERTS_DOC = REPO / "docs" / "alerts.md"
RUNBOOK_BASE = "https://github.com/rollout-exporter/rollout-exporter/blob/main/docs/runbooks/"

INGRESS_SAMPLES = {
    # Exported by the ingress attribution (issue 5); the rules are written against them.
    "rollout_ingress_requests_total": (
        "namespace",
        "workload_kind",
        "workload",
        "revision",
        "status",
    ),
    "rollout_ingress_5xx_total": (
        "namespace",
        "workload_kind",
        "workload",
        "revision",
        "pod_state",
        "cause",
        "during_rollout",
    ),
}

Rule = dict[str, Any]


def tool(name: str, *other_names: str) -> str:
    """The path of a Prometheus/Alertmanager tool; its absence fails the test."""
    for candidate in (name, *other_names):
        path = shutil.which(candidate)
        if path:
            return path
    pytest.fail(
        f"{name} is required: scripts/test installs Debian's prometheus and "
        "prometheus-alertmanager (apt-get install --no-install-recommends)"
    )


def run_tool(*argv: str, cwd: Path | None = None, timeout: float = 60) -> str:
    """Run a Prometheus/Alertmanager tool (`argv[0]` found with `tool`); its stdout, after
    asserting it succeeded (the failure shows both outputs)."""
    result = subprocess.run(
        [tool(argv[0]), *argv[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def groups(path: Path) -> list[dict[str, Any]]:
    document = yaml.safe_load(path.read_text())
    found: list[dict[str, Any]] = document["groups"]
    return found


def rules() -> list[Rule]:
    return [rule for path in RULE_FILES for group in groups(path) for rule in group["rules"]]


def alerts() -> dict[str, Rule]:
    return {rule["alert"]: rule for rule in rules() if "alert" in rule}


def recordings() -> dict[str, Rule]:
    return {rule["record"]: rule for rule in rules() if "record" in rule}


def sample_labels() -> dict[str, tuple[str, ...]]:
    """Every sample name the exporter's rollout families expose, with its label names."""
    names: dict[str, tuple[str, ...]] = {}
    for spec in ALL_FAMILIES:
        if spec.type == "histogram":
            names[spec.name + "_bucket"] = (*spec.labels, "le")
            names[spec.name + "_count"] = spec.labels
            names[spec.name + "_sum"] = spec.labels
        else:
            names[spec.sample_name] = spec.labels
    return names


TEMPLATE_QUERY = re.compile(r"printf `([^`]*)`")


def template_queries(rule: Rule) -> list[str]:
    """The PromQL of the `query` calls in a rule's annotations, placeholders filled in."""
    text = " ".join(str(value) for value in rule.get("annotations", {}).values())
    return [query.replace("%q", '"x"').replace("%s", "x") for query in TEMPLATE_QUERY.findall(text)]


def selectors(expression: str) -> list[promql_parser.VectorSelector]:
    """Every vector selector of a PromQL expression, those inside range selectors too."""
    found: list[promql_parser.VectorSelector] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(promql_parser.parse(expression), visit)
    return found


def metric_name(selector: promql_parser.VectorSelector) -> str | None:
    if selector.name:
        return selector.name
    for matcher in selector.matchers.matchers:
        if matcher.name == "__name__" and matcher.op == promql_parser.MatchOp.Equal:
            return matcher.value
    return None
