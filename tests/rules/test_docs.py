"""docs/alerts.md and docs/runbooks/ describe exactly the alerts the rules define."""

from __future__ import annotations

import re

import pytest

from tests.rules.rulefiles import ALERTS_DOC, RUNBOOKS, alerts

SECTIONS = (
    "## What it means",
    "## Triage (30 seconds)",
    "## Roll back, roll forward or hotfix",
    "## Lasting fixes",
)
TABLE_ROW = re.compile(
    r"^\| \[(?P<alert>\w+)\]\(runbooks/(?P<file>\w+)\.md\) \| (?P<severity>\w+) \| "
    r"(?P<for>\w+) \| (?P<meaning>[^|]+) \|$",
    re.MULTILINE,
)
THRESHOLD_ROW = re.compile(
    r"^\| (?P<alert>Rollout\w+) \| [^|]+ \| `(?P<comparison>[<>] [0-9.]+)` \|$", re.MULTILINE
)


def alert_table() -> dict[str, dict[str, str]]:
    return {row["alert"]: row.groupdict() for row in TABLE_ROW.finditer(ALERTS_DOC.read_text())}


def test_every_alert_has_a_runbook_and_every_runbook_an_alert() -> None:
    assert {path.stem for path in RUNBOOKS.glob("*.md")} == set(alerts())


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_a_runbook_says_what_it_means_how_to_triage_what_to_decide_and_what_to_fix(
    alert: str,
) -> None:
    text = (RUNBOOKS / f"{alert}.md").read_text()
    assert text.startswith(f"# {alert}\n")
    positions = [text.find(section + "\n") for section in SECTIONS]
    assert -1 not in positions, f"{alert}.md lacks one of {SECTIONS}"
    assert positions == sorted(positions)
    assert "kubectl " in text, "the triage names the command to run"
    severity = alerts()[alert]["labels"]["severity"]
    assert f"**Severity:** {severity}" in text


def test_the_alert_table_lists_every_alert_with_its_severity_and_for() -> None:
    table = alert_table()
    assert set(table) == set(alerts())
    for name, row in table.items():
        rule = alerts()[name]
        assert row["file"] == name
        assert row["severity"] == rule["labels"]["severity"], name
        assert row["for"] == rule.get("for", "0m"), name


def test_the_severity_policy_defines_every_severity_in_use() -> None:
    policy = ALERTS_DOC.read_text().split("## Severity policy", 1)[1].split("\n## ", 1)[0]
    for severity in {rule["labels"]["severity"] for rule in alerts().values()}:
        assert f"| `{severity}` |" in policy


def test_the_documented_default_thresholds_are_the_ones_in_the_expressions() -> None:
    documented = [row.groupdict() for row in THRESHOLD_ROW.finditer(ALERTS_DOC.read_text())]
    assert len(documented) >= 5
    for row in documented:
        assert row["comparison"] in alerts()[row["alert"]]["expr"], row
