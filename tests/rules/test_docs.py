"""docs/alerts.md and docs/runbooks/ describe exactly the alerts the rules define."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.rules.rulefiles import ALERTS_DOC, REPO, RUNBOOKS, alerts

SECTIONS = (
    "## What it means",
    "## Triage (30 seconds)",
    "## Roll back, roll forward or hotfix",
    "## Lasting fixes",
)
README = REPO / "README.md"


def table_row(runbooks: str) -> re.Pattern[str]:
    """A row of an alert table whose runbook links start with `runbooks`."""
    return re.compile(
        rf"^\| \[(?P<alert>\w+)\]\({re.escape(runbooks)}(?P<file>\w+)\.md\) \| "
        r"(?P<severity>\w+) \| (?P<for>\w+) \| (?P<meaning>[^|]+) \|$",
        re.MULTILINE,
    )


TABLE_ROW = table_row("runbooks/")
THRESHOLD_ROW = re.compile(
    r"^\| (?P<alert>Rollout\w+) \| [^|]+ \| `(?P<comparison>[<>] [0-9.]+)` \|$", re.MULTILINE
)


def alert_table(text: str = "", row: re.Pattern[str] = TABLE_ROW) -> dict[str, dict[str, str]]:
    text = text or ALERTS_DOC.read_text()
    return {found["alert"]: found.groupdict() for found in row.finditer(text)}


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


def readme_alert_table() -> dict[str, dict[str, str]]:
    """The table of the README's "Alerts" section, whose links go to docs/runbooks/."""
    section = README.read_text().split("\n## Alerts\n", 1)[1].split("\n## ", 1)[0]
    return alert_table(section, table_row("docs/runbooks/"))


@pytest.mark.parametrize("table", [alert_table, readme_alert_table], ids=["docs", "README"])
def test_the_alert_table_lists_every_alert_with_its_severity_and_for(
    table: Callable[[], dict[str, dict[str, str]]],
) -> None:
    rows = table()
    assert set(rows) == set(alerts())
    for name, row in rows.items():
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
