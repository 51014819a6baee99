"""Debian's real `prometheus` and `alertmanager`, run on loopback for one test module.

Each listens on 127.0.0.1 only, on a free port, with its storage in the test's temporary
directory; it is stopped by the PID this module started (SIGTERM, then SIGKILL after a
grace period), and its log stays next to its storage for the failure message.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import aiohttp

from tests.rules.rulefiles import tool

STARTUP_TIMEOUT = 30.0
STOP_GRACE = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Daemon:
    name: str
    url: str
    """http://127.0.0.1:PORT"""
    process: asyncio.subprocess.Process
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def check_running(self) -> None:
        if self.process.returncode is not None:
            raise AssertionError(
                f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
            )

    async def get_json(self, path: str, **params: str) -> Any:
        self.check_running()
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.url + path, params=params) as response,
        ):
            response.raise_for_status()
            return await response.json()


async def _wait_ready(daemon: Daemon) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while True:
            daemon.check_running()
            try:
                async with session.get(daemon.url + "/-/ready") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{daemon.name} not ready within {STARTUP_TIMEOUT:g}s:\n{daemon.log_tail()}"
                )
            await asyncio.sleep(0.1)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to the PID we started, SIGKILL if it outlives the grace period."""
    if process.returncode is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE)
        except TimeoutError:
            os.kill(process.pid, signal.SIGKILL)
    await process.wait()


def _log_file(path: Path) -> IO[bytes]:
    return path.open("wb")


@asynccontextmanager
async def running(
    name: str, argv: Sequence[str], port: int, workdir: Path
) -> AsyncIterator[Daemon]:
    """Start `argv`, wait until /-/ready answers 200, stop it by its PID on exit."""
    log_path = workdir / f"{name}.log"
    with _log_file(log_path) as log:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        daemon = Daemon(name, f"http://127.0.0.1:{port}", process, log_path)
        try:
            await _wait_ready(daemon)
            yield daemon
        finally:
            await _stop(process)


@asynccontextmanager
async def prometheus(config: Path, workdir: Path) -> AsyncIterator[Daemon]:
    port = free_port()
    argv = [
        tool("prometheus"),
        f"--config.file={config}",
        f"--storage.tsdb.path={workdir / 'prometheus-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    async with running("prometheus", argv, port, workdir) as daemon:
        yield daemon


@asynccontextmanager
async def alertmanager(config: Path, workdir: Path) -> AsyncIterator[Daemon]:
    port = free_port()
    argv = [
        tool("alertmanager", "prometheus-alertmanager"),  # Debian names it the latter
        f"--config.file={config}",
        f"--storage.path={workdir / 'alertmanager-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",  # no gossip: a single, private instance
        "--log.level=warn",
    ]
    async with running("alertmanager", argv, port, workdir) as daemon:
        yield daemon
