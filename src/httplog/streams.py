"""Streams of log content an incremental state follows, and what a run reads of each.

A *stream* is the content of a log file as it grows, wherever it moves (see
:mod:`httplog.state` for the rules). This module holds the records the
state's manifest keeps (:class:`Stream`, :class:`Location`), the plan of a run
(:func:`plan`: for each input, read it from an offset or skip it) and the
update of the records once the run has read its chunks (:func:`record`).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from httplog.inputs import resolve_inputs
>>> log = Path(tempfile.mkdtemp(), "access.log")
>>> log.write_bytes(b"line one\\nline two\\npartial")
25
>>> p = plan([], resolve_inputs([str(log)]))
>>> [(i.why, i.chunk.start, i.chunk.complete_only) for i in p.items]
[('new', 0, True)]
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from httplog.errors import HttplogError, InputError
from httplog.inputs import READ_ERRORS, STDIN, Chunk, Input, open_stream

#: Bytes at the start (and before the offset) of a stream that identify it.
HEAD_BYTES = 4096
#: Streams not seen among the inputs for this long are forgotten.
FORGET_AFTER = timedelta(days=62)
#: A rotated file's name: ``access.log.1`` (logrotate's numbers).
_ROTATED = re.compile(r"\.\d+$")


def sha(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex.

    >>> sha(b"")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ records


@dataclass
class Location:
    """Where a stream was last seen: a file, its identity and size."""

    path: str
    device: int
    inode: int
    size: int
    mtime_ns: int
    compression: str | None
    complete: bool = False

    def same_file(self, inp: Input, mtime_ns: int) -> bool:
        return (
            self.device == inp.device
            and self.inode == inp.inode
            and self.size == inp.size
            and self.mtime_ns == mtime_ns
            and self.compression == inp.compression
        )


@dataclass
class Stream:
    """Log content read so far: fingerprints, the offset read, where it was seen."""

    id: str
    head: str
    head_len: int
    offset: int
    tail: str | None = None
    tail_end: int = 0
    tail_len: int = 0
    lines: int = 0
    first_seen: str = ""
    last_seen: str = ""
    locations: list[Location] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["locations"] = [dict(loc.__dict__) for loc in self.locations]
        return d

    @classmethod
    def from_json(cls, d: object) -> Stream:
        """A stream from the manifest; TypeError or ValueError if it is not one."""
        if not isinstance(d, dict) or not isinstance(d.get("locations", []), list):
            raise TypeError("streams")
        locs = []
        for loc in d.get("locations", []):
            if not isinstance(loc, dict):
                raise TypeError("locations")
            location = Location(**loc)
            ints = (location.device, location.inode, location.size, location.mtime_ns)
            if not isinstance(location.path, str) or not all(isinstance(x, int) for x in ints):
                raise TypeError("locations")
            locs.append(location)
        s = cls(**{k: v for k, v in d.items() if k != "locations"}, locations=locs)
        for name in ("head_len", "offset", "tail_end", "tail_len", "lines"):
            value = getattr(s, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise TypeError(name)
        if not isinstance(s.head, str) or not 0 < s.head_len <= HEAD_BYTES:
            raise TypeError("head")
        if s.tail is not None and (not isinstance(s.tail, str) or s.tail_len > s.tail_end):
            raise TypeError("tail")
        return s


@dataclass(frozen=True)
class Item:
    """What a run does with one input: read it from ``start``, or skip it."""

    input: Input
    stream: Stream | None
    start: int
    read: bool
    why: str
    mtime_ns: int = 0
    head: bytes = b""
    #: A rotated file: nothing more will be written to it (its last line is whole).
    final: bool = False

    @property
    def chunk(self) -> Chunk:
        inp = self.input
        plain = inp.compression is None and inp.path != STDIN and inp.inode is not None
        return Chunk(self.input, start=self.start, complete_only=plain and not self.final)


@dataclass(frozen=True)
class Plan:
    """The chunks a run must read, and how each relates to the streams known."""

    items: list[Item]

    @property
    def chunks(self) -> list[Chunk]:
        return [i.chunk for i in self.items if i.read]

    @property
    def new_bytes(self) -> int | None:
        """Bytes to read from plain files (None when compressed or stdin inputs make it unknown)."""
        total = 0
        for i in self.items:
            if not i.read:
                continue
            if i.input.compression is not None or i.input.size is None:
                return None
            total += max(0, i.input.size - i.start)
        return total


# -------------------------------------------------------------- reading


def _head(inp: Input) -> bytes:
    """The first HEAD_BYTES of an input's decompressed content."""
    try:
        with contextlib.closing(open_stream(inp)) as f:
            out = b""
            while len(out) < HEAD_BYTES:
                piece = f.read(HEAD_BYTES - len(out))
                if not piece:
                    break
                out += piece
            return out
    except HttplogError:
        raise
    except READ_ERRORS as e:
        msg = f"{inp.path}: can't read: {e}"
        raise InputError(msg) from None


def _plain_range(path: str, start: int, end: int) -> bytes | None:
    """Bytes [start, end) of a plain file, or None if it is shorter now."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
    except OSError:
        return None
    return data if len(data) == end - start else None


def _mtime_ns(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


# ------------------------------------------------------------------ plan


def plan(streams: list[Stream], inputs: list[Input]) -> Plan:
    """Decide, for each input, where to read from, given the ``streams`` known
    (see :mod:`httplog.state`).

    >>> plan([], []).chunks
    []
    """
    order = sorted(
        range(len(inputs)),
        key=lambda i: (inputs[i].path == STDIN, inputs[i].compression is not None, i),
    )
    claimed: set[str] = set()
    seen_files: set[tuple[int | None, int | None]] = set()
    items: dict[int, Item] = {}
    for i in order:
        items[i] = _plan_one(streams, inputs[i], claimed, seen_files)
    return Plan([items[i] for i in range(len(inputs))])


def _plan_one(
    streams: list[Stream],
    inp: Input,
    claimed: set[str],
    seen_files: set[tuple[int | None, int | None]],
) -> Item:
    if inp.path == STDIN or inp.inode is None or inp.size is None:
        # stdin or a pipe: can't be read again, so it is read in full (feed it new lines)
        return Item(inp, None, 0, True, "stream: read in full")
    mtime = _mtime_ns(inp.path)
    ident = (inp.device, inp.inode)
    if ident in seen_files:
        return Item(inp, None, 0, False, "same file as another input", mtime)
    seen_files.add(ident)
    if inp.compression is not None:
        for s in streams:
            if any(loc.complete and loc.same_file(inp, mtime) for loc in s.locations):
                if s.id in claimed:
                    return Item(inp, s, s.offset, False, "duplicate of another input", mtime)
                claimed.add(s.id)
                return Item(inp, s, s.offset, False, "compressed, already read", mtime)
    head = _head(inp)
    if not head:
        return Item(inp, None, 0, True, "empty", mtime)
    rotated = _ROTATED.search(os.path.basename(inp.path)) is not None
    candidates = [
        s for s in streams if s.head_len <= len(head) and sha(head[: s.head_len]) == s.head
    ]
    same_inode = [
        s
        for s in candidates
        if any(loc.device == inp.device and loc.inode == inp.inode for loc in s.locations)
    ]
    ranked = same_inode + sorted(
        (s for s in candidates if s not in same_inode),
        key=lambda s: (-s.head_len, -s.offset, s.id),
    )
    for s in ranked:
        if not _continues(inp, s):
            continue
        if s.id in claimed:
            return Item(inp, s, s.offset, False, "duplicate of another input", mtime)
        claimed.add(s.id)
        here = os.path.abspath(inp.path)
        moved = bool(s.locations) and all(loc.path != here for loc in s.locations)
        final = rotated or moved
        return Item(inp, s, s.offset, True, "continues a known stream", mtime, head, final)
    return Item(inp, None, 0, True, "new", mtime, head, rotated)


def _continues(inp: Input, s: Stream) -> bool:
    """Does this input hold everything read of stream ``s`` (so we can go on from its offset)?"""
    if inp.compression is not None:
        return True  # first bytes match; its size is unknown without decompressing
    if inp.size is None or inp.size < s.offset:
        return False
    if s.tail is None or s.tail_end > s.offset:
        return True
    data = _plain_range(inp.path, s.tail_end - s.tail_len, s.tail_end)
    return data is not None and sha(data) == s.tail


# ---------------------------------------------------------------- record


def record(streams: list[Stream], plan: Plan, run: pl.DataFrame, now: datetime) -> list[Stream]:
    """The streams once a run has read ``plan``'s chunks: offsets moved on,
    fingerprints taken, new streams added, where each was seen; streams not
    seen for :data:`FORGET_AFTER` forgotten. ``run`` is the run's ``chunks``
    table (bytes and lines read per source and chunk start). The records in
    ``streams`` are updated in place.

    >>> record([], plan([], []), pl.DataFrame(), datetime(2026, 1, 1))
    []
    """
    read = _consumed(run)
    stamp = now.isoformat()
    touched: dict[str, list[Location]] = {}
    streams = list(streams)
    for item in plan.items:
        inp = item.input
        if inp.path == STDIN or inp.inode is None or inp.size is None:
            continue
        loc = Location(
            os.path.abspath(inp.path),
            int(inp.device or 0),
            int(inp.inode or 0),
            int(inp.size or 0),
            item.mtime_ns,
            inp.compression,
        )
        read_bytes, lines = read.get((inp.path, item.start), (0, 0)) if item.read else (0, 0)
        s = item.stream
        if s is None:
            if not read_bytes:
                continue
            n = min(HEAD_BYTES, read_bytes)
            head = item.head[:n] if len(item.head) >= n else _read_head(inp, n)
            if head is None:
                continue  # the file changed under us: read it as new next time
            s = Stream(
                id=uuid.uuid4().hex[:12],
                head=sha(head),
                head_len=len(head),
                offset=0,
                first_seen=stamp,
            )
            streams.append(s)
        if item.read and read_bytes:
            _moved_on(s, inp, item.start + read_bytes, lines)
        loc.complete = inp.compression is not None and (item.read or item.stream is not None)
        s.last_seen = stamp
        touched.setdefault(s.id, []).append(loc)
    for s in streams:
        if s.id in touched:
            s.locations = touched[s.id]
    horizon = (now - FORGET_AFTER).isoformat()
    return [s for s in streams if s.last_seen >= horizon or s.id in touched]


def _moved_on(s: Stream, inp: Input, offset: int, lines: int) -> None:
    """Stream ``s`` read up to ``offset`` in ``inp``: its fingerprints taken from
    the file as it is now, only if it still starts as it did (not truncated and
    rewritten meanwhile)."""
    s.offset = offset
    s.lines += lines
    head = _read_head(inp, min(HEAD_BYTES, s.offset))
    same = head is not None and sha(head[: s.head_len]) == s.head
    if same and head is not None and s.head_len < len(head):
        s.head, s.head_len = sha(head), len(head)
    if same and inp.compression is None:
        n = min(HEAD_BYTES, s.offset)
        tail = _plain_range(inp.path, s.offset - n, s.offset)
        if tail is not None:
            s.tail, s.tail_end, s.tail_len = sha(tail), s.offset, n


def _read_head(inp: Input, upto: int) -> bytes | None:
    n = min(HEAD_BYTES, upto)
    if inp.compression is None:
        return _plain_range(inp.path, 0, n)
    try:
        head = _head(inp)[:n]
    except HttplogError:
        return None
    return head if len(head) == n else None


def _consumed(chunks: pl.DataFrame) -> dict[tuple[str, int], tuple[int, int]]:
    """Bytes and lines read per (source, chunk start)."""
    if chunks.is_empty():
        return {}
    rows = (
        chunks.group_by("source", "chunk_start")
        .agg(pl.col("bytes_read").sum(), pl.col("lines").sum())
        .iter_rows()
    )
    return {(src, int(start)): (int(b), int(n)) for src, start, b, n in rows}
