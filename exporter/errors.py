"""Errors the `rollout-exporter` command reports in one line, without a traceback.

Kept apart from the modules that raise them, so the command can catch them without
importing those modules (and their dependencies) before it needs them.
"""


class ListenError(Exception):
    """The HTTP server cannot listen on the configured address; the message says why."""


class AlertingUnavailable(Exception):
    """The demo cannot run Prometheus and Alertmanager; the message says why."""
