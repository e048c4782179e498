"""The parse engine: blocks read ahead on a thread, parsed (and counted) on a pool.

:func:`map_parsed` reads the chunks' blocks in a background thread (reading
and decompressing the next block overlaps parsing this one), detects the
format from the first block when none is given, hands each block the W3C
layout in force where it starts, and parses ``threads`` blocks at a time,
applying a function to each where it was parsed; results come back in input
order. :func:`iter_parsed` gives the parsed blocks themselves.

Examples
--------
>>> import os, tempfile
>>> from httplog.inputs import Chunk, resolve_inputs
>>> p = os.path.join(tempfile.mkdtemp(), "a.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5\\nnot a log line\\n'
... )
>>> [(pb.lines, pb.rejected.height) for pb in iter_parsed([Chunk(i) for i in resolve_inputs(p)])]
[(2, 1)]
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypedDict, TypeVar, Unpack

import polars as pl

from httplog import inputs as _inputs
from httplog.formats import LogFormat, compile_format, w3c
from httplog.formats.detect import Detection, detect
from httplog.formats.jsonl import compile_json
from httplog.inputs import Block, Chunk, Input
from httplog.parse import ParsedBlock, lines_frame, parse_block

_T = TypeVar("_T")

#: Blocks parsed at a time by default: two, so that one block's single-threaded
#: steps (reading it into lines, the aggregation after) overlap the other's
#: parsing; one on a one-CPU machine.
THREADS = min(2, os.cpu_count() or 1)


class ParseOptions(TypedDict, total=False):
    """The keyword options of :func:`iter_parsed` and :func:`map_parsed`."""

    threads: int | None
    block_size: int
    on_detect: Callable[[Detection], None] | None
    progress: Callable[[int, int], None] | None
    columns: Iterable[str] | None


def iter_parsed(
    chunks: Iterable[Chunk],
    log_format: str | LogFormat | None = None,
    **options: Unpack[ParseOptions],
) -> Generator[ParsedBlock, None, None]:
    """Parse chunks block by block, in input order.

    With ``log_format=None`` the format is detected from the first block and
    reported through ``on_detect``. ``progress(nbytes, lines)`` is called after
    each block. ``columns`` names the parsed columns wanted (default: all
    the format has, and ``source``): the others are not extracted, which
    saves most of the work when few are needed; the accounting of lines is
    the same.

    A background thread reads (and decompresses) the next block while this
    one is parsed; each block is split into lines and parsed in one query on
    polars' streaming engine, which uses all of polars' threads;
    ``threads`` blocks are parsed at a time (default :data:`THREADS`). Memory stays bounded
    by a few blocks.
    """
    return map_parsed(chunks, _same, log_format, **options)


def _same(pb: ParsedBlock) -> ParsedBlock:
    return pb


def map_parsed(
    chunks: Iterable[Chunk],
    fn: Callable[[ParsedBlock], _T],
    log_format: str | LogFormat | None = None,
    *,
    threads: int | None = None,
    block_size: int = _inputs.BLOCK_SIZE,
    on_detect: Callable[[Detection], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    columns: Iterable[str] | None = None,
) -> Generator[_T, None, None]:
    """:func:`iter_parsed`, with ``fn`` applied to each parsed block where it
    was parsed: ``fn(block)`` for every block, in input order.

    With ``threads`` above 1, blocks are parsed and given to ``fn`` that many
    at a time on a thread pool, so that ``fn`` (an aggregation, say) overlaps
    the parsing of the next blocks; the parsed block itself can then be
    dropped before it reaches the caller.

    >>> import os, tempfile
    >>> from httplog.inputs import resolve_inputs
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5\\nnot a log line\\n'
    ... )
    >>> list(
    ...     map_parsed(
    ...         [Chunk(i) for i in resolve_inputs(p)], lambda pb: (pb.lines, pb.rejected.height)
    ...     )
    ... )
    [(2, 1)]
    """
    fmt = compile_format(log_format) if log_format is not None else None
    cols = tuple(columns) if columns is not None else None
    nthreads = max(1, threads or THREADS)
    reader = _Prefetch((b for c in chunks for b in _inputs.iter_blocks(c, block_size)), depth=2)

    def work(block: Block, fmt: LogFormat, ordinal: int) -> tuple[int, int, _T]:
        pb = replace(parse_block(block, fmt, cols), ordinal=ordinal)
        return block.size, pb.lines, fn(pb)

    def done(result: tuple[int, int, _T]) -> _T:
        nbytes, lines, out = result
        if progress:
            progress(nbytes, lines)
        return out

    layouts = _Layouts()

    try:
        if nthreads == 1:
            for ordinal, block in enumerate(reader):
                if fmt is None:
                    fmt = _detect_block(block, on_detect)
                yield done(work(block, layouts.at(block, fmt), ordinal))
            return
        with ThreadPoolExecutor(max_workers=nthreads, thread_name_prefix="httplog-parse") as pool:
            pending: deque[Future[tuple[int, int, _T]]] = deque()
            for ordinal, block in enumerate(reader):
                if fmt is None:
                    fmt = _detect_block(block, on_detect)
                pending.append(pool.submit(work, block, layouts.at(block, fmt), ordinal))
                if len(pending) >= nthreads:
                    yield done(pending.popleft().result())
            while pending:
                yield done(pending.popleft().result())
    finally:
        reader.close()


class _Layouts:
    """The W3C layout in force where each block starts, tracked in reading order.

    Blocks are parsed side by side, so a block can't learn its layout from the
    block before it: the reader, which sees them in order, hands each block
    the layout of the last ``#Fields:`` line before it. A chunk starting at
    its input's beginning starts with ``fmt`` (each file has its own header); one
    starting inside a file (a byte range) looks back in the file.
    """

    def __init__(self) -> None:
        self._chunk: Chunk | None = None
        self._current: LogFormat | None = None

    def at(self, block: Block, fmt: LogFormat) -> LogFormat:
        if fmt.syntax != "w3c":
            return fmt
        if block.chunk is not self._chunk or self._current is None:
            self._chunk = block.chunk
            self._current = fmt
            chunk = block.chunk
            if block.offset > 0 and chunk.input.compression is None and chunk.input.size:
                self._current = w3c.layout_before(chunk.input.path, block.offset, fmt)
        here = self._current
        self._current = w3c.last_layout(block.data, here) or here
        return here


#: Bytes at the start of the first block that the format is detected from.
DETECT_BYTES = 512 * 1024


def detect_block(block: Block) -> Detection:
    """The format of a block's first lines (its first :data:`DETECT_BYTES`)."""
    head = block.data[:DETECT_BYTES]
    if len(head) < len(block.data):
        head = head[: head.rfind(b"\n") + 1] or head
    return detect(sample_lines(lines_frame(head)))


def parsing_format(d: Detection) -> LogFormat:
    """The format to parse a log with once detected: for JSON every usual key
    (each block keeps those it has, see :func:`httplog.parse.parse_block`)."""
    if d.format.name == "json":
        return compile_json()
    if d.format.name == "caddy":
        return compile_format("caddy")
    return d.format


def _detect_block(block: Block, on_detect: Callable[[Detection], None] | None) -> LogFormat:
    d = detect_block(block)
    if on_detect:
        on_detect(d)
    return parsing_format(d)


def sample_lines(lines: pl.DataFrame, n: int = 1000) -> list[str]:
    """The first ``n`` lines of a frame of lines, blank ones left out (a detection sample)."""
    return [s for s in lines["line"].head(n).to_list() if s]


def chunks_of(inputs: list[Input]) -> list[Chunk]:
    """One whole-input chunk per input (the single-process plan)."""
    return [Chunk(i) for i in inputs]


class _Prefetch:
    """Run an iterator in a background thread, a few items ahead of its consumer.

    Reading and decompressing the next block then overlaps parsing this one.
    Exceptions reach the consumer; :meth:`close` stops the thread early.
    """

    def __init__(self, items: Iterator[Any], depth: int) -> None:
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._items = items
        self._thread = threading.Thread(target=self._run, name="httplog-read", daemon=True)
        self._thread.start()

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put(("item", item)):
                    break
            else:
                self._put(("end", None))
        except BaseException as e:  # handed to the consumer
            self._put(("error", e))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[Any]:
        while True:
            kind, value = self._queue.get()
            if kind == "item":
                yield value
            elif kind == "end":
                return
            else:
                raise value

    def close(self) -> None:
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout=5)
