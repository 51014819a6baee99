"""A restarted exporter reports the same rollout state and does not replay history.

The first exporter watches a scenario from the start; mid-rollout it is stopped and a
new one starts against the same cluster. Start timestamp and in-progress flag must be
identical; probe-failure and OOM counters must start from the visible state as a
baseline (0 increments), and count only what happens afterwards.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.scenarios import SCENARIOS
from tests.harness import eventually, index_matches, new_sim, running_exporter
from tests.rollout.test_golden import PLURALS, scrape


def samples(exposition: str, family: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for metric in text_string_to_metric_families(exposition):
        for sample in metric.samples:
            if sample.name == family:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def test_restart_mid_rollout_keeps_state_and_does_not_recount(tmp_path: Path) -> None:
    clock = ManualClock()
    cluster = Cluster(clock=clock, history_size=5000)
    now = lambda: clock.now().timestamp()  # noqa: E731
    stuck = SCENARIOS["rollout_stuck_readiness"].start(cluster, namespace="stuck")
    oom = SCENARIOS["oom_loop"].start(cluster, namespace="oom")
    async with new_sim(cluster) as server:
        async with running_exporter(server, tmp_path / "a", clock=now) as first:
            await eventually(lambda: first.exporter.rollouts.synced)
            for run, checkpoint in ((stuck, "readiness-failing"), (oom, "crash-looping")):
                while (reached := run.step()) is not None:
                    await eventually(lambda: index_matches(first.exporter, cluster, PLURALS))
                    if reached.name == checkpoint:
                        break
            before = await scrape(first)
        assert samples(before, "rollout_probe_failures_total"), "probe failures were counted"
        assert any(v > 0 for v in samples(before, "rollout_container_oomkills_total").values())

        async with running_exporter(server, tmp_path / "b", clock=now) as second:
            await eventually(lambda: second.exporter.rollouts.synced)
            second.exporter.rollouts.flush()
            after = await scrape(second)
            for family in (
                "rollout_started_timestamp_seconds",
                "rollout_in_progress",
                "rollout_container_last_oomkilled_timestamp_seconds",
            ):
                assert samples(after, family) == samples(before, family), family
            assert all(v == 0 for v in samples(after, "rollout_probe_failures_total").values())
            assert all(v == 0 for v in samples(after, "rollout_container_oomkills_total").values())
            assert (
                samples(after, "rollout_probe_failures_total").keys()
                == samples(before, "rollout_probe_failures_total").keys()
            ), "baseline series exist at 0 so the next increment is not lost"

            # What happens after the restart is counted, and only that.
            while (reached := oom.step()) is not None:
                await eventually(lambda: index_matches(second.exporter, cluster, PLURALS))
                if any(
                    v > 0
                    for v in samples(
                        await scrape(second), "rollout_container_oomkills_total"
                    ).values()
                ):
                    break
            new_kills = samples(await scrape(second), "rollout_container_oomkills_total")
            assert sum(new_kills.values()) == 1, "one new OOM kill, counted once"
