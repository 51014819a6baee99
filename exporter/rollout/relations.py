"""Secondary indexes across kinds, kept current by store notifications.

They answer "which children does this object have" in O(children), which the owner
references on the children alone cannot do.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from typing import Generic, TypeVar

import msgspec

from exporter.index.store import Store

T = TypeVar("T", bound=msgspec.Struct)

_EMPTY: frozenset[str] = frozenset()


class GroupIndex(Generic[T]):
    """Objects of one store grouped by a key derived from each object."""

    def __init__(
        self, store: Store[T], key_of: Callable[[T], str | None], *, subscribe: bool = True
    ) -> None:
        """With `subscribe=False` the owner of the index feeds `on_change` itself, e.g.
        only for the changes that can move an object between groups."""
        self._store = store
        self._key_of = key_of
        self._groups: dict[str, set[str]] = {}
        if subscribe:
            store.subscribe(self)

    def on_change(self, old: T | None, new: T | None) -> None:
        old_group = self._key_of(old) if old is not None else None
        new_group = self._key_of(new) if new is not None else None
        if old is not None and new is not None and old_group == new_group:
            return  # the common case: a status update that keeps the object's group
        if old is not None and old_group is not None:
            members = self._groups.get(old_group)
            if members is not None:
                members.discard(old.metadata.key)  # type: ignore[attr-defined]
                if not members:
                    del self._groups[old_group]
        if new is not None and new_group is not None:
            self._groups.setdefault(new_group, set()).add(new.metadata.key)  # type: ignore[attr-defined]

    def keys(self, group: str) -> frozenset[str]:
        return frozenset(self._groups.get(group, ()))

    def live_keys(self, group: str) -> Set[str]:
        """The group's keys without a copy: read it, do not keep it."""
        return self._groups.get(group, _EMPTY)

    def members(self, group: str) -> list[T]:
        found = []
        for key in self._groups.get(group, ()):
            obj = self._store.get(key)
            if obj is not None:
                found.append(obj)
        return found
