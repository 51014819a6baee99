"""Following log files by name, with `tail -F` semantics."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from exporter.ingress.sources import FileTailer, file_stream_name
from tests.harness import eventually

from .sinks import RecordingSink

BUDGET = 10.0


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as file:
        file.write(data)


@asynccontextmanager
async def tailing(
    paths: Sequence[Path], *, from_start: bool = False, max_line_bytes: int = 1 << 20
) -> AsyncIterator[tuple[FileTailer, RecordingSink]]:
    sink = RecordingSink()
    tailer = FileTailer(
        paths,
        sink,
        poll_interval=0.01,
        from_start=from_start,
        read_size=64,
        max_line_bytes=max_line_bytes,
    )
    async with asyncio.timeout(BUDGET):
        task = asyncio.create_task(tailer.run())
        try:
            await asyncio.sleep(0.05)  # the first look at every path
            yield tailer, sink
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def lines_become(sink: RecordingSink, expected: list[str]) -> None:
    await eventually(lambda: len(sink.fed) >= len(expected), within=5.0, what=f"{expected}")
    await asyncio.sleep(0.05)
    assert sink.lines() == expected


async def test_an_existing_file_is_followed_from_its_end(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(b"history 1\nhistory 2\nhalf a li")
    async with tailing([log]) as (tailer, sink):
        append(log, b"ne\nnew 1\nnew 2\n")
        await lines_become(sink, ["new 1", "new 2"])
        assert {fed.stream for fed in sink.fed} == {file_stream_name(str(log))}
        assert all(fed.timestamp is None for fed in sink.fed)
        stats = tailer.stats[file_stream_name(str(log))]
        assert (stats.lines, stats.bytes, stats.streams) == (2, len(b"ne\nnew 1\nnew 2\n"), 1)


async def test_from_start_reads_what_is_already_there(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_bytes(b"history 1\nhistory 2\n")
    async with tailing([log], from_start=True) as (_, sink):
        await lines_become(sink, ["history 1", "history 2"])


async def test_a_file_that_appears_later_is_read_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    async with tailing([log]) as (_, sink):
        log.write_bytes(b"first\nsecond\n")
        await lines_become(sink, ["first", "second"])


async def test_an_unfinished_line_waits_for_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.touch()
    async with tailing([log]) as (_, sink):
        append(log, b"complete\nstill being wri")
        await lines_become(sink, ["complete"])
        append(log, b"tten\n")
        await lines_become(sink, ["complete", "still being written"])


async def test_rotation_finishes_the_old_file_then_reads_the_new_one(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.touch()
    async with tailing([log]) as (tailer, sink):
        append(log, b"old 1\n")
        await lines_become(sink, ["old 1"])
        rotated = tmp_path / "access.log.1"
        log.rename(rotated)
        append(rotated, b"old 2, written before the writer reopened\nold 3 unfinished")
        log.write_bytes(b"new 1\n")
        await lines_become(
            sink,
            ["old 1", "old 2, written before the writer reopened", "old 3 unfinished", "new 1"],
        )
        stats = tailer.stats[file_stream_name(str(log))]
        assert (stats.rotations, stats.streams) == (1, 1)


async def test_a_deleted_file_is_picked_up_again_when_it_is_recreated(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.touch()
    async with tailing([log]) as (tailer, sink):
        append(log, b"before\n")
        await lines_become(sink, ["before"])
        log.unlink()
        await eventually(
            lambda: tailer.stats[file_stream_name(str(log))].streams == 0, what="file closed"
        )
        log.write_bytes(b"after\n")
        await lines_become(sink, ["before", "after"])


async def test_truncation_starts_over_from_the_beginning(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.touch()
    async with tailing([log]) as (tailer, sink):
        append(log, b"a long line before copytruncate\n")
        await lines_become(sink, ["a long line before copytruncate"])
        with log.open("r+b") as file:
            file.truncate(0)
        await eventually(
            lambda: tailer.stats[file_stream_name(str(log))].truncations == 1, what="truncated"
        )
        append(log, b"short\n")
        await lines_become(sink, ["a long line before copytruncate", "short"])


async def test_several_paths_are_separate_streams(tmp_path: Path) -> None:
    one, two = tmp_path / "one.log", tmp_path / "two.log"
    async with tailing([one, two]) as (_, sink):
        one.write_bytes(b"from one\n")
        two.write_bytes(b"from two\n")
        await eventually(lambda: len(sink.fed) == 2, what="both files read")
        assert sink.lines(file_stream_name(str(one))) == ["from one"]
        assert sink.lines(file_stream_name(str(two))) == ["from two"]


async def test_a_line_longer_than_the_limit_is_dropped_and_counted(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.touch()
    async with tailing([log], max_line_bytes=100) as (tailer, sink):
        append(log, b"x" * 300 + b"\nfits\n")
        await lines_become(sink, ["fits"])
        assert tailer.stats[file_stream_name(str(log))].overlong == 1


async def test_files_are_closed_when_the_tailer_stops(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.touch()
    async with tailing([log]) as (tailer, _):
        stats = tailer.stats[file_stream_name(str(log))]
        assert stats.streams == 1
    assert stats.streams == 0


@pytest.mark.parametrize("interval", [0.0, -1.0])
def test_poll_interval_must_be_positive(interval: float) -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        FileTailer([os.devnull], RecordingSink(), poll_interval=interval)
