"""A DaemonSet rolling update across three nodes, one node at a time.

DaemonSet `edge-proxy` (edge-proxy:1.0 on node-a, node-b, node-c, maxUnavailable 1)
behind Service `edge-proxy`; the image changes to 1.1 and each node's pod is deleted, and
replaced only once it is gone, before the next node's turn.
"""

from __future__ import annotations

from exporter.sim.scenarios.apps import daemonset_rolled_out, deploy_daemonset, set_image
from exporter.sim.scenarios.script import Checkpoint, Scenario, ScenarioContext, Script

APP = "edge-proxy"
STABLE = "registry.example/edge-proxy:1.0"
NEXT = "registry.example/edge-proxy:1.1"


def _updating(ctx: ScenarioContext) -> bool:
    """One node runs an updated pod and the next node's old pod is terminating."""
    found = ctx.cluster.get("daemonsets", ctx.namespace, APP)
    terminating = any(
        "deletionTimestamp" in p["metadata"] for p in ctx.cluster.list("pods", ctx.namespace)
    )
    return (
        found is not None
        and found["status"].get("updatedNumberScheduled", 0) == 1
        and found["status"].get("numberAvailable", 0) >= 1
        and terminating
    )


def _daemonset_rollout(ctx: ScenarioContext) -> Script:
    deploy_daemonset(ctx.cluster, ctx.namespace, APP, STABLE)
    yield from ctx.reconcile(
        "steady", until=lambda: daemonset_rolled_out(ctx.cluster, ctx.namespace, APP)
    )
    set_image(ctx.cluster, ctx.namespace, APP, NEXT, resource="daemonsets")
    yield Checkpoint("spec-updated", 1.0)
    yield from ctx.reconcile("updating", until=lambda: _updating(ctx))
    yield from ctx.reconcile(
        "rolled-out", until=lambda: daemonset_rolled_out(ctx.cluster, ctx.namespace, APP)
    )


daemonset_rollout = Scenario(
    "daemonset_rollout",
    "DaemonSet edge-proxy:1.0 → 1.1 on three nodes, maxUnavailable 1.",
    _daemonset_rollout,
)
