"""The exporter against the simulator: bad input, readiness, unavailable kinds, auth."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest
import yaml

from exporter.app import Exporter
from exporter.kube.client import ApiClient
from exporter.kube.credentials import load_credentials
from exporter.kube.resources import PODS, SERVICES
from exporter.sim.cluster import Cluster
from exporter.sim.kubeconfig import kubeconfig
from tests.exporter.test_watch_faults import pod
from tests.harness import FAST, eventually, index_matches, new_sim, running_exporter


def stats_of(exporter: Exporter, kind: str) -> list[object]:
    return [r.stats for r in exporter.reflectors if r.stats.kind == kind]


async def test_garbage_lines_and_malformed_objects_are_counted_and_skipped(
    tmp_path: Path,
) -> None:
    cluster = Cluster(history_size=200)
    cluster.create("pods", pod("web-0"))
    async with (
        new_sim(cluster) as server,
        running_exporter(server, tmp_path, resources=[PODS]) as running,
    ):
        (reflector,) = running.exporter.reflectors
        await eventually(lambda: index_matches(running.exporter, cluster, ["pods"]))
        rv = cluster.resource_version
        server.faults.raw_lines(
            (
                b"this is not json",
                b'{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"cut-in-ha',
                b'{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1"}}',
                b'{"type":"MODIFIED","object":{"metadata":{"name":5,"resourceVersion":"%d"}}}' % rv,
                b'{"type":"ADDED","object":{"metadata":{"name":"bad","namespace":"default",'
                b'"resourceVersion":"%d"},"spec":{"containers":"not-a-list"}}}' % rv,
                b'{"type":"SURPRISE","object":{}}',
            ),
            resource="pods",
        )
        cluster.create("pods", pod("web-1"))
        await eventually(lambda: reflector.stats.decode_errors.total() >= 6, what="6 skips")
        cluster.create("pods", pod("web-2"))
        await eventually(lambda: index_matches(running.exporter, cluster, ["pods"]))
        assert reflector.stats.decode_errors == {
            "invalid_json": 2,
            "invalid_object": 3,
            "unknown_event_type": 1,
        }
        assert reflector.stats.restarts["connection"] == 0, "the watch went on"


async def test_malformed_object_in_a_list_is_skipped(tmp_path: Path) -> None:
    cluster = Cluster(history_size=200)
    for i in range(3):
        cluster.create("pods", pod(f"web-{i}"))
    cluster.create("pods", pod("broken", spec={"containers": "not-a-list"}))
    cluster.create("pods", pod("no-status", status=["wrong"]))
    async with (
        new_sim(cluster) as server,
        running_exporter(server, tmp_path, resources=[PODS]) as running,
    ):
        (reflector,) = running.exporter.reflectors
        await reflector.synced.wait()
        truth = cluster.truth("pods")
        del truth["default/broken"], truth["default/no-status"]
        assert running.exporter.index.pods.resource_versions() == truth
        assert reflector.stats.decode_errors["invalid_object"] == 2


async def test_readyz_is_503_until_every_kind_listed(tmp_path: Path) -> None:
    cluster = Cluster()
    cluster.create("pods", pod("web-0"))
    async with new_sim(cluster) as server:
        server.faults.stall(1.5, resource="services", verb="list")
        async with running_exporter(server, tmp_path) as running, aiohttp.ClientSession() as http:
            await eventually(lambda: running.exporter.index.pods.get("default/web-0") is not None)
            async with http.get(running.url + "/readyz") as response:
                assert response.status == 503
            async with http.get(running.url + "/healthz") as response:
                assert response.status == 200
            await eventually(running.exporter.is_ready, what="ready")
            async with http.get(running.url + "/readyz") as response:
                assert response.status == 200


async def test_unavailable_kinds_are_reported_and_the_rest_works(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cluster = Cluster()
    cluster.create("pods", pod("web-0"))
    async with new_sim(cluster) as server:
        server.set_forbidden("events")
        server.set_served("endpointslices", False)
        with caplog.at_level(logging.WARNING, logger="exporter.kube.reflector"):
            async with (
                running_exporter(server, tmp_path) as running,
                aiohttp.ClientSession() as http,
            ):
                await eventually(running.exporter.is_ready, what="ready despite two kinds")
                assert index_matches(running.exporter, cluster, ["pods"])
                async with http.get(running.url + "/metrics") as response:
                    text = await response.text()
                assert 'rollout_exporter_resource_available{kind="events"} 0.0' in text
                assert 'rollout_exporter_resource_available{kind="endpointslices"} 0.0' in text
                assert 'rollout_exporter_resource_available{kind="pods"} 1.0' in text
                # Retries (every 0.5 s here) do not repeat the log line.
                await eventually(
                    lambda: sum(1 for r in server.requests if r.path.endswith("/events")) >= 3
                )
                server.set_forbidden("events", False)
                await eventually(
                    lambda: all(
                        r.stats.available
                        for r in running.exporter.reflectors
                        if r.stats.kind == "events"
                    ),
                    what="events available again",
                )
        unavailable = [
            r for r in caplog.records if r.getMessage().startswith("resource unavailable")
        ]
        assert sorted(r.kind for r in unavailable) == ["endpointslices", "events"]


async def test_rotated_token_is_picked_up_after_a_401(tmp_path: Path) -> None:
    """Bound service-account tokens rotate: a 401 makes the client re-read its token file."""
    token_file = tmp_path / "token"
    token_file.write_text("first-token")
    cluster = Cluster()
    cluster.create("services", {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}}})
    async with new_sim(cluster) as server:
        server.set_tokens(["first-token"])
        config = tmp_path / "kubeconfig"
        user = {"tokenFile": str(token_file)}
        config.write_text(
            yaml.safe_dump(
                kubeconfig(server.url, "unused") | {"users": [{"name": "simulator", "user": user}]}
            )
        )
        credentials = load_credentials(kubeconfig=str(config), context=None, recheck_interval=3600)
        async with ApiClient(credentials) as client:
            exporter = Exporter(client, settings=FAST, resources=[SERVICES])
            task = asyncio.create_task(exporter.run())
            try:
                await eventually(lambda: index_matches(exporter, cluster, ["services"]))
                token_file.write_text("second-token")
                server.set_tokens(["second-token"])
                # The open watch outlives the rotation; its successor meets the 401.
                await eventually(lambda: any(r.status == 401 for r in server.requests), what="401")
                cluster.mutate(
                    "services", "default", "web", lambda s: s["spec"].update(selector={"app": "v2"})
                )
                await eventually(lambda: index_matches(exporter, cluster, ["services"]))
                first_401 = next(i for i, r in enumerate(server.requests) if r.status == 401)
                assert server.requests[first_401 + 1].status == 200, "retried with the new token"
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
