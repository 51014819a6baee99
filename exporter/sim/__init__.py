"""A simulated Kubernetes API server for the demo and the tests.

`Cluster` holds the objects (it stands in for etcd), `SimulatedApiServer` serves them over
the real HTTP wire protocol, `objects` builds real-shaped objects, and `scenarios` drives
rollouts through an emulated control plane. docs/simulator.md lists what is emulated and,
as importantly, what is not.
"""

from exporter.sim.clock import Clock, ManualClock, ScaledClock, WallClock
from exporter.sim.cluster import Cluster, WatchEvent
from exporter.sim.control import ControlPlane, PodBehaviour
from exporter.sim.faults import Fault, FaultKind, Faults, RecordedRequest
from exporter.sim.scenarios import SCENARIOS, Scenario, ScenarioRun, create_fleet
from exporter.sim.server import SimulatedApiServer

__all__ = [
    "SCENARIOS",
    "Clock",
    "Cluster",
    "ControlPlane",
    "Fault",
    "FaultKind",
    "Faults",
    "ManualClock",
    "PodBehaviour",
    "RecordedRequest",
    "ScaledClock",
    "Scenario",
    "ScenarioRun",
    "SimulatedApiServer",
    "WallClock",
    "WatchEvent",
    "create_fleet",
]
