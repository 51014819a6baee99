"""Unserved resources look like a missing API group; forbidden ones like missing RBAC."""

from __future__ import annotations

import pytest

from exporter.sim.server import DEFAULT_USER, SimulatedApiServer

from .wire import Api


async def test_unserved_resource_is_404_not_found_status(
    server: SimulatedApiServer, api: Api
) -> None:
    server.set_served("endpointslices", served=False)
    reply = await api.get("/apis/discovery.k8s.io/v1/endpointslices")
    assert reply.status == 404
    assert reply.body["reason"] == "NotFound"
    assert reply.body["message"] == "the server could not find the requested resource"
    groups = (await api.get("/apis")).body["groups"]
    assert [group["name"] for group in groups] == ["apps"]


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (
            "/api/v1/pods",
            {},
            f'pods is forbidden: User "{DEFAULT_USER}" cannot list resource "pods" '
            'in API group "" at the cluster scope',
        ),
        (
            "/api/v1/namespaces/shop/pods",
            {"watch": "true"},
            f'pods is forbidden: User "{DEFAULT_USER}" cannot watch resource "pods" '
            'in API group "" in the namespace "shop"',
        ),
    ],
)
async def test_forbidden_resource_is_403_with_rbac_message(
    server: SimulatedApiServer, api: Api, path: str, params: dict[str, str], message: str
) -> None:
    server.set_forbidden("pods")
    reply = await api.get(path, **params)
    assert reply.status == 403
    assert reply.body["reason"] == "Forbidden"
    assert reply.body["message"] == message
    assert reply.body["details"] == {"kind": "pods"}


async def test_forbidden_group_resource_is_qualified(server: SimulatedApiServer, api: Api) -> None:
    server.set_forbidden("deployments")
    reply = await api.get("/apis/apps/v1/deployments")
    assert reply.body["message"].startswith("deployments.apps is forbidden: ")
    assert reply.body["details"] == {"group": "apps", "kind": "deployments"}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/deployments", "/apis/apps/v1/pods", "/apis/apps/v2/deployments", "/nowhere"],
)
async def test_resource_under_the_wrong_group_is_404(api: Api, path: str) -> None:
    reply = await api.get(path)
    assert reply.status == 404
    assert reply.body["kind"] == "Status"


async def test_discovery_describes_what_is_served(api: Api) -> None:
    version = (await api.get("/version")).body
    core = (await api.get("/api/v1")).body
    apps = (await api.get("/apis/apps/v1")).body
    assert version["gitVersion"] == "v1.29.0"
    assert (await api.get("/api")).body["versions"] == ["v1"]
    assert [r["name"] for r in core["resources"]] == ["pods", "services", "events"]
    assert [r["kind"] for r in apps["resources"]] == [
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
    ]
    assert (await api.get("/healthz")).body == "ok"


async def test_writes_over_http_are_not_served(api: Api) -> None:
    async with api.session.post("/api/v1/namespaces/shop/pods", json={}) as response:
        assert response.status == 405
        assert (await response.json())["reason"] == "MethodNotAllowed"
