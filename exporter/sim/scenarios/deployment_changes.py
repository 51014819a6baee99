"""Deployment changes other than a plain new image: roll back, pause mid-rollout, scale.

Each is a case where a naive reading of a Deployment's status goes wrong: a rollback
creates no ReplicaSet but makes an old one the newest revision; a paused rollout is
neither progressing nor failed (and never hits its deadline); a scale changes replica
counts without any rollout at all.
"""

from __future__ import annotations

from exporter.sim import objects
from exporter.sim.resources import JsonObj
from exporter.sim.scenarios.apps import rolled_out, scale, set_image, set_paused, undo
from exporter.sim.scenarios.phases import APP, NEXT, STABLE, quiet, reason_reached, steady
from exporter.sim.scenarios.script import TICK, Checkpoint, Scenario, ScenarioContext, Script


def _replicaset_of(ctx: ScenarioContext, image: str) -> JsonObj | None:
    """The ReplicaSet whose template runs `image`."""
    for rs in ctx.cluster.list("replicasets", ctx.namespace):
        if rs["spec"]["template"]["spec"]["containers"][0]["image"] == image:
            return rs
    return None


def _revision_of(ctx: ScenarioContext, image: str) -> int:
    rs = _replicaset_of(ctx, image)
    return 0 if rs is None else int(rs["metadata"]["annotations"][objects.REVISION])


def _done(ctx: ScenarioContext) -> bool:
    return rolled_out(ctx.cluster, ctx.namespace, APP)


def _rollback(ctx: ScenarioContext) -> Script:
    """web:1.0 (revision 1) → 1.1 (revision 2), then `kubectl rollout undo`: the 1.0
    ReplicaSet scales up again as revision 3, remembering 1 in its revision-history."""
    yield from steady(ctx)
    set_image(ctx.cluster, ctx.namespace, APP, NEXT)
    yield Checkpoint("spec-updated", 1.0)
    yield from ctx.reconcile("rolled-out", until=lambda: _done(ctx))
    yield Checkpoint(TICK, 30.0)
    undo(ctx.cluster, ctx.namespace, APP)
    yield from ctx.reconcile("rollback-started", until=lambda: _revision_of(ctx, STABLE) == 3)
    yield from ctx.reconcile("rolled-back", until=lambda: _done(ctx))


def _mid_rollout(ctx: ScenarioContext) -> bool:
    """The 1.1 ReplicaSet has an available pod while 1.0 still runs some."""
    new, old = _replicaset_of(ctx, NEXT), _replicaset_of(ctx, STABLE)
    return (
        new is not None
        and old is not None
        and new["status"].get("availableReplicas", 0) >= 1
        and old["spec"]["replicas"] > 0
    )


def _paused_deployment(ctx: ScenarioContext) -> Script:
    """`kubectl rollout pause` half-way through web:1.0 → 1.1, three minutes (past the
    two-minute progress deadline) of a paused mix of versions, then `resume`."""
    yield from steady(ctx, progress_deadline_seconds=120)
    set_image(ctx.cluster, ctx.namespace, APP, NEXT)
    yield Checkpoint("spec-updated", 1.0)
    yield from ctx.reconcile("mid-rollout", until=lambda: _mid_rollout(ctx))
    set_paused(ctx.cluster, ctx.namespace, APP, True)
    yield from reason_reached(ctx, "paused", "DeploymentPaused")
    yield from quiet(ctx, "still-paused", 180.0)
    set_paused(ctx.cluster, ctx.namespace, APP, False)
    yield from reason_reached(ctx, "resumed", "DeploymentResumed")
    yield from ctx.reconcile("rolled-out", until=lambda: _done(ctx))


def _scale_only(ctx: ScenarioContext) -> Script:
    """`kubectl scale --replicas=5`: the same ReplicaSet grows, the revision stays 1 and
    Progressing keeps its NewReplicaSetAvailable condition untouched."""
    yield from steady(ctx)
    scale(ctx.cluster, ctx.namespace, APP, 5)
    yield from ctx.reconcile(
        "scaling", until=lambda: len(ctx.cluster.list("pods", ctx.namespace)) == 5
    )
    yield from ctx.reconcile("scaled", until=lambda: _done(ctx))


rollback = Scenario(
    "rollback",
    "web:1.0 → 1.1, then rolled back: the 1.0 ReplicaSet returns as revision 3.",
    _rollback,
)
paused_deployment = Scenario(
    "paused_deployment",
    "web:1.0 → 1.1 paused half-way past its progress deadline, then resumed to completion.",
    _paused_deployment,
)
scale_only = Scenario(
    "scale_only",
    "web scaled 3 → 5: no new ReplicaSet, no new revision.",
    _scale_only,
)
