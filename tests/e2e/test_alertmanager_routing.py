"""The example Alertmanager configuration in a real Alertmanager 0.25, fed alerts shaped
like the shipped rules' through its API: what pages, what goes to chat, what the 5xx page
holds back, and how PagerDuty sees an incident open and resolve."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from exporter.loopback.alerting import running_alertmanager
from exporter.loopback.daemons import Daemon
from exporter.loopback.receivers import Received, Receivers
from tests.e2e.stack import ALERTMANAGER_TIMERS, ROUTING_KEY, settle_after
from tests.rules.rulefiles import RUNBOOK_BASE, alerts

pytestmark = pytest.mark.asyncio(loop_scope="module")

WITHIN = 15.0


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def alertmanager(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Daemon, Receivers]]:
    workdir = tmp_path_factory.mktemp("alertmanager")
    async with running_alertmanager(
        workdir, routing_key=ROUTING_KEY, timers=ALERTMANAGER_TIMERS
    ) as running:
        yield running


def alert(name: str, workload: str, *, resolved: bool = False) -> dict[str, Any]:
    """An alert as Prometheus would send it for Deployment shop/<workload>.

    It starts now, as a newly firing alert does (Prometheus sends its FiredAt). An alert
    that started more than group_wait ago is flushed at once, racing the inhibitor.
    """
    now = datetime.now(UTC)
    return {
        "labels": {
            "alertname": name,
            "severity": alerts()[name]["labels"]["severity"],
            "namespace": "shop",
            "workload_kind": "Deployment",
            "workload": workload,
            "revision": "6fb9b8f66f",
            "images": "registry.example/web:1.1",
        },
        "annotations": {
            "summary": f"{name} of Deployment shop/{workload} revision 6fb9b8f66f.",
            "description": f"{name} in detail.",
            "runbook_url": f"{RUNBOOK_BASE}{name}.md",
        },
        "startsAt": now.isoformat(),
        "endsAt": (now if resolved else now + timedelta(minutes=5)).isoformat(),
    }


async def send(daemon: Daemon, *batch: dict[str, Any]) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(daemon.url + "/api/v2/alerts", json=list(batch)) as response,
    ):
        assert response.status == 200, await response.text()


def chat_alertnames(receivers: Receivers, workload: str) -> set[str]:
    return {
        alert["labels"]["alertname"]
        for event in receivers.chat.received
        for alert in event.body["alerts"]
        if alert["labels"]["workload"] == workload and alert["status"] == "firing"
    }


def page_of(workload: str, action: str) -> Any:
    def matches(event: Received) -> bool:
        return f"shop/{workload} " in event.body["payload"]["summary"] and (
            event.body["event_action"] == action
        )

    return matches


async def test_the_5xx_page_holds_back_the_lesser_alerts_of_its_workload_only(
    alertmanager: tuple[Daemon, Receivers],
) -> None:
    daemon, receivers = alertmanager
    await send(
        daemon,
        alert("RolloutIngress5xxDuringRollout", "web"),
        alert("RolloutReadinessProbeFailing", "web"),
        alert("RolloutLifecycleRisk", "web"),
        alert("RolloutStalled", "api"),
    )
    page = await receivers.pagerduty.wait_for(
        page_of("web", "trigger"), within=WITHIN, what="the 5xx page of shop/web"
    )
    await receivers.chat.wait_for(
        lambda event: "RolloutStalled" in chat_alertnames(receivers, "api"),
        within=WITHIN,
        what="RolloutStalled of shop/api",
    )
    await settle_after(page.at)

    payload = page.body["payload"]
    assert page.body["routing_key"] == ROUTING_KEY
    assert payload["summary"] == (
        "RolloutIngress5xxDuringRollout of Deployment shop/web revision 6fb9b8f66f."
    )
    assert payload["severity"] == "critical"
    assert (payload["class"], payload["component"], payload["group"]) == (
        "RolloutIngress5xxDuringRollout",
        "Deployment/web",
        "shop",
    )
    assert chat_alertnames(receivers, "web") == set()
    assert receivers.pagerduty.matching(page_of("api", "trigger")) == []


async def test_a_resolved_page_resolves_its_incident_and_releases_what_it_held_back(
    alertmanager: tuple[Daemon, Receivers],
) -> None:
    daemon, receivers = alertmanager
    await send(
        daemon,
        alert("RolloutIngress5xxDuringRollout", "cart"),
        alert("RolloutLifecycleRisk", "cart"),
    )
    trigger = await receivers.pagerduty.wait_for(
        page_of("cart", "trigger"), within=WITHIN, what="the 5xx page of shop/cart"
    )
    await send(daemon, alert("RolloutIngress5xxDuringRollout", "cart", resolved=True))
    resolve = await receivers.pagerduty.wait_for(
        lambda event: (
            event.body["event_action"] == "resolve"
            and event.body["dedup_key"] == trigger.body["dedup_key"]
        ),
        within=WITHIN,
        what="the resolve of shop/cart's incident",
    )
    assert resolve.body["payload"]["summary"] == (
        "Resolved: RolloutIngress5xxDuringRollout of Deployment shop/cart revision 6fb9b8f66f."
    )
    await receivers.chat.wait_for(
        lambda event: chat_alertnames(receivers, "cart") == {"RolloutLifecycleRisk"},
        within=WITHIN,
        what="shop/cart's lifecycle risk, no longer held back",
    )
