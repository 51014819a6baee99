"""The alerting half of `rollout-exporter demo`: real Prometheus and Alertmanager, when
installed, with the shipped rules and the example Alertmanager configuration, and the
pages they send printed as the on-call engineer would receive them.

Only at `--demo.speed 1`: Prometheus evaluates `time()` on the wall clock, and the shipped
rules compare it with the timestamps the exporter exports (a rollout's start, the last
OOM kill, since when a Service has no endpoints). A compressed scenario clock runs ahead
of the wall clock, so those alerts would fire wrongly or never.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exporter.errors import AlertingUnavailable
from exporter.loopback.alerting import running_alertmanager
from exporter.loopback.configs import (
    ALERTMANAGER_EXAMPLE,
    RULES_DIR,
    prometheus_config,
    rule_files,
    scrape_job,
    write_yaml,
)
from exporter.loopback.daemons import ALERTMANAGER, INSTALL_HINT, PROMETHEUS, find_tool, prometheus
from exporter.loopback.pages import format_chat, format_page
from exporter.loopback.receivers import Received

INTERVAL = "5s"
"""Scrape and rule evaluation interval of the demo's Prometheus (kube-prometheus-stack's
default is 30s); the rules' own `for` and windows are the shipped ones."""


@dataclass(frozen=True)
class Alerting:
    prometheus_url: str
    alertmanager_url: str

    def banner(self) -> str:
        return (
            f"  Prometheus:           {self.prometheus_url}/alerts "
            f"(the shipped rules, every {INTERVAL})\n"
            f"  Alertmanager:         {self.alertmanager_url} "
            "(the example configuration, PagerDuty and chat on loopback)\n"
        )


def check_alerting(*, speed: float, rules_dir: Path = RULES_DIR) -> None:
    """Raise AlertingUnavailable unless the demo can run its alerting half."""
    if speed != 1:
        raise AlertingUnavailable(
            f"alerting needs --demo.speed 1 (not {speed:g}): Prometheus's time() is the wall "
            "clock, which the compressed scenario clock runs ahead of"
        )
    missing = [names[0] for names in (PROMETHEUS, ALERTMANAGER) if find_tool(names) is None]
    if missing:
        raise AlertingUnavailable(f"{' and '.join(missing)} not installed: {INSTALL_HINT}")
    if not rule_files(rules_dir) or not ALERTMANAGER_EXAMPLE.is_file():
        raise AlertingUnavailable(
            f"no rules in {rules_dir} or no {ALERTMANAGER_EXAMPLE.name}: run the demo from a "
            "source checkout (scripts/demo)"
        )


def printer(render: Callable[[dict[str, Any], float], str]) -> Callable[[Received], None]:
    def show(item: Received) -> None:
        print(render(item.body, item.at), flush=True, file=sys.stdout)

    return show


@contextlib.asynccontextmanager
async def running_alerting(exporter_metrics_url: str, workdir: Path) -> AsyncIterator[Alerting]:
    """Alertmanager (paging a local PagerDuty stand-in), then Prometheus scraping the
    exporter's `exporter_metrics_url` with the shipped rules; stopped in reverse."""
    target, _, path = exporter_metrics_url.removeprefix("http://").partition("/")
    async with running_alertmanager(
        workdir,
        # Any 32 characters do: the stand-in, not PagerDuty, receives the events.
        routing_key=secrets.token_hex(16),
        on_page=printer(format_page),
        on_chat=printer(format_chat),
    ) as (alertmanager, _receivers):
        config = prometheus_config(
            [scrape_job("rollout-exporter", [target], metrics_path="/" + path)],
            interval=INTERVAL,
            rule_files=rule_files(),
            alertmanager=alertmanager.address,
        )
        async with prometheus(write_yaml(workdir / "prometheus.yml", config), workdir) as prom:
            yield Alerting(prom.url, alertmanager.url)
