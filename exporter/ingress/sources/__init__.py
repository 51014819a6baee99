"""Log sources: where ingress log lines come from, delivered to a `LineSink`.

Three ways in, one way out: every source hands complete lines, as bytes without the
newline, to `LineSink.feed(stream, line, timestamp=...)`, and the parsers and attribution
behind the sink never know which source it was. Each source counts what it read in a
`SourceStats` (plain ints, read by the self-metrics collector at scrape time).

Public surface::

    KubernetesLogSource(client, sink, namespace=, label_selector=, container=None,
                        settings=LogStreamSettings(), watch_settings=WatchSettings())
        .run()                    follow the selected pods' containers until cancelled
        .stats, .streams          SourceStats("kubernetes"); streams followed right now
    FileTailer(paths, sink, poll_interval=1.0, from_start=False)
        .run()                    `tail -F` every path until cancelled
        .stats                    {"file:<path>": SourceStats}
    await replay(path, sink, stream_name=None) -> SourceStats
                                  every line of a file (or stdin as "-") once
    stream_name(ns, pod, container), file_stream_name(path), replay_stream_name(path)
                                  the stream names each source uses
"""

from exporter.ingress.sources.files import FileTailer, file_stream_name
from exporter.ingress.sources.kubernetes import (
    KubernetesLogSource,
    LogStreamSettings,
    stream_name,
)
from exporter.ingress.sources.replay import replay, replay_stream_name
from exporter.ingress.sources.stats import SourceStats

__all__ = [
    "FileTailer",
    "KubernetesLogSource",
    "LogStreamSettings",
    "SourceStats",
    "file_stream_name",
    "replay",
    "replay_stream_name",
    "stream_name",
]
