"""rollout-exporter: rollout health from the Kubernetes API as Prometheus metrics."""

__version__ = "0.1.0"
