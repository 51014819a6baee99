"""A StatefulSet rolling update: pods replaced one at a time from the highest ordinal.

StatefulSet `db` (3 replicas of db:1.0, OrderedReady) behind its headless Service `db`;
the image changes to db:1.1 and the controller replaces db-2, then db-1, then db-0, each
only once the previous replacement is Ready. `currentRevision` stays at the old
ControllerRevision until the last pod is updated and Ready.
"""

from __future__ import annotations

from exporter.sim import objects
from exporter.sim.scenarios.apps import deploy_statefulset, set_image, statefulset_rolled_out
from exporter.sim.scenarios.script import Checkpoint, Scenario, ScenarioContext, Script

APP = "db"
STABLE = "registry.example/db:1.0"
NEXT = "registry.example/db:1.1"


def _updating(ctx: ScenarioContext) -> bool:
    """db-2 runs the new revision and is Ready, and db-1 is being replaced."""
    found = ctx.cluster.get("statefulsets", ctx.namespace, APP)
    pods = {p["metadata"]["name"]: p for p in ctx.cluster.list("pods", ctx.namespace)}
    if found is None or f"{APP}-2" not in pods or f"{APP}-1" not in pods:
        return False
    update = found["status"].get("updateRevision")
    last = pods[f"{APP}-2"]
    return (
        last["metadata"]["labels"][objects.CONTROLLER_REVISION_HASH] == update
        and found["status"].get("currentRevision") != update
        and "deletionTimestamp" in pods[f"{APP}-1"]["metadata"]
    )


def _statefulset_rollout(ctx: ScenarioContext) -> Script:
    deploy_statefulset(ctx.cluster, ctx.namespace, APP, STABLE)
    yield from ctx.reconcile(
        "steady", until=lambda: statefulset_rolled_out(ctx.cluster, ctx.namespace, APP)
    )
    set_image(ctx.cluster, ctx.namespace, APP, NEXT, resource="statefulsets")
    yield Checkpoint("spec-updated", 1.0)
    yield from ctx.reconcile("updating", until=lambda: _updating(ctx))
    yield from ctx.reconcile(
        "rolled-out", until=lambda: statefulset_rolled_out(ctx.cluster, ctx.namespace, APP)
    )


statefulset_rollout = Scenario(
    "statefulset_rollout",
    "StatefulSet db:1.0 → 1.1, pods replaced in reverse ordinal order.",
    _statefulset_rollout,
)
