"""WATCH: ordering, initial state, bookmarks, timeouts, filters and the 410/504 answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from exporter.sim.cluster import Cluster
from exporter.sim.resources import JsonObj
from exporter.sim.server import SimulatedApiServer

from .builders import add_pods
from .wire import Api


def relabel(**labels: str) -> Callable[[JsonObj], None]:
    return lambda pod: pod["metadata"].update(labels=labels)


async def test_watch_replays_events_after_the_rv_in_order(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", "p1")
    since = cluster.resource_version
    add_pods(cluster, "default", "p2")
    cluster.mutate("pods", "default", "p1", lambda pod: pod["status"].update(phase="Running"))
    cluster.delete("pods", "default", "p2")

    watched = await api.watch("/api/v1/pods", resourceVersion=str(since), stop_after=3)
    assert watched.status == 200
    assert watched.headers["Content-Type"] == "application/json"
    assert watched.headers["Transfer-Encoding"] == "chunked"
    assert list(zip(watched.types, watched.names, strict=True)) == [
        ("ADDED", "p2"),
        ("MODIFIED", "p1"),
        ("DELETED", "p2"),
    ]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in watched.events]
    assert rvs == sorted(rvs)
    assert rvs[-1] == cluster.resource_version
    assert all(e["object"]["kind"] == "Pod" for e in watched.events)


async def test_watch_without_rv_starts_with_synthetic_added_for_current_state(
    cluster: Cluster, api: Api
) -> None:
    add_pods(cluster, "default", "p1", "p2")
    cluster.delete("pods", "default", "p1")
    for rv in ({}, {"resourceVersion": "0"}):
        watched = await api.watch("/api/v1/pods", stop_after=1, query=rv)
        assert (watched.types, watched.names) == (["ADDED"], ["p2"])


async def test_watch_delivers_live_events(cluster: Cluster, api: Api) -> None:
    since = str(cluster.resource_version)
    watching = asyncio.create_task(api.watch("/api/v1/pods", resourceVersion=since, stop_after=2))
    await asyncio.sleep(0.05)
    add_pods(cluster, "default", "p1")
    cluster.delete("pods", "default", "p1")
    watched = await watching
    assert watched.types == ["ADDED", "DELETED"]


async def test_bookmarks_carry_the_current_rv_in_an_empty_object(
    cluster: Cluster, api: Api
) -> None:
    add_pods(cluster, "default", "p1")
    add_pods(cluster, "other", "x1")
    watched = await api.watch(
        "/api/v1/namespaces/default/pods",
        resourceVersion=str(cluster.resource_version),
        allowWatchBookmarks="true",
        stop_after=1,
    )
    assert watched.types == ["BOOKMARK"]
    assert watched.events[0]["object"] == {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": str(cluster.resource_version), "creationTimestamp": None},
        "spec": {"containers": None},
        "status": {},
    }


async def test_no_bookmarks_unless_asked(cluster: Cluster, api: Api) -> None:
    watched = await api.watch(
        "/api/v1/pods", resourceVersion=str(cluster.resource_version), timeoutSeconds="1"
    )
    assert watched.events == []


async def test_timeout_seconds_closes_the_stream_cleanly(cluster: Cluster, api: Api) -> None:
    started = time.monotonic()
    watched = await api.watch(
        "/api/v1/pods", resourceVersion=str(cluster.resource_version), timeoutSeconds="1"
    )
    assert watched.ending == "eof"
    assert watched.leftover == b""
    assert 0.9 <= time.monotonic() - started < 2.0


async def test_watch_from_compacted_rv_is_200_then_410_error_event(
    cluster: Cluster, api: Api
) -> None:
    old = cluster.resource_version
    add_pods(cluster, "default", *(f"p{i}" for i in range(cluster.history_size + 2)))
    watched = await api.watch("/api/v1/pods", resourceVersion=str(old))
    assert watched.status == 200
    assert watched.ending == "eof"
    assert watched.types == ["ERROR"]
    status = watched.events[0]["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"] == f"too old resource version: {old} ({cluster.floor})"


async def test_watch_after_rv_reset_is_504_too_large(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", "p1", "p2")
    cluster.mutate("pods", "default", "p1", relabel(a="b"))
    seen = cluster.resource_version
    cluster.restart(rv_reset=True)
    watched = await api.watch("/api/v1/pods", resourceVersion=str(seen))
    assert watched.status == 504
    status = watched.events[0]
    assert status["reason"] == "Timeout"
    assert status["message"] == (
        f"Timeout: Too large resource version: {seen}, current: {cluster.resource_version}"
    )
    assert status["details"]["causes"] == [
        {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
    ]
    assert watched.headers["Retry-After"] == "1"


async def test_restart_ends_open_watches(cluster: Cluster, api: Api) -> None:
    watching = asyncio.create_task(
        api.watch("/api/v1/pods", resourceVersion=str(cluster.resource_version))
    )
    await asyncio.sleep(0.05)
    cluster.restart()
    watched = await watching
    assert (watched.ending, watched.events) == ("eof", [])


async def test_namespaced_watch_only_sees_its_namespace(cluster: Cluster, api: Api) -> None:
    since = str(cluster.resource_version)
    add_pods(cluster, "a", "p1")
    add_pods(cluster, "b", "p2")
    watched = await api.watch("/api/v1/namespaces/b/pods", resourceVersion=since, stop_after=1)
    assert watched.names == ["p2"]


async def test_label_selector_turns_leaving_and_entering_into_deleted_and_added(
    cluster: Cluster, api: Api
) -> None:
    add_pods(cluster, "default", "p1", app="web")
    since = str(cluster.resource_version)
    cluster.mutate("pods", "default", "p1", relabel(app="other"))
    left_rv = cluster.resource_version
    cluster.mutate("pods", "default", "p1", relabel(app="web"))
    add_pods(cluster, "default", "p2", app="other")
    watched = await api.watch(
        "/api/v1/pods", resourceVersion=since, labelSelector="app=web", timeoutSeconds="1"
    )
    assert watched.types == ["DELETED", "ADDED"]
    deleted = watched.events[0]["object"]["metadata"]
    assert (deleted["labels"], deleted["resourceVersion"]) == ({"app": "web"}, str(left_rv))


async def test_bad_watch_parameters_are_400(api: Api) -> None:
    for params in ({"resourceVersion": "x"}, {"timeoutSeconds": "soon"}):
        watched = await api.watch("/api/v1/pods", query=params)
        assert (watched.status, watched.events[0]["reason"]) == (400, "BadRequest")


async def test_stop_ends_watches_promptly(
    cluster: Cluster, server: SimulatedApiServer, api: Api
) -> None:
    watching = asyncio.create_task(
        api.watch("/api/v1/pods", resourceVersion=str(cluster.resource_version))
    )
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await server.stop()
    watched = await watching
    assert watched.ending == "eof"
    assert time.monotonic() - started < 1.5
