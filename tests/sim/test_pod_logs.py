"""GET /api/v1/namespaces/{ns}/pods/{name}/log, as kube-apiserver and the kubelet answer it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest

from exporter.sim.clock import EPOCH, ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.faults import FaultKind
from exporter.sim.server import SimulatedApiServer

from .logs_wire import read_log, running_pod, waiting_pod
from .wire import Api

NS = "ingress-nginx"
POD = "controller-0"
LOG = f"/api/v1/namespaces/{NS}/pods/{POD}/log"


def at(seconds: float) -> object:
    return EPOCH + timedelta(seconds=seconds)


@pytest.fixture
def pod(cluster: Cluster) -> None:
    running_pod(cluster, POD)
    for second, text in ((4.9, "a"), (5.0, "b"), (5.5, "c"), (7.25, "d")):
        cluster.append_log(NS, POD, "controller", text, at=EPOCH + timedelta(seconds=second))


@pytest.mark.usefixtures("pod")
async def test_log_is_plain_text_one_line_per_write(api: Api) -> None:
    reply = await read_log(api.session, LOG)
    assert (reply.status, reply.headers["Content-Type"]) == (200, "text/plain")
    assert reply.headers["Transfer-Encoding"] == "chunked"
    assert (reply.lines, reply.ending, reply.leftover) == (["a", "b", "c", "d"], "eof", b"")


@pytest.mark.usefixtures("pod")
async def test_timestamps_prefix_each_line_with_rfc3339_nano_fixed(api: Api) -> None:
    reply = await read_log(api.session, LOG, timestamps="true")
    assert reply.lines == [
        "2024-01-01T00:00:04.900000000Z a",
        "2024-01-01T00:00:05.000000000Z b",
        "2024-01-01T00:00:05.500000000Z c",
        "2024-01-01T00:00:07.250000000Z d",
    ]


TAIL_AND_SINCE = {
    "tailLines keeps the last lines": ({"tailLines": "2"}, ["c", "d"]),
    "tailLines=0 starts at the end": ({"tailLines": "0"}, []),
    "tailLines larger than the log is the whole log": ({"tailLines": "9"}, ["a", "b", "c", "d"]),
    "sinceTime is cut to its second on the way to the kubelet": (
        {"sinceTime": "2024-01-01T00:00:05.700000000Z"},
        ["b", "c", "d"],
    ),
    "sinceTime with a zone offset": ({"sinceTime": "2024-01-01T01:00:06+01:00"}, ["d"]),
    "sinceSeconds counts back from the cluster's clock": ({"sinceSeconds": "3"}, ["c", "d"]),
    "tailLines and sinceTime both apply": (
        {"tailLines": "3", "sinceTime": "2024-01-01T00:00:05.900Z"},
        ["b", "c", "d"],
    ),
}


@pytest.mark.usefixtures("pod")
@pytest.mark.parametrize(("params", "expected"), TAIL_AND_SINCE.values(), ids=TAIL_AND_SINCE)
async def test_tail_and_since_select_lines(
    api: Api, clock: ManualClock, params: dict[str, str], expected: list[str]
) -> None:
    clock.advance(8.5)
    reply = await read_log(api.session, LOG, query=params)
    assert (reply.status, reply.lines) == (200, expected)


INVALID = {
    "both sinceTime and sinceSeconds": (
        {"sinceSeconds": "5", "sinceTime": "2024-01-01T00:00:00Z"},
        422,
        'PodLogOptions "controller-0" is invalid: : Forbidden: at most one of `sinceTime` or '
        "`sinceSeconds` may be specified",
    ),
    "negative tailLines": (
        {"tailLines": "-1"},
        422,
        'PodLogOptions "controller-0" is invalid: tailLines: Invalid value: -1: '
        "must be greater than or equal to 0",
    ),
    "sinceSeconds below one": (
        {"sinceSeconds": "0"},
        422,
        'PodLogOptions "controller-0" is invalid: sinceSeconds: Invalid value: 0: '
        "must be greater than 0",
    ),
    "tailLines that is no integer": (
        {"tailLines": "ten"},
        400,
        'strconv.ParseInt: parsing "ten": invalid syntax',
    ),
    "sinceTime that is no RFC 3339 time": (
        {"sinceTime": "yesterday"},
        400,
        'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" '
        'as "2006-01-02T15:04:05Z07:00"',
    ),
}


@pytest.mark.usefixtures("pod")
@pytest.mark.parametrize(("params", "code", "message"), INVALID.values(), ids=INVALID)
async def test_invalid_options_are_refused_before_the_pod_is_looked_up(
    api: Api, params: dict[str, str], code: int, message: str
) -> None:
    reply = await read_log(api.session, f"/api/v1/namespaces/{NS}/pods/nobody/log", query=params)
    assert reply.error is not None
    assert (reply.status, reply.error["code"], reply.error["message"]) == (
        code,
        code,
        message.replace("controller-0", "nobody"),
    )


async def test_unknown_pod_is_404_not_found(api: Api) -> None:
    reply = await read_log(api.session, LOG)
    assert reply.error is not None
    assert (reply.status, reply.error["reason"], reply.error["message"]) == (
        404,
        "NotFound",
        'pods "controller-0" not found',
    )
    assert reply.error["details"] == {"name": POD, "kind": "pods"}


async def test_container_waiting_to_start_is_400_with_the_kubelets_message(
    cluster: Cluster, api: Api
) -> None:
    waiting_pod(cluster, POD)
    reply = await read_log(api.session, LOG, follow="true")
    assert reply.error is not None
    assert (reply.status, reply.error["reason"], reply.error["message"]) == (
        400,
        "BadRequest",
        'container "controller" in pod "controller-0" is waiting to start: ContainerCreating',
    )


async def test_unscheduled_pod_answers_an_empty_log(cluster: Cluster, api: Api) -> None:
    running = running_pod(cluster, "placed")
    del running["spec"]["nodeName"]
    running["metadata"]["name"] = POD
    cluster.create("pods", running)
    reply = await read_log(api.session, LOG)
    assert (reply.status, reply.lines, reply.ending) == (200, [], "eof")


async def test_pod_with_several_containers_needs_the_container_named(
    cluster: Cluster, api: Api
) -> None:
    running_pod(cluster, POD, containers=("controller", "sidecar"))
    cluster.append_log(NS, POD, "sidecar", "from the sidecar")
    unnamed = await read_log(api.session, LOG)
    unknown = await read_log(api.session, LOG, container="nginx")
    named = await read_log(api.session, LOG, container="sidecar")
    assert unnamed.error is not None
    assert unknown.error is not None
    assert (unnamed.status, unnamed.error["message"]) == (
        400,
        "a container name must be specified for pod controller-0, "
        "choose one of: [controller sidecar]",
    )
    assert (unknown.status, unknown.error["message"]) == (
        400,
        "container nginx is not valid for pod controller-0",
    )
    assert named.lines == ["from the sidecar"]


@pytest.mark.usefixtures("pod")
async def test_follow_sends_the_backlog_then_new_lines_as_they_are_written(
    cluster: Cluster, api: Api
) -> None:
    async def write_later() -> None:
        await asyncio.sleep(0.1)
        cluster.append_log(NS, POD, "controller", "e")
        cluster.append_log(NS, POD, "controller", "f\ng")

    writer = asyncio.create_task(write_later())
    reply = await read_log(api.session, LOG, follow="true", stop_after=7)
    await writer
    assert (reply.lines, reply.ending) == (["a", "b", "c", "d", "e", "f", "g"], "stopped")


@pytest.mark.usefixtures("pod")
async def test_follow_ends_cleanly_when_the_pod_is_deleted(cluster: Cluster, api: Api) -> None:
    async def delete_later() -> None:
        await asyncio.sleep(0.1)
        cluster.append_log(NS, POD, "controller", "last words")
        cluster.delete("pods", NS, POD)

    deleter = asyncio.create_task(delete_later())
    reply = await read_log(api.session, LOG, follow="true", tailLines="1")
    await deleter
    assert (reply.lines, reply.ending) == (["d", "last words"], "eof")


@pytest.mark.usefixtures("pod")
async def test_follow_ends_when_the_server_stops(server: SimulatedApiServer, api: Api) -> None:
    reading = asyncio.create_task(read_log(api.session, LOG, follow="true", tailLines="0"))
    await asyncio.sleep(0.1)
    await server.stop()
    reply = await reading
    assert reply.lines == []


@pytest.mark.usefixtures("pod")
async def test_recreated_pod_starts_with_an_empty_log(cluster: Cluster, api: Api) -> None:
    cluster.delete("pods", NS, POD)
    running_pod(cluster, POD)
    reply = await read_log(api.session, LOG)
    assert reply.lines == []


@pytest.mark.usefixtures("pod")
async def test_a_request_without_a_token_is_401(server: SimulatedApiServer) -> None:
    async with aiohttp.ClientSession(server.url) as session:
        reply = await read_log(session, LOG)
    assert (reply.status, reply.error and reply.error["reason"]) == (401, "Unauthorized")


@pytest.mark.usefixtures("pod")
async def test_pods_log_can_be_forbidden_while_pods_stay_readable(
    server: SimulatedApiServer, api: Api
) -> None:
    server.set_forbidden("pods/log")
    reply = await read_log(api.session, LOG)
    listed = await api.get(f"/api/v1/namespaces/{NS}/pods")
    assert reply.error is not None
    assert (reply.status, reply.error["message"], listed.status) == (
        403,
        'pods "controller-0" is forbidden: User '
        '"system:serviceaccount:monitoring:rollout-exporter" cannot get resource "pods/log" '
        'in API group "" in the namespace "ingress-nginx"',
        200,
    )


@pytest.mark.usefixtures("pod")
async def test_drop_mid_stream_cuts_a_log_after_n_lines(
    server: SimulatedApiServer, api: Api
) -> None:
    server.faults.drop_mid_stream(after_events=2, verb="log")
    cut = await read_log(api.session, LOG, follow="true")
    again = await read_log(api.session, LOG)
    assert (cut.lines, cut.ending, cut.leftover) == (["a", "b"], "broken", b"")
    assert again.lines == ["a", "b", "c", "d"]
    assert [r.fault for r in server.requests if r.path == LOG] == [FaultKind.DROP_MID_STREAM, None]


@pytest.mark.usefixtures("pod")
async def test_drop_mid_line_leaves_half_a_line(server: SimulatedApiServer, api: Api) -> None:
    server.faults.drop_mid_line(after_events=1, verb="log")
    cut = await read_log(api.session, LOG, timestamps="true")
    assert (cut.lines, cut.ending) == (["2024-01-01T00:00:04.900000000Z a"], "broken")
    assert cut.leftover == b"2024-01-01T00:00"


@pytest.mark.usefixtures("pod")
async def test_log_faults_do_not_fire_on_watches(server: SimulatedApiServer, api: Api) -> None:
    server.faults.too_many_requests(retry_after=2, verb="log")
    watched = await api.watch(f"/api/v1/namespaces/{NS}/pods", stop_after=1)
    throttled = await read_log(api.session, LOG)
    assert (watched.status, throttled.status) == (200, 429)
    assert throttled.headers["Retry-After"] == "2"


@pytest.mark.usefixtures("pod")
async def test_stall_holds_the_log_back_after_the_headers(
    server: SimulatedApiServer, api: Api
) -> None:
    server.faults.stall(0.3, verb="log")
    loop = asyncio.get_running_loop()
    started = loop.time()
    reply = await read_log(api.session, LOG)
    assert reply.lines == ["a", "b", "c", "d"]
    assert loop.time() - started >= 0.3
