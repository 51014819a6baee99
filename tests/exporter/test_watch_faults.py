"""After every fault the simulator can inject, the index converges to the server's truth.

Each case: an exporter is synced with the simulator, a fault is queued, the cluster
changes, and within a bounded time the exporter's pod index equals the server's objects
at the same resourceVersions, with the matching self-metric incremented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from exporter.kube.resources import PODS
from exporter.kube.stats import WatchStats
from exporter.sim.cluster import Cluster
from exporter.sim.faults import Faults
from tests.harness import eventually, index_matches, new_sim, running_exporter


def pod(name: str, *, namespace: str = "default", **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "web:1"}]},
        "status": {"phase": "Running"},
    }
    obj.update(extra)
    return obj


def churn(cluster: Cluster, step: int) -> None:
    """A create, an update and a delete: every event type crosses the faulty stream."""
    cluster.create("pods", pod(f"new-{step}"))
    cluster.mutate(
        "pods", "default", "web-0", lambda p: p["metadata"]["labels"].update(step=str(step))
    )
    cluster.delete("pods", "default", f"web-{step + 1}")


@dataclass(frozen=True)
class FaultCase:
    inject: Callable[[Faults], object]
    counter: Callable[[WatchStats], int]


CASES = {
    "connection dropped between events": FaultCase(
        lambda f: f.drop_mid_stream(1, resource="pods"), lambda s: s.restarts["connection"]
    ),
    "connection dropped in the middle of a JSON line": FaultCase(
        lambda f: f.drop_mid_line(1, resource="pods"), lambda s: s.restarts["connection"]
    ),
    "410 Gone as the watch's HTTP status": FaultCase(
        lambda f: f.gone_http(resource="pods"), lambda s: s.relists["gone"]
    ),
    "410 Gone as an ERROR event in the stream": FaultCase(
        lambda f: f.gone_event(1, resource="pods"), lambda s: s.relists["gone"]
    ),
    "429 with Retry-After": FaultCase(
        lambda f: f.too_many_requests(1, resource="pods", verb="watch"),
        lambda s: s.restarts["throttled"],
    ),
    "429 with a Status body": FaultCase(
        lambda f: f.too_many_requests(1, resource="pods", verb="watch", status_body=True),
        lambda s: s.restarts["throttled"],
    ),
    "500 on watch": FaultCase(
        lambda f: f.server_error(resource="pods", verb="watch"),
        lambda s: s.restarts["server_error"],
    ),
    "stalled stream": FaultCase(
        lambda f: f.stall(3.0, resource="pods", verb="watch"), lambda s: s.restarts["inactivity"]
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_index_converges_after_fault(case: FaultCase, tmp_path: Path) -> None:
    cluster = Cluster(history_size=200)
    for i in range(5):
        cluster.create("pods", pod(f"web-{i}"))
    async with (
        new_sim(cluster) as server,
        running_exporter(server, tmp_path, resources=[PODS]) as running,
    ):
        exporter = running.exporter
        (reflector,) = exporter.reflectors
        await eventually(lambda: index_matches(exporter, cluster, ["pods"]), what="first sync")
        case.inject(server.faults)
        for step in range(3):
            churn(cluster, step)
        await eventually(lambda: case.counter(reflector.stats) >= 1, what="fault counted")
        churn(cluster, 3)
        await eventually(
            lambda: index_matches(exporter, cluster, ["pods"]), what="index equals truth"
        )
        assert not server.faults.pending, "the fault never fired"


async def test_expired_continue_token_restarts_the_list(tmp_path: Path) -> None:
    cluster = Cluster(history_size=200)
    for i in range(7):
        cluster.create("pods", pod(f"web-{i}"))
    async with new_sim(cluster) as server:
        server.faults.expire_continue(resource="pods")
        async with running_exporter(server, tmp_path, resources=[PODS]) as running:
            (reflector,) = running.exporter.reflectors
            await eventually(lambda: index_matches(running.exporter, cluster, ["pods"]))
            assert reflector.stats.relists["continue_expired"] == 1
            continues = [r for r in server.requests if "continue" in r.query]
            assert any(r.status == 410 for r in continues)
            assert any(r.status == 200 for r in continues), "the restarted list paged again"


async def test_retry_after_is_honoured(tmp_path: Path) -> None:
    cluster = Cluster(history_size=200)
    cluster.create("pods", pod("web-0"))
    async with (
        new_sim(cluster) as server,
        running_exporter(server, tmp_path, resources=[PODS]) as running,
    ):
        await eventually(lambda: index_matches(running.exporter, cluster, ["pods"]))
        server.faults.too_many_requests(2, resource="pods", verb="watch")

        def throttled_at() -> float | None:
            return next((r.at for r in server.requests if r.status == 429), None)

        await eventually(lambda: throttled_at() is not None, what="a 429")
        throttled = throttled_at()
        assert throttled is not None
        await eventually(lambda: any(r.at > throttled for r in server.requests), what="a retry")
        retried = min(r.at for r in server.requests if r.at > throttled)
        # Our backoff alone would retry within 0.2 s; Retry-After says 2 s.
        assert retried - throttled >= 1.9


async def test_huge_object_on_the_watch_stream(tmp_path: Path) -> None:
    """aiohttp's line reader fails above 128 KiB; a multi-MB object must still arrive."""
    cluster = Cluster(history_size=200)
    cluster.create("pods", pod("web-0"))
    async with (
        new_sim(cluster) as server,
        running_exporter(server, tmp_path, resources=[PODS]) as running,
    ):
        await eventually(lambda: index_matches(running.exporter, cluster, ["pods"]))
        big = pod("big")
        big["metadata"]["annotations"] = {"blob": "x" * (6 * 1024 * 1024)}
        cluster.create("pods", big)
        await eventually(lambda: index_matches(running.exporter, cluster, ["pods"]))
        (reflector,) = running.exporter.reflectors
        assert reflector.stats.decode_errors.total() == 0
        assert reflector.stats.restarts["connection"] == 0


async def test_server_restart_with_resource_version_reset(tmp_path: Path) -> None:
    """An etcd restore moves RVs backwards: the watch gets "too large RV" and relists,
    and objects deleted meanwhile disappear from the index."""
    cluster = Cluster(history_size=200)
    for i in range(4):
        cluster.create("pods", pod(f"web-{i}"))
    server = new_sim(cluster)
    await server.start()
    port = int(server.url.rsplit(":", 1)[1])
    try:
        async with running_exporter(server, tmp_path, resources=[PODS]) as running:
            (reflector,) = running.exporter.reflectors
            await eventually(lambda: index_matches(running.exporter, cluster, ["pods"]))
            for step in range(3):
                cluster.mutate(
                    "pods",
                    "default",
                    "web-0",
                    lambda p, s=step: p["metadata"]["labels"].update(s=str(s)),
                )
            await eventually(lambda: index_matches(running.exporter, cluster, ["pods"]))
            await server.stop()
            cluster.restart(rv_reset=True)
            cluster.delete("pods", "default", "web-3")
            cluster.create("pods", pod("web-9"))
            server = new_sim(cluster, port=port)
            await server.start()
            await eventually(lambda: index_matches(running.exporter, cluster, ["pods"]))
            assert reflector.stats.relists["rv_too_large"] + reflector.stats.relists["gone"] >= 1
            assert reflector.stats.restarts["connection"] >= 1
    finally:
        await server.stop()
