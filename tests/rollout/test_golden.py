"""Golden exposition per scenario: the rollout families, exactly, at a checkpoint.

The exporter watches the simulator from an empty cluster while a scenario is stepped on a
manual clock; after every step the test waits until the exporter's index equals the
server's truth, so every intermediate state is observed, as it would be live. At the
checkpoint the rollout families are compared with tests/golden/<scenario>.prom
(samples sorted within each family, as kube-state-metrics compares).

Regenerate after an intended change with UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp
import pytest

from exporter.kube.resources import WATCHED
from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.scenarios import SCENARIOS
from tests.exporter.test_http import promtool_check
from tests.harness import RunningExporter, eventually, index_matches, new_sim, running_exporter

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
PLURALS = [resource.plural for resource in WATCHED]

CHECKPOINTS = {
    "rollout_completes": "rolled-out",
    "rollout_stuck_readiness": "deadline-exceeded",
    "rollout_stuck_readiness_series": "series-refreshed",
    "oom_loop": "crash-looping",
    "selector_label_rename": "endpoints-empty",
    "rollback": "rolled-back",
    "paused_deployment": "still-paused",
    "statefulset_rollout": "updating",
    "daemonset_rollout": "updating",
    "scale_only": "scaled",
    "image_pull_failure": "image-pull-backoff",
    "missing_configmap": "config-error",
    "unschedulable": "unschedulable",
    "quota_exceeded": "create-failing",
}


def rollout_families(exposition: str) -> str:
    """Our rollout families only, samples sorted within each family."""
    out: list[str] = []
    samples: list[str] = []
    keep = False
    for text_line in exposition.splitlines():
        if text_line.startswith("# HELP "):
            out.extend(sorted(samples))
            samples = []
            name = text_line.split(" ")[2]
            keep = name.startswith("rollout_") and not name.startswith("rollout_exporter_")
        if not keep:
            continue
        (out if text_line.startswith("#") else samples).append(text_line)
    out.extend(sorted(samples))
    return "\n".join(out) + "\n"


async def scrape(running: RunningExporter) -> str:
    async with aiohttp.ClientSession() as session, session.get(running.url + "/metrics") as r:
        return await r.text()


async def play_to_checkpoint(
    cluster: Cluster, running: RunningExporter, scenario: str, checkpoint: str
) -> None:
    exporter = running.exporter
    await eventually(lambda: exporter.rollouts.synced, what="exporter synced")
    run = SCENARIOS[scenario].start(cluster, namespace="demo")
    while (reached := run.step()) is not None:
        await eventually(lambda: index_matches(exporter, cluster, PLURALS), what="index caught up")
        exporter.rollouts.flush()
        if reached.name == checkpoint:
            return
    raise AssertionError(f"{scenario} never reached {checkpoint}")


@pytest.mark.parametrize(("scenario", "checkpoint"), CHECKPOINTS.items())
async def test_golden_exposition(scenario: str, checkpoint: str, tmp_path: Path) -> None:
    clock = ManualClock()
    cluster = Cluster(clock=clock, history_size=5000)
    async with (
        new_sim(cluster) as server,
        running_exporter(server, tmp_path, clock=lambda: clock.now().timestamp()) as running,
    ):
        await play_to_checkpoint(cluster, running, scenario, checkpoint)
        exposition = await scrape(running)
    assert promtool_check(exposition) == ""
    actual = rollout_families(exposition)
    golden = GOLDEN / f"{scenario}.prom"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(actual)
    assert actual == golden.read_text(), f"exposition differs from {golden.name}"
