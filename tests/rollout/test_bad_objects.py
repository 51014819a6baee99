"""Objects that do not fit the happy path are handled, counted, and never crash."""

from __future__ import annotations

from exporter.index.cluster import ClusterIndex
from exporter.metrics.self_metrics import SelfMetrics
from exporter.rollout.tracker import RolloutTracker
from tests.rollout.objects import deployment, endpointslice, event, pod, replicaset, service


def tracker() -> tuple[ClusterIndex, RolloutTracker]:
    index = ClusterIndex()
    rollouts = RolloutTracker(index, clock=lambda: 1795428000.0)
    rollouts.mark_synced()
    return index, rollouts


def test_pod_without_owner_is_counted_not_attributed() -> None:
    index, rollouts = tracker()
    index.pods.upsert(pod(metadata={"name": "bare", "uid": "p1", "labels": {"app": "x"}}))
    rollouts.flush()
    assert rollouts.pods_without_owner == {"default/bare"}
    index.pods.delete(pod(metadata={"name": "bare"}))
    assert rollouts.pods_without_owner == set(), "the count follows the live objects"


def test_endpointslice_without_service_label_is_counted() -> None:
    index, rollouts = tracker()
    index.endpointslices.upsert(endpointslice(metadata={"name": "orphan"}, endpoints=[]))
    rollouts.flush()
    assert rollouts.slices_without_service == {"default/orphan"}
    assert len(rollouts.families["rollout_service_endpoints"]) == 0


def test_workloads_without_status_or_conditions_render() -> None:
    index, rollouts = tracker()
    index.deployments.upsert(deployment(metadata={"name": "web", "uid": "d"}))
    index.replicasets.upsert(
        replicaset(
            metadata={
                "name": "web-1",
                "uid": "rs",
                "ownerReferences": [
                    {"kind": "Deployment", "name": "web", "uid": "d", "controller": True}
                ],
            }
        )
    )
    index.pods.upsert(
        pod(
            metadata={
                "name": "web-1-a",
                "uid": "p",
                "ownerReferences": [
                    {"kind": "ReplicaSet", "name": "web-1", "uid": "rs", "controller": True}
                ],
            }
        )
    )
    index.services.upsert(service(metadata={"name": "web"}, spec={"selector": {"app": "web"}}))
    rollouts.flush()
    assert b"rollout_in_progress" in rollouts.families["rollout_in_progress"].body()


def test_probe_event_for_an_unknown_pod_is_counted() -> None:
    index, rollouts = tracker()
    index.events.upsert(
        event(
            metadata={"name": "e1", "uid": "e1"},
            reason="Unhealthy",
            message="Readiness probe failed: HTTP probe failed with statuscode: 503",
            involvedObject={"kind": "Pod", "name": "gone", "namespace": "default", "uid": "x"},
            count=3,
        )
    )
    rollouts.flush()
    assert rollouts.unattributed_events["pod_unknown"] == 1


def test_skips_are_exposed_as_self_metrics() -> None:
    index, rollouts = tracker()
    index.pods.upsert(pod(metadata={"name": "bare", "uid": "p1"}))
    metrics = SelfMetrics()
    metrics.track_rollouts(rollouts)
    from prometheus_client import generate_latest

    text = generate_latest(metrics.registry).decode()
    assert 'rollout_exporter_unattributed_objects{kind="pods",reason="no_controller"} 1.0' in text
