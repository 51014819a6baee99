"""Rollout derivations under load: event rate with every family active, and scrape cost.

1. The same stream of Pod watch events (1,000 Pods of 100 Deployments mid-rollout, each
   cycling Ready -> readiness failing -> restart -> Ready, so half of the events change an
   exported value) is applied through the reflector's hot path twice in one run: bare
   (decode + index) and with the rollout tracker subscribed, flushing its derivations
   once per 16 events, as the app does once per event-loop turn (one 64 KiB read of a
   busy stream). Events are shuffled so consecutive ones rarely share a workload.
   Target: >= 50% of the bare rate. The rate when flushing after every single event is
   printed too (`flush_every_event_*`), as the worst case.
2. A 100k-Pod / 10k-Deployment index with Services: scrape over HTTP right after every
   workload changed. Target: the foundation's 0.1 s.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import msgspec
from aiohttp import web

from bench._common import NoCredentials, report
from exporter.index.cluster import ClusterIndex
from exporter.kube.client import ApiClient
from exporter.kube.reflector import Reflector, WatchSettings
from exporter.kube.resources import PODS
from exporter.metrics.registry import ExpositionRegistry
from exporter.metrics.self_metrics import SelfMetrics
from exporter.model.pod import Pod
from exporter.model.service import EndpointSlice, Service
from exporter.model.workloads import Deployment, ReplicaSet
from exporter.rollout.tracker import RolloutTracker
from exporter.web.server import build_app

TARGET_RATE_RATIO = 0.5
TARGET_SCRAPE_SECONDS = 0.1
EVENT = json.loads((Path(__file__).parent / "data" / "pod_watch_event.json").read_text())


def meta(kind_uid: str, name: str, namespace: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "uid": kind_uid,
        "resourceVersion": "1",
        "creationTimestamp": "2026-11-20T09:00:00Z",
        **extra,
    }


def populate(index: ClusterIndex, workloads: int, pods_per_workload: int) -> list[Pod]:
    """Deployments mid-rollout (so every family has series), their ReplicaSets, Pods,
    a Service and an EndpointSlice each."""
    pods = []
    for w in range(workloads):
        ns, name = f"team-{w % 100}", f"svc-{w}"
        labels = {"app": name}
        template = {
            "metadata": {"labels": labels},
            "spec": {
                "containers": [
                    {
                        "name": "app",
                        "image": f"registry.example/{name}:2",
                        "ports": [{"containerPort": 8080}],
                    }
                ]
            },
        }
        index.deployments.upsert(
            msgspec.convert(
                {
                    "metadata": meta(
                        f"d{w}", name, ns, annotations={"deployment.kubernetes.io/revision": "2"}
                    ),
                    "spec": {"replicas": pods_per_workload, "template": template},
                    "status": {
                        "conditions": [
                            {
                                "type": "Progressing",
                                "status": "True",
                                "reason": "ReplicaSetUpdated",
                                "lastUpdateTime": "2026-11-20T09:01:00Z",
                            }
                        ]
                    },
                },
                Deployment,
            )
        )
        index.replicasets.upsert(
            msgspec.convert(
                {
                    "metadata": meta(
                        f"rs{w}",
                        f"{name}-h2",
                        ns,
                        labels={"pod-template-hash": "h2"},
                        annotations={"deployment.kubernetes.io/revision": "2"},
                        ownerReferences=[
                            {"kind": "Deployment", "name": name, "uid": f"d{w}", "controller": True}
                        ],
                    ),
                    "spec": {"replicas": pods_per_workload, "template": template},
                },
                ReplicaSet,
            )
        )
        index.services.upsert(
            msgspec.convert(
                {"metadata": meta(f"s{w}", name, ns), "spec": {"selector": labels}}, Service
            )
        )
        for p in range(pods_per_workload):
            pod_obj = dict(EVENT["object"])
            pod_obj["metadata"] = {
                **EVENT["object"]["metadata"],
                "name": f"{name}-h2-{p}",
                "namespace": ns,
                "uid": f"p{w}-{p}",
                "labels": {**labels, "pod-template-hash": "h2"},
                "ownerReferences": [
                    {
                        "kind": "ReplicaSet",
                        "name": f"{name}-h2",
                        "uid": f"rs{w}",
                        "controller": True,
                    }
                ],
            }
            pod = msgspec.convert(pod_obj, Pod)
            index.pods.upsert(pod)
            pods.append(pod)
        index.endpointslices.upsert(
            msgspec.convert(
                {
                    "metadata": meta(
                        f"es{w}", f"{name}-abc", ns, labels={"kubernetes.io/service-name": name}
                    ),
                    "endpoints": [
                        {"addresses": [f"10.{w % 250}.{p}.1"], "conditions": {"ready": True}}
                        for p in range(pods_per_workload)
                    ],
                },
                EndpointSlice,
            )
        )
    return pods


def _status(ready: bool, restarts: int) -> dict[str, Any]:
    status = json.loads(json.dumps(EVENT["object"]["status"]))
    for condition in status["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition["status"] = "True" if ready else "False"
    container = status["containerStatuses"][0]
    container["ready"] = ready
    container["restartCount"] = restarts
    return status


STATES = (
    _status(ready=False, restarts=1),  # readiness probe failing: blocked pods change
    _status(ready=False, restarts=2),  # a restart while not ready: nothing we export
    _status(ready=True, restarts=2),  # Ready again: in-progress/blocked/stall change
    _status(ready=True, restarts=2),  # an unrelated field (resourceVersion only)
)
"""The status each Pod cycles through: half of the events change exported state."""


def event_lines(pods: list[Pod], count: int, offset: int = 0) -> list[bytes]:
    encoder = msgspec.json.Encoder()
    lines = []
    for i in range(offset, offset + count):
        pod = pods[i % len(pods)]
        obj = dict(EVENT["object"])
        obj["metadata"] = {
            **EVENT["object"]["metadata"],
            "name": pod.metadata.name,
            "namespace": pod.metadata.namespace,
            "uid": pod.metadata.uid,
            "labels": pod.metadata.labels,
            "resourceVersion": str(10_000_000 + i),
            "ownerReferences": [msgspec.to_builtins(r) for r in pod.metadata.owner_references],
        }
        obj["status"] = STATES[(i // len(pods)) % len(STATES)]
        lines.append(encoder.encode({"type": "MODIFIED", "object": obj}))
    return lines


CHUNK = 16
"""Events per flush: what one 64 KiB read of a busy watch stream holds (4 KB events); the
app flushes derivations once per event-loop turn, i.e. once per chunk read."""


def event_setup(with_tracker: bool) -> tuple[Reflector[Pod], Callable[[], None], list[Pod]]:
    index = ClusterIndex()
    tracker = RolloutTracker(index, clock=lambda: 1795400000.0) if with_tracker else None
    pods = populate(index, workloads=100, pods_per_workload=10)
    if tracker is not None:
        tracker.mark_synced()
        tracker.flush()
    random.Random(7).shuffle(pods)  # no help from consecutive events of one workload
    reflector = Reflector(ApiClient(NoCredentials()), PODS, index.pods, settings=WatchSettings())
    return reflector, (tracker.flush if tracker is not None else lambda: None), pods


def event_rates(chunk: int, runs: int = 9, count: int = 6_000) -> dict[str, float]:
    """Events/s of each setup, runs interleaved so machine noise hits all of them alike."""
    setups = {
        "bare": event_setup(False),
        "full": event_setup(True),
        "every_event": event_setup(True),
    }
    best = dict.fromkeys(setups, float("inf"))
    for run in range(runs):
        for name, (reflector, flush, pods) in setups.items():
            lines = event_lines(pods, count, run * count)
            per_flush = 1 if name == "every_event" else chunk
            gc.collect()  # every run starts from the same collector state
            started = time.perf_counter()
            rv = ""
            apply = reflector.apply_line
            for start in range(0, len(lines), per_flush):
                for line in lines[start : start + per_flush]:
                    rv = apply(line, rv)
                flush()
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: count / seconds for name, seconds in best.items()}


async def scrape_seconds() -> tuple[float, int]:
    index = ClusterIndex()
    tracker = RolloutTracker(index, clock=lambda: 1795400000.0)
    self_metrics = SelfMetrics()
    exposition = ExpositionRegistry(self_metrics.registry)
    exposition.register(tracker.families.values())
    exposition.before_render(tracker.flush)
    populate(index, workloads=10_000, pods_per_workload=10)
    tracker.mark_synced()
    tracker.flush()
    runner = web.AppRunner(build_app(exposition, self_metrics, is_ready=lambda: True))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/metrics"
    best, series = float("inf"), 0
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            for family in tracker.families.values():
                family.set(("bench", "dirty", "key"), b"")  # invalidate every cached body
                family._body = None
            started = time.perf_counter()
            async with session.get(url, headers={"Accept-Encoding": "identity"}) as response:
                body = await response.read()
            best = min(best, time.perf_counter() - started)
            series = sum(
                1
                for line in body.split(b"\n")
                if line.startswith(b"rollout_") and not line.startswith(b"rollout_exporter")
            )
    await runner.cleanup()
    return best, series


def main() -> None:
    rates = event_rates(CHUNK)
    bare, full, every_event = rates["bare"], rates["full"], rates["every_event"]
    ratio = full / bare
    scrape, series = asyncio.run(scrape_seconds())
    report(
        {
            "benchmark": "rollout",
            "bare_events_per_s": round(bare),
            "with_rollout_families_events_per_s": round(full),
            "events_per_flush": CHUNK,
            "rate_ratio": round(ratio, 3),
            "flush_every_event_events_per_s": round(every_event),
            "flush_every_event_ratio": round(every_event / bare, 3),
            "target_rate_ratio": TARGET_RATE_RATIO,
            "index_pods": 100_000,
            "index_workloads": 10_000,
            "scrape_series": series,
            "scrape_s": round(scrape, 4),
            "target_scrape_s": TARGET_SCRAPE_SECONDS,
            "met": ratio >= TARGET_RATE_RATIO and scrape <= TARGET_SCRAPE_SECONDS,
        }
    )


if __name__ == "__main__":
    main()
