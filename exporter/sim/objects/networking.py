"""Services and EndpointSlices as the core and discovery.k8s.io APIs return them."""

from __future__ import annotations

from typing import Any, Literal

from exporter.sim.objects.meta import metadata
from exporter.sim.resources import JsonObj

ServiceKind = Literal["ClusterIP", "Headless", "ExternalName"]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
HEADLESS_LABEL = "service.kubernetes.io/headless"


def service_port(name: str = "http", port: int = 80, target_port: int | str = 8080) -> JsonObj:
    return {"name": name, "protocol": "TCP", "port": port, "targetPort": target_port}


def service(
    name: str,
    namespace: str,
    *,
    selector: dict[str, str] | None,
    kind: ServiceKind = "ClusterIP",
    cluster_ip: str = "10.96.0.10",
    ports: list[JsonObj] | None = None,
    external_name: str | None = None,
) -> JsonObj:
    """A Service. `selector=None` makes a selector-less Service (endpoints managed by hand)."""
    spec: dict[str, Any]
    if kind == "ExternalName":
        spec = {
            "type": "ExternalName",
            "externalName": external_name or f"{name}.example.com",
            "sessionAffinity": "None",
        }
    else:
        ip = "None" if kind == "Headless" else cluster_ip
        spec = {"ports": ports or [service_port()]}
        if selector is not None:
            spec["selector"] = dict(selector)
        spec.update(
            {
                "clusterIP": ip,
                "clusterIPs": [ip],
                "type": "ClusterIP",
                "sessionAffinity": "None",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "internalTrafficPolicy": "Cluster",
            }
        )
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, namespace, labels={"app": name}),
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


def endpoint(
    address: str,
    pod: JsonObj,
    *,
    ready: bool,
    serving: bool | None = None,
    terminating: bool = False,
    hostname: str | None = None,
) -> JsonObj:
    """One endpoint, targeting `pod`; `serving` defaults to `ready`.

    `hostname` is set for a pod whose subdomain is the Service (StatefulSet pods behind
    their governing Service), which is what gives them per-pod DNS names.
    """
    entry: JsonObj = {
        "addresses": [address],
        "conditions": {
            "ready": ready,
            "serving": ready if serving is None else serving,
            "terminating": terminating,
        },
    }
    if hostname is not None:
        entry["hostname"] = hostname
    entry["targetRef"] = {
        "kind": "Pod",
        "namespace": pod["metadata"]["namespace"],
        "name": pod["metadata"]["name"],
        "uid": pod["metadata"].get("uid", ""),
    }
    node = pod.get("spec", {}).get("nodeName")
    if node:
        entry["nodeName"] = node
    return entry


def endpointslice(
    name: str,
    svc: JsonObj,
    endpoints: list[JsonObj],
    *,
    ports: list[JsonObj] | None = None,
    trigger_time: str | None = None,
) -> JsonObj:
    """An EndpointSlice owned by `svc`. No endpoints is `"endpoints": null`, as on the wire."""
    svc_name = svc["metadata"]["name"]
    slice_ports = ports
    if slice_ports is None:
        slice_ports = [
            {"name": p.get("name", ""), "protocol": p["protocol"], "port": p["targetPort"]}
            for p in svc["spec"].get("ports", [])
        ]
    annotations = (
        {"endpoints.kubernetes.io/last-change-trigger-time": trigger_time} if trigger_time else None
    )
    owner = svc if "uid" in svc["metadata"] else None
    labels = {MANAGED_BY_LABEL: MANAGED_BY, SERVICE_NAME_LABEL: svc_name}
    if svc["spec"].get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": metadata(
            name,
            svc["metadata"]["namespace"],
            labels=dict(sorted(labels.items())),
            annotations=annotations,
            owner=owner,
            generate_name=f"{svc_name}-",
        ),
        "addressType": "IPv4",
        "endpoints": endpoints or None,
        "ports": slice_ports,
    }
