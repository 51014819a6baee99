"""Small fixtures-as-functions for server tests: pods with just enough shape."""

from __future__ import annotations

from exporter.sim import objects
from exporter.sim.cluster import Cluster
from exporter.sim.resources import JsonObj


def make_pod(name: str, namespace: str = "default", **labels: str) -> JsonObj:
    template = objects.pod_template(labels or {"app": "web"}, [objects.container("web", "web:1")])
    return objects.pod(name, namespace, template)


def add_pods(cluster: Cluster, namespace: str, *names: str, **labels: str) -> list[JsonObj]:
    return [cluster.create("pods", make_pod(name, namespace, **labels)) for name in names]
