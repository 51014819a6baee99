"""Script fragments the Deployment scenarios share: a steady app, a quiet spell, a change.

Every Deployment scenario starts from the same steady `web` (3 replicas of web:1.0 behind
Service `web`), so the first checkpoints of all of them look alike and golden files for
`steady` differ only where the scenario's setup does.
"""

from __future__ import annotations

from exporter.sim.scenarios.apps import deploy, progressing_reason, rolled_out, set_image
from exporter.sim.scenarios.script import Checkpoint, ScenarioContext, Script

APP = "web"
STABLE = "registry.example/web:1.0"
NEXT = "registry.example/web:1.1"


def steady(
    ctx: ScenarioContext,
    *,
    progress_deadline_seconds: int = 600,
    labels: dict[str, str] | None = None,
    selector: dict[str, str] | None = None,
    service_selector: dict[str, str] | None = None,
) -> Script:
    """Deploy web:1.0 and run the control plane until it is rolled out: `steady`."""
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


def update(ctx: ScenarioContext) -> Script:
    """Half a minute of quiet (`steady-for-a-while`), then web:1.1 (`spec-updated`)."""
    yield Checkpoint("steady-for-a-while", 30.0)
    set_image(ctx.cluster, ctx.namespace, APP, NEXT)
    yield Checkpoint("spec-updated", 1.0)


def reason_reached(ctx: ScenarioContext, name: str, reason: str) -> Script:
    """Run the control plane until `web`'s Progressing condition has `reason`."""
    yield from ctx.reconcile(
        name, until=lambda: progressing_reason(ctx.cluster, ctx.namespace, APP) == reason
    )


def quiet(ctx: ScenarioContext, name: str, seconds: float) -> Script:
    """Keep the control plane running for `seconds` of simulated time, then `name`."""
    start = ctx.cluster.clock.now()
    yield from ctx.reconcile(
        name,
        until=lambda: (ctx.cluster.clock.now() - start).total_seconds() >= seconds,
        limit=seconds + 10.0,
    )
