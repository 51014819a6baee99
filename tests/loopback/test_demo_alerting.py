"""When the demo runs Prometheus and Alertmanager, and what it says when it does not."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from exporter.cli import main
from exporter.demo import alerting_decision
from exporter.demo_alerting import check_alerting
from exporter.errors import AlertingUnavailable

SPEED_REASON = "alerting needs --demo.speed 1 (not 30)"
TOOLS_REASON = "prometheus and alertmanager not installed"


@pytest.fixture
def no_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH on which neither prometheus nor (prometheus-)alertmanager is found."""
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.mark.parametrize(
    ("wanted", "speed", "reason"),
    [
        (None, 1.0, None),  # installed (scripts/test installs them), real time: on
        (True, 1.0, None),
        (False, 1.0, "--no-demo.alerting"),
        (None, 30.0, SPEED_REASON),
        (False, 30.0, "--no-demo.alerting"),
    ],
)
def test_alerting_runs_in_real_time_unless_turned_off(
    wanted: bool | None, speed: float, reason: str | None
) -> None:
    decision = alerting_decision(wanted, speed)
    assert decision == reason or (reason is not None and decision.startswith(reason))


@pytest.mark.usefixtures("no_tools")
def test_without_the_daemons_the_demo_runs_without_alerting_and_says_how_to_install() -> None:
    decision = alerting_decision(None, 1.0)
    assert decision is not None
    assert decision.startswith(TOOLS_REASON)
    assert "apt-get install --no-install-recommends prometheus prometheus-alertmanager" in decision


@pytest.mark.usefixtures("no_tools")
def test_asking_for_alerting_without_the_daemons_is_an_error() -> None:
    with pytest.raises(AlertingUnavailable, match=TOOLS_REASON):
        alerting_decision(True, 1.0)


def test_without_rule_files_alerting_points_at_a_source_checkout(tmp_path: Path) -> None:
    with pytest.raises(AlertingUnavailable, match=r"run the demo from a source checkout"):
        check_alerting(speed=1.0, rules_dir=tmp_path)


def test_the_command_exits_2_before_starting_anything_when_alerting_cannot_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--demo.speed", "30", "--demo.alerting"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"rollout-exporter: --demo.alerting: {SPEED_REASON}")


def test_an_address_in_use_is_a_one_line_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        assert main(["demo", "--web.listen-address", address, "--no-demo.alerting"]) == 1
    assert capsys.readouterr().err == (
        f"rollout-exporter: cannot listen on --web.listen-address={address}: "
        "Address already in use\n"
    )


def test_asked_for_alerting_whose_daemons_fail_to_start_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken install (here: binaries that exit at once) is reported, with their log."""
    for name in ("prometheus", "alertmanager"):
        binary = tmp_path / name
        binary.write_text("#!/bin/sh\necho 'broken install' >&2\nexit 3\n")
        binary.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    argv = ["demo", "--demo.alerting", "--web.listen-address", "127.0.0.1:0"]
    assert main(argv) == 2
    assert capsys.readouterr().err.endswith(
        "\nrollout-exporter: --demo.alerting: alertmanager exited with 3:\nbroken install\n"
    )
