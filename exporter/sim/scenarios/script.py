"""Scenario machinery: scripts that yield checkpoints, and the runner that paces them.

A script is a generator. Between two `yield`s it changes the cluster (as a user or the
control plane would); each `Checkpoint` names the state just reached and says how many
simulated seconds pass before the script continues. The runner either steps through
checkpoints instantly on a `ManualClock` (deterministic, for golden tests) or plays them
in real time compressed by `speed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.control import ControlPlane


@dataclass(frozen=True)
class Checkpoint:
    name: str
    wait: float
    """Simulated seconds until the script's next change."""


Script = Iterator[Checkpoint]

TICK = "tick"
"""Name of the anonymous checkpoints between two control-plane passes."""


class ScenarioError(RuntimeError):
    """A scenario did not reach the state it promised within its time limit."""


@dataclass
class ScenarioContext:
    """What a script works with."""

    cluster: Cluster
    plane: ControlPlane
    namespace: str

    def reconcile(
        self, name: str, *, until: Callable[[], bool], tick: float = 2.0, limit: float = 900.0
    ) -> Script:
        """Run the control plane every `tick` seconds until `until()` holds.

        Each pass is a `tick` checkpoint; the pass that makes `until()` true is `name`.
        """
        elapsed = 0.0
        while True:
            self.plane.tick()
            if until():
                yield Checkpoint(name, tick)
                return
            if elapsed >= limit:
                raise ScenarioError(f"{name!r} not reached after {limit:g} simulated seconds")
            elapsed += tick
            yield Checkpoint(TICK, tick)


@dataclass(frozen=True)
class Scenario:
    """A named, documented script; `start` for step-by-step, `run` to play it out."""

    name: str
    description: str
    script: Callable[[ScenarioContext], Script]

    def start(self, cluster: Cluster, *, namespace: str = "default") -> ScenarioRun:
        return ScenarioRun(self, cluster, namespace=namespace)

    async def run(
        self, cluster: Cluster, *, namespace: str = "default", speed: float = 1.0
    ) -> None:
        await self.start(cluster, namespace=namespace).play(speed)


class ScenarioRun:
    """One execution of a scenario against one cluster."""

    def __init__(self, scenario: Scenario, cluster: Cluster, *, namespace: str) -> None:
        self.scenario = scenario
        self.cluster = cluster
        self.plane = ControlPlane(cluster, namespace=namespace)
        self._script = scenario.script(ScenarioContext(cluster, self.plane, namespace))
        self._wait = 0.0
        self.checkpoint: Checkpoint | None = None
        self.finished = False

    def step(self) -> Checkpoint | None:
        """Let the pending wait pass on the ManualClock, then run to the next checkpoint."""
        self._advance(self._wait)
        return self._next()

    def run_until(self, name: str) -> Checkpoint:
        """Step until the checkpoint called `name`, e.g. to compare a golden file there."""
        while (checkpoint := self.step()) is not None:
            if checkpoint.name == name:
                return checkpoint
        raise ScenarioError(f"{self.scenario.name} ended without reaching {name!r}")

    def run_to_end(self) -> list[str]:
        """Step through the whole script; returns the named checkpoints passed."""
        names = []
        while (checkpoint := self.step()) is not None:
            if checkpoint.name != TICK:
                names.append(checkpoint.name)
        return names

    async def play(self, speed: float = 1.0) -> None:
        """Run in real time, `speed` simulated seconds per real second.

        On a ManualClock this run advances the clock itself (one scenario per cluster);
        otherwise the clock must already run at `speed` (a ScaledClock, or a WallClock
        for speed 1), which lets several scenarios share one cluster.
        """
        if speed <= 0:
            raise ValueError("speed must be positive")
        manual = isinstance(self.cluster.clock, ManualClock)
        if not manual and getattr(self.cluster.clock, "speed", 1.0) != speed:
            raise ValueError(
                f"playing at speed {speed} needs a ManualClock or ScaledClock({speed})"
            )
        while True:
            if manual:
                self._advance(self._wait)
            checkpoint = self._next()
            if checkpoint is None:
                return
            await asyncio.sleep(checkpoint.wait / speed)

    def _next(self) -> Checkpoint | None:
        if self.finished:
            return None
        try:
            checkpoint = next(self._script)
        except StopIteration:
            self.finished = True
            self._wait = 0.0
            return None
        self._wait = checkpoint.wait
        self.checkpoint = checkpoint
        return checkpoint

    def _advance(self, seconds: float) -> None:
        if not seconds:
            return
        clock = self.cluster.clock
        if not isinstance(clock, ManualClock):
            raise TypeError("stepping a scenario needs the cluster to use a ManualClock")
        clock.advance(seconds)
        self._wait = 0.0
