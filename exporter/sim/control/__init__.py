"""Emulated control-plane components that write what real controllers would write."""

from exporter.sim.control.kubelet import HEALTHY, PodBehaviour
from exporter.sim.control.plane import ControlPlane
from exporter.sim.control.quota import ResourceQuota

__all__ = ["HEALTHY", "ControlPlane", "PodBehaviour", "ResourceQuota"]
