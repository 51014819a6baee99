"""`Cluster`: the in-memory truth the simulated API server serves (it stands in for etcd).

It keeps what etcd and the watch cache give kube-apiserver: one global, monotonically
increasing resourceVersion; the current objects; and a bounded history of changes from
which watches resume and paginated lists are served at a consistent snapshot. Anything
older than the retained history is gone, exactly as after an etcd compaction.
"""

from __future__ import annotations

import asyncio
import builtins
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import msgspec

from exporter.sim.clock import Clock, WallClock, rfc3339
from exporter.sim.logs import LogStore
from exporter.sim.pod_network import PodNetwork
from exporter.sim.resources import RESOURCES, JsonObj, resource_type

EventType = Literal["ADDED", "MODIFIED", "DELETED"]

_UID_NAMESPACE = uuid.UUID("6f1c1a52-7d1e-4c1e-9a53-52a1f3a0b001")

_ENCODER = msgspec.json.Encoder()


def clone(obj: JsonObj) -> JsonObj:
    """Deep-copy a JSON object; a JSON round trip is faster than copy.deepcopy here."""
    copied: JsonObj = msgspec.json.decode(_ENCODER.encode(obj))
    return copied


def object_key(obj: JsonObj) -> str:
    """The `namespace/name` key; sorting by it gives etcd's key order within a resource."""
    meta = obj["metadata"]
    return f"{meta.get('namespace', '')}/{meta['name']}"


class ClusterError(Exception):
    """Base of the errors a write to the cluster can raise."""


class NotFoundError(ClusterError):
    pass


class AlreadyExistsError(ClusterError):
    pass


class ConflictError(ClusterError):
    """An update carried a resourceVersion that is no longer current (optimistic locking)."""


class CompactedError(ClusterError):
    """The requested resourceVersion predates the retained history."""

    def __init__(self, requested: int, floor: int) -> None:
        super().__init__(f"resourceVersion {requested} is older than {floor}")
        self.requested = requested
        self.floor = floor


class FutureResourceVersionError(ClusterError):
    """The requested resourceVersion has not been reached (e.g. after an RV reset)."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(f"resourceVersion {requested} is newer than {current}")
        self.requested = requested
        self.current = current


@dataclass(frozen=True)
class WatchEvent:
    """One committed change. `obj` and `prev` are shared and must never be mutated.

    For DELETED, `obj` is the last state stamped with the deletion's resourceVersion,
    which is what kube-apiserver sends; `prev` lets a filtered watch turn a MODIFIED
    that leaves (or enters) its selector into DELETED (or ADDED), as the watch cache does.
    """

    rv: int
    type: EventType
    resource: str
    key: str
    obj: JsonObj
    prev: JsonObj | None


class Subscription:
    """A live feed of one resource's events for one watcher.

    `None` from `get()` means the feed ended: the cluster restarted, or the watcher fell
    so far behind that the server dropped it (kube-apiserver closes such watchers too).
    """

    def __init__(self, cluster: Cluster, resource: str, limit: int) -> None:
        self._cluster = cluster
        self.resource = resource
        self._limit = limit
        self._queue: asyncio.Queue[WatchEvent | None] = asyncio.Queue()
        self.closed = False

    def _push(self, event: WatchEvent) -> None:
        if self.closed:
            return
        if self._queue.qsize() >= self._limit:
            self.end()
            return
        self._queue.put_nowait(event)

    def end(self) -> None:
        """End the feed: the watcher reads None and closes its stream."""
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(None)

    async def get(self) -> WatchEvent | None:
        return await self._queue.get()

    def close(self) -> None:
        """Stop receiving events; call when the watch stream ends."""
        self._cluster._unsubscribe(self)
        self.closed = True


class Cluster:
    """Objects, resourceVersions and change history for all simulated resources.

    Writes are synchronous and happen on the event loop thread, so a watch handler can
    subscribe and read the backlog without another write slipping in between.

    It also owns what lives beside the objects on real nodes: container logs (`logs`,
    written with `append_log`) and pod addresses (`pod_network`). Both follow the pod
    objects: deleting a pod ends its logs and frees its address.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        history_size: int = 1000,
        start_resource_version: int = 1000,
    ) -> None:
        """`start_resource_version` is high so an RV reset always lands below it."""
        self.clock: Clock = clock or WallClock()
        self.history_size = history_size
        self._rv = start_resource_version
        self._floor = start_resource_version
        self._objects: dict[str, dict[str, JsonObj]] = {name: {} for name in RESOURCES}
        self._history: deque[WatchEvent] = deque()
        self._subscriptions: set[Subscription] = set()
        self._rv_waiters: builtins.list[tuple[int, asyncio.Future[None]]] = []
        self._creations: dict[tuple[str, str], int] = {}
        self.logs = LogStore()
        self.pod_network = PodNetwork()

    @property
    def resource_version(self) -> int:
        """The newest committed resourceVersion (etcd's current revision)."""
        return self._rv

    @property
    def floor(self) -> int:
        """The oldest resourceVersion a watch may resume from or a list be served at."""
        return self._floor

    # --- reads -------------------------------------------------------------------------

    def get(self, resource: str, namespace: str, name: str) -> JsonObj | None:
        obj = self._store(resource).get(f"{namespace}/{name}")
        return None if obj is None else clone(obj)

    def list(self, resource: str, namespace: str | None = None) -> builtins.list[JsonObj]:
        """Current objects, sorted by namespace/name, optionally within one namespace."""
        return [clone(obj) for _, obj in self._sorted(self._store(resource), namespace)]

    def truth(self, resource: str) -> dict[str, str]:
        """`namespace/name` → resourceVersion, to compare a client's index against."""
        return {
            key: obj["metadata"]["resourceVersion"] for key, obj in self._store(resource).items()
        }

    def snapshot(self, resource: str, rv: int) -> builtins.list[tuple[str, JsonObj]]:
        """The objects as they were at `rv`, sorted by key. The returned dicts are shared."""
        self._check_servable(rv)
        state = dict(self._store(resource))
        for event in reversed(self._history):
            if event.rv <= rv:
                break
            if event.resource != resource:
                continue
            if event.prev is None:
                state.pop(event.key, None)
            else:
                state[event.key] = event.prev
        return self._sorted(state, None)

    def events_since(self, resource: str, rv: int) -> builtins.list[WatchEvent]:
        """Retained events of `resource` newer than `rv`, oldest first."""
        self._check_servable(rv)
        return [e for e in self._history if e.rv > rv and e.resource == resource]

    def current(self, resource: str) -> builtins.list[tuple[str, JsonObj]]:
        """Current objects sorted by key; shared dicts, for the server's read paths."""
        return self._sorted(self._store(resource), None)

    # --- writes ------------------------------------------------------------------------

    def create(self, resource: str, obj: JsonObj) -> JsonObj:
        rt = resource_type(resource)
        new = clone(obj)
        meta = new.setdefault("metadata", {})
        meta.setdefault("namespace", "default")
        key = object_key(new)
        store = self._store(resource)
        if key in store:
            raise AlreadyExistsError(f'{resource} "{meta["name"]}" already exists')
        count = self._creations.get((resource, key), 0) + 1
        self._creations[(resource, key)] = count
        meta["uid"] = str(uuid.uuid5(_UID_NAMESPACE, f"{resource}/{key}/{count}"))
        meta["creationTimestamp"] = rfc3339(self.clock.now())
        if rt.has_generation:
            meta["generation"] = 1
        typed = {"kind": rt.kind, "apiVersion": rt.api_version}
        typed.update((k, v) for k, v in new.items() if k not in typed)
        return self._commit(resource, key, "ADDED", typed, None)

    def update(self, resource: str, obj: JsonObj) -> JsonObj:
        """Replace an object; a stale metadata.resourceVersion raises ConflictError."""
        new = clone(obj)
        new.setdefault("metadata", {}).setdefault("namespace", "default")
        key = object_key(new)
        old = self._store(resource).get(key)
        if old is None:
            raise NotFoundError(f"{resource} {key} not found")
        sent_rv = new["metadata"].get("resourceVersion")
        if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
            raise ConflictError(
                f'Operation cannot be fulfilled on {resource} "{new["metadata"]["name"]}": '
                "the object has been modified; please apply your changes to the latest "
                "version and try again"
            )
        return self._replace(resource, key, old, new)

    def mutate(
        self, resource: str, namespace: str, name: str, fn: Callable[[JsonObj], None]
    ) -> JsonObj:
        """Apply `fn` to a copy of the current object and commit it (no conflict check)."""
        key = f"{namespace}/{name}"
        old = self._store(resource).get(key)
        if old is None:
            raise NotFoundError(f"{resource} {key} not found")
        new = clone(old)
        fn(new)
        return self._replace(resource, key, old, new)

    def delete(self, resource: str, namespace: str, name: str) -> JsonObj | None:
        """Remove an object; returns its last state, or None when it did not exist."""
        key = f"{namespace}/{name}"
        old = self._store(resource).get(key)
        if old is None:
            return None
        if resource == "pods":
            self.logs.end_pod(namespace, name)
            status = old.get("status", {})
            addresses = {entry["ip"] for entry in status.get("podIPs") or ()}
            for address in addresses | ({status["podIP"]} if status.get("podIP") else set()):
                self.pod_network.release(address, namespace=namespace, name=name)
        return self._commit(resource, key, "DELETED", clone(old), old)

    def append_log(
        self,
        namespace: str,
        pod: str,
        container: str,
        line: str,
        at: datetime | None = None,
    ) -> None:
        """Write `line` to a container's log, stamped `at` (default: the cluster's now).

        Text with newlines becomes several lines with the same stamp. The pod and the
        container must exist: a scenario writing to nothing is a bug in the scenario.
        """
        obj = self._store("pods").get(f"{namespace}/{pod}")
        if obj is None:
            raise NotFoundError(f"pods {namespace}/{pod} not found")
        if container not in {c["name"] for c in obj["spec"].get("containers", [])}:
            raise NotFoundError(f"container {container} is not valid for pod {pod}")
        log = self.logs.log(namespace, pod, container)
        stamp = self.clock.now() if at is None else at
        for text in line.split("\n"):
            log.append(text, stamp)

    def restart(self, *, rv_reset: bool = False) -> None:
        """Simulate an apiserver restart or etcd restore: history gone, watches ended.

        With `rv_reset` every object is renumbered from resourceVersion 1 in its old
        order, so the current RV drops below what clients have seen (a restore from backup).
        """
        if rv_reset:
            everything = [
                (obj["metadata"]["resourceVersion"], resource, key, obj)
                for resource, store in self._objects.items()
                for key, obj in store.items()
            ]
            everything.sort(key=lambda item: int(item[0]))
            self._rv = 0
            for _, resource, key, obj in everything:
                self._rv += 1
                renumbered = clone(obj)
                renumbered["metadata"]["resourceVersion"] = str(self._rv)
                self._objects[resource][key] = renumbered
        self._history.clear()
        self._floor = self._rv
        for subscription in list(self._subscriptions):
            subscription.end()
        self._subscriptions.clear()

    # --- notification ------------------------------------------------------------------

    def subscribe(self, resource: str) -> Subscription:
        """Feed of future events of `resource`; bounded like the watch cache's buffers."""
        resource_type(resource)
        subscription = Subscription(self, resource, self.history_size)
        self._subscriptions.add(subscription)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    async def wait_for_resource_version(self, rv: int, within: float) -> bool:
        """Wait until the cluster reaches `rv`, as the watch cache waits to become fresh."""
        if self._rv >= rv:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (rv, future)
        self._rv_waiters.append(entry)
        try:
            await asyncio.wait_for(asyncio.shield(future), within)
        except TimeoutError:
            return False
        finally:
            if entry in self._rv_waiters:
                self._rv_waiters.remove(entry)
        return True

    # --- internals ---------------------------------------------------------------------

    def _store(self, resource: str) -> dict[str, JsonObj]:
        resource_type(resource)
        return self._objects[resource]

    @staticmethod
    def _sorted(
        store: dict[str, JsonObj], namespace: str | None
    ) -> builtins.list[tuple[str, JsonObj]]:
        prefix = None if namespace is None else f"{namespace}/"
        return sorted(
            (key, obj) for key, obj in store.items() if prefix is None or key.startswith(prefix)
        )

    def _check_servable(self, rv: int) -> None:
        if rv < self._floor:
            raise CompactedError(rv, self._floor)
        if rv > self._rv:
            raise FutureResourceVersionError(rv, self._rv)

    def _replace(self, resource: str, key: str, old: JsonObj, new: JsonObj) -> JsonObj:
        meta = new["metadata"]
        old_meta = old["metadata"]
        for kept in ("name", "namespace", "uid", "creationTimestamp"):
            meta[kept] = old_meta[kept]
        new["kind"], new["apiVersion"] = old["kind"], old["apiVersion"]
        if resource_type(resource).has_generation:
            generation = old_meta.get("generation", 1)
            meta["generation"] = (
                generation + 1 if new.get("spec") != old.get("spec") else generation
            )
        return self._commit(resource, key, "MODIFIED", new, old)

    def _commit(
        self, resource: str, key: str, kind: EventType, obj: JsonObj, prev: JsonObj | None
    ) -> JsonObj:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        store = self._objects[resource]
        if kind == "DELETED":
            del store[key]
        else:
            store[key] = obj
        event = WatchEvent(self._rv, kind, resource, key, obj, prev)
        self._history.append(event)
        if len(self._history) > self.history_size:
            self._floor = self._history.popleft().rv
        for subscription in list(self._subscriptions):
            if subscription.resource == resource:
                subscription._push(event)
        self._wake_rv_waiters()
        return clone(obj)

    def _wake_rv_waiters(self) -> None:
        for rv, future in self._rv_waiters:
            if rv <= self._rv and not future.done():
                future.set_result(None)
