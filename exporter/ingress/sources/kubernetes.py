"""Follow the logs of ingress controller pods through the Kubernetes API.

The default in-cluster source, because it needs nothing on the nodes: only `list`/`watch`
on pods and `get` on `pods/log`, in the controller's namespace. Two layers:

- `KubernetesLogSource` list-watches the pods matching a label selector (a `Reflector`
  with its own store) and keeps one follower per container that has run: started when
  the container first has a log, retired when the pod is deleted or stops matching.
- `_Follower` reads one container's log forever:
  `GET .../pods/NAME/log?follow=true&timestamps=true&container=C`, reconnecting after the
  stream ends, breaks, goes silent, or is refused, with client-go's jittered backoff (429
  waits `Retry-After`). Each line's `timestamps=true` prefix is split off and passed to
  the sink as the line's time, and it is where a reconnect resumes (`ResumePoint`).

Where reading starts: containers already running when the source starts are read from
"now" (`tailLines=0`), or `lookback` seconds back; containers that start later are read
from their first line, so a new controller pod loses nothing. Both positions are the
kubelet's own clock, so the exporter's clock can be off without losing or repeating lines.

Not covered: the kubelet serves the current instance of a restarted container only, so
what a crashed instance wrote after our last read is not fetched (`previous=true` would
need a second stream per restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import cast

from exporter.index.store import Store
from exporter.ingress.sink import LineSink
from exporter.ingress.sources.resume import ResumePoint, split_stamp
from exporter.ingress.sources.stats import SourceStats
from exporter.kube.backoff import Backoff
from exporter.kube.client import ApiClient
from exporter.kube.errors import (
    APIClientError,
    APIConnectionError,
    APIError,
    APIServerError,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from exporter.kube.reflector import Reflector, WatchSettings
from exporter.kube.resources import PODS
from exporter.model.pod import ContainerStatus, Pod

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogStreamSettings:
    """How pod logs are followed; the backoff follows client-go's reflector."""

    lookback: float = 0.0
    """Seconds of history read from containers already running at start; 0 is "now"."""
    inactivity_timeout: float = 300.0
    """Reconnect after this long without a line: a quiet controller and a dead connection
    look alike, and a reconnect resumes exactly, so it costs one request."""
    backoff_initial: float = 0.8
    backoff_max: float = 30.0
    forbidden_retry: float = 300.0
    """Retry interval while RBAC denies `get pods/log`."""
    drain_timeout: float = 10.0
    """How long a deleted pod's open stream may still deliver its last lines."""


DEFAULT_SETTINGS = LogStreamSettings()
DEFAULT_WATCH_SETTINGS = WatchSettings()
"""The pod watch of the controller namespace: client-go's defaults, as for every kind."""


def stream_name(namespace: str, pod: str, container: str) -> str:
    """The sink's stream for one container: stable across reconnects, unique per pod."""
    return f"kubernetes:{namespace}/{pod}/{container}"


def has_log(statuses: tuple[ContainerStatus, ...], container: str) -> bool:
    """Whether the kubelet has a log for `container`: it runs, or ran at least once."""
    for status in statuses:
        if status.name == container:
            return (
                status.state.running is not None
                or status.state.terminated is not None
                or status.last_state.terminated is not None
            )
    return False


class KubernetesLogSource:
    """Feeds `sink` with the logs of the selected pods' containers until cancelled.

    `container` limits following to that container name (ingress-nginx: `controller`);
    None follows every container of each selected pod.
    """

    def __init__(
        self,
        client: ApiClient,
        sink: LineSink,
        *,
        namespace: str,
        label_selector: str,
        container: str | None = None,
        settings: LogStreamSettings = DEFAULT_SETTINGS,
        watch_settings: WatchSettings = DEFAULT_WATCH_SETTINGS,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._sink = sink
        self.namespace = namespace
        self._container = container
        self._settings = settings
        self._rng = rng or random.Random()
        self.stats = SourceStats("kubernetes")
        self.pods: Store[Pod] = Store("pods")
        self.pods.subscribe(self)
        self.reflector = Reflector(
            client,
            PODS,
            self.pods,
            settings=watch_settings,
            namespace=namespace,
            label_selector=label_selector,
            rng=self._rng,
        )
        self._followers: dict[str, _Follower] = {}

    @property
    def streams(self) -> list[str]:
        """The streams being followed (or drained) right now."""
        return sorted(self._followers)

    async def run(self) -> None:
        """Watch the pods and follow their logs until cancelled; never raises for API
        trouble. Streams are not closed on the way out: their pods still exist."""
        try:
            await self.reflector.run()
        finally:
            followers = list(self._followers.values())
            for follower in followers:
                follower.task.cancel()
            await asyncio.gather(*(f.task for f in followers), return_exceptions=True)

    def on_change(self, old: Pod | None, new: Pod | None) -> None:
        """Start followers for containers that now have a log; retire those of gone pods."""
        if new is None:
            if old is not None:
                self._retire_pod(old.metadata.name, drain=True)
            return
        meta = new.metadata
        for container in new.spec.containers:
            name = container.name
            if self._container is not None and name != self._container:
                continue
            stream = stream_name(meta.namespace, meta.name, name)
            current = self._followers.get(stream)
            if current is not None and current.uid == meta.uid:
                continue
            if current is not None:
                # The name now belongs to a new pod: the old follower would read its log.
                current.retire(drain=False)
            if has_log(new.status.container_statuses, name):
                self._start(meta.name, meta.uid, name, stream)

    def _start(self, pod: str, uid: str, container: str, stream: str) -> None:
        follower = _Follower(
            self._client,
            self._sink,
            self.stats,
            self._settings,
            path=f"/api/v1/namespaces/{self.namespace}/pods/{pod}/log",
            pod=pod,
            uid=uid,
            container=container,
            stream=stream,
            # Containers seen running in the first list were running before we started;
            # a container that has a log only later is read from its first line.
            from_start=self.reflector.synced.is_set(),
            backoff=Backoff(self._settings.backoff_initial, self._settings.backoff_max, self._rng),
        )
        predecessor = self._followers.get(stream)
        self._followers[stream] = follower
        follower.task = asyncio.get_running_loop().create_task(
            self._follow(follower, predecessor), name=f"follow {stream}"
        )

    async def _follow(self, follower: _Follower, predecessor: _Follower | None) -> None:
        try:
            if predecessor is not None:
                # Same stream name, older pod: its close_stream must reach the sink
                # before any line of the new pod does.
                await asyncio.wait({predecessor.task})
            await follower.run()
        finally:
            if self._followers.get(follower.stream) is follower:
                del self._followers[follower.stream]

    def _retire_pod(self, pod: str, *, drain: bool) -> None:
        for follower in list(self._followers.values()):
            if follower.pod == pod:
                follower.retire(drain=drain)


class _Follower:
    """Reads one container's log across reconnects, each line once."""

    task: asyncio.Task[None]

    def __init__(
        self,
        client: ApiClient,
        sink: LineSink,
        stats: SourceStats,
        settings: LogStreamSettings,
        *,
        path: str,
        pod: str,
        uid: str,
        container: str,
        stream: str,
        from_start: bool,
        backoff: Backoff,
    ) -> None:
        self._client = client
        self._sink = sink
        self._stats = stats
        self._settings = settings
        self._path = path
        self.pod = pod
        self.uid = uid
        self.container = container
        self.stream = stream
        self._from_start = from_start
        self._backoff = backoff
        self._resume = ResumePoint()
        self._first_connect: float | None = None
        """`time.monotonic()` of the first request, for resuming before any line arrived."""
        self._retired = asyncio.Event()
        self._connected = False
        self._drain_timer: asyncio.TimerHandle | None = None

    def retire(self, *, drain: bool) -> None:
        """Stop following. With `drain`, an open stream may deliver what is left (the
        server ends it when the pod is gone) for up to `drain_timeout` seconds; without,
        it stops at once, even if it was draining."""
        already = self._retired.is_set()
        self._retired.set()
        if drain and self._connected:
            if not already:
                self._drain_timer = asyncio.get_running_loop().call_later(
                    self._settings.drain_timeout, self.task.cancel
                )
            return
        self.task.cancel()

    async def run(self) -> None:
        """Connect, read, reconnect until retired; the stream is closed only then."""
        stats = self._stats
        stats.streams += 1
        try:
            while not self._retired.is_set():
                delivered = stats.lines
                reason, delay = await self._connect_once()
                if self._retired.is_set():
                    return
                stats.reconnects[reason] += 1
                if stats.lines > delivered:
                    self._backoff.reset()
                if delay is None:
                    delay = self._backoff.next_delay()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._retired.wait(), delay)
        finally:
            stats.streams -= 1
            if self._drain_timer is not None:
                self._drain_timer.cancel()
            if self._retired.is_set():
                self._sink.close_stream(self.stream)

    async def _connect_once(self) -> tuple[str, float | None]:
        """One request, read to its end; why it ended, and the delay it asks for (None:
        the backoff decides)."""
        settings = self._settings
        self._resume.reconnected()
        params = self._params()
        self._connected = True
        try:
            # `stream` is an async generator: closing it ourselves releases the connection
            # as soon as a retired follower is cancelled, not when it is collected.
            lines = cast(
                "AsyncGenerator[bytes, None]",
                self._client.stream(
                    self._path, params, inactivity_timeout=settings.inactivity_timeout
                ),
            )
            async with contextlib.aclosing(lines):
                async for line in lines:
                    self._deliver(line)
            return "end", None
        except TooManyRequests as exc:
            return "throttled", exc.retry_after
        except Forbidden as exc:
            self._warn("reading logs is forbidden", exc)
            return "forbidden", settings.forbidden_retry
        except Unauthorized as exc:
            self._warn("unauthorized", exc)
            return "unauthorized", None
        except NotFound:
            return "not_ready", None
        except APIClientError as exc:
            if exc.code == 400:
                # "container ... is waiting to start": expected while a pod starts up.
                return "not_ready", None
            self._warn("log request refused", exc)
            return "client_error", None
        except APIConnectionError as exc:
            return exc.reason or "connection", None
        except APIServerError:
            return "server_error", None
        except Exception:
            # A bug behind the sink must not end log following for good: the line that
            # hit it counts as delivered, and reading resumes after it.
            log.exception("log follower failed, retrying", extra={"stream": self.stream})
            return "internal_error", None
        finally:
            self._connected = False

    def _params(self) -> dict[str, str]:
        params = {"follow": "true", "timestamps": "true", "container": self.container}
        since_time = self._resume.since_time
        now = time.monotonic()
        if self._first_connect is None:
            self._first_connect = now
        if since_time is not None:
            params["sinceTime"] = since_time
        elif not self._from_start:
            lookback = self._settings.lookback + (now - self._first_connect)
            if lookback > 0:
                # Nothing read yet: cover the time since the first request, on the
                # kubelet's clock, so lines written while we were away are not lost.
                params["sinceSeconds"] = str(max(1, math.ceil(lookback)))
            else:
                params["tailLines"] = "0"
        return params

    def _deliver(self, raw: bytes) -> None:
        timestamp, nanoseconds, line = split_stamp(raw)
        stats = self._stats
        if nanoseconds is not None and not self._resume.admit(nanoseconds, line):
            stats.duplicates += 1
            return
        stats.delivered(len(raw) + 1, time.time())
        self._sink.feed(self.stream, line, timestamp=timestamp)

    def _warn(self, message: str, exc: APIError) -> None:
        log.warning(message, extra={"stream": self.stream, "code": exc.code, "error": str(exc)})
