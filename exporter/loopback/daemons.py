"""Debian's real `prometheus` and `alertmanager`, run on loopback as child processes.

Each listens on 127.0.0.1 only, on a free port, with its storage in a directory of the
caller's (a temporary one); it is stopped by the PID started here (SIGTERM, then SIGKILL
after a grace period), and its log stays next to its storage for error messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

STARTUP_TIMEOUT = 30.0
STOP_GRACE = 10.0

PROMETHEUS = ("prometheus",)
ALERTMANAGER = ("alertmanager", "prometheus-alertmanager")  # Debian names it the latter
INSTALL_HINT = (
    "install Debian's prometheus and prometheus-alertmanager "
    "(apt-get install --no-install-recommends prometheus prometheus-alertmanager)"
)


class DaemonError(RuntimeError):
    """A daemon is missing, exited, or did not come up; the message says which and why."""


def find_tool(names: Sequence[str]) -> str | None:
    """The path of the first of `names` on PATH, e.g. a Prometheus or Alertmanager binary."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_tool(names: Sequence[str]) -> str:
    path = find_tool(names)
    if path is None:
        raise DaemonError(f"{names[0]} is not installed: {INSTALL_HINT}")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class QueryError(DaemonError):
    """Prometheus rejected a query; the message is its error."""


@dataclass
class Daemon:
    name: str
    url: str
    """http://127.0.0.1:PORT"""
    process: asyncio.subprocess.Process
    log: Path

    @property
    def address(self) -> str:
        """host:port, as a Prometheus target or an Alertmanager of `alerting:` names it."""
        return self.url.removeprefix("http://")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def check_running(self) -> None:
        if self.process.returncode is not None:
            raise DaemonError(
                f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
            )

    async def get_json(self, path: str, **params: str) -> Any:
        self.check_running()
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.get(self.url + path, params=params) as response,
        ):
            return await response.json()

    async def query(self, promql: str, *, at: float | None = None) -> list[dict[str, Any]]:
        """A Prometheus instant query: one sample per series, at `at` (default: now)."""
        params = {"query": promql} if at is None else {"query": promql, "time": f"{at:.3f}"}
        return await self._query("/api/v1/query", params)

    async def query_range(
        self, promql: str, *, start: float, end: float, step: float
    ) -> list[dict[str, Any]]:
        """A Prometheus range query, as Grafana runs a time series panel's target."""
        params = {"query": promql, "start": f"{start:.3f}", "end": f"{end:.3f}"}
        params["step"] = f"{step:g}"
        return await self._query("/api/v1/query_range", params)

    async def _query(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        answer = await self.get_json(path, **params)
        if answer.get("status") != "success":
            raise QueryError(f"{params['query']!r}: {answer.get('error')}")
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result


async def _wait_ready(daemon: Daemon) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while True:
            daemon.check_running()
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(daemon.url + "/-/ready") as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise DaemonError(
                    f"{daemon.name} not ready within {STARTUP_TIMEOUT:g}s:\n{daemon.log_tail()}"
                )
            await asyncio.sleep(0.1)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to the PID started here, SIGKILL if it outlives the grace period."""
    if process.returncode is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE)
        except TimeoutError:
            os.kill(process.pid, signal.SIGKILL)
    await process.wait()


@contextlib.asynccontextmanager
async def running(
    name: str, binaries: Sequence[str], config: Path, workdir: Path, *flags: str
) -> AsyncIterator[Daemon]:
    """Start the first of `binaries` found on PATH with `config` and `flags`, listening on
    a free loopback port; wait until /-/ready answers 200; stop it by its PID on exit."""
    port = free_port()
    argv = [
        require_tool(binaries),
        f"--config.file={config}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        *flags,
    ]
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        daemon = Daemon(name, f"http://127.0.0.1:{port}", process, log_path)
        try:
            await _wait_ready(daemon)
            yield daemon
        finally:
            await _stop(process)


def prometheus(config: Path, workdir: Path) -> AbstractAsyncContextManager[Daemon]:
    """Prometheus with `config`, its TSDB in `workdir`."""
    storage = f"--storage.tsdb.path={workdir / 'prometheus-data'}"
    return running("prometheus", PROMETHEUS, config, workdir, storage)


def alertmanager(config: Path, workdir: Path) -> AbstractAsyncContextManager[Daemon]:
    """Alertmanager with `config`, alone (no gossip), its state in `workdir`."""
    flags = (f"--storage.path={workdir / 'alertmanager-data'}", "--cluster.listen-address=")
    return running("alertmanager", ALERTMANAGER, config, workdir, *flags)
