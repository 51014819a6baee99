"""Scenario scripts that drive a `Cluster` through rollouts, and a fleet builder.

`SCENARIOS` maps each scenario's name to it; new ones (rollback, paused Deployment,
StatefulSet or DaemonSet rollouts, scale-only changes) are a script plus an entry here.
"""

from exporter.sim.scenarios.fleet import create_fleet
from exporter.sim.scenarios.rollouts import (
    oom_loop,
    rollout_completes,
    rollout_stuck_readiness,
    selector_label_rename,
)
from exporter.sim.scenarios.script import (
    TICK,
    Checkpoint,
    Scenario,
    ScenarioContext,
    ScenarioError,
    ScenarioRun,
    Script,
)

SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (rollout_completes, rollout_stuck_readiness, oom_loop, selector_label_rename)
}

__all__ = [
    "SCENARIOS",
    "TICK",
    "Checkpoint",
    "Scenario",
    "ScenarioContext",
    "ScenarioError",
    "ScenarioRun",
    "Script",
    "create_fleet",
    "oom_loop",
    "rollout_completes",
    "rollout_stuck_readiness",
    "selector_label_rename",
]
