"""WATCH streams as kube-apiserver's watch cache serves them.

One JSON object per line, `{"type": ..., "object": ...}`, over a chunked 200 response.
With no resourceVersion (or "0") the stream starts with a synthetic ADDED per current
object ("Start at Most Recent" / "Any"); with an RV it replays retained events newer than
it, then follows live changes. Bookmarks, timeouts and the 410/504 answers follow the
real server; see docs/simulator.md for what each one looks like on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import msgspec
from aiohttp import web

from exporter.sim import query, status
from exporter.sim.cluster import Cluster, Subscription, WatchEvent, clone
from exporter.sim.faults import Fault, FaultKind
from exporter.sim.resources import JsonObj, ResourceType, bookmark_object
from exporter.sim.selectors import Selector

_ENCODER = msgspec.json.Encoder()

_PRE_TIMEOUT_BOOKMARK = 2.0
"""The cacher sends its last bookmark this long before the watch deadline."""


@dataclass(frozen=True)
class WatchRequest:
    resource_version: int | None
    """None for unset or "0": both start with the current state."""
    allow_bookmarks: bool
    timeout: float | None
    selector: Selector

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> WatchRequest:
        if params.get("resourceVersionMatch"):
            raise status.invalid_list_options(
                "resourceVersionMatch", "resourceVersionMatch is forbidden for watch"
            )
        timeout = query.integer(params, "timeoutSeconds")
        return cls(
            query.resource_version(params.get("resourceVersion")) or None,
            query.flag(params, "allowWatchBookmarks"),
            float(timeout) if timeout and timeout > 0 else None,
            query.selector(params),
        )


@dataclass(frozen=True)
class WatchSettings:
    bookmark_interval: float
    default_timeout: float
    fresh_wait: float


class _Dropped(Exception):
    """The stream was cut on purpose by a fault; nothing more may be written."""


class _Ended(Exception):
    """The stream is complete and should be closed cleanly."""


class _Stream:
    """Writes events to one response and fires the fault aimed at it.

    `after_events` counts every line written, bookmarks included.
    """

    def __init__(
        self,
        request: web.Request,
        response: web.StreamResponse,
        fault: Fault | None,
        gone: tuple[int, int],
    ) -> None:
        self._request = request
        self.response = response
        self._fault = fault
        self._gone = gone
        self.sent = 0

    async def send(self, event_type: str, obj: JsonObj) -> None:
        line = _ENCODER.encode({"type": event_type, "object": obj}) + b"\n"
        fault = self._fault
        mid_line = fault is not None and fault.kind is FaultKind.DROP_MID_LINE
        if mid_line and fault is not None and self.sent >= fault.after_events:
            await self.response.write(line[: max(1, len(line) // 2)])
            await self._abort()
        await self.response.write(line)
        self.sent += 1
        await self.fire_due_fault()

    async def fire_due_fault(self) -> None:
        """Fire a drop or in-stream 410 once `after_events` lines have been written."""
        fault = self._fault
        if fault is None or self.sent < fault.after_events:
            return
        if fault.kind is FaultKind.DROP_MID_STREAM:
            await self._abort()
        if fault.kind is FaultKind.GONE_EVENT:
            await self.send_gone()
        if fault.kind is FaultKind.RAW_LINES:
            self._fault = None
            for line in fault.lines:
                await self.response.write(line + b"\n")

    async def send_gone(self) -> None:
        """ERROR event with a 410 Status; the real server ends the stream after it."""
        self._fault = None
        body = status.too_old_resource_version(*self._gone)
        await self.response.write(_ENCODER.encode({"type": "ERROR", "object": body}) + b"\n")
        raise _Ended

    async def _abort(self) -> None:
        """Close the TCP connection with the chunked body unfinished.

        `close()` rather than `abort()`: it flushes what was written first, so the client
        is guaranteed to receive exactly `after_events` lines (and the half line).
        """
        transport = self._request.transport
        if transport is not None:
            transport.close()
        raise _Dropped


def _filtered(event: WatchEvent, matches: Callable[[JsonObj], bool]) -> tuple[str, JsonObj] | None:
    """The event this watcher sees, as the cacher's convertToWatchEvent decides it."""
    now = event.type != "DELETED" and matches(event.obj)
    before = event.prev is not None and matches(event.prev)
    if now:
        return ("MODIFIED" if before else "ADDED"), event.obj
    if not before or event.prev is None:
        return None
    if event.type == "DELETED":
        return "DELETED", event.obj
    left = clone(event.prev)
    left["metadata"]["resourceVersion"] = str(event.rv)
    return "DELETED", left


async def serve_watch(
    request: web.Request,
    cluster: Cluster,
    rt: ResourceType,
    namespace: str | None,
    watch: WatchRequest,
    fault: Fault | None,
    settings: WatchSettings,
    active: set[Subscription],
    stopping: asyncio.Event,
) -> web.StreamResponse:
    """Serve one watch to its end: timeout, restart, server stop, or a fault.

    `active` holds the subscriptions of open watches so the server can end them on stop.
    """
    rv = watch.resource_version
    fresh = rv is None or await cluster.wait_for_resource_version(rv, settings.fresh_wait)
    if rv is not None and not fresh:
        raise status.too_large_resource_version(rv, cluster.resource_version)
    if fault is not None and fault.kind is FaultKind.GONE_HTTP:
        raise status.ApiError(status.too_old_resource_version(rv or 0, cluster.floor))

    def matches(obj: JsonObj) -> bool:
        in_namespace = namespace is None or obj["metadata"].get("namespace") == namespace
        return in_namespace and watch.selector.matches(obj)

    too_old = rv is not None and rv < cluster.floor
    gone = (rv or cluster.resource_version, cluster.floor)
    subscription = cluster.subscribe(rt.plural)
    backlog: list[tuple[str, JsonObj]] = []
    if rv is None:
        backlog = [("ADDED", obj) for _, obj in cluster.current(rt.plural) if matches(obj)]
    elif not too_old:
        for event in cluster.events_since(rt.plural, rv):
            seen = _filtered(event, matches)
            if seen is not None:
                backlog.append(seen)
    active.add(subscription)

    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    stream = _Stream(request, response, fault, gone)
    deadline = time.monotonic() + (watch.timeout or settings.default_timeout)
    try:
        await response.prepare(request)
        if fault is not None and fault.kind is FaultKind.STALL:
            await _sleep_unless(stopping, min(fault.seconds, deadline - time.monotonic()))
        if too_old:
            await stream.send_gone()
        await stream.fire_due_fault()
        for event_type, obj in backlog:
            await stream.send(event_type, obj)
        await _follow(stream, subscription, rt, cluster, watch, matches, settings, deadline)
    except (_Dropped, ConnectionError):
        return response
    except _Ended:
        pass
    finally:
        active.discard(subscription)
        subscription.close()
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


async def _follow(
    stream: _Stream,
    subscription: Subscription,
    rt: ResourceType,
    cluster: Cluster,
    watch: WatchRequest,
    matches: Callable[[JsonObj], bool],
    settings: WatchSettings,
    deadline: float,
) -> None:
    """Live events until the deadline; bookmarks whenever the feed is idle long enough."""
    next_bookmark = _next_bookmark(time.monotonic(), deadline, settings.bookmark_interval)
    while True:
        now = time.monotonic()
        if now >= deadline:
            return
        bookmarking = watch.allow_bookmarks and next_bookmark is not None
        wake = min(deadline, next_bookmark) if bookmarking and next_bookmark else deadline
        try:
            event = await asyncio.wait_for(subscription.get(), max(0.0, wake - now))
        except TimeoutError:
            now = time.monotonic()
            if bookmarking and next_bookmark is not None and now >= next_bookmark:
                await stream.send("BOOKMARK", bookmark_object(rt, cluster.resource_version))
                next_bookmark = _next_bookmark(now, deadline, settings.bookmark_interval)
            continue
        if event is None:
            return
        seen = _filtered(event, matches)
        if seen is not None:
            await stream.send(*seen)


def _next_bookmark(now: float, deadline: float, interval: float) -> float | None:
    """The cacher's nextBookmarkTime: every interval, and once just before the deadline."""
    heartbeat = min(now + interval, deadline - _PRE_TIMEOUT_BOOKMARK)
    return None if heartbeat < now else heartbeat


async def _sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    if seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
