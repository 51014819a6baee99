"""LIST: typed lists, consistent pagination, selectors and the resourceVersion table."""

from __future__ import annotations

import base64
import json

import pytest

from exporter.sim.cluster import Cluster
from exporter.sim.server import SimulatedApiServer

from .builders import add_pods
from .wire import Api


async def test_list_is_a_typed_list_sorted_by_namespace_and_name(
    cluster: Cluster, api: Api
) -> None:
    add_pods(cluster, "b", "p2", "p1")
    add_pods(cluster, "a", "p3")
    body = (await api.get("/api/v1/pods")).body
    assert body["kind"] == "PodList"
    assert body["apiVersion"] == "v1"
    assert body["metadata"] == {"resourceVersion": str(cluster.resource_version)}
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in body["items"]] == [
        ("a", "p3"),
        ("b", "p1"),
        ("b", "p2"),
    ]
    assert all("kind" not in item and "apiVersion" not in item for item in body["items"])


async def test_namespaced_list_only_returns_that_namespace(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "a", "p1")
    add_pods(cluster, "b", "p2")
    body = (await api.get("/api/v1/namespaces/b/pods")).body
    assert [i["metadata"]["name"] for i in body["items"]] == ["p2"]


async def test_empty_list_has_empty_items_array(api: Api) -> None:
    assert (await api.get("/apis/apps/v1/deployments")).body["items"] == []


async def test_pages_come_from_the_first_pages_snapshot(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", "p1", "p2", "p3", "p4", "p5")
    first = (await api.get("/api/v1/pods", limit="2")).body
    snapshot_rv = first["metadata"]["resourceVersion"]
    cluster.delete("pods", "default", "p3")
    cluster.mutate("pods", "default", "p4", lambda pod: pod["metadata"].update(labels={"x": "y"}))
    add_pods(cluster, "default", "p6")

    names = [i["metadata"]["name"] for i in first["items"]]
    token = first["metadata"]["continue"]
    assert first["metadata"]["remainingItemCount"] == 3
    while token:
        page = (await api.get("/api/v1/pods", limit="2", **{"continue": token})).body
        assert page["metadata"]["resourceVersion"] == snapshot_rv
        names += [i["metadata"]["name"] for i in page["items"]]
        assert all("x" not in (i["metadata"].get("labels") or {}) for i in page["items"])
        token = page["metadata"].get("continue")
    assert names == ["p1", "p2", "p3", "p4", "p5"]


async def test_continue_token_uses_the_apiservers_encoding(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", "p1", "p2")
    token = (await api.get("/api/v1/pods", limit="1")).body["metadata"]["continue"]
    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert decoded == {
        "v": "meta.k8s.io/v1",
        "rv": cluster.resource_version,
        "start": "default/p1\x00",
    }


async def test_last_page_has_no_continue(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", "p1", "p2")
    body = (await api.get("/api/v1/pods", limit="2")).body
    assert "continue" not in body["metadata"]
    assert len(body["items"]) == 2


async def test_page_size_is_capped_by_the_server(
    cluster: Cluster, server: SimulatedApiServer, api: Api
) -> None:
    server.page_size_cap = 2
    add_pods(cluster, "default", "p1", "p2", "p3")
    body = (await api.get("/api/v1/pods", limit="500")).body
    assert len(body["items"]) == 2
    assert body["metadata"]["continue"]


async def test_continue_from_compacted_snapshot_is_410_expired(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", "p1", "p2")
    token = (await api.get("/api/v1/pods", limit="1")).body["metadata"]["continue"]
    for index in range(cluster.history_size + 1):
        add_pods(cluster, "churn", f"c{index}")
    reply = await api.get("/api/v1/pods", limit="1", **{"continue": token})
    assert reply.status == 410
    assert reply.body["reason"] == "Expired"
    assert reply.body["message"].startswith(
        "The provided continue parameter is too old to display a consistent list result. "
        "You can start a new list without the continue parameter"
    )
    inconsistent = reply.body["metadata"]["continue"]
    resumed = (await api.get("/api/v1/pods", limit="1", **{"continue": inconsistent})).body
    assert [i["metadata"]["name"] for i in resumed["items"]] == ["p2"]
    assert resumed["metadata"]["resourceVersion"] == str(cluster.resource_version)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["api-1", "web-1", "web-2"]),
        ("app==web,tier!=front", ["api-1", "web-2"]),
        ("tier", ["web-1", "db-1"]),
        ("!tier", ["api-1", "web-2"]),
        ("tier in (front,back)", ["web-1", "db-1"]),
        ("tier notin (front)", ["api-1", "db-1", "web-2"]),
        ("app=web,tier in (front)", ["web-1"]),
    ],
)
async def test_label_selector_filters_lists(
    cluster: Cluster, api: Api, selector: str, expected: list[str]
) -> None:
    add_pods(cluster, "default", "web-1", app="web", tier="front")
    add_pods(cluster, "default", "web-2", app="web")
    add_pods(cluster, "default", "api-1", app="web", role="api")
    add_pods(cluster, "default", "db-1", app="db", tier="back")
    body = (await api.get("/api/v1/pods", labelSelector=selector)).body
    assert sorted(i["metadata"]["name"] for i in body["items"]) == sorted(expected)


async def test_selective_pages_can_be_short_and_say_nothing_about_remaining(
    cluster: Cluster, api: Api
) -> None:
    add_pods(cluster, "default", "a1", app="a")
    add_pods(cluster, "default", "b1", "b2", app="b")
    page = (await api.get("/api/v1/pods", limit="1", labelSelector="app=a")).body
    assert [i["metadata"]["name"] for i in page["items"]] == ["a1"]
    assert "remainingItemCount" not in page["metadata"]
    last = (
        await api.get(
            "/api/v1/pods",
            limit="1",
            labelSelector="app=a",
            **{"continue": page["metadata"]["continue"]},
        )
    ).body
    assert last["items"] == []
    assert "continue" not in last["metadata"]


async def test_field_selector_on_metadata_name(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", "p1", "p2")
    body = (await api.get("/api/v1/pods", fieldSelector="metadata.name=p2")).body
    assert [i["metadata"]["name"] for i in body["items"]] == ["p2"]


@pytest.mark.parametrize(
    ("params", "code", "reason"),
    [
        ({"limit": "ten"}, 400, "BadRequest"),
        ({"resourceVersion": "abc"}, 400, "BadRequest"),
        ({"labelSelector": "app in web"}, 400, "BadRequest"),
        ({"fieldSelector": "status.phase=Running"}, 400, "BadRequest"),
        ({"continue": "not-a-token"}, 400, "BadRequest"),
        ({"continue": "x", "resourceVersion": "5"}, 400, "BadRequest"),
        ({"resourceVersionMatch": "Exact"}, 422, "Invalid"),
        ({"resourceVersionMatch": "Exact", "resourceVersion": "0"}, 422, "Invalid"),
    ],
)
async def test_malformed_list_requests_are_rejected(
    api: Api, params: dict[str, str], code: int, reason: str
) -> None:
    reply = await api.get("/api/v1/pods", **params)
    assert (reply.status, reply.body["reason"]) == (code, reason)


async def test_field_selector_error_names_the_field(api: Api) -> None:
    reply = await api.get("/api/v1/pods", fieldSelector="spec.nodeName=n1")
    assert reply.body["message"] == "field label not supported: spec.nodeName"


async def test_exact_list_serves_an_older_snapshot(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", "p1")
    then = cluster.resource_version
    add_pods(cluster, "default", "p2")
    body = (
        await api.get("/api/v1/pods", resourceVersion=str(then), resourceVersionMatch="Exact")
    ).body
    assert body["metadata"]["resourceVersion"] == str(then)
    assert [i["metadata"]["name"] for i in body["items"]] == ["p1"]


async def test_exact_list_older_than_history_is_410(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", *(f"p{i}" for i in range(cluster.history_size + 1)))
    reply = await api.get("/api/v1/pods", resourceVersion="1000", resourceVersionMatch="Exact")
    assert (reply.status, reply.body["reason"]) == (410, "Expired")
    assert reply.body["message"] == "The resourceVersion for the provided list is too old."


async def test_rv_zero_is_served_from_cache_and_ignores_limit(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "default", "p1", "p2", "p3")
    body = (await api.get("/api/v1/pods", resourceVersion="0", limit="1")).body
    assert len(body["items"]) == 3
    assert "continue" not in body["metadata"]


async def test_list_at_a_future_rv_times_out_with_504(cluster: Cluster, api: Api) -> None:
    future = cluster.resource_version + 10
    reply = await api.get("/api/v1/pods", resourceVersion=str(future))
    assert reply.status == 504
    assert reply.headers["Retry-After"] == "1"
    assert reply.body["details"]["causes"] == [
        {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
    ]


async def test_get_single_object_and_not_found(cluster: Cluster, api: Api) -> None:
    add_pods(cluster, "shop", "p1")
    found = await api.get("/api/v1/namespaces/shop/pods/p1")
    missing = await api.get("/api/v1/namespaces/shop/pods/p9")
    assert found.body["kind"] == "Pod"
    assert (missing.status, missing.body["message"]) == (404, 'pods "p9" not found')
