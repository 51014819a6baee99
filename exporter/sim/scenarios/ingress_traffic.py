"""An ingress-nginx controller in front of one Service, writing the log lines it would.

The controller balances over the Service's *ready* endpoints as it last synced them, and
it syncs `sync_delay` seconds after an EndpointSlice changes (the real controller batches
syncs at `--sync-rate-limit`, 0.3/s, so up to ~3 s late). In that window it still sends
requests to pods that are already going away, and what happens to such a request depends
on the pod *at that moment*:

- running and not deleted: the app answers;
- deleted (`deletionTimestamp` set) or its container not running: without a preStop hook
  the app exited on SIGTERM, so `connect() failed (111: Connection refused)`;
- no pod holds the address any more: ARP for it times out, `connect() failed (113: Host
  is unreachable)` after about 3 s.

Failed connects are retried on the next endpoint, round-robin per nginx worker, up to 3 tries
(`proxy-next-upstream: error timeout`, `proxy-next-upstream-tries: 3`); the client sees
502 only when every try failed. With no ready endpoint at all the controller answers 503
itself and tries no upstream.

Requests arrive `rate` per second. Lines are written when the time they describe has
passed (`serve_until`), into the controller pod's `controller` container log, stamped
with when nginx wrote them; requests still in flight at that point are written later.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from exporter.sim import objects
from exporter.sim.cluster import Cluster
from exporter.sim.control.kubelet import become_ready, schedule, start
from exporter.sim.objects.networking import SERVICE_NAME_LABEL
from exporter.sim.pod_network import KNOWN_NODES
from exporter.sim.resources import JsonObj
from exporter.sim.scenarios.fleet import create_steady_deployment
from exporter.sim.scenarios.nginx_lines import (
    BAD_GATEWAY_BYTES,
    SERVICE_UNAVAILABLE_BYTES,
    Attempt,
    Request,
    access_line,
    connect_error_line,
)

CONTROLLER_NAMESPACE = "ingress-nginx"
CONTROLLER_NAME = "ingress-nginx-controller"
CONTROLLER_CONTAINER = "controller"
CONTROLLER_IMAGE = "registry.k8s.io/ingress-nginx/controller:v1.10.1"
CONTROLLER_LABELS = {
    "app.kubernetes.io/component": "controller",
    "app.kubernetes.io/instance": "ingress-nginx",
    "app.kubernetes.io/name": "ingress-nginx",
}

TRIES = 3
REFUSED = "111: Connection refused"
UNREACHABLE = "113: Host is unreachable"
ARP_TIMEOUT = 3.0
"""Seconds a connect to an address nobody answers ARP for takes to fail."""

_PAGES = (
    # method, path, status the app answers, response bytes, weight
    ("GET", "/", 200, 2843, 4),
    ("GET", "/api/cart", 200, 512, 3),
    ("GET", "/static/app.js", 200, 48213, 2),
    ("POST", "/api/orders", 201, 87, 1),
)
_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "okhttp/4.12.0",
    "curl/8.5.0",
)
_APP_ERROR_BODY = b'{"error":"payment provider unavailable","code":"UPSTREAM_502"}'
_WORKERS = (31, 32, 33, 34)


def ensure_controller(cluster: Cluster) -> str:
    """The controller's pod name; its Deployment, ReplicaSet and ready pod are created
    the first time (scenarios sharing a cluster share one controller, as clusters do)."""
    for pod in cluster.list("pods", CONTROLLER_NAMESPACE):
        labels = pod["metadata"].get("labels") or {}
        if all(labels.get(key) == value for key, value in CONTROLLER_LABELS.items()):
            return str(pod["metadata"]["name"])
    now = cluster.clock.now()
    template = objects.pod_template(CONTROLLER_LABELS, [_controller_container()])
    rs = create_steady_deployment(cluster, CONTROLLER_NAMESPACE, CONTROLLER_NAME, template, 1)
    rs_name = rs["metadata"]["name"]
    name = f"{rs_name}-{objects.suffix(rs['metadata']['uid'])}"
    pod = objects.pod(name, CONTROLLER_NAMESPACE, rs["spec"]["template"], owner=rs)
    schedule(pod, now, KNOWN_NODES)
    start(
        pod, now, cluster.pod_network.allocate(pod["spec"]["nodeName"], CONTROLLER_NAMESPACE, name)
    )
    become_ready(pod, now)
    cluster.create("pods", pod)
    return name


def _controller_container() -> JsonObj:
    container = objects.container(
        CONTROLLER_CONTAINER, CONTROLLER_IMAGE, port=80, readiness_path=None, memory_limit="512Mi"
    )
    container["ports"] = [
        {"name": "http", "containerPort": 80, "protocol": "TCP"},
        {"name": "https", "containerPort": 443, "protocol": "TCP"},
        {"name": "webhook", "containerPort": 8443, "protocol": "TCP"},
    ]
    container["readinessProbe"] = {
        "httpGet": {"path": "/healthz", "port": 10254, "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    return container


@dataclass(frozen=True)
class Backend:
    """The Service an Ingress rule routes to, and the port its pods listen on."""

    namespace: str
    service: str
    port: int
    target_port: int

    @property
    def upstream_name(self) -> str:
        """ingress-nginx's `$proxy_upstream_name`: namespace-service-port."""
        return f"{self.namespace}-{self.service}-{self.port}"


class IngressTraffic:
    """Steady client traffic through the controller to one backend, written as logs."""

    def __init__(
        self,
        cluster: Cluster,
        backend: Backend,
        *,
        host: str,
        start: datetime,
        rate: float = 5.0,
        sync_delay: float = 2.0,
    ) -> None:
        self._cluster = cluster
        self._backend = backend
        self._host = host
        self._spacing = timedelta(seconds=1.0 / rate)
        self._sync_delay = timedelta(seconds=sync_delay)
        self.controller_pod = ensure_controller(cluster)
        self._rng = random.Random(f"{backend.namespace}/{backend.service}")
        self._next_request = start
        self._last_change = cluster.clock.now()
        self.view: tuple[str, ...] = ()
        """Endpoint addresses the controller balances over right now."""
        self._synced: tuple[str, ...] = ()
        self._pending: deque[tuple[datetime, tuple[str, ...]]] = deque()
        self._round_robin = dict.fromkeys(_WORKERS, 0)
        """Each nginx worker balances on its own, so tries spread unevenly across them."""
        log = cluster.logs.log(CONTROLLER_NAMESPACE, self.controller_pod, CONTROLLER_CONTAINER)
        self._connection = 4200 + log.end_position
        """nginx numbers client connections over the controller's life: a second run
        against the same controller continues past the first run's numbers."""
        self._app_errors: deque[datetime] = deque()
        self._unwritten: list[tuple[datetime, int, str]] = []
        self._written = 0
        self.statuses: Counter[int] = Counter()
        """Status codes clients received so far."""
        self.failed_connects: Counter[str] = Counter()
        """Failed tries per pod address so far."""

    def app_error_at(self, moment: datetime) -> None:
        """The first request the app serves from `moment` on fails in the app: 502 with
        the app's own body, no error-log line (nginx got a response)."""
        self._app_errors.append(moment)

    def serve_until(self, end: datetime) -> None:
        """Requests from the last call up to `end`, against the cluster as it is now: it
        has not changed since the last call, when the control plane last ran."""
        ready = self._ready_endpoints()
        if ready != self._synced:
            self._synced = ready
            self._pending.append((self._last_change + self._sync_delay, ready))
        moment = self._next_request
        while moment < end:
            while self._pending and self._pending[0][0] <= moment:
                self.view = self._pending.popleft()[1]
            self._serve(moment)
            moment += self._spacing
        self._next_request = moment
        self._last_change = end
        while self._unwritten and self._unwritten[0][0] < end:
            at, _, line = heapq.heappop(self._unwritten)
            self._cluster.append_log(
                CONTROLLER_NAMESPACE, self.controller_pod, CONTROLLER_CONTAINER, line, at=at
            )

    def _ready_endpoints(self) -> tuple[str, ...]:
        addresses: list[str] = []
        for found in self._cluster.list("endpointslices", self._backend.namespace):
            labels = found["metadata"].get("labels") or {}
            if labels.get(SERVICE_NAME_LABEL) != self._backend.service:
                continue
            for endpoint in found.get("endpoints") or ():
                if (endpoint.get("conditions") or {}).get("ready"):
                    addresses.extend(endpoint["addresses"])
        return tuple(addresses)

    def _serve(self, moment: datetime) -> None:
        request, success_status, success_bytes = self._request()
        self._connection += 1
        worker = _WORKERS[self._connection % len(_WORKERS)]
        if not self.view:
            self._finish(request, moment, 503, SERVICE_UNAVAILABLE_BYTES, 0.0, [])
            return
        attempts: list[Attempt] = []
        elapsed = 0.0
        body = BAD_GATEWAY_BYTES
        for _ in range(TRIES):
            ip = self.view[self._round_robin[worker] % len(self.view)]
            self._round_robin[worker] += 1
            address = f"{ip}:{self._backend.target_port}"
            failure = _connect_failure(self._pod_at(ip))
            if failure is None:
                status, body = success_status, success_bytes
                if self._app_errors and self._app_errors[0] <= moment:
                    self._app_errors.popleft()
                    status, body = 502, len(_APP_ERROR_BODY)
                took = round(self._rng.uniform(0.004, 0.045), 3)
                attempts.append(Attempt(address, status, body, took))
                elapsed += took
                break
            took = ARP_TIMEOUT + self._rng.uniform(0.0, 0.01) if failure == UNREACHABLE else 0.0
            took = round(took + self._rng.choice((0.0, 0.001)), 3)
            elapsed += took
            self.failed_connects[ip] += 1
            failed_at = moment + timedelta(seconds=elapsed)
            self._write(
                failed_at,
                connect_error_line(
                    request,
                    at=failed_at,
                    worker=worker,
                    connection=self._connection,
                    error=failure,
                    upstream=address,
                ),
            )
            attempts.append(Attempt(address, 502, 0, took))
        request_time = round(elapsed + self._rng.choice((0.0, 0.001, 0.002)), 3)
        self._finish(request, moment, attempts[-1].status, body, request_time, attempts)

    def _pod_at(self, ip: str) -> JsonObj | None:
        """The pod holding `ip` now, in whichever namespace: addresses are cluster-wide."""
        owner = self._cluster.pod_network.owner(ip)
        if owner is None:
            return None
        namespace, name = owner.split("/", 1)
        return self._cluster.get("pods", namespace, name)

    def _finish(
        self,
        request: Request,
        moment: datetime,
        status: int,
        body: int,
        request_time: float,
        attempts: list[Attempt],
    ) -> None:
        finished = moment + timedelta(seconds=request_time)
        self.statuses[status] += 1
        self._write(
            finished,
            access_line(
                request,
                finished=finished,
                status=status,
                body_bytes=body,
                request_time=request_time,
                upstream_name=self._backend.upstream_name,
                attempts=attempts,
            ),
        )

    def _write(self, at: datetime, line: str) -> None:
        self._written += 1
        heapq.heappush(self._unwritten, (at, self._written, line))

    def _request(self) -> tuple[Request, int, int]:
        rng = self._rng
        method, path, status, size, _ = rng.choices(_PAGES, weights=[p[4] for p in _PAGES])[0]
        request = Request(
            client=f"192.0.2.{rng.randrange(10, 60)}",
            method=method,
            path=path,
            host=self._host,
            user_agent=rng.choice(_AGENTS),
            referer="-" if path == "/" else f"https://{self._host}/",
            request_length=rng.randrange(280, 720),
            request_id=f"{rng.getrandbits(128):032x}",
        )
        return request, status, size


def _connect_failure(pod: JsonObj | None) -> str | None:
    """Why a connect to this pod's address fails now, or None if the app accepts it."""
    if pod is None:
        return UNREACHABLE
    if "deletionTimestamp" in pod["metadata"]:
        return REFUSED
    statuses = pod["status"].get("containerStatuses") or []
    if not all("running" in (cs.get("state") or {}) for cs in statuses):
        return REFUSED
    return None
