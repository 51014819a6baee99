"""Projections of core/v1 Service and discovery.k8s.io/v1 EndpointSlice."""

from __future__ import annotations

import msgspec

from exporter.model.meta import ObjectMeta

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
"""The label the EndpointSlice controller sets to tie a slice to its Service."""


class ServicePort(msgspec.Struct, rename="camel", frozen=True, gc=False):
    port: int
    name: str = ""
    protocol: str = "TCP"
    target_port: int | str | None = None


class ServiceSpec(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """`selector` is absent (None) for selector-less Services; `clusterIP: None` is headless."""

    type: str = "ClusterIP"
    selector: dict[str, str] | None = None
    cluster_ip: str = msgspec.field(default="", name="clusterIP")
    external_name: str = ""
    ports: tuple[ServicePort, ...] = ()


class Service(msgspec.Struct, frozen=True, gc=False):
    metadata: ObjectMeta
    spec: ServiceSpec = ServiceSpec()


class EndpointConditions(msgspec.Struct, frozen=True, gc=False):
    """Nil `ready`/`serving` mean "unknown" per the API; consumers should read them as true."""

    ready: bool | None = None
    serving: bool | None = None
    terminating: bool | None = None


class ObjectReference(msgspec.Struct, rename="camel", frozen=True, gc=False):
    kind: str = ""
    name: str = ""
    namespace: str = ""
    uid: str = ""
    field_path: str = ""


class Endpoint(msgspec.Struct, rename="camel", frozen=True, gc=False):
    addresses: tuple[str, ...] = ()
    conditions: EndpointConditions = EndpointConditions()
    target_ref: ObjectReference | None = None
    node_name: str | None = None


class EndpointPort(msgspec.Struct, frozen=True, gc=False):
    name: str | None = None
    port: int | None = None
    protocol: str | None = None


class EndpointSlice(msgspec.Struct, rename="camel", frozen=True, gc=False):
    metadata: ObjectMeta
    address_type: str = ""
    endpoints: tuple[Endpoint, ...] | None = None
    ports: tuple[EndpointPort, ...] | None = None
