"""Recognising the lines a proxy's pod log holds besides access lines.

An ingress controller's log stream is not only requests: the Go controller writes klog
lines, nginx its error log, Envoy its own component logs, Traefik its logrus/zerolog lines,
and all of them print banners at start. These are `not_access_log`, never a reason to doubt
the stream's format, so they must not count towards re-detection.
"""

from __future__ import annotations

import re

_OTHER = re.compile(
    r"[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} "  # klog: I0909 04:31:19.698606       6 file.go:1]
    r"|\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]\[\d+\]\["  # Envoy: [2023-...][14][info][main]
    r"|time=\"\d{4}-"  # logrus text (Traefik v2): time="2023-03-08T16:02:45Z" level=info
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) (?:TRC|DBG|INF|WRN|ERR|FTL) "
    r"|-{10,}\Z"  # the ingress-nginx banner: rules, title and build facts
    r"|NGINX Ingress controller\Z"
    r"|(?:Release|Build|Repository|nginx version): "
)


def is_other_log_line(line: str) -> bool:
    """Whether the line is one of the proxy's own non-access lines."""
    return _OTHER.match(line) is not None
