"""How the demo prints what Alertmanager sends: a PagerDuty event as the on-call engineer's
incident shows it, a chat notification as one line per alert; bodies missing fields print
with "?" rather than failing the demo."""

from __future__ import annotations

import time
from typing import Any

import pytest

from exporter.loopback.pages import WIDTH, format_chat, format_page

AT = time.mktime((2026, 11, 23, 3, 14, 33, 0, 0, -1))
RUNBOOK = (
    "https://github.com/rollout-exporter/rollout-exporter/blob/main/docs/runbooks/"
    "RolloutIngress5xxDuringRollout.md"
)

TRIGGER: dict[str, Any] = {
    # As Alertmanager 0.25 sends it with rules/alertmanager/alertmanager.yml.
    "routing_key": "0123456789abcdef0123456789abcdef",
    "dedup_key": "33b7c9a47f7486a0956fe1f84beb063d4d681ef4c3da2540415fb2573ac4c60d",
    "event_action": "trigger",
    "payload": {
        "summary": "Deployment shop/web serves 5xx while revision 6fb9b8f66f "
        "(registry.example/web:1.1) rolls out: mostly cause=refused from terminating Pods "
        "of revision 6bf5d6dbfb.",
        "source": "Alertmanager",
        "severity": "critical",
        "class": "RolloutIngress5xxDuringRollout",
        "component": "Deployment/web",
        "group": "shop",
        "custom_details": {
            "firing": f"RolloutIngress5xxDuringRollout: 0.20/s of the requests ... ({RUNBOOK}) ",
            "resolved": "",
            "namespace": "shop",
            "workload": "Deployment/web",
            "revision": "6fb9b8f66f",
            "images": "registry.example/web:1.1",
        },
    },
    "links": [{"href": RUNBOOK, "text": "Runbook"}],
}

RESOLVE: dict[str, Any] = {
    "dedup_key": TRIGGER["dedup_key"],
    "event_action": "resolve",
    "payload": {
        "summary": "Resolved: Deployment shop/web serves 5xx ...",
        "severity": "critical",
        "class": "RolloutIngress5xxDuringRollout",
        "component": "Deployment/web",
        "group": "shop",
        "custom_details": {"firing": "", "resolved": "RolloutIngress5xxDuringRollout "},
    },
    "links": [{"href": RUNBOOK, "text": "Runbook"}],
}


def test_a_trigger_reads_like_the_incident() -> None:
    lines = format_page(TRIGGER, AT).splitlines()
    assert lines[0].startswith("━━ PagerDuty TRIGGER · critical · 03:14:33 ━━")
    assert len(lines[0]) == WIDTH
    assert lines[1:3] == [
        "Deployment shop/web serves 5xx while revision 6fb9b8f66f (registry.example/web:1.1) "
        "rolls out:",
        "mostly cause=refused from terminating Pods of revision 6bf5d6dbfb.",
    ]
    assert lines[3:6] == [
        "  alert     RolloutIngress5xxDuringRollout",
        "  workload  shop Deployment/web",
        "  revision  6fb9b8f66f (registry.example/web:1.1)",
    ]
    assert lines[6] == ("  details   RolloutIngress5xxDuringRollout: 0.20/s of the requests ...")
    assert lines[7] == f"            ({RUNBOOK})"  # a URL is never broken
    assert lines[8:] == [
        f"  runbook   {RUNBOOK}",
        f"  incident  dedup_key {TRIGGER['dedup_key']}",
    ]


def test_a_resolve_has_no_details_and_the_same_incident_key() -> None:
    text = format_page(RESOLVE, AT)
    assert text.startswith("━━ PagerDuty RESOLVE · critical · 03:14:33 ")
    assert "details" not in text
    assert text.endswith(f"  incident  dedup_key {TRIGGER['dedup_key']}")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"payload": None, "links": None},
        {"payload": {"custom_details": None}, "links": ["not a link"]},
        {"event_action": 7, "payload": {"summary": 7}},
    ],
    ids=["empty", "nulls", "wrong shapes", "wrong types"],
)
def test_a_malformed_page_prints_question_marks(body: dict[str, Any]) -> None:
    lines = format_page(body, AT).splitlines()
    assert lines[0].startswith("━━ PagerDuty ")
    assert "  alert     ?" in lines
    assert "  revision  ? (?)" in lines


def test_chat_prints_one_line_per_alert_with_status_and_severity() -> None:
    body = {
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "RolloutStalled", "severity": "warning"},
                "annotations": {"summary": "Rollout of Deployment shop/web stalled."},
            },
            {
                "status": "resolved",
                "labels": {"alertname": "RolloutLifecycleRisk", "severity": "info"},
                "annotations": {},
            },
            "not an alert",
        ],
    }
    assert format_chat(body, AT).splitlines() == [
        "chat 03:14:33 FIRING warning RolloutStalled: Rollout of Deployment shop/web stalled.",
        "chat 03:14:33 RESOLVED info RolloutLifecycleRisk: (no summary)",
    ]


def test_names_and_urls_are_never_broken_across_lines() -> None:
    name = "rollout-stuck-readiness-series/web"
    body = {
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "RolloutStalled", "severity": "warning"},
                "annotations": {"summary": f"Rollout of Deployment {name} to revision 6fb9b8f66f"},
            }
        ]
    }
    assert name in format_chat(body, AT).split()


def test_a_chat_body_without_alerts_prints_nothing() -> None:
    assert format_chat({"alerts": None}, AT) == ""
