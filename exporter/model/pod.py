"""Projection of core/v1 Pod and of the pod template that workloads embed."""

from __future__ import annotations

import msgspec

from exporter.model.meta import Condition, ObjectMeta


class Probe(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """We need to know that a probe exists, which handler it uses and how patient it is."""

    exec: dict[str, object] | None = None
    http_get: dict[str, object] | None = None
    tcp_socket: dict[str, object] | None = None
    grpc: dict[str, object] | None = None
    initial_delay_seconds: int = 0
    period_seconds: int = 10
    failure_threshold: int = 3


class ExecAction(msgspec.Struct, frozen=True, gc=False):
    command: tuple[str, ...] = ()


class SleepAction(msgspec.Struct, frozen=True, gc=False):
    seconds: int = 0


class LifecycleHandler(msgspec.Struct, rename="camel", frozen=True, gc=False):
    exec: ExecAction | None = None
    sleep: SleepAction | None = None
    http_get: dict[str, object] | None = None


class Lifecycle(msgspec.Struct, rename="camel", frozen=True, gc=False):
    pre_stop: LifecycleHandler | None = None


class ContainerPort(msgspec.Struct, rename="camel", frozen=True, gc=False):
    container_port: int
    name: str = ""
    protocol: str = "TCP"


class Container(msgspec.Struct, rename="camel", frozen=True, gc=False):
    name: str
    image: str = ""
    ports: tuple[ContainerPort, ...] = ()
    readiness_probe: Probe | None = None
    liveness_probe: Probe | None = None
    startup_probe: Probe | None = None
    lifecycle: Lifecycle | None = None


class PodSpec(msgspec.Struct, rename="camel", frozen=True, gc=False):
    containers: tuple[Container, ...] = ()
    node_name: str = ""
    host_network: bool = False
    termination_grace_period_seconds: int | None = None


class TemplateMeta(msgspec.Struct, rename="camel", frozen=True, gc=False):
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}


class PodTemplateSpec(msgspec.Struct, frozen=True, gc=False):
    metadata: TemplateMeta = TemplateMeta()
    spec: PodSpec = PodSpec()


class StateWaiting(msgspec.Struct, frozen=True, gc=False):
    reason: str = ""
    message: str = ""


class StateRunning(msgspec.Struct, rename="camel", frozen=True, gc=False):
    started_at: str | None = None


class StateTerminated(msgspec.Struct, rename="camel", frozen=True, gc=False):
    exit_code: int = 0
    reason: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    container_id: str = msgspec.field(default="", name="containerID")


class ContainerState(msgspec.Struct, frozen=True, gc=False):
    waiting: StateWaiting | None = None
    running: StateRunning | None = None
    terminated: StateTerminated | None = None


class ContainerStatus(msgspec.Struct, rename="camel", frozen=True, gc=False):
    name: str
    ready: bool = False
    restart_count: int = 0
    image: str = ""
    started: bool | None = None
    state: ContainerState = ContainerState()
    last_state: ContainerState = ContainerState()
    container_id: str = msgspec.field(default="", name="containerID")


class PodIP(msgspec.Struct, frozen=True, gc=False):
    ip: str


class PodStatus(msgspec.Struct, rename="camel", frozen=True, gc=False):
    phase: str = ""
    reason: str = ""
    pod_ip: str = msgspec.field(default="", name="podIP")
    pod_ips: tuple[PodIP, ...] = msgspec.field(default=(), name="podIPs")
    start_time: str | None = None
    conditions: tuple[Condition, ...] = ()
    container_statuses: tuple[ContainerStatus, ...] = ()


class Pod(msgspec.Struct, frozen=True, gc=False):
    metadata: ObjectMeta
    spec: PodSpec = PodSpec()
    status: PodStatus = PodStatus()
