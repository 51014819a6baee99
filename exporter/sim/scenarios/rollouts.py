"""Rollout scenarios: one healthy rollout and ways a new image causes 502s.

Each starts from a steady Deployment `web` (3 replicas of web:1.0 behind Service `web`),
then changes the Deployment the way a user would and lets the control plane play out.
Named checkpoints mark the states golden tests stop at.
"""

from __future__ import annotations

from exporter.sim.control import PodBehaviour
from exporter.sim.scenarios.apps import occurrences, rolled_out, set_template_labels
from exporter.sim.scenarios.phases import APP, NEXT, reason_reached, steady, update
from exporter.sim.scenarios.script import Checkpoint, Scenario, ScenarioContext, Script


def _unhealthy(ctx: ScenarioContext) -> int:
    return max(
        (
            occurrences(e)
            for e in ctx.cluster.list("events", ctx.namespace)
            if e["reason"] == "Unhealthy"
        ),
        default=0,
    )


def _rollout_completes(ctx: ScenarioContext) -> Script:
    yield from steady(ctx)
    yield from update(ctx)
    yield from ctx.reconcile(
        "rolled-out", until=lambda: rolled_out(ctx.cluster, ctx.namespace, APP)
    )


def _stuck_readiness(ctx: ScenarioContext, *, series: bool) -> Script:
    behaviour = PodBehaviour(readiness_fails=True, event_series=series)
    ctx.plane.behave(ctx.namespace, NEXT, behaviour)
    yield from steady(ctx, progress_deadline_seconds=120)
    yield from update(ctx)
    # A series Event is written again only on its second occurrence, then much later.
    threshold = 2 if series else 3
    yield from ctx.reconcile("readiness-failing", until=lambda: _unhealthy(ctx) >= threshold)
    yield from reason_reached(ctx, "deadline-exceeded", "ProgressDeadlineExceeded")
    if series:
        yield from ctx.reconcile(
            "series-refreshed", until=lambda: _unhealthy(ctx) > 2, tick=10.0, limit=2400.0
        )


def _rollout_stuck_readiness(ctx: ScenarioContext) -> Script:
    yield from _stuck_readiness(ctx, series=False)


def _rollout_stuck_readiness_series(ctx: ScenarioContext) -> Script:
    """The same failure reported through the events.k8s.io recorder: the Event shows
    `series.count: 2` from the second failure until the recorder's 30-minute refresh."""
    yield from _stuck_readiness(ctx, series=True)


def _oom_loop(ctx: ScenarioContext) -> Script:
    ctx.plane.behave(ctx.namespace, NEXT, PodBehaviour(oom_after=8.0))
    yield from steady(ctx, progress_deadline_seconds=120)
    yield from update(ctx)

    def restarted(times: int) -> bool:
        return any(
            cs["restartCount"] >= times
            for pod in ctx.cluster.list("pods", ctx.namespace)
            for cs in pod["status"].get("containerStatuses", [])
        )

    yield from ctx.reconcile("first-oom-kill", until=lambda: restarted(1))
    yield from ctx.reconcile("crash-looping", until=lambda: restarted(3))
    yield from reason_reached(ctx, "deadline-exceeded", "ProgressDeadlineExceeded")


def _selector_label_rename(ctx: ScenarioContext) -> Script:
    """The chart moves to `app.kubernetes.io/name` and drops `app`, which the Service
    still selects on: the rollout succeeds while the Service loses every endpoint."""
    new_label = {"app.kubernetes.io/name": APP}
    yield from steady(
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
rollout_stuck_readiness_series = Scenario(
    "rollout_stuck_readiness_series",
    "As rollout_stuck_readiness, with Unhealthy reported as an events.k8s.io series.",
    _rollout_stuck_readiness_series,
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
