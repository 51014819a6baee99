"""The README's first command really starts a demo whose metrics move.

One demo process (the README's `scripts/demo`, at 30x scenario speed) serves both tests;
it is stopped by the PID this module started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.ingress.families import INGRESS_FAMILIES
from exporter.rollout.families import ALL_FAMILIES

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body: bytes = response.read()
            return body.decode()
    except OSError:
        return None


@dataclass
class Demo:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def scrape(self) -> str | None:
        assert self.process.poll() is None, self.log.read_text()
        return fetch(self.url + "/metrics")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    port = free_port()
    log = tmp_path_factory.mktemp("demo") / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(ROOT / "scripts" / "demo"),
                "--web.listen-address",
                f"127.0.0.1:{port}",
                "--demo.speed",
                "30",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Demo(f"http://127.0.0.1:{port}", log, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def test_demo_serves_nonzero_self_metrics(demo: Demo) -> None:
    deadline = time.monotonic() + 120
    events = 0.0
    while time.monotonic() < deadline and not events:
        text = demo.scrape()
        for family in text_string_to_metric_families(text or ""):
            if family.name == "rollout_exporter_watch_events":
                events = sum(s.value for s in family.samples if s.labels["kind"] == "pods")
        time.sleep(0.5)
    assert events > 0, "no pod watch events seen"
    assert fetch(demo.url + "/readyz") == "ready\n"


def test_every_rollout_family_moves_during_the_scenarios(demo: Demo) -> None:
    """Each family shows a non-zero sample at some point while the scenarios loop."""
    suffix = {"counter": "_total", "histogram": "_count", "info": "_info"}
    wanted = {
        spec.name + suffix.get(spec.type, "") for spec in (*ALL_FAMILIES, *INGRESS_FAMILIES)
    }
    moved: set[str] = set()
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and moved != wanted:
        for family in text_string_to_metric_families(demo.scrape() or ""):
            moved.update(s.name for s in family.samples if s.name in wanted and s.value != 0)
        time.sleep(1)
    assert moved == wanted, f"never moved: {sorted(wanted - moved)}"
