"""Faults fire on command, once per queued shot, and every request is recorded."""

from __future__ import annotations

import asyncio
import time

import pytest

from exporter.sim.cluster import Cluster
from exporter.sim.faults import FaultKind
from exporter.sim.server import SimulatedApiServer

from .builders import add_pods
from .wire import Api


@pytest.fixture
def three_pods(cluster: Cluster) -> None:
    add_pods(cluster, "default", "p1", "p2", "p3")


@pytest.mark.usefixtures("three_pods")
async def test_drop_mid_stream_cuts_the_connection_after_n_events(
    server: SimulatedApiServer, api: Api
) -> None:
    server.faults.drop_mid_stream(after_events=2)
    watched = await api.watch("/api/v1/pods")
    assert (watched.ending, watched.names, watched.leftover) == ("broken", ["p1", "p2"], b"")
    again = await api.watch("/api/v1/pods", stop_after=3)
    assert again.names == ["p1", "p2", "p3"]


@pytest.mark.usefixtures("three_pods")
async def test_drop_mid_line_leaves_half_an_event(server: SimulatedApiServer, api: Api) -> None:
    server.faults.drop_mid_line(after_events=1)
    watched = await api.watch("/api/v1/pods")
    assert (watched.ending, watched.names) == ("broken", ["p1"])
    assert watched.leftover.startswith(b'{"type":"ADDED","object":')
    assert not watched.leftover.endswith(b"\n")


async def test_gone_http_answers_the_watch_with_410_status(
    cluster: Cluster, server: SimulatedApiServer, api: Api
) -> None:
    server.faults.gone_http()
    rv = str(cluster.resource_version)
    watched = await api.watch("/api/v1/pods", resourceVersion=rv)
    assert watched.status == 410
    assert (watched.events[0]["reason"], watched.events[0]["code"]) == ("Expired", 410)


@pytest.mark.usefixtures("three_pods")
async def test_gone_event_sends_an_error_event_in_stream(
    server: SimulatedApiServer, api: Api
) -> None:
    server.faults.gone_event(after_events=1)
    watched = await api.watch("/api/v1/pods")
    assert (watched.types, watched.ending) == (["ADDED", "ERROR"], "eof")
    assert watched.events[1]["object"]["code"] == 410


@pytest.mark.usefixtures("three_pods")
async def test_expire_continue_expires_only_a_continued_list(
    server: SimulatedApiServer, api: Api
) -> None:
    server.faults.expire_continue()
    first = await api.get("/api/v1/pods", limit="1")
    second = await api.get(
        "/api/v1/pods", limit="1", **{"continue": first.body["metadata"]["continue"]}
    )
    assert first.status == 200
    assert (second.status, second.body["reason"]) == (410, "Expired")


async def test_too_many_requests_is_apfs_plain_text_429(
    server: SimulatedApiServer, api: Api
) -> None:
    server.faults.too_many_requests(retry_after=3)
    throttled = await api.get("/api/v1/pods")
    assert throttled.status == 429
    assert throttled.headers["Retry-After"] == "3"
    assert throttled.body == "Too many requests, please try again later.\n"
    assert (await api.get("/api/v1/pods")).status == 200


async def test_too_many_requests_as_status(server: SimulatedApiServer, api: Api) -> None:
    server.faults.too_many_requests(retry_after=2, status_body=True, verb="watch")
    assert (await api.get("/api/v1/pods")).status == 200
    watched = await api.watch("/api/v1/pods")
    assert watched.status == 429
    assert watched.headers["Retry-After"] == "2"
    assert watched.events[0]["reason"] == "TooManyRequests"
    assert watched.events[0]["details"] == {"retryAfterSeconds": 2}


async def test_server_error_is_500_internal_error(server: SimulatedApiServer, api: Api) -> None:
    server.faults.server_error(resource="deployments", times=2)
    assert (await api.get("/api/v1/pods")).status == 200
    replies = [await api.get("/apis/apps/v1/deployments") for _ in range(3)]
    assert [r.status for r in replies] == [500, 500, 200]
    assert replies[0].body["reason"] == "InternalError"


@pytest.mark.usefixtures("three_pods")
async def test_stall_sends_headers_then_nothing(server: SimulatedApiServer, api: Api) -> None:
    server.faults.stall(5.0, verb="watch")
    with pytest.raises(TimeoutError):
        await api.watch("/api/v1/pods", stop_after=1, give_up_after=0.5)
    assert server.requests[-1].status == 200


@pytest.mark.usefixtures("three_pods")
async def test_stalled_list_arrives_late(server: SimulatedApiServer, api: Api) -> None:
    server.faults.stall(0.3)
    started = time.monotonic()
    reply = await api.get("/api/v1/pods")
    assert len(reply.body["items"]) == 3
    assert time.monotonic() - started >= 0.3


async def test_requests_are_recorded_with_status_and_fault(
    cluster: Cluster, server: SimulatedApiServer, api: Api
) -> None:
    server.faults.server_error()
    await api.get("/api/v1/pods", limit="5")
    await api.watch(
        "/api/v1/pods", resourceVersion=str(cluster.resource_version), timeoutSeconds="1"
    )
    recorded = [(r.path, r.query, r.status, r.fault) for r in server.requests]
    assert recorded == [
        ("/api/v1/pods", {"limit": "5"}, 500, FaultKind.SERVER_ERROR),
        (
            "/api/v1/pods",
            {
                "watch": "true",
                "resourceVersion": str(cluster.resource_version),
                "timeoutSeconds": "1",
            },
            200,
            None,
        ),
    ]


async def test_faults_only_hit_matching_resources(
    cluster: Cluster, server: SimulatedApiServer, api: Api
) -> None:
    fault = server.faults.gone_http(resource="services")
    watching = asyncio.create_task(api.watch("/api/v1/pods", stop_after=1))
    add_pods(cluster, "default", "p1")
    assert (await watching).status == 200
    assert (fault.fired, server.faults.pending) == (0, [fault])
