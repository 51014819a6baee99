"""Projections of the apps/v1 workload kinds: Deployment, ReplicaSet, StatefulSet, DaemonSet."""

from __future__ import annotations

import msgspec

from exporter.model.meta import Condition, LabelSelector, ObjectMeta
from exporter.model.pod import PodTemplateSpec


class RollingUpdate(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """`maxSurge`/`maxUnavailable` are int-or-string ("25%") on the wire."""

    max_surge: int | str | None = None
    max_unavailable: int | str | None = None
    partition: int | None = None


class Strategy(msgspec.Struct, rename="camel", frozen=True, gc=False):
    type: str = ""
    rolling_update: RollingUpdate | None = None


class DeploymentSpec(msgspec.Struct, rename="camel", frozen=True, gc=False):
    replicas: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec | None = None
    strategy: Strategy | None = None
    paused: bool = False
    progress_deadline_seconds: int | None = None
    min_ready_seconds: int = 0


class DeploymentStatus(msgspec.Struct, rename="camel", frozen=True, gc=False):
    observed_generation: int = 0
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    conditions: tuple[Condition, ...] = ()


class Deployment(msgspec.Struct, frozen=True, gc=False):
    metadata: ObjectMeta
    spec: DeploymentSpec = DeploymentSpec()
    status: DeploymentStatus = DeploymentStatus()


class ReplicaSetSpec(msgspec.Struct, rename="camel", frozen=True, gc=False):
    replicas: int | None = None
    template: PodTemplateSpec | None = None


class ReplicaSetStatus(msgspec.Struct, rename="camel", frozen=True, gc=False):
    replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    observed_generation: int = 0


class ReplicaSet(msgspec.Struct, frozen=True, gc=False):
    metadata: ObjectMeta
    spec: ReplicaSetSpec = ReplicaSetSpec()
    status: ReplicaSetStatus = ReplicaSetStatus()


class StatefulSetSpec(msgspec.Struct, rename="camel", frozen=True, gc=False):
    replicas: int | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec | None = None
    update_strategy: Strategy | None = None
    min_ready_seconds: int = 0


class StatefulSetStatus(msgspec.Struct, rename="camel", frozen=True, gc=False):
    observed_generation: int = 0
    replicas: int = 0
    ready_replicas: int = 0
    current_replicas: int = 0
    updated_replicas: int = 0
    available_replicas: int = 0
    current_revision: str = ""
    update_revision: str = ""
    conditions: tuple[Condition, ...] = ()


class StatefulSet(msgspec.Struct, frozen=True, gc=False):
    metadata: ObjectMeta
    spec: StatefulSetSpec = StatefulSetSpec()
    status: StatefulSetStatus = StatefulSetStatus()


class DaemonSetSpec(msgspec.Struct, rename="camel", frozen=True, gc=False):
    selector: LabelSelector | None = None
    template: PodTemplateSpec | None = None
    update_strategy: Strategy | None = None
    min_ready_seconds: int = 0


class DaemonSetStatus(msgspec.Struct, rename="camel", frozen=True, gc=False):
    observed_generation: int = 0
    desired_number_scheduled: int = 0
    current_number_scheduled: int = 0
    number_ready: int = 0
    number_available: int = 0
    number_unavailable: int = 0
    updated_number_scheduled: int = 0
    conditions: tuple[Condition, ...] = ()


class DaemonSet(msgspec.Struct, frozen=True, gc=False):
    metadata: ObjectMeta
    spec: DaemonSetSpec = DaemonSetSpec()
    status: DaemonSetStatus = DaemonSetStatus()
