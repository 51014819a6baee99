"""Container logs kept by the cluster: time-ordered, bounded, gone with their pod."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exporter.sim.clock import EPOCH, ManualClock
from exporter.sim.cluster import Cluster, NotFoundError
from exporter.sim.logs import LogStore, rfc3339_nano_fixed

from .logs_wire import running_pod

NS = "ingress-nginx"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def cluster(clock: ManualClock) -> Cluster:
    cluster = Cluster(clock=clock)
    running_pod(cluster, "controller-0")
    return cluster


def texts_and_times(cluster: Cluster) -> list[tuple[str, float]]:
    log = cluster.logs.log(NS, "controller-0", "controller")
    return [(line.text, (line.at - EPOCH).total_seconds()) for line in log.lines()]


def test_lines_are_stamped_with_the_cluster_clock_unless_given_a_time(
    cluster: Cluster, clock: ManualClock
) -> None:
    cluster.append_log(NS, "controller-0", "controller", "first", at=EPOCH + timedelta(seconds=1))
    clock.advance(3.0)
    cluster.append_log(NS, "controller-0", "controller", "second")
    assert texts_and_times(cluster) == [("first", 1.0), ("second", 3.0)]


def test_a_stamp_never_goes_back_in_time(cluster: Cluster) -> None:
    cluster.append_log(NS, "controller-0", "controller", "late", at=EPOCH + timedelta(seconds=5))
    cluster.append_log(NS, "controller-0", "controller", "early", at=EPOCH + timedelta(seconds=2))
    assert texts_and_times(cluster) == [("late", 5.0), ("early", 5.0)]


def test_writing_to_a_pod_or_container_that_does_not_exist_is_an_error(cluster: Cluster) -> None:
    with pytest.raises(NotFoundError, match="pods ingress-nginx/nobody not found"):
        cluster.append_log(NS, "nobody", "controller", "hello")
    with pytest.raises(NotFoundError, match="container nginx is not valid"):
        cluster.append_log(NS, "controller-0", "nginx", "hello")


def test_a_full_log_drops_its_oldest_lines_and_readers_skip_ahead() -> None:
    log = LogStore(lines_per_container=3).log(NS, "p", "c")
    for number in range(5):
        log.append(f"line {number}", EPOCH)
    lines, position = log.read(1)
    assert ([line.text for line in lines], position) == (["line 2", "line 3", "line 4"], 5)
    assert log.read(5) == ([], 5)


def test_deleting_the_pod_ends_its_log(cluster: Cluster) -> None:
    log = cluster.logs.log(NS, "controller-0", "controller")
    cluster.delete("pods", NS, "controller-0")
    assert log.ended
    with pytest.raises(RuntimeError, match="pod is gone"):
        log.append("too late", EPOCH)


def test_timestamps_use_nine_fraction_digits_always() -> None:
    assert rfc3339_nano_fixed(EPOCH) == "2024-01-01T00:00:00.000000000Z"
    assert (
        rfc3339_nano_fixed(EPOCH + timedelta(microseconds=1500)) == "2024-01-01T00:00:00.001500000Z"
    )
