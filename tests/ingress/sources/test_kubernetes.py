"""Following ingress controller logs through the (simulated) Kubernetes API.

Each test runs a `KubernetesLogSource` against the simulated API server over HTTP, writes
lines into the controller pods' logs with `Cluster.append_log`, and asserts on exactly
what reached the sink: which lines, how often, with which timestamps, on which stream.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from exporter.ingress.sources import KubernetesLogSource, LogStreamSettings, stream_name
from exporter.kube.client import ApiClient
from exporter.kube.credentials import load_credentials
from exporter.sim.clock import EPOCH, ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.control.kubelet import start
from exporter.sim.faults import Faults
from exporter.sim.kubeconfig import write_kubeconfig
from exporter.sim.server import SimulatedApiServer
from tests.harness import FAST, TOKEN, eventually, new_sim
from tests.sim.logs_wire import running_pod, waiting_pod

from .sinks import RecordingSink

NS = "ingress-nginx"
SELECTOR = "app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller"
QUICK = LogStreamSettings(
    backoff_initial=0.05, backoff_max=0.2, inactivity_timeout=5.0, drain_timeout=2.0
)
BUDGET = 20.0
"""No test may take longer than this, whatever goes wrong."""


def log_path(pod: str) -> str:
    return f"/api/v1/namespaces/{NS}/pods/{pod}/log"


def stream_of(pod: str) -> str:
    return stream_name(NS, pod, "controller")


@dataclass
class Following:
    cluster: Cluster
    clock: ManualClock
    server: SimulatedApiServer
    source: KubernetesLogSource
    sink: RecordingSink

    def write(self, pod: str, *lines: str, second: float | None = None) -> None:
        at = None if second is None else EPOCH + timedelta(seconds=second)
        for line in lines:
            self.cluster.append_log(NS, pod, "controller", line, at=at)

    def log_requests(self, pod: str) -> list[tuple[int | None, dict[str, str], float]]:
        return [(r.status, r.query, r.at) for r in self.server.requests if r.path == log_path(pod)]

    async def connected(self, pod: str, times: int = 1) -> None:
        """Until `times` log requests for `pod` have been answered with 200."""
        await eventually(
            lambda: sum(1 for s, _, _ in self.log_requests(pod) if s == 200) >= times,
            within=5.0,
            what=f"{times} log stream(s) of {pod} open",
        )

    async def delivered(self, count: int) -> None:
        await eventually(
            lambda: len(self.sink.fed) >= count, within=5.0, what=f"{count} lines delivered"
        )


@asynccontextmanager
async def following(
    tmp_path: Path,
    setup: list[str],
    *,
    settings: LogStreamSettings = QUICK,
    selector: str = SELECTOR,
    sink: RecordingSink | None = None,
) -> AsyncIterator[Following]:
    """A source following the controller pods named in `setup` (created running, each
    with the line `old` written before the source starts)."""
    clock = ManualClock()
    cluster = Cluster(clock=clock, history_size=500)
    for pod in setup:
        running_pod(cluster, pod)
        cluster.append_log(NS, pod, "controller", "old")
    clock.advance(10.0)
    async with asyncio.timeout(BUDGET), new_sim(cluster) as server:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url, TOKEN)
        credentials = load_credentials(kubeconfig=str(kubeconfig), context=None)
        async with ApiClient(credentials) as client:
            sink = sink or RecordingSink()
            source = KubernetesLogSource(
                client,
                sink,
                namespace=NS,
                label_selector=selector,
                container="controller",
                settings=settings,
                watch_settings=FAST,
                rng=random.Random(7),
            )
            task = asyncio.create_task(source.run())
            try:
                await asyncio.wait_for(source.reflector.synced.wait(), 5.0)
                yield Following(cluster, clock, server, source, sink)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


async def test_running_controller_is_followed_from_now_with_line_timestamps(
    tmp_path: Path,
) -> None:
    async with following(tmp_path, ["controller-a"]) as f:
        await f.connected("controller-a")
        f.write("controller-a", "first", second=10.25)
        f.write("controller-a", "second", second=11.5)
        await f.delivered(2)
        assert [(fed.stream, fed.line, fed.timestamp) for fed in f.sink.fed] == [
            (stream_of("controller-a"), "first", EPOCH.timestamp() + 10.25),
            (stream_of("controller-a"), "second", EPOCH.timestamp() + 11.5),
        ]
        ((_, query, _),) = f.log_requests("controller-a")
        assert query == {
            "follow": "true",
            "timestamps": "true",
            "container": "controller",
            "tailLines": "0",
        }
        assert f.source.streams == [stream_of("controller-a")]


async def test_lookback_reads_recent_history_of_running_controllers(tmp_path: Path) -> None:
    settings = LogStreamSettings(lookback=4.0, backoff_initial=0.05, backoff_max=0.2)
    clock_start_lines = [("too old", 5.0), ("recent", 7.0)]
    async with following(tmp_path, ["controller-a"], settings=settings) as f:
        for text, second in clock_start_lines:
            f.write("controller-a", text, second=second)
        f.write("controller-a", "now", second=10.0)
        await f.delivered(2)
        await asyncio.sleep(0.1)
        assert f.sink.lines() == ["recent", "now"]
        assert f.log_requests("controller-a")[0][1]["sinceSeconds"] == "4"


async def test_a_new_controller_pod_is_followed_from_its_first_line(tmp_path: Path) -> None:
    async with following(tmp_path, []) as f:
        running_pod(f.cluster, "controller-b")
        f.write("controller-b", "boot 1", "boot 2")
        await f.delivered(2)
        assert f.sink.lines(stream_of("controller-b")) == ["boot 1", "boot 2"]
        assert "tailLines" not in f.log_requests("controller-b")[0][1]


async def test_a_container_is_followed_once_it_has_started(tmp_path: Path) -> None:
    async with following(tmp_path, []) as f:
        waiting_pod(f.cluster, "controller-c")
        await asyncio.sleep(0.3)
        assert f.log_requests("controller-c") == []
        f.cluster.mutate(
            "pods", NS, "controller-c", lambda p: start(p, f.clock.now(), "10.244.0.50")
        )
        f.write("controller-c", "started")
        await f.delivered(1)
        assert f.sink.lines() == ["started"]


async def test_pods_outside_the_selector_are_not_followed(tmp_path: Path) -> None:
    async with following(tmp_path, ["controller-a"]) as f:
        running_pod(f.cluster, "admission-webhook", labels={"app.kubernetes.io/name": "other"})
        f.write("controller-a", "seen")
        await f.connected("controller-a")
        await asyncio.sleep(0.2)
        assert f.log_requests("admission-webhook") == []
        assert f.source.streams == [stream_of("controller-a")]
        pod_requests = [r for r in f.server.requests if r.path == f"/api/v1/namespaces/{NS}/pods"]
        assert pod_requests
        assert all(r.query["labelSelector"] == SELECTOR for r in pod_requests)


async def test_a_deleted_pod_delivers_its_last_lines_then_its_stream_is_closed(
    tmp_path: Path,
) -> None:
    async with following(tmp_path, ["controller-a", "controller-b"]) as f:
        await f.connected("controller-a")
        await f.connected("controller-b")
        f.write("controller-a", "last words")
        f.cluster.delete("pods", NS, "controller-a")
        await eventually(lambda: f.sink.closed != [], within=5.0, what="stream closed")
        assert f.sink.lines() == ["last words"]
        assert f.sink.closed == [stream_of("controller-a")]
        assert f.source.streams == [stream_of("controller-b")]
        assert f.source.stats.streams == 1


async def test_a_pod_recreated_under_its_name_is_a_new_stream_read_from_the_start(
    tmp_path: Path,
) -> None:
    async with following(tmp_path, ["controller-0"]) as f:
        await f.connected("controller-0")
        f.cluster.delete("pods", NS, "controller-0")
        running_pod(f.cluster, "controller-0")
        f.write("controller-0", "new pod, first line")
        await f.delivered(1)
        assert f.sink.closed == [stream_of("controller-0")]
        assert f.sink.lines() == ["new pod, first line"]
        assert "tailLines" not in f.log_requests("controller-0")[-1][1]


RESUMES: dict[str, Callable[[Faults], object]] = {
    "between two lines": lambda faults: faults.drop_mid_stream(3, verb="log"),
    "in the middle of a line": lambda faults: faults.drop_mid_line(3, verb="log"),
}


@pytest.mark.parametrize("cut", RESUMES.values(), ids=RESUMES)
async def test_a_cut_stream_resumes_without_losing_or_repeating_a_line(
    tmp_path: Path, cut: Callable[[Faults], object]
) -> None:
    async with following(tmp_path, []) as f:
        cut(f.server.faults)
        running_pod(f.cluster, "controller-a")
        # The API resumes at a whole second: everything below is in second 12, three
        # lines share one instant and two of those are identical.
        f.write("controller-a", "l1", second=12.1)
        f.write("controller-a", "l2", "l3", "l3", second=12.3)
        f.write("controller-a", "l5", second=12.3)
        f.write("controller-a", "l6", "l7", second=12.9)
        await f.connected("controller-a", times=2)
        f.write("controller-a", "l8", second=13.0)
        await f.delivered(8)
        await asyncio.sleep(0.2)
        assert f.sink.lines() == ["l1", "l2", "l3", "l3", "l5", "l6", "l7", "l8"]
        (_, resumed, _) = f.log_requests("controller-a")[1]
        assert resumed["sinceTime"] == "2024-01-01T00:00:12Z"
        assert f.source.stats.duplicates == 3
        assert f.source.stats.reconnects == {"connection": 1}


async def test_429_waits_retry_after_before_asking_again(tmp_path: Path) -> None:
    async with following(tmp_path, []) as f:
        f.server.faults.too_many_requests(retry_after=1, verb="log")
        running_pod(f.cluster, "controller-a")
        f.write("controller-a", "after the wait")
        await f.delivered(1)
        (throttled, _, first_at), (ok, _, second_at) = f.log_requests("controller-a")
        assert (throttled, ok) == (429, 200)
        assert second_at - first_at >= 1.0
        assert f.source.stats.reconnects == {"throttled": 1}


async def test_a_container_not_running_is_retried_with_backoff_not_a_storm(
    tmp_path: Path,
) -> None:
    async with following(tmp_path, []) as f:
        f.server.faults.drop_mid_stream(1, verb="log")
        running_pod(f.cluster, "controller-a")
        await f.connected("controller-a")
        f.cluster.mutate(
            "pods",
            NS,
            "controller-a",
            lambda p: p["status"]["containerStatuses"][0].update(
                state={"waiting": {"reason": "ContainerCreating"}}
            ),
        )
        f.write("controller-a", "before the restart", second=10.5)
        await eventually(
            lambda: sum(1 for s, _, _ in f.log_requests("controller-a") if s == 400) >= 3,
            within=5.0,
            what="three refused reconnects",
        )
        refused = [at for s, _, at in f.log_requests("controller-a") if s == 400]
        gaps = [later - earlier for earlier, later in itertools.pairwise(refused)]
        assert all(gap >= QUICK.backoff_initial for gap in gaps)
        f.cluster.mutate(
            "pods", NS, "controller-a", lambda p: start(p, f.clock.now(), "10.244.0.2")
        )
        f.write("controller-a", "after the restart", second=11.0)
        await f.delivered(2)
        assert f.sink.lines() == ["before the restart", "after the restart"]
        assert f.source.stats.reconnects["not_ready"] >= 3


async def test_a_silent_stream_is_reopened_and_resumed(tmp_path: Path) -> None:
    settings = LogStreamSettings(inactivity_timeout=0.3, backoff_initial=0.05, backoff_max=0.1)
    async with following(tmp_path, ["controller-a"], settings=settings) as f:
        await f.connected("controller-a")
        f.write("controller-a", "before the silence", second=10.1)
        await f.connected("controller-a", times=2)
        f.write("controller-a", "after the silence", second=10.2)
        await f.delivered(2)
        await asyncio.sleep(0.1)
        assert f.sink.lines() == ["before the silence", "after the silence"]
        assert f.source.stats.reconnects["inactivity"] >= 1


async def test_forbidden_logs_are_retried_slowly(tmp_path: Path) -> None:
    settings = LogStreamSettings(forbidden_retry=60.0)
    async with following(tmp_path, [], settings=settings) as f:
        f.server.set_forbidden("pods/log")
        running_pod(f.cluster, "controller-a")
        await eventually(
            lambda: f.source.stats.reconnects["forbidden"] == 1, within=5.0, what="refused"
        )
        await asyncio.sleep(0.3)
        assert [status for status, _, _ in f.log_requests("controller-a")] == [403]


async def test_lines_and_bytes_are_counted_as_received(tmp_path: Path) -> None:
    async with following(tmp_path, ["controller-a"]) as f:
        await f.connected("controller-a")
        f.write("controller-a", "0123456789", "x", second=10.0)
        await f.delivered(2)
        prefix = len("2024-01-01T00:00:10.000000000Z ")
        assert (f.source.stats.lines, f.source.stats.bytes) == (2, 2 * (prefix + 1) + 11)
        assert f.source.stats.last_line_time > 0


class _BrokenOnPoison(RecordingSink):
    def feed(self, stream: str, line: bytes, *, timestamp: float | None = None) -> None:
        if line == b"poison":
            raise RuntimeError("a bug behind the sink")
        super().feed(stream, line, timestamp=timestamp)


async def test_a_failing_sink_does_not_stop_the_stream(tmp_path: Path) -> None:
    broken = _BrokenOnPoison()
    async with following(tmp_path, [], sink=broken) as f:
        running_pod(f.cluster, "controller-a")
        f.write("controller-a", "before", "poison", second=12.0)
        f.write("controller-a", "after", second=12.5)
        await eventually(lambda: len(broken.fed) == 2, within=5.0, what="lines after poison")
        assert broken.lines() == ["before", "after"]
        assert f.source.stats.reconnects == {"internal_error": 1}
