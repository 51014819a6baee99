"""Metadata shared by every projection.

Only the fields the exporter reads are declared; msgspec skips everything else while
decoding, which is what keeps decoding a 4 KB Pod in the low microseconds.
"""

from __future__ import annotations

import msgspec


class OwnerReference(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """The link a controller writes into the objects it owns."""

    kind: str
    name: str
    uid: str
    controller: bool = False


class ObjectMeta(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """The identity and revision of an object.

    `name` and `resourceVersion` are required: an object without them cannot be
    indexed nor resumed from, so decoding fails and the object is counted as malformed.
    """

    name: str
    resource_version: str
    namespace: str = ""
    uid: str = ""
    generation: int = 0
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    deletion_grace_period_seconds: int | None = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    owner_references: tuple[OwnerReference, ...] = ()

    @property
    def key(self) -> str:
        """The `namespace/name` key client-go's cache uses; unique per kind at any moment."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def controller_ref(self) -> OwnerReference | None:
        """The owner with `controller: true`: at most one exists per object."""
        for ref in self.owner_references:
            if ref.controller:
                return ref
        return None


class Condition(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """A status condition; the same shape across Pods, Deployments and friends."""

    type: str
    status: str
    reason: str = ""
    message: str = ""
    last_transition_time: str | None = None
    last_update_time: str | None = None


class LabelSelectorRequirement(msgspec.Struct, rename="camel", frozen=True, gc=False):
    key: str
    operator: str
    values: tuple[str, ...] = ()


class LabelSelector(msgspec.Struct, rename="camel", frozen=True, gc=False):
    """A metav1.LabelSelector as workloads declare it."""

    match_labels: dict[str, str] = {}
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()


class BookmarkMeta(msgspec.Struct, rename="camel", frozen=True, gc=False):
    resource_version: str


class Bookmark(msgspec.Struct, frozen=True, gc=False):
    """The object of a BOOKMARK event: nothing but a resourceVersion to resume from."""

    metadata: BookmarkMeta
