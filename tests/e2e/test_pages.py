"""The page the on-call engineer gets, end to end with the real Prometheus and Alertmanager.

One stack for the module (tests/e2e/stack.py): the simulated cluster plays, all at once, a
rollout stuck on a failing readiness probe (e2e-stuck), a clean rollout (e2e-clean) and
the stuck rollout again in a control namespace whose start timestamp the control scrape
job drops (e2e-control-stuck). The exporter watches them; Prometheus scrapes it every
second and evaluates the shipped rules, rendered by the Helm chart with the documented
threshold override at 10 simulated minutes; Alertmanager runs the example configuration
against local stand-ins for PagerDuty's Events API v2 and for chat.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from exporter.loopback.receivers import Received
from exporter.sim.scenarios.phases import NEXT
from tests.e2e.stack import (
    CLEAN,
    CONTROL_INGRESS,
    CONTROL_STUCK,
    INGRESS,
    PLAYS,
    ROLLOUT_DURATION_THRESHOLD,
    ROUTING_KEY,
    SETTLE,
    STUCK,
    Stack,
    running_stack,
    settle_after,
)
from tests.rules.rulefiles import RUNBOOK_BASE

pytestmark = pytest.mark.asyncio(loop_scope="module")

PAGERDUTY_SEVERITIES = {"critical", "error", "warning", "info"}
PAGE_WITHIN = ROLLOUT_DURATION_THRESHOLD + 30.0
"""Wall seconds from the stack being up to the stuck rollout's page, with ample slack."""


@dataclass(frozen=True)
class Rollout:
    revision: str
    started: float
    """rollout_started_timestamp_seconds as Prometheus scraped it."""


def summary(event: Received) -> str:
    text: str = event.body["payload"]["summary"]
    return text


def alert_summary(event: Received, containing: str) -> str:
    """The summary of one alert of a page: the example joins the summaries of a workload's
    firing critical alerts with " | " into the incident's title."""
    (found,) = [part for part in summary(event).split(" | ") if containing in part]
    return found


def chat_alerts(event: Received) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = event.body["alerts"]
    return alerts


def pages_about(namespace: str) -> Callable[[Received], bool]:
    return lambda event: f" {namespace}/" in summary(event)


def chat_about(namespace: str, alertname: str | None = None) -> Callable[[Received], bool]:
    def about(event: Received) -> bool:
        return any(
            alert["labels"].get("namespace") == namespace
            and alertname in (None, alert["labels"]["alertname"])
            for alert in chat_alerts(event)
        )

    return about


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path_factory.mktemp("e2e")) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stuck_page(stack: Stack) -> Received:
    return await stack.receivers.pagerduty.wait_for(
        pages_about(STUCK), within=PAGE_WITHIN, what=f"a page about {STUCK}/web"
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stuck_rollout(stack: Stack, stuck_page: Received) -> Rollout:
    (series,) = await stack.prometheus.query(
        f'rollout_started_timestamp_seconds{{namespace="{STUCK}"}}'
    )
    return Rollout(series["metric"]["revision"], float(series["value"][1]))


async def test_a_rollout_stuck_past_the_threshold_pages_with_workload_revision_and_image(
    stuck_page: Received, stuck_rollout: Rollout
) -> None:
    event = stuck_page.body
    assert event["event_action"] == "trigger"
    assert event["routing_key"] == ROUTING_KEY
    assert re.fullmatch(r"[0-9a-f]{64}", event["dedup_key"])
    payload = event["payload"]
    assert payload["severity"] == "critical"
    assert payload["severity"] in PAGERDUTY_SEVERITIES
    assert payload["class"] == "RolloutTooLong"
    assert re.fullmatch(
        rf"Rollout of Deployment {STUCK}/web to revision {stuck_rollout.revision} "
        rf"\({re.escape(NEXT)}\) has been in progress for [0-9.]+s\.",
        payload["summary"],
    )
    assert payload["custom_details"]["revision"] == stuck_rollout.revision
    assert payload["custom_details"]["images"] == NEXT
    assert event["links"] == [{"href": f"{RUNBOOK_BASE}RolloutTooLong.md", "text": "Runbook"}]


async def test_the_page_comes_at_the_threshold_not_at_the_progress_deadline(
    stack: Stack, stuck_page: Received, stuck_rollout: Rollout
) -> None:
    threshold_passed = stuck_rollout.started + ROLLOUT_DURATION_THRESHOLD
    assert threshold_passed < stuck_page.at < threshold_passed + SETTLE
    # The progress deadline (120 simulated seconds, 2 wall seconds) passed long before:
    # it stalled the rollout, which went to chat as a warning.
    stalled = await stack.receivers.chat.wait_for(
        chat_about(STUCK, "RolloutStalled"), within=1.0, what=f"RolloutStalled of {STUCK}"
    )
    assert stalled.at < threshold_passed


async def test_warnings_go_to_chat_and_only_critical_alerts_page(
    stack: Stack, stuck_page: Received
) -> None:
    await settle_after(stuck_page.at)
    in_chat = [alert for event in stack.receivers.chat.received for alert in chat_alerts(event)]
    assert {alert["labels"]["severity"] for alert in in_chat} == {"warning"}
    assert {alert["labels"]["alertname"] for alert in in_chat} == {"RolloutStalled"}
    pages = stack.receivers.pagerduty.received
    assert {event.body["payload"]["severity"] for event in pages} == {"critical"}


async def test_a_stuck_rollout_pages_once(stack: Stack, stuck_page: Received) -> None:
    await settle_after(stuck_page.at)
    assert stack.receivers.pagerduty.matching(pages_about(STUCK)) == [stuck_page]


async def test_a_clean_rollout_raises_no_alert_and_pages_nobody(
    stack: Stack, stuck_page: Received
) -> None:
    await settle_after(stuck_page.at)  # when it would have paged, had it been stuck too
    # Prometheus saw it roll out: the first deploy of web:1.0, then the update to 1.1.
    completed = await stack.prometheus.query(
        f'rollout_duration_seconds_count{{namespace="{CLEAN}", outcome="completed"}}'
    )
    assert [float(series["value"][1]) for series in completed] == [2.0]
    current = await stack.prometheus.query(
        f'rollout_revision_info{{namespace="{CLEAN}", role="current"}}'
    )
    assert [series["metric"]["images"] for series in current] == [NEXT]
    assert (
        await stack.prometheus.query(f'count_over_time(ALERTS{{namespace="{CLEAN}"}}[10m])') == []
    )
    assert not stack.receivers.pagerduty.matching(lambda event: event.mentions(CLEAN))
    assert not stack.receivers.chat.matching(lambda event: event.mentions(CLEAN))


async def test_without_the_exported_start_the_same_stuck_rollout_does_not_page(
    stack: Stack, stuck_page: Received
) -> None:
    """Negative control: the page depends on what the exporter exports."""
    await settle_after(stuck_page.at)
    selector = f'{{namespace="{CONTROL_STUCK}"}}'
    # The control rollout is just as stuck, and the exporter exports its start ...
    assert [
        s["value"][1] for s in await stack.prometheus.query(f"rollout_in_progress{selector}")
    ] == ["1"]
    assert [s["value"][1] for s in await stack.prometheus.query(f"rollout_stalled{selector}")] == [
        "1"
    ]
    assert f'rollout_started_timestamp_seconds{{namespace="{CONTROL_STUCK}"' in (
        await stack.exporter_metrics()
    )
    # ... but the control job drops it before Prometheus stores it: no RolloutTooLong.
    assert await stack.prometheus.query(f"rollout_started_timestamp_seconds{selector}") == []
    too_long = f'ALERTS{{alertname="RolloutTooLong", namespace="{CONTROL_STUCK}"}}'
    assert await stack.prometheus.query(f"count_over_time({too_long}[10m])") == []
    assert not stack.receivers.pagerduty.matching(pages_about(CONTROL_STUCK))


async def test_502s_during_a_rollout_page_naming_the_revision_and_the_cause(stack: Stack) -> None:
    """Ingress 5xx attributed to a rollout page once; the control without them does not.

    INGRESS plays ingress_502_rollout (old Pods hit after termination, access and error
    lines through the simulated log endpoint) in the ingress cluster, whose exporter
    follows the controller's log; CONTROL_INGRESS is its copy made by the control job,
    which drops rollout_ingress_5xx_total.
    """
    assert INGRESS in PLAYS, "no scenario sends ingress traffic through the stack yet"
    page = await stack.receivers.pagerduty.wait_for(
        lambda event: pages_about(INGRESS)(event) and "serves 5xx" in summary(event),
        within=120.0,
        what=f"RolloutIngress5xxDuringRollout of {INGRESS}/web",
    )
    (current,) = await stack.prometheus.query(
        f'rollout_revision_info{{namespace="{INGRESS}", workload="web", role="current"}}'
    )
    assert page.body["event_action"] == "trigger"
    assert page.body["payload"]["severity"] == "critical"
    assert re.fullmatch(
        rf"Deployment {INGRESS}/web serves 5xx while revision {current['metric']['revision']} "
        rf"\({re.escape(current['metric']['images'])}\) rolls out: mostly cause=(?!app)\w+ "
        r"from \w+ Pods( of revision [\w-]+)?\.",
        alert_summary(page, "serves 5xx"),
    )
    await settle_after(page.at)
    assert not stack.receivers.pagerduty.matching(pages_about(CONTROL_INGRESS))
    # While the page fires, the workload's lesser alerts (its lifecycle risk) are held back.
    assert not stack.receivers.chat.matching(chat_about(INGRESS))
