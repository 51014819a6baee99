"""Watch-event decoding: our slim projection into the index vs the kubernetes package.

Both sides decode the same bytes of a realistic Pod watch event in the same run. The
baseline is what the `kubernetes` client does for every watch event
(`ApiClient().deserialize(text, "V1Pod", "application/json")`); ours is the reflector's
whole hot path: event envelope + projection decode + store upsert + counters.

Target: ours at least 20x faster.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import NoCredentials, best_of, best_of_fresh, report
from exporter.index.store import Store
from exporter.kube.client import ApiClient as OurClient
from exporter.kube.reflector import Reflector, WatchSettings
from exporter.kube.resources import PODS
from exporter.model.pod import Pod

TARGET_RATIO = 20.0
EVENT = (Path(__file__).parent / "data" / "pod_watch_event.json").read_bytes().strip()


def make_lines(count: int, offset: int) -> list[bytes]:
    """Distinct resourceVersions, so every event really updates the store."""
    marker = b'"resourceVersion":"48213377"'
    return [
        EVENT.replace(marker, b'"resourceVersion":"%d"' % (50_000_000 + offset + i))
        for i in range(count)
    ]


def main() -> None:
    from kubernetes.client import ApiClient as KubernetesClient

    object_text = json.dumps(json.loads(EVENT)["object"])
    kubernetes_client = KubernetesClient()
    baseline_n = 2_000

    def baseline() -> None:
        for _ in range(baseline_n):
            kubernetes_client.deserialize(object_text, "V1Pod", "application/json")

    store: Store[Pod] = Store("pods")
    reflector = Reflector(OurClient(NoCredentials()), PODS, store, settings=WatchSettings())
    ours_n = 20_000

    def ours(lines: list[bytes]) -> None:
        rv = ""
        apply = reflector.apply_line
        for line in lines:
            rv = apply(line, rv)

    assert len(store) == 0
    baseline_s = best_of(3, baseline) / baseline_n
    ours_s = best_of_fresh(3, lambda run: make_lines(ours_n, run * ours_n), ours) / ours_n
    assert len(store) == 1
    assert reflector.stats.decode_errors.total() == 0
    ratio = baseline_s / ours_s
    report(
        {
            "benchmark": "decode",
            "event_bytes": len(EVENT),
            "kubernetes_deserialize_us": round(baseline_s * 1e6, 2),
            "ours_decode_index_us": round(ours_s * 1e6, 3),
            "ours_events_per_s": round(1 / ours_s),
            "kubernetes_events_per_s": round(1 / baseline_s),
            "ratio": round(ratio, 1),
            "target_ratio": TARGET_RATIO,
            "met": ratio >= TARGET_RATIO,
        }
    )


if __name__ == "__main__":
    main()
