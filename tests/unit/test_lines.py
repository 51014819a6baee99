"""The watch line splitter: any chunking, any line size."""

from __future__ import annotations

import pytest

from exporter.kube.lines import iter_lines


async def collect(chunks: list[bytes]) -> list[bytes]:
    queue = iter([*chunks, b""])

    async def read() -> bytes:
        return next(queue)

    return [line async for line in iter_lines(read)]


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        pytest.param([b'{"a":1}\n'], [b'{"a":1}'], id="one line one chunk"),
        pytest.param([b'{"a"', b":1}\n"], [b'{"a":1}'], id="line split across chunks"),
        pytest.param([b"a\nb\nc\n"], [b"a", b"b", b"c"], id="several lines in one chunk"),
        pytest.param([b"a\n", b"\n", b"b\n"], [b"a", b"b"], id="blank lines skipped"),
        pytest.param([b"a\nb"], [b"a"], id="trailing fragment at EOF dropped"),
        pytest.param([b"a\r\n"], [b"a\r"], id="only LF splits; JSON tolerates the CR"),
    ],
)
async def test_splits_lines(chunks: list[bytes], expected: list[bytes]) -> None:
    assert await collect(chunks) == expected


async def test_multi_megabyte_line_in_small_chunks() -> None:
    """aiohttp's readline() fails above 128 KiB; ours must not."""
    line = b"x" * (5 * 1024 * 1024)
    data = line + b"\nnext\n"
    chunks = [data[i : i + 16384] for i in range(0, len(data), 16384)]
    assert await collect(chunks) == [line, b"next"]
