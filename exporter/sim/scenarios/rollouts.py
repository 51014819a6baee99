"""Rollout scenarios: one healthy rollout and three ways a rollout causes 502s.

Each starts from a steady Deployment `web` (3 replicas of web:1.0 behind Service `web`),
then changes the Deployment the way a user would and lets the control plane play out.
Named checkpoints mark the states golden tests stop at.
"""

from __future__ import annotations

from exporter.sim.control import PodBehaviour
from exporter.sim.scenarios.apps import (
    deploy,
    progressing_reason,
    rolled_out,
    set_image,
    set_template_labels,
)
from exporter.sim.scenarios.script import Checkpoint, Scenario, ScenarioContext, Script

APP = "web"
STABLE = "registry.example/web:1.0"
NEXT = "registry.example/web:1.1"


def _steady(
    ctx: ScenarioContext,
    *,
    progress_deadline_seconds: int = 600,
    labels: dict[str, str] | None = None,
    selector: dict[str, str] | None = None,
    service_selector: dict[str, str] | None = None,
) -> Script:
    deploy(
        ctx.cluster,
        ctx.namespace,
        APP,
        STABLE,
        labels=labels,
        selector=selector,
        service_selector=service_selector,
        progress_deadline_seconds=progress_deadline_seconds,
    )
    yield from ctx.reconcile("steady", until=lambda: rolled_out(ctx.cluster, ctx.namespace, APP))


def _update(ctx: ScenarioContext) -> Script:
    yield Checkpoint("steady-for-a-while", 30.0)
    set_image(ctx.cluster, ctx.namespace, APP, NEXT)
    yield Checkpoint("spec-updated", 1.0)


def _rollout_completes(ctx: ScenarioContext) -> Script:
    yield from _steady(ctx)
    yield from _update(ctx)
    yield from ctx.reconcile(
        "rolled-out", until=lambda: rolled_out(ctx.cluster, ctx.namespace, APP)
    )


def _rollout_stuck_readiness(ctx: ScenarioContext) -> Script:
    ctx.plane.behave(ctx.namespace, NEXT, PodBehaviour(readiness_fails=True))
    yield from _steady(ctx, progress_deadline_seconds=120)
    yield from _update(ctx)

    def unhealthy() -> bool:
        return any(
            e["reason"] == "Unhealthy" and e["count"] >= 3
            for e in ctx.cluster.list("events", ctx.namespace)
        )

    yield from ctx.reconcile("readiness-failing", until=unhealthy)
    yield from ctx.reconcile(
        "deadline-exceeded",
        until=lambda: (
            progressing_reason(ctx.cluster, ctx.namespace, APP) == "ProgressDeadlineExceeded"
        ),
    )


def _oom_loop(ctx: ScenarioContext) -> Script:
    ctx.plane.behave(ctx.namespace, NEXT, PodBehaviour(oom_after=8.0))
    yield from _steady(ctx, progress_deadline_seconds=120)
    yield from _update(ctx)

    def restarted(times: int) -> bool:
        return any(
            cs["restartCount"] >= times
            for pod in ctx.cluster.list("pods", ctx.namespace)
            for cs in pod["status"].get("containerStatuses", [])
        )

    yield from ctx.reconcile("first-oom-kill", until=lambda: restarted(1))
    yield from ctx.reconcile("crash-looping", until=lambda: restarted(3))
    yield from ctx.reconcile(
        "deadline-exceeded",
        until=lambda: (
            progressing_reason(ctx.cluster, ctx.namespace, APP) == "ProgressDeadlineExceeded"
        ),
    )


def _selector_label_rename(ctx: ScenarioContext) -> Script:
    """The chart moves to `app.kubernetes.io/name` and drops `app`, which the Service
    still selects on: the rollout succeeds while the Service loses every endpoint."""
    new_label = {"app.kubernetes.io/name": APP}
    yield from _steady(
        ctx, labels={**new_label, "app": APP}, selector=new_label, service_selector={"app": APP}
    )
    yield Checkpoint("steady-for-a-while", 30.0)
    set_template_labels(ctx.cluster, ctx.namespace, APP, new_label)
    yield Checkpoint("spec-updated", 1.0)
    yield from ctx.reconcile(
        "rolled-out", until=lambda: rolled_out(ctx.cluster, ctx.namespace, APP)
    )

    def no_endpoints() -> bool:
        slices = ctx.cluster.list("endpointslices", ctx.namespace)
        return bool(slices) and all(s["endpoints"] is None for s in slices)

    yield from ctx.reconcile("endpoints-empty", until=no_endpoints)


rollout_completes = Scenario(
    "rollout_completes", "web:1.0 → 1.1 rolls out cleanly.", _rollout_completes
)
rollout_stuck_readiness = Scenario(
    "rollout_stuck_readiness",
    "web:1.1 pods run but fail readiness; Unhealthy events grow; the progress deadline passes.",
    _rollout_stuck_readiness,
)
oom_loop = Scenario(
    "oom_loop",
    "web:1.1 is OOMKilled repeatedly and goes into CrashLoopBackOff.",
    _oom_loop,
)
selector_label_rename = Scenario(
    "selector_label_rename",
    "A template label rename leaves the Service selecting nothing; its EndpointSlice empties.",
    _selector_label_rename,
)
