"""Scrape cost: 100k series served over real HTTP from cached exposition bytes.

Figures, all measured in this run:
- our /metrics over loopback HTTP right after every family changed (cache cold), plain
  and gzip, and with the cache warm;
- prometheus_client's `generate_latest` over the same 100k series in one labelled Gauge;
- the longest the event loop went without a turn during our scrapes, which is what a
  watch stream would wait.

Targets: cold plain scrape <= 0.1 s, and >= 10x faster than generate_latest.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from prometheus_client import CollectorRegistry, Gauge, generate_latest

from bench._common import best_of, report
from exporter.metrics.exposition import format_labels, sample
from exporter.metrics.family import FamilySpec, MetricFamily
from exporter.metrics.registry import ExpositionRegistry
from exporter.metrics.self_metrics import SelfMetrics
from exporter.web.server import build_app

SERIES = 100_000
FAMILIES = 10
WORKLOADS = SERIES // FAMILIES
TARGET_SECONDS = 0.1
TARGET_RATIO = 10.0


def workload_labels(i: int) -> tuple[tuple[str, str], ...]:
    return (
        ("namespace", f"team-{i % 200}"),
        ("workload_kind", "Deployment"),
        ("workload", f"service-{i}"),
        ("revision", f"{i * 2654435761 % 2**32:08x}"),
    )


def build_families() -> list[MetricFamily]:
    families = [
        MetricFamily(FamilySpec(f"rollout_bench_family_{f}", "Benchmark family.", "gauge"))
        for f in range(FAMILIES)
    ]
    for i in range(WORKLOADS):
        labels = format_labels(workload_labels(i))
        for family in families:
            family.set(i, sample(family.spec.name, labels, i % 7).encode())
    return families


def baseline_generate_latest() -> float:
    registry = CollectorRegistry()
    gauge = Gauge(
        "rollout_bench_family",
        "Benchmark family.",
        ["namespace", "workload_kind", "workload", "revision", "family"],
        registry=registry,
    )
    for i in range(WORKLOADS):
        values = [v for _, v in workload_labels(i)]
        for f in range(FAMILIES):
            gauge.labels(*values, str(f)).set(i % 7)
    return best_of(3, lambda: generate_latest(registry))


class LoopStallProbe:
    """Measures the longest gap between event-loop turns while it runs."""

    def __init__(self) -> None:
        self.max_gap = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0)
            now = time.perf_counter()
            self.max_gap = max(self.max_gap, now - last)
            last = now

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def measure_ours() -> dict[str, float]:
    families = build_families()
    self_metrics = SelfMetrics()
    exposition = ExpositionRegistry(self_metrics.registry)
    exposition.register(families)
    app = build_app(exposition, self_metrics, is_ready=lambda: True)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/metrics"

    def dirty_all() -> None:
        # One series of every family changes, which invalidates every cached body.
        for family in families:
            family.set(
                0, sample(family.spec.name, format_labels(workload_labels(0)), time.time()).encode()
            )

    results: dict[str, list[float]] = {"cold": [], "warm": [], "gzip": [], "gap": []}
    size = 0
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        for _ in range(5):
            for mode in ("cold", "warm", "gzip"):
                if mode != "warm":
                    dirty_all()
                headers = {"Accept-Encoding": "gzip" if mode == "gzip" else "identity"}
                probe = LoopStallProbe()
                probe.start()
                started = time.perf_counter()
                async with session.get(url, headers=headers) as response:
                    body = await response.read()
                elapsed = time.perf_counter() - started
                await probe.stop()
                if mode == "cold":
                    size = len(body)
                    results["gap"].append(probe.max_gap)
                results[mode].append(elapsed)
                if mode == "cold":
                    series = sum(
                        1 for line in body.split(b"\n") if line.startswith(b"rollout_bench")
                    )
                    assert series == SERIES, f"scrape returned {series} series, not {SERIES}"
    await runner.cleanup()
    return {
        "cold": min(results["cold"]),
        "warm": min(results["warm"]),
        "gzip": min(results["gzip"]),
        "max_loop_gap": min(results["gap"]),
        "bytes": float(size),
    }


def main() -> None:
    ours = asyncio.run(measure_ours())
    baseline = baseline_generate_latest()
    ratio = baseline / ours["cold"]
    report(
        {
            "benchmark": "scrape",
            "series": SERIES,
            "body_bytes": int(ours["bytes"]),
            "ours_cold_s": round(ours["cold"], 4),
            "ours_warm_s": round(ours["warm"], 4),
            "ours_gzip_s": round(ours["gzip"], 4),
            "ours_max_event_loop_gap_s": round(ours["max_loop_gap"], 4),
            "prometheus_client_generate_latest_s": round(baseline, 4),
            "ratio": round(ratio, 1),
            "target_seconds": TARGET_SECONDS,
            "target_ratio": TARGET_RATIO,
            "met": ours["cold"] <= TARGET_SECONDS and ratio >= TARGET_RATIO,
        }
    )


if __name__ == "__main__":
    main()
