"""The README's first command really starts a demo that serves live metrics."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scrape(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body: bytes = response.read()
            return body.decode()
    except OSError:
        return None


def test_demo_serves_nonzero_self_metrics(tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen(
        [
            str(ROOT / "scripts" / "demo"),
            "--web.listen-address",
            f"127.0.0.1:{port}",
            "--demo.speed",
            "20",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        values: dict[str, float] = {}
        while time.monotonic() < deadline and not values.get("pods"):
            assert demo.poll() is None, (tmp_path / "demo.log").read_text()
            text = scrape(f"http://127.0.0.1:{port}/metrics")
            if text:
                for family in text_string_to_metric_families(text):
                    if family.name == "rollout_exporter_watch_events":
                        for sample in family.samples:
                            kind = sample.labels["kind"]
                            values[kind] = values.get(kind, 0.0) + sample.value
            time.sleep(0.5)
        assert values.get("pods", 0) > 0, f"no pod watch events seen: {values}"
        assert scrape(f"http://127.0.0.1:{port}/readyz") == "ready\n"
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=10)
        log.close()
