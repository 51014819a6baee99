"""A real Prometheus on loopback, scraping one target, for end-to-end tests.

Debian's `prometheus` package (2.42; scripts/test installs it) starts no service by
itself here: each test run starts its own daemon on a free 127.0.0.1 port with its
storage in a temporary folder, and stops it by the PID it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import yaml

PROMETHEUS = shutil.which("prometheus")
"""Debian's /usr/bin/prometheus, when installed."""
JOB = "rollout-exporter"


class QueryError(Exception):
    """Prometheus rejected a query; the message is its error."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def config(target: str, *, scrape_interval: str) -> str:
    """Scrape `target` (host:port) like the chart's ServiceMonitor: honour its labels."""
    return yaml.safe_dump(
        {
            "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
            "scrape_configs": [
                {"job_name": JOB, "honor_labels": True, "static_configs": [{"targets": [target]}]}
            ],
        }
    )


@dataclass
class Prometheus:
    url: str
    session: aiohttp.ClientSession

    async def _get(self, path: str, params: dict[str, str]) -> Any:
        async with self.session.get(self.url + path, params=params) as response:
            body = await response.json()
        if body.get("status") != "success":
            raise QueryError(f"{params.get('query')!r}: {body.get('error')}")
        return body["data"]

    async def query(self, expr: str, *, at: float) -> list[dict[str, Any]]:
        """An instant query: one sample per series at `at`."""
        data = await self._get("/api/v1/query", {"query": expr, "time": f"{at:.3f}"})
        result: list[dict[str, Any]] = data["result"]
        return result

    async def query_range(
        self, expr: str, *, start: float, end: float, step: float
    ) -> list[dict[str, Any]]:
        """A range query, as Grafana runs a time series panel's target."""
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        data = await self._get("/api/v1/query_range", params)
        result: list[dict[str, Any]] = data["result"]
        return result

    async def wait_until_scraping(self, *, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError, QueryError):
                if await self.query(f'up{{job="{JOB}"}} == 1', at=time.time()):
                    return
            await asyncio.sleep(0.2)
        raise AssertionError(f"Prometheus did not scrape its target within {within:g}s")


@contextlib.asynccontextmanager
async def running_prometheus(
    target: str, workdir: Path, log: TextIO, *, scrape_interval: str = "1s"
) -> AsyncIterator[Prometheus]:
    """Prometheus scraping `target` every `scrape_interval`, ready and scraping on entry.

    `workdir` holds the config and the TSDB; the daemon's output goes to `log`, which a
    failing test can show.
    """
    assert PROMETHEUS, "prometheus is required: scripts/test installs Debian's package"
    config_file = workdir / "prometheus.yml"
    await asyncio.to_thread(config_file.write_text, config(target, scrape_interval=scrape_interval))
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        PROMETHEUS,
        f"--config.file={config_file}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        stdout=log,
        stderr=log,
    )
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            prometheus = Prometheus(f"http://127.0.0.1:{port}", session)
            await wait_ready(prometheus, process)
            await prometheus.wait_until_scraping()
            yield prometheus
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def wait_ready(
    prometheus: Prometheus, process: asyncio.subprocess.Process, *, within: float = 30.0
) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise AssertionError(f"prometheus exited with {process.returncode}")
        with contextlib.suppress(aiohttp.ClientError):
            async with prometheus.session.get(prometheus.url + "/-/ready") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise AssertionError(f"prometheus not ready within {within:g}s")
