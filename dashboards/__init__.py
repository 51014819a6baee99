"""Grafana dashboards for rollout health, built with grafana-foundation-sdk.

`python -m dashboards` writes the committed `dashboards/*.json`; the Helm chart ships them
byte for byte as ConfigMaps for the Grafana sidecar (scripts/sync-chart copies them), and
tests/dashboards fails when they differ from what this code generates.

Modules: `panels` and `templating` hold the building blocks every dashboard shares (the
`datasource` variable, panel kinds with units, links, annotations); `overview` and
`workload` are the two dashboards; `risks` reads the fix for each lifecycle risk from
docs/metrics.md; `build` renders and writes them.
"""
