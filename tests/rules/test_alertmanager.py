"""rules/alertmanager/alertmanager.yml: valid for Alertmanager 0.25, critical alerts page
through PagerDuty Events v2, the rest go to chat, and the 5xx page holds back the lesser
alerts of its workload. tests/e2e runs the same file in a real Alertmanager."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.rules.rulefiles import ALERTMANAGER_EXAMPLE, alerts, run_tool

PAGERDUTY_SEVERITIES = {"critical", "error", "warning", "info"}
WORKLOAD = {"namespace": "shop", "workload_kind": "Deployment", "workload": "web"}
MATCHER = re.compile(r'(?P<name>\w+)(?P<op>=~|!~|!=|=)"(?P<value>.*)"')


def config() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(ALERTMANAGER_EXAMPLE.read_text())
    return document


def receiver(name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in config()["receivers"] if r["name"] == name]
    (only,) = found
    return only


def matches(matchers: list[str], labels: dict[str, str]) -> bool:
    """Alertmanager's matcher semantics: regular expressions are anchored."""
    for text in matchers:
        parsed = MATCHER.fullmatch(text)
        assert parsed, f"unexpected matcher syntax {text!r}"
        value = labels.get(parsed["name"], "")
        hit = {
            "=": value == parsed["value"],
            "!=": value != parsed["value"],
            "=~": re.fullmatch(parsed["value"], value) is not None,
            "!~": re.fullmatch(parsed["value"], value) is None,
        }[parsed["op"]]
        if not hit:
            return False
    return True


def labels_of(alert: str, **more: str) -> dict[str, str]:
    return {"alertname": alert, "severity": alerts()[alert]["labels"]["severity"], **more}


def test_amtool_check_config_is_clean() -> None:
    assert "SUCCESS" in run_tool("amtool", "check-config", str(ALERTMANAGER_EXAMPLE))


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_critical_alerts_page_through_pagerduty_and_the_rest_go_to_chat(alert: str) -> None:
    labels = labels_of(alert, **WORKLOAD)
    expected = "pagerduty" if labels["severity"] == "critical" else "chat"
    routed = run_tool(
        "amtool",
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_EXAMPLE}",
        f"--verify.receivers={expected}",
        *(f"{name}={value}" for name, value in labels.items()),
    )
    assert routed.split() == [expected]


def test_pagerduty_reads_the_routing_key_from_a_file_and_sends_a_valid_severity() -> None:
    (pagerduty,) = receiver("pagerduty")["pagerduty_configs"]
    assert pagerduty["routing_key_file"].startswith("/")
    assert not {"routing_key", "service_key", "service_key_file"} & set(pagerduty)
    assert pagerduty["severity"] in PAGERDUTY_SEVERITIES
    assert "url" not in pagerduty, "the example sends to PagerDuty's own Events v2 endpoint"
    assert "summary" in pagerduty["description"]


def test_notifications_are_grouped_per_workload() -> None:
    assert config()["route"]["group_by"] == ["namespace", "workload_kind", "workload"]


@pytest.mark.parametrize("alert", sorted(alerts()))
def test_the_5xx_page_holds_back_exactly_the_lesser_alerts_of_its_workload(alert: str) -> None:
    (rule,) = config()["inhibit_rules"]
    source = labels_of("RolloutIngress5xxDuringRollout", **WORKLOAD)
    assert matches(rule["source_matchers"], source)
    assert set(rule["equal"]) == set(WORKLOAD)

    target = labels_of(alert, **WORKLOAD)
    lesser = target["severity"] != "critical"
    assert matches(rule["target_matchers"], target) == lesser
    if alert != "RolloutIngress5xxDuringRollout":
        assert not matches(rule["source_matchers"], target)


def test_the_5xx_page_holds_back_nothing_of_other_components() -> None:
    (rule,) = config()["inhibit_rules"]
    other = {"alertname": "KubePodCrashLooping", "severity": "warning", **WORKLOAD}
    assert not matches(rule["target_matchers"], other)
