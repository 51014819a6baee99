"""The EndpointSlice controller: one slice per selector Service, listing matching pods.

Pods without an IP are left out; terminating pods stay listed with `terminating: true`
and `ready: false` (and `serving` as their readiness), as since Kubernetes 1.22. A
Service whose selector matches nothing gets a slice with `"endpoints": null`. Pods whose
subdomain is the Service (StatefulSet pods behind their governing Service) are listed with
their hostname, as the real controller does (ShouldSetHostname).
"""

from __future__ import annotations

from datetime import datetime

from exporter.sim import objects
from exporter.sim.clock import rfc3339
from exporter.sim.cluster import Cluster
from exporter.sim.control.kubelet import is_ready
from exporter.sim.control.ownership import labels_match
from exporter.sim.objects.networking import MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL
from exporter.sim.resources import JsonObj


def slice_name(service: JsonObj) -> str:
    meta = service["metadata"]
    return f"{meta['name']}-{objects.suffix(meta.get('uid', meta['name']))}"


def endpoints_for(service: JsonObj, pods: list[JsonObj]) -> list[JsonObj]:
    selector = service["spec"].get("selector") or {}
    chosen = [p for p in pods if labels_match(selector, p) and p["status"].get("podIP")]
    result = []
    for pod in sorted(chosen, key=lambda p: p["metadata"]["name"]):
        ready = is_ready(pod)
        terminating = "deletionTimestamp" in pod["metadata"]
        hostname = pod["spec"].get("hostname")
        named = bool(hostname) and pod["spec"].get("subdomain") == service["metadata"]["name"]
        result.append(
            objects.endpoint(
                pod["status"]["podIP"],
                pod,
                ready=ready and not terminating,
                serving=ready,
                terminating=terminating,
                hostname=hostname if named else None,
            )
        )
    return result


def _refresh(existing: JsonObj, desired: JsonObj) -> None:
    existing["endpoints"] = desired["endpoints"]
    existing["ports"] = desired["ports"]
    existing["metadata"]["annotations"] = desired["metadata"]["annotations"]


class EndpointSliceController:
    def __init__(self, cluster: Cluster, namespace: str | None = None) -> None:
        self._cluster = cluster
        self._namespace = namespace

    def step(self, now: datetime) -> None:
        wanted = {
            self._sync(service, now)
            for service in self._cluster.list("services", self._namespace)
            if service["spec"].get("selector")
        }
        for managed in self._cluster.list("endpointslices", self._namespace):
            meta = managed["metadata"]
            labels = meta.get("labels") or {}
            ours = labels.get(MANAGED_BY_LABEL) == MANAGED_BY and SERVICE_NAME_LABEL in labels
            if ours and (meta["namespace"], meta["name"]) not in wanted:
                self._cluster.delete("endpointslices", meta["namespace"], meta["name"])

    def _sync(self, service: JsonObj, now: datetime) -> tuple[str, str]:
        namespace = service["metadata"]["namespace"]
        name = slice_name(service)
        endpoints = endpoints_for(service, self._cluster.list("pods", namespace))
        desired = objects.endpointslice(name, service, endpoints, trigger_time=rfc3339(now))
        existing = self._cluster.get("endpointslices", namespace, name)
        if existing is None:
            self._cluster.create("endpointslices", desired)
        elif (existing["endpoints"], existing["ports"]) != (desired["endpoints"], desired["ports"]):
            self._cluster.mutate(
                "endpointslices", namespace, name, lambda found: _refresh(found, desired)
            )
        return namespace, name
