"""Pod addresses: unique among live pods cluster-wide, freed with the pod, reused on cue."""

from __future__ import annotations

import pytest

from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.control import ControlPlane
from exporter.sim.pod_network import PodNetwork, PodNetworkError
from exporter.sim.scenarios.apps import deploy


def test_each_node_hands_out_its_own_range_in_order() -> None:
    network = PodNetwork()
    handed = [
        network.allocate("node-a", "shop", "a1"),
        network.allocate("node-b", "shop", "b1"),
        network.allocate("node-a", "shop", "a2"),
        network.allocate("node-d", "shop", "d1"),
    ]
    assert handed == ["10.244.0.2", "10.244.1.2", "10.244.0.3", "10.244.3.2"]
    assert network.cidr("node-c") == "10.244.2.0/24"
    assert network.owner("10.244.0.3") == "shop/a2"


def test_a_freed_address_comes_back_only_after_the_range_wrapped() -> None:
    network = PodNetwork()
    first = network.allocate("node-a", "shop", "p0")
    network.release(first, namespace="shop", name="p0")
    handed = [network.allocate("node-a", "shop", f"p{i}") for i in range(1, 254)]
    assert first not in handed[:-1]
    assert handed[-1] == first
    with pytest.raises(PodNetworkError, match="no free pod address left on node-a"):
        network.allocate("node-a", "shop", "one-too-many")


def test_reuse_hands_a_freed_address_to_the_next_pod_of_that_namespace() -> None:
    network = PodNetwork()
    old = network.allocate("node-a", "shop", "old")
    network.reuse(old, namespace="shop")
    still_held = network.allocate("node-a", "shop", "while-old-lives")
    network.release(old, namespace="shop", name="old")
    other_namespace = network.allocate("node-a", "blog", "other")
    other_node = network.allocate("node-b", "shop", "elsewhere")
    reused = network.allocate("node-a", "shop", "new")
    after = network.allocate("node-a", "shop", "later")
    assert (still_held, other_namespace, other_node) == ("10.244.0.3", "10.244.0.4", "10.244.1.2")
    assert (reused, network.owner(reused), after) == (old, "shop/new", "10.244.0.5")


@pytest.mark.parametrize("address", ["192.168.0.10", "10.244.0.1", "10.244.0.255"])
def test_reuse_only_takes_pod_addresses(address: str) -> None:
    with pytest.raises(PodNetworkError):
        PodNetwork().reuse(address, namespace="shop")


def test_control_planes_sharing_a_cluster_never_hand_out_one_address_twice() -> None:
    clock = ManualClock()
    cluster = Cluster(clock=clock)
    planes = [ControlPlane(cluster, namespace=ns) for ns in ("one", "two")]
    for ns in ("one", "two"):
        deploy(cluster, ns, "web", "registry.example/web:1.0", replicas=4)
    for _ in range(10):
        for plane in planes:
            plane.tick()
        clock.advance(2.0)
    addresses = [pod["status"].get("podIP") for pod in cluster.list("pods")]
    assert len(addresses) == 8
    assert None not in addresses
    assert len(set(addresses)) == 8


def test_only_the_holder_releases_an_address() -> None:
    network = PodNetwork()
    address = network.allocate("node-a", "shop", "holder")
    network.release(address, namespace="shop", name="someone-else")
    assert network.owner(address) == "shop/holder"


def test_deleting_a_pod_frees_its_address() -> None:
    clock = ManualClock()
    cluster = Cluster(clock=clock)
    plane = ControlPlane(cluster, namespace="shop")
    deploy(cluster, "shop", "web", "registry.example/web:1.0", replicas=1)
    for _ in range(6):
        plane.tick()
        clock.advance(2.0)
    (pod,) = cluster.list("pods", "shop")
    address = pod["status"]["podIP"]
    assert cluster.pod_network.owner(address) == f"shop/{pod['metadata']['name']}"
    cluster.delete("pods", "shop", pod["metadata"]["name"])
    assert cluster.pod_network.owner(address) is None
