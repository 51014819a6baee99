"""Ingress access lines parsed and attributed, against a bare regex loop.

In one run over the same 200k ingress-nginx `upstreaminfo` lines (95% 2xx, 5% 5xx with
error-log evidence for some, upstreams spread over 10k Pods of 1k Deployments):
- a bare loop of `re.match` with a pattern of the same shape (the floor for any regex
  parser in Python);
- our full path: `IngressAttributor.feed` = format-detected parsing + Pod-IP timeline join
  + cause classification + counting (rendering happens on flush, once, as in the app).

Targets: >= 200k lines/s parsed and attributed on one core; goal >= 50% of the bare loop.
"""

from __future__ import annotations

import gc
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec

from bench._common import report
from exporter.index.cluster import ClusterIndex
from exporter.ingress.attribution import IngressAttributor
from exporter.model.pod import Pod
from exporter.model.workloads import Deployment, ReplicaSet
from exporter.rollout.tracker import RolloutTracker

TARGET_LINES_PER_S = 200_000
GOAL_RATIO = 0.5
LINES = 200_000
PODS = 10_000
PODS_PER_WORKLOAD = 10

BARE = re.compile(
    rb'(\S+) - (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\S+) "([^"]*)" "([^"]*)" (\S+) (\S+) '
    rb"\[([^\]]*)\] \[([^\]]*)\] (.+?) (\S+(?:, \S+)*) (\S+(?:, \S+)*) (\S+(?:, \S+)*) (\S+)$"
)
"""The upstreaminfo line shape as one plain regex: what a naive parser would run."""


def ip(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def build_index(index: ClusterIndex) -> None:
    for w in range(PODS // PODS_PER_WORKLOAD):
        name, uid = f"svc-{w}", f"d{w}"
        index.deployments.upsert(
            msgspec.convert(
                {
                    "metadata": {
                        "name": name,
                        "namespace": "shop",
                        "uid": uid,
                        "resourceVersion": "1",
                    },
                },
                Deployment,
            )
        )
        index.replicasets.upsert(
            msgspec.convert(
                {
                    "metadata": {
                        "name": f"{name}-h",
                        "namespace": "shop",
                        "uid": f"rs{w}",
                        "resourceVersion": "1",
                        "labels": {"pod-template-hash": "h"},
                        "ownerReferences": [
                            {"kind": "Deployment", "name": name, "uid": uid, "controller": True}
                        ],
                    },
                },
                ReplicaSet,
            )
        )
        for p in range(PODS_PER_WORKLOAD):
            i = w * PODS_PER_WORKLOAD + p
            index.pods.upsert(
                msgspec.convert(
                    {
                        "metadata": {
                            "name": f"{name}-h-{p}",
                            "namespace": "shop",
                            "uid": f"p{i}",
                            "resourceVersion": "1",
                            "labels": {"pod-template-hash": "h"},
                            "ownerReferences": [
                                {
                                    "kind": "ReplicaSet",
                                    "name": f"{name}-h",
                                    "uid": f"rs{w}",
                                    "controller": True,
                                }
                            ],
                        },
                        "status": {
                            "phase": "Running",
                            "podIP": ip(i),
                            "podIPs": [{"ip": ip(i)}],
                            "startTime": "2026-11-23T09:00:00Z",
                            "conditions": [
                                {
                                    "type": "Ready",
                                    "status": "True",
                                    "lastTransitionTime": "2026-11-23T09:00:10Z",
                                }
                            ],
                        },
                    },
                    Pod,
                )
            )


def make_lines() -> list[bytes]:
    rng = random.Random(11)
    lines = []
    for n in range(LINES):
        i = rng.randrange(PODS)
        address = f"{ip(i)}:8080"
        second = n // 2000
        stamp = f"23/Nov/2026:10:{second // 60:02d}:{second % 60:02d} +0000"
        status, upstream_status, length = (200, "200", "1532")
        if n % 20 == 0:
            status, upstream_status, length = (502, "502", "0")
            if n % 40 == 0:
                lines.append(
                    f"2026/11/23 10:{second // 60:02d}:{second % 60:02d} [error] 31#31: *{n} "
                    "connect() failed (111: Connection refused) while connecting to upstream, "
                    f'client: 192.0.2.1, server: shop.example.com, request: "GET / HTTP/1.1", '
                    f'upstream: "http://{address}/", host: "shop.example.com"'.encode()
                )
        lines.append(
            f'192.0.2.{n % 250} - - [{stamp}] "GET /api/items/{n % 977} HTTP/1.1" {status} '
            f'{length} "-" "Mozilla/5.0" 480 0.012 [shop-svc-{i // PODS_PER_WORKLOAD}-80] [] '
            f"{address} {length} 0.011 {upstream_status} {n:032x}".encode()
        )
    return lines


def timed(fn: object) -> float:
    gc.collect()
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    lines = make_lines()
    index = ClusterIndex()
    rollouts = RolloutTracker(index, clock=lambda: 1795428000.0)
    sink = IngressAttributor(index, rollouts, clock=lambda: 1795428000.0)
    build_index(index)
    rollouts.mark_synced()
    rollouts.flush()

    def bare() -> None:
        match = BARE.match
        for line in lines:
            match(line)

    def ours() -> None:
        feed = sink.feed
        for line in lines:
            feed("kubernetes:ingress-nginx/controller", line)
        sink.flush()

    bare_s = min(timed(bare) for _ in range(3))
    ours_s = min(timed(ours) for _ in range(3))
    stats = sink.sources["kubernetes"]
    (parse,) = stats.parse.values()
    assert parse.skipped.total() == 0, parse.skipped
    rate = len(lines) / ours_s
    ratio = bare_s / ours_s
    report(
        {
            "benchmark": "logs",
            "lines": len(lines),
            "index_pods": PODS,
            "bare_re_lines_per_s": round(len(lines) / bare_s),
            "ours_lines_per_s": round(rate),
            "ratio_to_bare_re": round(ratio, 3),
            "target_lines_per_s": TARGET_LINES_PER_S,
            "goal_ratio": GOAL_RATIO,
            "met": rate >= TARGET_LINES_PER_S,
            "goal_met": ratio >= GOAL_RATIO,
        }
    )


if __name__ == "__main__":
    main()
