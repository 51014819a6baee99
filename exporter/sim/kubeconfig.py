"""A kubeconfig that points at a simulated API server.

The demo and the tests connect through a real kubeconfig file so that they exercise the
same credential loading as `rollout-exporter run --kubeconfig` does against a cluster.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def kubeconfig(server_url: str, token: str, *, name: str = "simulator") -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server_url}}],
        "users": [{"name": name, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }


def write_kubeconfig(path: Path, server_url: str, token: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(kubeconfig(server_url, token)), encoding="utf-8")
    path.chmod(0o600)
    return path
