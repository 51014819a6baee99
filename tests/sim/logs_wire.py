"""Pods with running containers, and a plain reader for the pod log endpoint.

The reader splits the raw body itself, so tests see exactly what went over the socket:
how the response ended (cleanly, or cut) and any half line left at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
from multidict import CIMultiDictProxy

from exporter.sim import objects
from exporter.sim.cluster import Cluster
from exporter.sim.control.kubelet import become_ready, schedule, start
from exporter.sim.resources import JsonObj

CONTROLLER_LABELS = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/component": "controller",
}


def running_pod(
    cluster: Cluster,
    name: str,
    *,
    namespace: str = "ingress-nginx",
    containers: Sequence[str] = ("controller",),
    labels: dict[str, str] | None = None,
) -> JsonObj:
    """A scheduled pod whose containers run and are ready, with an address of its node."""
    template = objects.pod_template(
        labels or CONTROLLER_LABELS,
        [objects.container(container, "registry.example/proxy:1.0") for container in containers],
    )
    pod = objects.pod(name, namespace, template)
    now = cluster.clock.now()
    schedule(pod, now, ("node-a",))
    start(pod, now, cluster.pod_network.allocate("node-a", namespace, name))
    become_ready(pod, now)
    return cluster.create("pods", pod)


def waiting_pod(cluster: Cluster, name: str, *, namespace: str = "ingress-nginx") -> JsonObj:
    """A pod whose container is still being created (scheduled, no log yet)."""
    template = objects.pod_template(
        CONTROLLER_LABELS, [objects.container("controller", "registry.example/proxy:1.0")]
    )
    pod = objects.pod(name, namespace, template)
    schedule(pod, cluster.clock.now(), ("node-a",))
    return cluster.create("pods", pod)


@dataclass
class LogReply:
    status: int
    headers: CIMultiDictProxy[str]
    lines: list[str] = field(default_factory=list)
    ending: str = "eof"
    """`eof` for a clean end, `broken` for a cut connection, `stopped` when we stopped."""
    leftover: bytes = b""
    error: dict[str, object] | None = None
    """The Status body of an error answer (`{"text": ...}` when it is not JSON)."""


async def read_log(
    session: aiohttp.ClientSession,
    path: str,
    *,
    stop_after: int | None = None,
    give_up_after: float = 5.0,
    query: dict[str, str] | None = None,
    **params: str,
) -> LogReply:
    """GET a log until it ends, breaks, or `stop_after` lines arrived; never hangs."""
    params = {**(query or {}), **params}
    async with asyncio.timeout(give_up_after), session.get(path, params=params) as response:
        reply = LogReply(response.status, response.headers)
        if response.status != 200:
            if response.content_type == "application/json":
                reply.error = await response.json()
            else:
                reply.error = {"text": await response.text()}
            return reply
        buffer = b""
        try:
            while stop_after is None or len(reply.lines) < stop_after:
                chunk = await response.content.readany()
                if not chunk:
                    break
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                reply.lines += [line.decode() for line in complete]
        except aiohttp.ClientPayloadError:
            reply.ending = "broken"
        else:
            if stop_after is not None and len(reply.lines) >= stop_after:
                reply.ending = "stopped"
        reply.leftover = buffer
        return reply
