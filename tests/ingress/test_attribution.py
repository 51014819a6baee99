"""Access lines joined with the Pod-IP timeline: which revision, which state, which cause.

One Deployment `web` rolls from revision h1 to h2 (the new ReplicaSet is created at +90 s).
Its old Pod held 10.0.0.1 (Ready at +5, terminating from +100, gone at +140); a new Pod
gets the same IP at +200. Another new Pod, 10.0.0.2, turns Ready at +95.
"""

from __future__ import annotations

from typing import Any

import pytest

from exporter.index.cluster import ClusterIndex
from exporter.ingress.attribution import IngressAttributor
from exporter.rollout.tracker import RolloutTracker
from tests.rollout.objects import T0_EPOCH, at, deployment, pod, replicaset, service

NOW = [T0_EPOCH]


def owned(rs: str, uid: str) -> list[dict[str, Any]]:
    return [{"kind": "ReplicaSet", "name": rs, "uid": uid, "controller": True}]


def web_pod(name: str, revision: str, ip: str, *, start: float, ready: float, **meta: Any) -> Any:
    return pod(
        metadata={
            "name": name,
            "uid": name,
            "labels": {"app": "web", "pod-template-hash": revision},
            "ownerReferences": owned(f"web-{revision}", f"rs-{revision}"),
            **meta,
        },
        status={
            "phase": "Running",
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": at(start),
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": at(ready)}],
        },
    )


@pytest.fixture
def attributor() -> IngressAttributor:
    index = ClusterIndex()
    rollouts = RolloutTracker(index, clock=lambda: NOW[0])
    sink = IngressAttributor(index, rollouts, clock=lambda: NOW[0], warm_seconds=10)
    rollouts.mark_synced()
    template = {"metadata": {"labels": {"app": "web"}}}
    index.deployments.upsert(
        deployment(
            metadata={
                "name": "web",
                "uid": "d",
                "annotations": {"deployment.kubernetes.io/revision": "2"},
            },
            spec={"replicas": 2, "template": template},
            status={
                "replicas": 3,
                "updatedReplicas": 1,
                "conditions": [
                    {
                        "type": "Progressing",
                        "status": "True",
                        "reason": "ReplicaSetUpdated",
                        "lastUpdateTime": at(95),
                    }
                ],
            },
        )
    )
    for revision, number, created in (("h1", "1", 0), ("h2", "2", 90)):
        index.replicasets.upsert(
            replicaset(
                metadata={
                    "name": f"web-{revision}",
                    "uid": f"rs-{revision}",
                    "creationTimestamp": at(created),
                    "labels": {"pod-template-hash": revision},
                    "annotations": {"deployment.kubernetes.io/revision": number},
                    "ownerReferences": [
                        {"kind": "Deployment", "name": "web", "uid": "d", "controller": True}
                    ],
                }
            )
        )
    index.services.upsert(
        service(
            metadata={"name": "web", "uid": "s"},
            spec={"selector": {"app": "web"}, "ports": [{"port": 80}]},
        )
    )
    NOW[0] = T0_EPOCH + 10
    index.pods.upsert(web_pod("old", "h1", "10.0.0.1", start=0, ready=5))
    index.pods.upsert(web_pod("new2", "h2", "10.0.0.2", start=91, ready=95))
    NOW[0] = T0_EPOCH + 120
    index.pods.upsert(
        web_pod(
            "old",
            "h1",
            "10.0.0.1",
            start=0,
            ready=5,
            deletionTimestamp=at(130),
            deletionGracePeriodSeconds=30,
            resourceVersion="2",
        )
    )
    NOW[0] = T0_EPOCH + 140
    index.pods.delete(web_pod("old", "h1", "10.0.0.1", start=0, ready=5))
    NOW[0] = T0_EPOCH + 210
    index.pods.upsert(web_pod("new1", "h2", "10.0.0.1", start=200, ready=203))
    rollouts.flush()
    return sink


def access(
    status: int,
    address: str,
    upstream_status: str,
    *,
    upstream: str = "default-web-80",
    length: str = "10",
    seconds: str = "0.003",
) -> bytes:
    return (
        f'192.0.2.1 - - [23/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" {status} 10 "-" '
        f'"curl/8" 100 {seconds} [{upstream}] [] {address} {length} {seconds} '
        f"{upstream_status} 0123456789abcdef0123456789abcdef"
    ).encode()


def refused(address: str) -> bytes:
    return (
        b"2026/11/23 10:00:00 [error] 31#31: *569 connect() failed (111: Connection refused)"
        b' while connecting to upstream, client: 192.0.2.1, server: _, request: "GET /'
        b' HTTP/1.1", upstream: "http://' + address.encode() + b'/", host: "web"'
    )


def scrape(sink: IngressAttributor) -> str:
    sink.flush()
    return b"".join(f.body() for f in sink.families.values()).decode()


WEB = 'namespace="default",workload_kind="Deployment",workload="web"'

CASES = {
    "200 from the old revision before the rollout": (
        [(5 + 45, access(200, "10.0.0.1:8080", "200"))],
        f'rollout_ingress_requests_total{{{WEB},revision="h1",status="2xx"}} 1',
    ),
    "app-returned 502 outside a rollout": (
        [(50, access(502, "10.0.0.1:8080", "502", length="150"))],
        f'rollout_ingress_5xx_total{{{WEB},revision="h1",pod_state="ready",cause="app",'
        'during_rollout="false"} 1',
    ),
    "refused by the terminating old Pod during the rollout": (
        [(110, refused("10.0.0.1:8080")), (110, access(502, "10.0.0.1:8080", "502", length="0"))],
        f'rollout_ingress_5xx_total{{{WEB},revision="h1",pod_state="terminating",'
        'cause="refused",during_rollout="true"} 1',
    ),
    "the old Pod's IP after it was deleted": (
        [(150, access(502, "10.0.0.1:8080", "502", length="0"))],
        f'rollout_ingress_5xx_total{{{WEB},revision="h1",pod_state="gone",cause="app",'
        'during_rollout="true"} 1',
    ),
    "the same IP reused by a new Pod is attributed by time": (
        [(250, access(200, "10.0.0.1:8080", "200"))],
        f'rollout_ingress_requests_total{{{WEB},revision="h2",status="2xx"}} 1',
    ),
    "a new Pod Ready for less than the warm-up": (
        [(97, access(503, "10.0.0.2:8080", "503", length="20"))],
        f'rollout_ingress_5xx_total{{{WEB},revision="h2",pod_state="warming",cause="app",'
        'during_rollout="true"} 1',
    ),
    "503 with no upstream: the Service has no endpoints": (
        [(120, access(503, "-", "-", length="-", seconds="-"))],
        f'rollout_ingress_5xx_total{{{WEB},revision="",pod_state="unknown",'
        'cause="no_endpoints",during_rollout="true"} 1',
    ),
    "503 behind a Service whose selector matches nothing": (
        [(120, access(503, "-", "-", upstream="default-web-legacy-80", length="-", seconds="-"))],
        'rollout_ingress_5xx_total{namespace="",workload_kind="",workload="",revision="",'
        'pod_state="unknown",cause="no_endpoints",during_rollout="false"} 1',
    ),
    "an IP no Pod ever had, behind no known Service": (
        [(120, access(502, "10.9.9.9:8080", "502", upstream="elsewhere-api-80"))],
        'rollout_ingress_5xx_total{namespace="",workload_kind="",workload="",revision="",'
        'pod_state="unknown",cause="app",during_rollout="false"} 1',
    ),
}


@pytest.mark.parametrize(("lines", "expected"), CASES.values(), ids=CASES)
def test_attribution(
    attributor: IngressAttributor, lines: list[tuple[float, bytes]], expected: str
) -> None:
    for offset, line in lines:
        attributor.feed("replay:test", line, timestamp=T0_EPOCH + offset)
    assert expected in scrape(attributor).splitlines()


def test_series_of_a_deleted_workload_disappear(attributor: IngressAttributor) -> None:
    attributor.feed("replay:test", access(200, "10.0.0.2:8080", "200"), timestamp=T0_EPOCH + 250)
    assert "rollout_ingress_requests_total" in scrape(attributor)
    attributor._index.deployments.delete(deployment(metadata={"name": "web"}))
    assert WEB not in scrape(attributor)


def test_garbage_is_counted_per_source(attributor: IngressAttributor) -> None:
    for line in (b"", b"not a log line", access(200, "10.0.0.2:8080", "200")[:40]):
        attributor.feed("file:/var/log/x", line)
    stats = attributor.sources["file"]
    assert stats.lines == 3
    (parse,) = stats.parse.values()
    assert parse.skipped.total() == 3
