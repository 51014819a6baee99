"""`GET /api/v1/namespaces/{ns}/pods/{name}/log`, as kube-apiserver and the kubelet serve it.

The API server validates the options (422), finds the pod (404) and the container (400),
answers an unscheduled pod with an empty body, and proxies the rest to the kubelet, which
refuses a container that has not started (400, its message passed through as the
Status message) and otherwise streams the log as `text/plain`: the last `tailLines`
lines, then only those at or after `sinceTime`/`sinceSeconds`, each prefixed with its
RFC3339NanoFixed time and a space when `timestamps=true`; with `follow=true` it keeps
the response open and writes new lines as they come until the container is gone.

`sinceTime` reaches the kubelet with second precision: the API server re-formats it with
Go's `time.RFC3339` before proxying, which truncates the fraction. Clients resuming from
a line's timestamp therefore get every line of that second again.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from exporter.sim import query, status
from exporter.sim.clock import Clock
from exporter.sim.faults import Fault, FaultKind
from exporter.sim.logs import ContainerLog, LogLine, LogStore, rfc3339_nano_fixed
from exporter.sim.resources import JsonObj

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)\Z")
_GO_RFC3339 = "2006-01-02T15:04:05Z07:00"
_NEGATIVE = "must be greater than or equal to 0"
_POSITIVE = "must be greater than 0"


@dataclass(frozen=True)
class LogRequest:
    """PodLogOptions as decoded from the query (`previous` and `limitBytes` not emulated)."""

    container: str | None
    follow: bool
    timestamps: bool
    since_time: datetime | None
    """Already truncated to the second, as it reaches the kubelet."""
    since_seconds: int | None
    tail_lines: int | None

    @classmethod
    def parse(cls, params: Mapping[str, str], pod: str) -> LogRequest:
        """Decode like the parameter codec (400), then validate like the registry (422)."""
        since_time = _since_time(params.get("sinceTime"))
        since_seconds = query.integer(params, "sinceSeconds")
        tail_lines = query.integer(params, "tailLines")
        errors: list[_FieldError] = []
        if tail_lines is not None and tail_lines < 0:
            errors.append(_FieldError.invalid("tailLines", tail_lines, _NEGATIVE))
        if since_seconds is not None and since_time is not None:
            errors.append(
                _FieldError(
                    "",
                    "FieldValueForbidden",
                    "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
                )
            )
        elif since_seconds is not None and since_seconds < 1:
            errors.append(_FieldError.invalid("sinceSeconds", since_seconds, _POSITIVE))
        if errors:
            raise _invalid(pod, errors)
        return cls(
            params.get("container") or None,
            query.flag(params, "follow"),
            query.flag(params, "timestamps"),
            since_time,
            since_seconds,
            tail_lines,
        )

    def since(self, now: datetime) -> datetime | None:
        if self.since_seconds is not None:
            return now - timedelta(seconds=self.since_seconds)
        return self.since_time


def _since_time(raw: str | None) -> datetime | None:
    if raw is None or raw == "":
        return None
    if not _RFC3339.match(raw):
        raise status.bad_request(
            f'parsing time "{raw}" as "{_GO_RFC3339}": cannot parse "{raw}" as "{_GO_RFC3339}"'
        )
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
    return parsed.replace(microsecond=0)


@dataclass(frozen=True)
class _FieldError:
    """One field.Error of the validation, as it appears in a Status cause."""

    field: str
    reason: str
    message: str

    @classmethod
    def invalid(cls, field: str, value: int, detail: str) -> _FieldError:
        return cls(field, "FieldValueInvalid", f"Invalid value: {value}: {detail}")


def _invalid(pod: str, errors: list[_FieldError]) -> status.ApiError:
    """errors.NewInvalid(Kind("PodLogOptions"), name, errs)."""
    texts = [f"{error.field}: {error.message}" for error in errors]
    aggregate = texts[0] if len(texts) == 1 else f"[{', '.join(texts)}]"
    details: dict[str, Any] = {
        "name": pod,
        "kind": "PodLogOptions",
        "causes": [
            {"reason": error.reason, "message": error.message, "field": error.field}
            for error in errors
        ],
    }
    return status.error(
        status.status(
            422, "Invalid", f'PodLogOptions "{pod}" is invalid: {aggregate}', details=details
        )
    )


def choose_container(pod: JsonObj, wanted: str | None) -> str:
    """The API server's validateContainer: the only container, or the one asked for."""
    name = pod["metadata"]["name"]
    names: list[str] = [c["name"] for c in pod["spec"].get("containers", [])]
    if wanted is None:
        if len(names) == 1:
            return names[0]
        if not names:
            raise status.bad_request(f"a container name must be specified for pod {name}")
        raise status.bad_request(
            f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
        )
    if wanted not in names:
        raise status.bad_request(f"container {wanted} is not valid for pod {name}")
    return wanted


def check_container_started(pod: JsonObj, container: str) -> None:
    """The kubelet's validateContainerLogStatus: only a container that ran has a log."""
    name = pod["metadata"]["name"]
    statuses = pod.get("status", {}).get("containerStatuses") or []
    found = next((cs for cs in statuses if cs["name"] == container), None)
    prefix = f'container "{container}" in pod "{name}"'
    if found is None:
        raise status.bad_request(f"{prefix} is not available")
    state, last = found.get("state") or {}, found.get("lastState") or {}
    if "running" in state:
        return
    if "terminated" in state or "terminated" in last:
        ids = [(state.get("terminated") or {}).get("containerID")]
        ids.append((last.get("terminated") or {}).get("containerID"))
        if not any(ids):
            raise status.bad_request(f"{prefix} is terminated")
        return
    reason = (state.get("waiting") or {}).get("reason")
    if reason == "ErrImagePull":
        raise status.bad_request(f"{prefix} is waiting to start: image can't be pulled")
    if reason == "ImagePullBackOff":
        raise status.bad_request(f"{prefix} is waiting to start: trying and failing to pull image")
    if reason is not None:
        raise status.bad_request(f"{prefix} is waiting to start: {reason}")
    raise status.bad_request(f"{prefix} is waiting to start - no logs yet")


class _Dropped(Exception):
    """A fault cut the connection; nothing more may be written."""


class _LogStream:
    """Writes lines to one response, cutting it where a fault says so."""

    def __init__(
        self, request: web.Request, response: web.StreamResponse, options: LogRequest
    ) -> None:
        self._request = request
        self._response = response
        self._options = options
        self._fault: Fault | None = None
        self.sent = 0

    def arm(self, fault: Fault | None) -> None:
        if fault is not None and fault.kind in (
            FaultKind.DROP_MID_STREAM,
            FaultKind.DROP_MID_LINE,
        ):
            self._fault = fault

    async def send(self, lines: list[LogLine], since: datetime | None) -> None:
        for line in lines:
            if since is not None and line.at < since:
                continue
            text = line.text + "\n"
            if self._options.timestamps:
                text = f"{rfc3339_nano_fixed(line.at)} {text}"
            data = text.encode()
            await self._cut_if_due(data)
            await self._response.write(data)
            self.sent += 1
        await self._cut_if_due(b"")

    async def _cut_if_due(self, next_line: bytes) -> None:
        fault = self._fault
        if fault is None or self.sent < fault.after_events:
            return
        if fault.kind is FaultKind.DROP_MID_LINE:
            if not next_line:
                return
            await self._response.write(next_line[: max(1, len(next_line) // 2)])
        transport = self._request.transport
        if transport is not None:
            transport.close()
        raise _Dropped


async def serve_log(
    request: web.Request,
    store: LogStore,
    clock: Clock,
    pod: JsonObj,
    options: LogRequest,
    fault: Fault | None,
    stopping: asyncio.Event,
) -> web.StreamResponse:
    """Stream one container's log; with `follow`, until the pod is deleted or we stop."""
    container = choose_container(pod, options.container)
    response = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
    response.enable_chunked_encoding()
    if not pod["spec"].get("nodeName"):
        # No node yet: the API server has no kubelet to ask and answers an empty body.
        await response.prepare(request)
        await response.write_eof()
        return response
    check_container_started(pod, container)
    meta = pod["metadata"]
    log = store.log(meta["namespace"], meta["name"], container)
    since = options.since(clock.now())
    stream = _LogStream(request, response, options)
    stream.arm(fault)
    try:
        await response.prepare(request)
        if fault is not None and fault.kind is FaultKind.STALL:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), fault.seconds)
        lines, position = log.read(0)
        if options.tail_lines is not None:
            lines = lines[-options.tail_lines :] if options.tail_lines else []
        await stream.send(lines, since)
        if options.follow:
            await _follow(stream, log, position, since, stopping)
    except (_Dropped, ConnectionError):
        return response
    with contextlib.suppress(ConnectionError):
        await response.write_eof()
    return response


async def _follow(
    stream: _LogStream,
    log: ContainerLog,
    position: int,
    since: datetime | None,
    stopping: asyncio.Event,
) -> None:
    """New lines as they are appended; after the log ends, what is left, then return."""
    stopped = asyncio.ensure_future(stopping.wait())
    try:
        while not stopping.is_set():
            if log.end_position == position and not log.ended:
                appended = asyncio.ensure_future(log.appended().wait())
                await asyncio.wait({appended, stopped}, return_when=asyncio.FIRST_COMPLETED)
                appended.cancel()
            ended = log.ended
            lines, position = log.read(position)
            await stream.send(lines, since)
            if ended:
                return
    finally:
        stopped.cancel()


LOG_SUBRESOURCE = "pods/log"
"""What `set_forbidden` takes to deny reading logs while pods stay readable (RBAC
grants `pods` and `pods/log` separately)."""


def forbidden(user: str, namespace: str, pod: str) -> status.ApiError:
    """The authorizer's answer to `get pods/log` without a grant for it."""
    message = (
        f'pods "{pod}" is forbidden: User "{user}" cannot get resource "{LOG_SUBRESOURCE}" '
        f'in API group "" in the namespace "{namespace}"'
    )
    return status.error(
        status.status(403, "Forbidden", message, details={"name": pod, "kind": "pods"})
    )
