"""Real Prometheus and Alertmanager on 127.0.0.1, and local stand-ins for what Alertmanager
notifies: the alerting half of `rollout-exporter demo`, and of the end-to-end tests."""
