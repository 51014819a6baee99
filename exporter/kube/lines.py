"""Split a watch stream into JSON lines without a size limit.

aiohttp's `StreamReader.readline()` raises once a line passes its 128 KiB high-water
mark, and a single Kubernetes object (a ConfigMap-sized annotation, a Pod with many
containers) can be megabytes. We buffer chunks ourselves and only scan new bytes for
the newline, so a multi-MB line costs linear time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable


async def iter_lines(read_chunk: Callable[[], Awaitable[bytes]]) -> AsyncIterator[bytes]:
    """Yield complete `\\n`-terminated lines (without the newline) until EOF.

    A trailing fragment without a newline at EOF is dropped: on a watch stream it is
    the remains of a connection cut mid-event, and the event will be re-delivered
    when the watch resumes from the last complete event's resourceVersion.
    """
    buffer = bytearray()
    scanned = 0
    while True:
        chunk = await read_chunk()
        if not chunk:
            return
        buffer += chunk
        start = 0
        newline = buffer.find(b"\n", scanned)
        while newline != -1:
            line = bytes(buffer[start:newline])
            if line.strip():
                yield line
            start = newline + 1
            newline = buffer.find(b"\n", start)
        if start:
            del buffer[:start]
        scanned = len(buffer)
