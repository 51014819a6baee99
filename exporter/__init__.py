"""rollout-exporter: rollout health from the Kubernetes API as Prometheus metrics."""
