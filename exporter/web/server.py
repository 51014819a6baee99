"""The exporter's HTTP endpoints: /metrics, /healthz, /readyz and a landing page."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable

from aiohttp import web

from exporter.metrics.exposition import OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE
from exporter.metrics.registry import ExpositionRegistry
from exporter.metrics.self_metrics import SelfMetrics

_GZIP_LEVEL = 1
"""Level 1 compresses exposition text ~10x at a fraction of level 6's CPU cost."""

_LANDING = """<!doctype html>
<html><head><title>rollout-exporter</title></head>
<body><h1>rollout-exporter</h1>
<p>Rollout health of Kubernetes workloads as Prometheus metrics.</p>
<ul>
<li><a href="{metrics}">{metrics}</a> metrics</li>
<li><a href="/healthz">/healthz</a> liveness</li>
<li><a href="/readyz">/readyz</a> readiness: every watched kind listed once</li>
</ul></body></html>
"""


def wants_openmetrics(accept: str) -> bool:
    """Prometheus asks for OpenMetrics first in its Accept header when it wants it."""
    return "application/openmetrics-text" in accept


def wants_gzip(accept_encoding: str) -> bool:
    return any(part.split(";")[0].strip() == "gzip" for part in accept_encoding.lower().split(","))


def gzip_compress(data: bytes) -> bytes:
    compressor = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def build_app(
    exposition: ExpositionRegistry,
    self_metrics: SelfMetrics,
    *,
    is_ready: Callable[[], bool],
    telemetry_path: str = "/metrics",
) -> web.Application:
    async def metrics(request: web.Request) -> web.Response:
        started = time.perf_counter()
        openmetrics = wants_openmetrics(request.headers.get("Accept", ""))
        body = await exposition.render(openmetrics=openmetrics)
        headers = {"Content-Type": OPENMETRICS_CONTENT_TYPE if openmetrics else TEXT_CONTENT_TYPE}
        encoding = "identity"
        if wants_gzip(request.headers.get("Accept-Encoding", "")):
            # zlib releases the GIL: compressing in a thread keeps watch streams flowing.
            body = await asyncio.get_running_loop().run_in_executor(None, gzip_compress, body)
            headers["Content-Encoding"] = "gzip"
            encoding = "gzip"
        self_metrics.scrape_duration.labels(encoding).observe(time.perf_counter() - started)
        return web.Response(body=body, headers=headers)

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_: web.Request) -> web.Response:
        if is_ready():
            return web.Response(text="ready\n")
        return web.Response(status=503, text="waiting for the first list of every kind\n")

    async def landing(_: web.Request) -> web.Response:
        return web.Response(text=_LANDING.format(metrics=telemetry_path), content_type="text/html")

    app = web.Application()
    app.router.add_get(telemetry_path, metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/", landing)
    return app
