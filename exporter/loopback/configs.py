"""Configuration files for Prometheus and Alertmanager run on loopback: the repository's
rules and its Alertmanager example, wired to local targets and receivers."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The checkout the package runs from (`pip install -e`, as scripts/bootstrap does)."""
RULES_DIR = SOURCE_ROOT / "rules"
ALERTMANAGER_EXAMPLE = RULES_DIR / "alertmanager" / "alertmanager.yml"


def rule_files(rules_dir: Path = RULES_DIR) -> list[Path]:
    """The rule files directly in rules/: what the Helm chart ships."""
    if not rules_dir.is_dir():
        return []
    return sorted(path for path in rules_dir.iterdir() if path.suffix in (".yaml", ".yml"))


def scrape_job(
    name: str,
    targets: Sequence[str],
    relabel: Sequence[dict[str, Any]] = (),
    *,
    metrics_path: str = "/metrics",
) -> dict[str, Any]:
    """A job scraping `targets` like the chart's ServiceMonitor: the exporter's labels
    (its `namespace` is the workload's) win over the target's."""
    job: dict[str, Any] = {
        "job_name": name,
        "honor_labels": True,
        "metrics_path": metrics_path,
        "static_configs": [{"targets": list(targets)}],
    }
    if relabel:
        job["metric_relabel_configs"] = list(relabel)
    return job


def prometheus_config(
    jobs: Sequence[dict[str, Any]],
    *,
    interval: str,
    rule_files: Sequence[Path | str] = (),
    alertmanager: str | None = None,
) -> dict[str, Any]:
    """Scrape `jobs` and evaluate `rule_files` every `interval`, alerting `alertmanager`
    (host:port)."""
    config: dict[str, Any] = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": list(jobs),
    }
    if alertmanager is not None:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    return config


def alertmanager_config(
    example: dict[str, Any],
    *,
    pagerduty_url: str,
    routing_key_file: Path,
    chat_url: str,
    timers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The example configuration, its PagerDuty and chat receivers sending to the given
    URLs; `timers` (group_wait, group_interval, ...) replace the top route's."""
    config = copy.deepcopy(example)
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    (pagerduty,) = receivers["pagerduty"]["pagerduty_configs"]
    pagerduty["routing_key_file"] = str(routing_key_file)
    pagerduty["url"] = pagerduty_url
    (chat,) = receivers["chat"]["webhook_configs"]
    chat["url"] = chat_url
    config["route"].update(timers or {})
    return config


def load_yaml(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def write_yaml(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def write_secret(path: Path, text: str) -> Path:
    """A file only its owner reads, like a mounted Secret."""
    path.touch(mode=0o600)
    path.write_text(text)
    return path
