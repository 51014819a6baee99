"""`SimulatedApiServer`: the Kubernetes API's HTTP wire protocol over a `Cluster`.

An aiohttp app on loopback that answers like kube-apiserver: bearer-token auth, RBAC-style
403s, 404 for groups it does not serve, LIST with consistent pagination, WATCH streams,
pod logs, minimal discovery, and faults injected on command. It serves GET only; the cluster is
changed through `Cluster`, never over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Awaitable, Callable, Iterable

import msgspec
from aiohttp import web

from exporter.sim import discovery, log_serving, query, status
from exporter.sim.cluster import Cluster, Subscription
from exporter.sim.faults import Fault, FaultKind, Faults, RecordedRequest, Verb
from exporter.sim.listing import ListRequest, serve_list
from exporter.sim.log_serving import LOG_SUBRESOURCE, LogRequest, serve_log
from exporter.sim.resources import RESOURCES, JsonObj, ResourceType, resource_type
from exporter.sim.watching import WatchRequest, WatchSettings, serve_watch

DEFAULT_USER = "system:serviceaccount:monitoring:rollout-exporter"

_ENCODER = msgspec.json.Encoder()
_RECORD = web.RequestKey("record", RecordedRequest)
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(
    body: JsonObj, status_code: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=_ENCODER.encode(body),
        status=status_code,
        content_type="application/json",
        headers=headers,
    )


class SimulatedApiServer:
    """Serves `cluster` on http://host:port until `stop()`; usable as an async context."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        bookmark_interval: float = 60.0,
        page_size_cap: int = 500,
        default_watch_timeout: float = 1800.0,
        fresh_wait: float = 3.0,
        user: str = DEFAULT_USER,
        kubernetes_version: str = "1.29.0",
    ) -> None:
        """`default_watch_timeout` is kube-apiserver's --min-request-timeout (without its
        random stretch); `fresh_wait` is how long the watch cache waits for a too-large RV."""
        if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the simulator serves loopback only, not {host}")
        self.cluster = cluster
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.page_size_cap = page_size_cap
        self.user = user
        self._host = host
        self._port = port
        self._tokens = frozenset({token})
        self._unserved: set[str] = set()
        self._forbidden: set[str] = set()
        self._settings = WatchSettings(bookmark_interval, default_watch_timeout, fresh_wait)
        self._kubernetes_version = kubernetes_version
        self._runner: web.AppRunner | None = None
        self._active: set[Subscription] = set()
        self._stopping = asyncio.Event()

    # --- configuration at runtime -------------------------------------------------------

    def set_tokens(self, tokens: Iterable[str]) -> None:
        """Replace the accepted bearer tokens, e.g. to make a client refresh its token."""
        self._tokens = frozenset(tokens)

    def set_served(self, resource: str, served: bool = True) -> None:
        """Unserved resources answer 404 and vanish from discovery (a missing API group)."""
        resource_type(resource)
        (self._unserved.discard if served else self._unserved.add)(resource)

    def set_forbidden(self, resource: str, forbidden: bool = True) -> None:
        """Forbidden resources answer 403, as when RBAC grants the client nothing on them.

        `pods/log` forbids reading logs only, as a Role granting `pods` but not `pods/log`.
        """
        if resource != LOG_SUBRESOURCE:
            resource_type(resource)
        (self._forbidden.add if forbidden else self._forbidden.discard)(resource)

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._runner is None:
            raise RuntimeError("server not started")
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def start(self) -> None:
        self._stopping.clear()
        self._runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()

    async def stop(self) -> None:
        """End open watches cleanly, then close the listener."""
        self._stopping.set()
        for subscription in list(self._active):
            subscription.end()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimulatedApiServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # --- app ---------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._record, self._errors, self._authenticate])
        app.on_response_prepare.append(self._on_prepare)
        get = app.router.add_get
        get("/healthz", self._healthz)
        get("/livez", self._healthz)
        get("/readyz", self._healthz)
        get("/version", self._version)
        get("/api", self._core_versions)
        get("/apis", self._groups)
        get("/api/{version}", self._resources)
        get("/apis/{group}/{version}", self._resources)
        for prefix in ("/api/{version}", "/apis/{group}/{version}"):
            get(prefix + "/{resource}", self._collection)
            get(prefix + "/namespaces/{namespace}/{resource}", self._collection)
            get(prefix + "/namespaces/{namespace}/{resource}/{name}", self._object)
        get("/api/{version}/namespaces/{namespace}/pods/{name}/log", self._log)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        record = RecordedRequest(request.method, request.path, dict(request.query.items()))
        self.requests.append(record)
        request[_RECORD] = record
        return await handler(request)

    async def _on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        record = request.get(_RECORD)
        if record is not None:
            record.status = response.status

    @web.middleware
    async def _errors(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except status.ApiError as exc:
            return _json(exc.body, exc.code, exc.headers)
        except web.HTTPNotFound:
            return _json(status.path_not_found().body, 404)
        except web.HTTPMethodNotAllowed:
            body = status.status(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            )
            return _json(body, 405)

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() not in self._tokens:
            raise status.unauthorized()
        return await handler(request)

    # --- discovery ---------------------------------------------------------------------

    def _served(self) -> list[ResourceType]:
        return [rt for name, rt in RESOURCES.items() if name not in self._unserved]

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def _version(self, _request: web.Request) -> web.Response:
        return _json(discovery.version(self._kubernetes_version))

    async def _core_versions(self, request: web.Request) -> web.Response:
        return _json(discovery.core_versions(request.host))

    async def _groups(self, _request: web.Request) -> web.Response:
        return _json(discovery.group_list(self._served()))

    async def _resources(self, request: web.Request) -> web.Response:
        group = request.match_info.get("group", "")
        group_version = (
            f"{group}/{request.match_info['version']}" if group else (request.match_info["version"])
        )
        body = discovery.resource_list(group_version, self._served())
        if not body["resources"]:
            raise status.path_not_found()
        return _json(body)

    # --- resources ---------------------------------------------------------------------

    def _resolve(self, request: web.Request, verb: str) -> tuple[ResourceType, str | None]:
        info = request.match_info
        rt = RESOURCES.get(info["resource"])
        group = info.get("group", "")
        if rt is None or rt.group != group or rt.version != info["version"]:
            raise status.path_not_found()
        if rt.plural in self._unserved:
            raise status.path_not_found()
        namespace = info.get("namespace")
        if rt.plural in self._forbidden:
            raise status.forbidden(rt, verb, self.user, namespace)
        return rt, namespace

    def _take_fault(self, request: web.Request, rt: ResourceType, verb: Verb) -> Fault | None:
        fault = self.faults.take(rt.plural, verb, has_continue=bool(request.query.get("continue")))
        if fault is None:
            return None
        request[_RECORD].fault = fault.kind
        if fault.kind is FaultKind.SERVER_ERROR:
            raise status.internal_error("etcdserver: request timed out")
        if fault.kind is FaultKind.TOO_MANY_REQUESTS:
            if fault.status_body:
                raise status.too_many_requests_status(fault.retry_after)
            raise web.HTTPTooManyRequests(
                text="Too many requests, please try again later.\n",
                headers={
                    "Retry-After": str(fault.retry_after),
                    "X-Content-Type-Options": "nosniff",
                },
            )
        return fault

    async def _collection(self, request: web.Request) -> web.StreamResponse:
        verb: Verb = "watch" if query.flag(request.query, "watch") else "list"
        rt, namespace = self._resolve(request, verb)
        fault = self._take_fault(request, rt, verb)
        if verb == "watch":
            return await serve_watch(
                request,
                self.cluster,
                rt,
                namespace,
                WatchRequest.parse(request.query),
                fault,
                self._settings,
                self._active,
                self._stopping,
            )
        body = await serve_list(
            self.cluster,
            rt,
            namespace,
            ListRequest.parse(request.query),
            page_size_cap=self.page_size_cap,
            fresh_wait=self._settings.fresh_wait,
            expire_continue=fault is not None and fault.kind is FaultKind.EXPIRE_CONTINUE,
        )
        if fault is None or fault.kind is not FaultKind.STALL:
            return _json(body)
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), fault.seconds)
        await response.write(_ENCODER.encode(body))
        await response.write_eof()
        return response

    async def _log(self, request: web.Request) -> web.StreamResponse:
        info = request.match_info
        pods = RESOURCES["pods"]
        if info["version"] != pods.version or pods.plural in self._unserved:
            raise status.path_not_found()
        namespace, name = info["namespace"], info["name"]
        if LOG_SUBRESOURCE in self._forbidden:
            raise log_serving.forbidden(self.user, namespace, name)
        fault = self._take_fault(request, pods, "log")
        options = LogRequest.parse(request.query, name)
        pod = self.cluster.get(pods.plural, namespace, name)
        if pod is None:
            raise status.object_not_found(pods, name)
        return await serve_log(
            request,
            self.cluster.logs,
            self.cluster.clock,
            pod,
            options,
            fault,
            self._stopping,
        )

    async def _object(self, request: web.Request) -> web.Response:
        rt, namespace = self._resolve(request, "get")
        name = request.match_info["name"]
        obj = self.cluster.get(rt.plural, namespace or "", name)
        if obj is None:
            raise status.object_not_found(rt, name)
        return _json(obj)
