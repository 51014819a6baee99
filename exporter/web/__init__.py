"""The HTTP server: /metrics, /healthz, /readyz and the landing page."""
