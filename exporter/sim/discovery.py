"""Discovery documents (/version, /api, /apis, and per group-version resource lists).

Clients probe these to learn whether a group such as discovery.k8s.io/v1 is served, so
they list only the resources the simulator is configured to serve, with the verbs it
really supports.
"""

from __future__ import annotations

from collections.abc import Iterable

from exporter.sim.resources import JsonObj, ResourceType


def version(kubernetes_version: str) -> JsonObj:
    major, minor, *_ = kubernetes_version.split(".")
    return {
        "major": major,
        "minor": minor,
        "gitVersion": f"v{kubernetes_version}",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2024-01-01T00:00:00Z",
        "goVersion": "go1.21.5",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def core_versions(server_address: str) -> JsonObj:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def group_list(served: Iterable[ResourceType]) -> JsonObj:
    groups: dict[str, list[str]] = {}
    for rt in served:
        if rt.group and rt.version not in groups.setdefault(rt.group, []):
            groups[rt.group].append(rt.version)
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {
                "name": name,
                "versions": [{"groupVersion": f"{name}/{v}", "version": v} for v in versions],
                "preferredVersion": {
                    "groupVersion": f"{name}/{versions[0]}",
                    "version": versions[0],
                },
            }
            for name, versions in sorted(groups.items())
        ],
    }


def resource_list(group_version: str, served: Iterable[ResourceType]) -> JsonObj:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {
                "name": rt.plural,
                "singularName": rt.singular,
                "namespaced": True,
                "kind": rt.kind,
                "verbs": ["get", "list", "watch"],
            }
            for rt in served
            if rt.api_version == group_version
        ],
    }
