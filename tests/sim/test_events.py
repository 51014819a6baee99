"""The event recorder writes what client-go's recorders would let reach the API server."""

from __future__ import annotations

import pytest

from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.control.quota import ResourceQuota, admit
from exporter.sim.control.recorder import EventRecorder
from exporter.sim.resources import JsonObj

from .builders import make_pod

PROBE = "Readiness probe failed: HTTP probe failed with statuscode: 503"
EPOCH = ManualClock().now().timestamp()


@pytest.fixture
def pod(cluster: Cluster) -> JsonObj:
    return cluster.create("pods", make_pod("web-1", "shop"))


def _probe(recorder: EventRecorder, pod: JsonObj, *, series: bool = False) -> None:
    recorder.record(pod, reason="Unhealthy", message=PROBE, host="node-a", series=series)


def test_repeats_fold_into_one_counted_event(
    cluster: Cluster, clock: ManualClock, pod: JsonObj
) -> None:
    recorder = EventRecorder(cluster)
    for _ in range(3):
        _probe(recorder, pod)
        clock.advance(10)
    [event] = cluster.list("events", "shop")
    assert (event["count"], event["firstTimestamp"], event["lastTimestamp"]) == (
        3,
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:20Z",
    )


def test_spam_filter_holds_writes_back_and_the_count_jumps_when_one_passes(
    cluster: Cluster, clock: ManualClock, pod: JsonObj
) -> None:
    recorder = EventRecorder(cluster)
    for _ in range(30):
        _probe(recorder, pod)
        clock.advance(1)
    [held] = cluster.list("events", "shop")
    assert held["count"] == 25
    clock.advance(300)
    _probe(recorder, pod)
    [released] = cluster.list("events", "shop")
    assert released["count"] == 31


def test_ten_distinct_messages_for_one_reason_are_combined(
    cluster: Cluster, clock: ManualClock, pod: JsonObj
) -> None:
    recorder = EventRecorder(cluster)
    for attempt in range(12):
        recorder.record(pod, reason="FailedCreate", message=f"attempt {attempt}")
        clock.advance(1)
    events = cluster.list("events", "shop")
    combined = [e for e in events if e["message"].startswith("(combined from similar events): ")]
    assert len(events) - len(combined) == 9
    assert [(e["count"], e["message"]) for e in combined] == [
        (3, "(combined from similar events): attempt 11")
    ]


def test_a_series_is_written_twice_then_on_refresh_and_when_it_ends(
    cluster: Cluster, clock: ManualClock, pod: JsonObj
) -> None:
    recorder = EventRecorder(cluster)

    def written() -> list[JsonObj | None]:
        return [e.get("series") for e in cluster.list("events", "shop")]

    def probe_until(seconds: float) -> None:
        while clock.now().timestamp() - EPOCH < seconds:
            _probe(recorder, pod, series=True)
            recorder.flush()
            clock.advance(10)

    _probe(recorder, pod, series=True)
    assert written() == [None]
    clock.advance(10)
    probe_until(1790)
    assert written() == [{"count": 2, "lastObservedTime": "2024-01-01T00:00:10.000000Z"}]
    probe_until(1800)
    recorder.flush()
    assert written() == [{"count": 180, "lastObservedTime": "2024-01-01T00:29:50.000000Z"}]
    clock.advance(360)
    recorder.flush()
    _probe(recorder, pod, series=True)
    assert len(written()) == 2, "after 6 silent minutes the series ended; this is a new one"


@pytest.mark.parametrize(
    ("hard", "message"),
    [
        (
            {"requests.cpu": "300m"},
            "requested: requests.cpu=100m, used: requests.cpu=300m, limited: requests.cpu=300m",
        ),
        (
            {"limits.memory": "768Mi", "pods": "10"},
            "requested: limits.memory=256Mi, used: limits.memory=768Mi, "
            "limited: limits.memory=768Mi",
        ),
        (
            {"requests.memory": "900Mi", "pods": "3"},
            "requested: pods=1,requests.memory=256Mi, used: pods=3,requests.memory=768Mi, "
            "limited: pods=3,requests.memory=900Mi",
        ),
    ],
    ids=["cpu", "memory", "several exceeded"],
)
def test_quota_refusal_lists_only_the_exceeded_resources(
    hard: dict[str, str], message: str
) -> None:
    running = [make_pod(f"web-{i}", "shop") for i in range(3)]
    refusal = admit(ResourceQuota("compute", hard), make_pod("web-4", "shop"), running)
    assert refusal == f'pods "web-4" is forbidden: exceeded quota: compute, {message}'


def test_quota_admits_a_pod_that_fits() -> None:
    quota = ResourceQuota("compute", {"requests.cpu": "1"})
    assert admit(quota, make_pod("web-1", "shop"), [make_pod("web-0", "shop")]) is None
