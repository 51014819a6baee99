"""Access-log lines in, per-workload request and 5xx counters out.

The one code path behind every log source (`LineSink`): each stream gets its own parser
(format detected per stream); an access record is joined with the Pod-IP timeline at the
request's own time (which Pod, which revision, in which state), classified by cause, and
counted. Counting is a dict increment per line; rendering the counters into exposition
happens per workload on `flush()` (scheduled by the app, and before every scrape), never
per line, which is what keeps hundreds of thousands of lines per second affordable.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from exporter.index.cluster import ClusterIndex
from exporter.ingress.causes import RecentErrors, classify
from exporter.ingress.families import FIVE_XX, INGRESS_FAMILIES, REQUESTS
from exporter.ingress.podips import PodIPTimeline, Tenure
from exporter.ingress.upstreams import UpstreamNames
from exporter.logs import AccessRecord, ErrorRecord, ParseStats, StreamParser, UpstreamAttempt
from exporter.metrics.family import MetricFamily
from exporter.rollout.render import labels, render_counters
from exporter.rollout.tracker import RolloutTracker, WorkloadKey

UNATTRIBUTED: WorkloadKey = ("", "", "")
"""Requests whose upstream is no known Pod nor a Service of exactly one workload."""


@dataclass
class SourceStats:
    """Per source kind (`kubernetes`, `file`, `replay`): plain ints, read at scrape time."""

    lines: int = 0
    bytes: int = 0
    newest: float = 0.0
    """Timestamp of the newest request seen: now minus this is how far behind we are."""
    parse: dict[str, ParseStats] = field(default_factory=dict)
    """Per stream, as the stream's parser counts them."""


def _status_label(status: int) -> str:
    if 500 <= status <= 599:
        return str(status)
    return f"{status // 100}xx" if status >= 100 else "0"


_STATUS_LABELS = {code: _status_label(code) for code in range(100, 600)}


def _ip_of(address: str) -> str | None:
    """`10.1.2.3:8080` → `10.1.2.3`; `[fd00::1]:8080` → `fd00::1`; names → None."""
    if address.startswith("["):
        end = address.find("]")
        return address[1:end] if end > 0 else None
    host, sep, _ = address.rpartition(":")
    return host if sep and host and host[0].isdigit() else None


class IngressAttributor:
    """Implements `LineSink`; owns the ingress families."""

    def __init__(
        self,
        index: ClusterIndex,
        rollouts: RolloutTracker,
        *,
        warm_seconds: float = 10.0,
        log_format: str = "auto",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._index = index
        self._rollouts = rollouts
        self._clock = clock
        self.log_format = log_format
        self.timeline = PodIPTimeline(index, warm_seconds=warm_seconds, clock=clock)
        self._upstreams = UpstreamNames(index.services)
        self._errors = RecentErrors()
        self._streams: dict[str, tuple[StreamParser, SourceStats]] = {}
        self._ips: dict[str, str] = {}
        self._requests: dict[WorkloadKey, Counter[tuple[str, str]]] = {}
        self._five_xx: dict[WorkloadKey, Counter[tuple[str, str, str, str]]] = {}
        self._dirty: set[WorkloadKey] = set()
        self.sources: dict[str, SourceStats] = {}
        self.families = {spec.name: MetricFamily(spec) for spec in INGRESS_FAMILIES}
        for store in (index.deployments, index.statefulsets, index.daemonsets):
            store.subscribe(self)

    # --- LineSink --------------------------------------------------------------------

    def feed(self, stream: str, line: bytes, *, timestamp: float | None = None) -> None:
        entry = self._streams.get(stream)
        if entry is None:
            entry = self._open(stream)
        parser, source = entry
        source.lines += 1
        source.bytes += len(line) + 1
        record = parser.parse_bytes(line, timestamp)
        if record is None:
            return
        if record.__class__ is ErrorRecord:
            self._errors.add(record)
            return
        if record.timestamp > source.newest:
            source.newest = record.timestamp
        self.attribute(record)  # type: ignore[arg-type]

    def _open(self, stream: str) -> tuple[StreamParser, SourceStats]:
        kind = stream.split(":", 1)[0]
        source = self.sources.get(kind)
        if source is None:
            source = self.sources[kind] = SourceStats()
        parser = StreamParser(self.log_format)
        source.parse[stream] = parser.stats
        entry = self._streams[stream] = (parser, source)
        return entry

    def close_stream(self, stream: str) -> None:
        entry = self._streams.pop(stream, None)
        if entry is not None:
            parser, source = entry
            # Keep its final counts: the source's totals must not go backwards.
            source.parse[stream] = parser.stats

    # --- attribution -----------------------------------------------------------------

    def attribute(self, record: AccessRecord) -> None:
        upstreams = record.upstreams
        attempt = upstreams[-1] if upstreams else None
        tenure = None
        if attempt is not None and attempt.address is not None:
            address = attempt.address
            ip = self._ips.get(address)
            if ip is None:
                ip = self._remember_ip(address)
            if ip:
                tenure = self.timeline.tenure_at(ip, record.timestamp)
        if tenure is not None and tenure.workload_key is not None:
            workload: WorkloadKey = tenure.workload_key
            revision = tenure.revision
        elif record.upstream_name:
            workload = self._service_workload(record.upstream_name)
            revision = ""
        else:
            workload = UNATTRIBUTED
            revision = ""
        status = record.status
        label = _STATUS_LABELS.get(status) or _status_label(status)
        requests = self._requests.get(workload)
        if requests is None:
            requests = self._requests[workload] = Counter()
        requests[(revision, label)] += 1
        self._dirty.add(workload)
        if 500 <= status <= 599:
            self._count_5xx(record, attempt, tenure, workload, revision)

    def _count_5xx(
        self,
        record: AccessRecord,
        attempt: UpstreamAttempt | None,
        tenure: Tenure | None,
        workload: WorkloadKey,
        revision: str,
    ) -> None:
        cause = classify(record, attempt, self._errors)
        state = self.timeline.state_at(tenure, record.timestamp)
        during = workload is not UNATTRIBUTED and (
            self._rollouts.rollout_active(workload, record.timestamp)
            or (
                state in ("terminating", "gone")
                and revision != self._rollouts.current_revision(workload)
            )
        )
        errors = self._five_xx.get(workload)
        if errors is None:
            errors = self._five_xx[workload] = Counter()
        errors[(revision, state, cause, "true" if during else "false")] += 1

    def _remember_ip(self, address: str) -> str:
        """Parse and cache an upstream address's IP ("" for names like `upstream_balancer`)."""
        if len(self._ips) > 200_000:
            self._ips.clear()  # bounded: addresses are per Pod, but Pods churn
        ip = self._ips[address] = _ip_of(address) or ""
        return ip

    def _service_workload(self, upstream: str) -> WorkloadKey:
        service = self._upstreams.service(upstream)
        if service is None:
            return UNATTRIBUTED
        workloads = self._rollouts.service_workloads(service)
        return workloads[0] if len(workloads) == 1 else UNATTRIBUTED

    # --- exposition ------------------------------------------------------------------

    def on_change(self, old: object, new: object) -> None:
        """A workload was deleted: its series go with it."""
        if new is None and old is not None:
            meta = old.metadata  # type: ignore[attr-defined]
            kind = type(old).__name__
            key = (kind, meta.namespace, meta.name)
            self._requests.pop(key, None)
            self._five_xx.pop(key, None)
            for family in self.families.values():
                family.discard(key)

    def flush(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for key in dirty:
            kind, namespace, name = key
            base = labels(("namespace", namespace), ("workload_kind", kind), ("workload", name))
            self.families[REQUESTS.name].set(
                key,
                render_counters(
                    REQUESTS.sample_name, base, ("revision", "status"), self._requests.get(key, {})
                ).encode(),
            )
            self.families[FIVE_XX.name].set(
                key,
                render_counters(
                    FIVE_XX.sample_name,
                    base,
                    ("revision", "pod_state", "cause", "during_rollout"),
                    self._five_xx.get(key, {}),
                ).encode(),
            )
