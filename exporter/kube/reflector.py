"""List-then-watch one resource kind into its store, with client-go's semantics.

Three layers, as in kopf:
- `run()` forever: classify failures into relist / resume / back off / unavailable;
- `_list()`: paginated list (`limit` + `continue`; an expired continue token restarts
  the list), applied to the store as one atomic replace, returning the list's RV;
- `_watch()`: one stream from an RV with bookmarks and a server-side timeout, advancing
  the RV on every event (bookmarks included) and returning it on a clean end.

410 Gone (HTTP or an ERROR event) and "resource version too large" mean our RV is
unusable: relist. Connection errors, 5xx and inactivity resume the watch from the last
RV after a jittered backoff. 429 waits `Retry-After`. 403/404 mark the kind
unavailable (logged once, exported as a metric) and retry slowly.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

import msgspec

from exporter.index.store import Store
from exporter.kube.backoff import Backoff
from exporter.kube.client import ApiClient
from exporter.kube.errors import (
    APIClientError,
    APIConnectionError,
    APIError,
    APIServerError,
    Forbidden,
    Gone,
    NotFound,
    ResourceVersionTooLarge,
    Status,
    TooManyRequests,
    Unauthorized,
    error_from_status,
)
from exporter.kube.resources import Resource
from exporter.kube.stats import WatchStats
from exporter.model.meta import Bookmark

log = logging.getLogger(__name__)

T = TypeVar("T", bound=msgspec.Struct)

_OBJECT_EVENTS = frozenset({"ADDED", "MODIFIED", "DELETED"})


@dataclass(frozen=True)
class WatchSettings:
    """Tuning shared by every reflector; defaults follow client-go."""

    page_size: int = 500
    watch_timeout: float = 300.0
    inactivity_timeout: float = 120.0
    backoff_initial: float = 0.8
    backoff_max: float = 30.0
    unavailable_retry: float = 300.0


class ListMeta(msgspec.Struct, rename="camel", frozen=True):
    resource_version: str = ""
    continue_: str = msgspec.field(default="", name="continue")


class ListPage(msgspec.Struct, frozen=True):
    metadata: ListMeta = ListMeta()
    items: list[msgspec.Raw] | None = None


class WatchEvent(msgspec.Struct, frozen=True):
    type: str
    object: msgspec.Raw


class TypedWatchEvent(msgspec.Struct, Generic[T], frozen=True):
    type: str
    object: T


class MalformedResponse(APIServerError):
    """A 2xx body we could not decode at all: treat like a server error and retry."""


_page_decoder = msgspec.json.Decoder(ListPage)
_event_decoder = msgspec.json.Decoder(WatchEvent)
_bookmark_decoder = msgspec.json.Decoder(Bookmark)
_status_decoder = msgspec.json.Decoder(Status)


class Reflector(Generic[T]):
    """Keeps `store` equal to the API's view of one kind (in one namespace, or all).

    With `label_selector` the view is the matching objects only; the server filters both
    the list and the watch, and an object that stops matching arrives as DELETED.
    """

    def __init__(
        self,
        client: ApiClient,
        resource: Resource[T],
        store: Store[T],
        *,
        settings: WatchSettings,
        namespace: str | None = None,
        label_selector: str | None = None,
        stats: WatchStats | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._resource = resource
        self._store = store
        self._settings = settings
        self._namespace = namespace
        self._path = resource.collection_path(namespace)
        self._selection = {"labelSelector": label_selector} if label_selector else {}
        self._decoder = msgspec.json.Decoder(resource.projection)
        typed_event = TypedWatchEvent[resource.projection]  # type: ignore[name-defined]
        self._typed_event_decoder = msgspec.json.Decoder(typed_event)
        self._rng = rng or random.Random()
        self.stats = stats or WatchStats(resource.plural)
        self.synced = asyncio.Event()
        """Set after the first full list, or once the kind is known to be unavailable."""

    @property
    def resource(self) -> Resource[T]:
        return self._resource

    async def run(self) -> None:
        """List and watch until cancelled; never raises for API trouble."""
        backoff = Backoff(self._settings.backoff_initial, self._settings.backoff_max, self._rng)
        resource_version: str | None = None
        relist_reason: str | None = None
        while True:
            delay = 0.0
            try:
                if resource_version is None:
                    resource_version = await self._list()
                    if relist_reason is not None:
                        self.stats.relists[relist_reason] += 1
                    relist_reason = "gone"
                    self._mark_available()
                resource_version = await self._watch(resource_version)
                self.stats.restarts["timeout"] += 1
                backoff.reset()
            except (Gone, ResourceVersionTooLarge) as exc:
                relist_reason = (
                    "rv_too_large" if isinstance(exc, ResourceVersionTooLarge) else "gone"
                )
                log.info(
                    "relisting",
                    extra={"kind": self.stats.kind, "reason": relist_reason, "error": str(exc)},
                )
                resource_version = None
            except TooManyRequests as exc:
                self.stats.restarts["throttled"] += 1
                delay = exc.retry_after if exc.retry_after is not None else backoff.next_delay()
            except (Forbidden, NotFound) as exc:
                self._mark_unavailable(exc)
                resource_version = None
                delay = self._settings.unavailable_retry
            except APIError as exc:
                reason = _restart_reason(exc)
                self.stats.restarts[reason] += 1
                delay = backoff.next_delay()
                log.warning(
                    "watch failed, retrying",
                    extra={
                        "kind": self.stats.kind,
                        "reason": reason,
                        "error": str(exc),
                        "retry_in": round(delay, 3),
                    },
                )
            except Exception:
                # A bug while applying an event must not kill the watch for good:
                # log it, count it, and resume after a backoff like any other failure.
                self.stats.restarts["internal_error"] += 1
                delay = backoff.next_delay()
                log.exception("reflector failed, retrying", extra={"kind": self.stats.kind})
            if delay:
                await asyncio.sleep(delay)

    async def _list(self) -> str:
        objects: list[T] = []
        continue_token = ""
        while True:
            params = {"limit": str(self._settings.page_size), **self._selection}
            if continue_token:
                params["continue"] = continue_token
            try:
                body = await self._request("list", params)
            except Gone:
                if not continue_token:
                    raise
                # The snapshot behind our continue token was compacted: start over,
                # as client-go does, rather than stitching two snapshots together.
                self.stats.relists["continue_expired"] += 1
                objects.clear()
                continue_token = ""
                continue
            try:
                page = _page_decoder.decode(body)
            except msgspec.DecodeError as exc:
                self.stats.decode_errors["invalid_list"] += 1
                raise MalformedResponse(f"list {self._path}: {exc}") from exc
            for raw in page.items or ():
                obj = self._decode_object(raw)
                if obj is not None:
                    objects.append(obj)
            continue_token = page.metadata.continue_
            if not continue_token:
                break
        self._store.replace(objects, namespace=self._namespace)
        self.stats.listed_objects += len(objects)
        self.stats.last_event_time = time.time()
        self.stats.synced = True
        self.synced.set()
        return page.metadata.resource_version

    async def _request(self, verb: str, params: dict[str, str]) -> bytes:
        try:
            body = await self._client.get(self._path, params)
        except APIError as exc:
            self.stats.requests[(verb, str(exc.code))] += 1
            raise
        self.stats.requests[(verb, "200")] += 1
        return body

    async def _watch(self, resource_version: str) -> str:
        timeout = self._settings.watch_timeout * (1.0 + self._rng.random())
        params = {
            "watch": "true",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(max(1, int(timeout))),
            **self._selection,
        }
        stream = self._client.stream(
            self._path, params, inactivity_timeout=self._settings.inactivity_timeout
        )
        try:
            self.stats.requests[("watch", "200")] += 1
            async for line in stream:
                resource_version = self.apply_line(line, resource_version)
        except APIError as exc:
            if exc.code:
                # The request itself failed: undo the optimistic 200 above.
                self.stats.requests[("watch", "200")] -= 1
                self.stats.requests[("watch", str(exc.code))] += 1
            raise
        return resource_version

    def apply_line(self, line: bytes, resource_version: str) -> str:
        """Apply one watch event line to the store; return the RV to resume from.

        This is the hot path (one call per event). ADDED/MODIFIED/DELETED decode in a
        single pass straight into the slim projection; anything that does not fit
        (BOOKMARK, ERROR, a malformed object) falls back to a two-pass decode.
        """
        stats = self.stats
        stats.last_event_time = time.time()
        try:
            event = self._typed_event_decoder.decode(line)
        except msgspec.ValidationError:
            return self._apply_untyped_line(line, resource_version)
        except msgspec.DecodeError:
            stats.decode_errors["invalid_json"] += 1
            return resource_version
        kind = event.type
        if kind == "ADDED" or kind == "MODIFIED":
            self._store.upsert(event.object)
        elif kind == "DELETED":
            self._store.delete(event.object)
        else:
            return self._apply_untyped_line(line, resource_version)
        stats.events[kind] += 1
        rv: str = event.object.metadata.resource_version
        return rv

    def _apply_untyped_line(self, line: bytes, resource_version: str) -> str:
        stats = self.stats
        try:
            event = _event_decoder.decode(line)
        except msgspec.DecodeError:
            stats.decode_errors["invalid_json"] += 1
            return resource_version
        kind = event.type
        stats.events[kind] += 1
        if kind in _OBJECT_EVENTS:
            # The typed pass failed, so the object is malformed: count it, skip it,
            # and still advance past it so a resumed watch does not replay it.
            self._decode_object(event.object)
            return _salvage_resource_version(event.object) or resource_version
        if kind == "BOOKMARK":
            return _salvage_resource_version(event.object) or resource_version
        if kind == "ERROR":
            try:
                status = _status_decoder.decode(event.object)
            except msgspec.DecodeError:
                status = None
            raise error_from_status(status, http_code=status.code if status else 500)
        stats.events[kind] -= 1
        stats.decode_errors["unknown_event_type"] += 1
        return resource_version

    def _decode_object(self, raw: msgspec.Raw) -> T | None:
        try:
            return self._decoder.decode(raw)
        except msgspec.DecodeError as exc:
            self.stats.decode_errors["invalid_object"] += 1
            log.debug(
                "skipping malformed object", extra={"kind": self.stats.kind, "error": str(exc)}
            )
            return None

    def _mark_available(self) -> None:
        if not self.stats.available:
            log.info("resource available again", extra={"kind": self.stats.kind})
        self.stats.available = True

    def _mark_unavailable(self, exc: APIClientError) -> None:
        if self.stats.available:
            log.warning(
                "resource unavailable; other kinds keep working",
                extra={
                    "kind": self.stats.kind,
                    "reason": "forbidden" if isinstance(exc, Forbidden) else "not_served",
                    "error": str(exc),
                },
            )
        self.stats.available = False
        self.synced.set()


def _salvage_resource_version(raw: msgspec.Raw) -> str | None:
    """The RV of an event we cannot use otherwise, so we do not ask for it again."""
    try:
        return _bookmark_decoder.decode(raw).metadata.resource_version
    except msgspec.DecodeError:
        return None


def _restart_reason(exc: APIError) -> str:
    if isinstance(exc, Unauthorized):
        return "unauthorized"
    if isinstance(exc, APIConnectionError):
        return exc.reason or "connection"
    if isinstance(exc, APIServerError):
        return "server_error"
    return "client_error"
