"""The "OOMKilled in the last 10 minutes" alert from docs/metrics.md, through promtool.

An OOM kill at 2m; the exporter restarts at 8m (one missed scrape), and because the
timestamp derives from the Pod's lastState it comes back unchanged. The alert fires
while the kill is recent, resolves at 12m, and the restart does not make it fire again.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.rules.rulefiles import run_tool

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
LABELS = 'namespace="shop",workload_kind="Deployment",workload="web",revision="h2",container="app"'


def documented_rule() -> dict[str, object]:
    match = re.search(r"<!-- oom-alert -->\s*```yaml\n(.*?)```", DOCS.read_text(), re.S)
    assert match, "docs/metrics.md lost its oom-alert block"
    rule: dict[str, object] = yaml.safe_load(match.group(1))
    return rule


def test_oom_alert_survives_an_exporter_restart(tmp_path: Path) -> None:
    rule = documented_rule()
    (tmp_path / "rules.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "oom", "rules": [rule]}]})
    )
    alert = {
        "exp_labels": {
            "namespace": "shop",
            "workload_kind": "Deployment",
            "workload": "web",
            "revision": "h2",
            "container": "app",
        }
    }
    expect = lambda minute, firing: {  # noqa: E731
        "eval_time": f"{minute}m",
        "alertname": rule["alert"],
        "exp_alerts": [alert] if firing else [],
    }
    tests = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {
                        # absent, kill at 2m, exporter down at 8m, same value after restart
                        "series": f"rollout_container_last_oomkilled_timestamp_seconds{{{LABELS}}}",
                        "values": "_ _ 120x5 _ 120x10",
                    }
                ],
                "alert_rule_test": [
                    expect(1, False),
                    expect(3, True),
                    expect(7, True),
                    expect(9, True),
                    expect(12, False),
                    expect(13, False),
                    expect(16, False),
                ],
            }
        ],
    }
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests))
    run_tool("promtool", "test", "rules", "tests.yaml", cwd=tmp_path)
