"""Every flag that tunes the exporter reaches the one `run`, `replay` and the demo build
(`exporter_for`): a flag that parses but is dropped on the way is silent misconfiguration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exporter.app import Exporter, exporter_for
from exporter.kube.client import ApiClient
from exporter.kube.credentials import load_credentials
from exporter.settings import parse_settings
from exporter.sim.kubeconfig import write_kubeconfig

CASES: list[tuple[str, Callable[[Exporter], object], object]] = [
    ("--rollout.stall-timeout=7m", lambda exporter: exporter.rollouts.stall_after, 420.0),
    ("--logs.warm-up=45s", lambda exporter: exporter.ingress.timeline.warm_seconds, 45.0),
    ("--logs.format=envoy", lambda exporter: exporter.ingress.log_format, "envoy"),
]


@pytest.mark.parametrize(("flag", "configured", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_flag_reaches_the_exporter(
    tmp_path: Path, flag: str, configured: Callable[[Exporter], object], expected: object
) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:1", "token")
    settings = parse_settings([f"--kubeconfig={kubeconfig}", flag])
    client = ApiClient(load_credentials(kubeconfig=str(kubeconfig), context=None))

    assert configured(exporter_for(client, settings)) == expected
