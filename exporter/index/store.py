"""One in-memory index per kind, fed by a reflector, observed by metric families.

The store is the only mutable copy of API state. Listeners learn about every change
as an (old, new) pair, so derived state never has to diff objects itself; a relist
is applied as the minimal set of such changes, which makes it atomic for anything
running on the same event loop (a scrape never sees a half-replaced index).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Generic, Protocol, TypeVar

import msgspec

from exporter.model.meta import ObjectMeta

log = logging.getLogger(__name__)

T = TypeVar("T", bound=msgspec.Struct)
T_contra = TypeVar("T_contra", bound=msgspec.Struct, contravariant=True)


class StoreListener(Protocol[T_contra]):
    """Receives every change of a store; `old`/`new` are None for creation/deletion."""

    def on_change(self, old: T_contra | None, new: T_contra | None) -> None: ...


class Store(Generic[T]):
    """Objects of one kind by `namespace/name`, with a secondary index by UID."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._by_key: dict[str, T] = {}
        self._by_uid: dict[str, T] = {}
        self._listeners: list[StoreListener[T]] = []

    def subscribe(self, listener: StoreListener[T]) -> None:
        self._listeners.append(listener)

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[T]:
        return iter(self._by_key.values())

    def get(self, key: str) -> T | None:
        return self._by_key.get(key)

    def by_uid(self, uid: str) -> T | None:
        return self._by_uid.get(uid)

    def resource_versions(self) -> dict[str, str]:
        """`namespace/name` → resourceVersion: what tests compare to the server's truth."""
        return {key: _meta(obj).resource_version for key, obj in self._by_key.items()}

    def upsert(self, obj: T) -> None:
        meta = _meta(obj)
        key = meta.key
        old = self._by_key.get(key)
        if old is not None:
            if _meta(old).resource_version == meta.resource_version:
                return
            self._by_uid.pop(_meta(old).uid, None)
        self._by_key[key] = obj
        if meta.uid:
            self._by_uid[meta.uid] = obj
        self._notify(old, obj)

    def delete(self, obj: T) -> None:
        old = self._by_key.pop(_meta(obj).key, None)
        if old is None:
            return
        self._by_uid.pop(_meta(old).uid, None)
        self._notify(old, None)

    def replace(self, objects: Iterable[T], *, namespace: str | None = None) -> None:
        """Make the store equal to a fresh list, limited to `namespace` when given.

        Objects deleted while we were disconnected disappear here, which a plain
        "upsert everything" relist would miss.
        """
        fresh = {_meta(obj).key: obj for obj in objects}
        stale = [
            old
            for key, old in self._by_key.items()
            if key not in fresh and (namespace is None or _meta(old).namespace == namespace)
        ]
        for old in stale:
            self.delete(old)
        for obj in fresh.values():
            self.upsert(obj)

    def _notify(self, old: T | None, new: T | None) -> None:
        for listener in self._listeners:
            try:
                listener.on_change(old, new)
            except Exception:
                # A bug in one derived family must not stop the watch nor the others.
                log.exception("store listener failed", extra={"kind": self.kind})


def _meta(obj: msgspec.Struct) -> ObjectMeta:
    meta: ObjectMeta = obj.metadata  # type: ignore[attr-defined]
    return meta
