"""The documented override of the rollout duration threshold, through the real chart."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.rules.chart_rules import chart_rule_groups
from tests.rules.rulefiles import RULE_FILES, groups


def shipped_groups() -> list[dict[str, Any]]:
    return [group for path in RULE_FILES for group in groups(path)]


def test_by_default_the_chart_ships_the_rules_unchanged(tmp_path: Path) -> None:
    assert chart_rule_groups(tmp_path) == shipped_groups()


def test_rollout_duration_seconds_replaces_the_600_of_rollout_too_long_and_nothing_else(
    tmp_path: Path,
) -> None:
    rendered = chart_rule_groups(tmp_path, {"rolloutDurationSeconds": 900})

    expected = copy.deepcopy(shipped_groups())
    changed = 0
    for group in expected:
        for rule in group["rules"]:
            if rule.get("alert") == "RolloutTooLong":
                rule["expr"] = rule["expr"].replace(
                    "rollout_started_timestamp_seconds > 600",
                    "rollout_started_timestamp_seconds > 900",
                )
                changed += 1
    assert changed == 1
    assert rendered == expected
