"""Inputs: paths, globs and ``-`` → chunks → blocks of whole lines.

This module knows bytes, files and compression; it knows nothing of log
formats. A :class:`Chunk` is a unit of work: a whole file (compressed files
are always whole), a byte range of a plain file, or standard input. A line
belongs to the chunk holding its first byte, so the ranges of a file can be
read independently and every line is read exactly once.

Examples
--------
>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> p = os.path.join(d, "a.log")
>>> _ = open(p, "wb").write(b"one\\ntwo\\nthree\\n")
>>> [b.data for c in split(resolve_inputs([p])[0], 2) for b in iter_blocks(c)]
[b'one\\ntwo\\n', b'three\\n']
"""

from __future__ import annotations

import bz2
import contextlib
import functools
import glob
import io
import lzma
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, cast

import zstandard
from zstandard import ZstdError as _ZstdError

from httplog.errors import HttplogError, InputError


def _gzip() -> tuple[Callable[..., BinaryIO], type[BaseException]]:
    """The gzip reader and its error: ISA-L's (about three times faster than
    zlib's) when installed. (Their classes are binary streams and an exception
    class, whatever the stubs say: hence the casts.)"""
    try:
        from isal import igzip, isal_zlib
    except ImportError:  # pragma: no cover - depends on the environment
        import gzip
        import zlib

        return cast(Callable[..., BinaryIO], gzip.GzipFile), zlib.error
    return cast(Callable[..., BinaryIO], igzip.GzipFile), cast(type[BaseException], isal_zlib.error)


_GzipFile, _GzipError = _gzip()

#: What reading a damaged input raises (each becomes an InputError naming the file).
READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    lzma.LZMAError,
    ValueError,
    _ZstdError,
    _GzipError,
)

STDIN = "-"
#: Bytes of whole lines a block holds. 12 MiB: two blocks in flight with their
#: key tables stay within 512 MiB on a log whose every line is distinct (16 MiB
#: peaked at 549-563 MiB there, 12 MiB at 481-484 MiB), at no measured cost on
#: a realistic log (CPU within +-5%, the noise of the runs).
BLOCK_SIZE = 12 * 1024 * 1024
#: Longest line read (bytes, without its newline); a longer one is a *too long*
#: line: counted and rejected, its first :data:`KEEP_OF_LONG_LINE` bytes kept.
MAX_LINE_BYTES = 1024 * 1024
#: Bytes of a too-long line kept (for its sample).
KEEP_OF_LONG_LINE = 1024

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"\xfd7zXZ\x00": "xz",
}


@dataclass(frozen=True)
class Input:
    """One source of log lines: a file (``path``) or standard input (``-``)."""

    path: str
    size: int | None = None
    compression: str | None = None
    device: int | None = None
    inode: int | None = None


@dataclass(frozen=True)
class Chunk:
    """A piece of an input: lines whose first byte lies in ``[start, end)``.

    Offsets count bytes of the decompressed stream; ``end=None`` reads to the end.
    With ``complete_only``, a last line without its newline is left for a later
    run (a file still being written); see :attr:`Block.end`. A line longer than
    ``max_line`` bytes is never held whole (see :attr:`Block.too_long`).
    """

    input: Input
    start: int = 0
    end: int | None = None
    complete_only: bool = False
    max_line: int = MAX_LINE_BYTES

    @property
    def source(self) -> str:
        return self.input.path


@dataclass(frozen=True)
class Block:
    """Whole lines read from a chunk.

    ``offset`` is where ``data`` starts in the decompressed stream, ``end``
    where it stops, and ``first_line`` the 1-based number of its first line
    counted from the chunk's start. ``too_long`` numbers (from 0) the lines of
    ``data`` that were longer than the chunk's ``max_line``: each holds only the
    first :data:`KEEP_OF_LONG_LINE` bytes of its line (the rest was skipped
    unread into memory), so ``size`` (``end - offset``) may exceed ``len(data)``.
    """

    chunk: Chunk
    offset: int
    end: int
    first_line: int
    data: bytes
    too_long: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        """Bytes of the input this block covers (its lines in full, too-long ones included)."""
        return self.end - self.offset

    @functools.cached_property
    def lines(self) -> int:
        """Number of lines in ``data`` (a last line without newline counts)."""
        n = self.data.count(b"\n")
        return n + (1 if self.data and not self.data.endswith(b"\n") else 0)


#: What names inputs: a path, a glob, ``-`` (standard input), or a list of them.
Source = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def resolve_inputs(sources: Source) -> list[Input]:
    """Expand globs, check every path, and sniff compression.

    Inputs come back sorted by path (stdin last) so that results never
    depend on the order the user named them in; a file named twice (or
    through two paths, a link) is read once.

    >>> resolve_inputs(["/nonexistent/access.log"])
    Traceback (most recent call last):
    ...
    httplog.errors.InputError: /nonexistent/access.log: no such file
    """
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    if not items:
        msg = "no input given"
        raise InputError(msg)
    paths: list[str] = []
    stdin = False
    for item in items:
        s = os.fspath(item)
        if s == STDIN:
            stdin = True
        else:
            paths.extend(expand_glob(s))
    inputs: list[Input] = []
    seen: set[tuple[int | None, int | None]] = set()
    for path in sorted(dict.fromkeys(paths)):
        inp = _stat(path)
        key = (inp.device, inp.inode)
        if inp.inode is not None and key in seen:
            continue
        seen.add(key)
        inputs.append(inp)
    if stdin:
        inputs.append(Input(STDIN))
    return inputs


def expand_glob(pattern: str) -> list[str]:
    """The files a glob matches, sorted; a path that is no glob (or exists) as it is.

    >>> expand_glob("access.log")
    ['access.log']
    >>> expand_glob("/nonexistent/*.log")
    Traceback (most recent call last):
    ...
    httplog.errors.InputError: /nonexistent/*.log: no file matches this pattern
    """
    if not glob.has_magic(pattern) or os.path.exists(pattern):
        return [pattern]
    matches = sorted(glob.glob(pattern))
    if not matches:
        msg = f"{pattern}: no file matches this pattern"
        raise InputError(msg, path=pattern)
    return matches


@contextlib.contextmanager
def os_errors(
    path: str, error: type[HttplogError] = InputError, missing: str = "no such file"
) -> Iterator[None]:
    """Turn an OSError about ``path`` into one line naming it, as ``error``.

    A missing file reads ``PATH: no such file`` (or ``missing``); any other
    error gives its reason.

    >>> with os_errors("/nonexistent/access.log"):
    ...     _ = os.stat("/nonexistent/access.log")
    Traceback (most recent call last):
    ...
    httplog.errors.InputError: /nonexistent/access.log: no such file
    """
    try:
        yield
    except FileNotFoundError:
        msg = f"{path}: {missing}"
        raise (error(msg, path=path) if issubclass(error, InputError) else error(msg)) from None
    except OSError as e:
        msg = f"{path}: {e.strerror or e}"
        raise (error(msg, path=path) if issubclass(error, InputError) else error(msg)) from None


def _stat(path: str) -> Input:
    with os_errors(path):
        st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        msg = f"{path}: is a directory"
        raise InputError(msg, path=path)
    if not stat.S_ISREG(st.st_mode):
        # A pipe or a device (``<(zcat …)``, /dev/stdin): reading its head now
        # would eat it, so its compression is sniffed when it is opened.
        if not os.access(path, os.R_OK):
            msg = f"{path}: permission denied"
            raise InputError(msg, path=path)
        return Input(path, None, None, st.st_dev, None)
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError as e:
        msg = f"{path}: {e.strerror or e}"
        raise InputError(msg, path=path) from None
    return Input(path, st.st_size, _sniff(head), st.st_dev, st.st_ino)


def _sniff(head: bytes) -> str | None:
    """The compression a stream starting with ``head`` uses (None: plain)."""
    return next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)


def split(inp: Input, parts: int) -> list[Chunk]:
    """Cut a plain file into ``parts`` byte ranges; others stay whole.

    The cuts are nominal: each range reads the lines that *start* inside it,
    so no line is lost or read twice wherever the cut falls.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "wb").write(b"x" * 100)
    >>> [(c.start, c.end) for c in split(resolve_inputs(p)[0], 3)]
    [(0, 34), (34, 68), (68, 100)]
    """
    if inp.compression or inp.path == STDIN or not inp.size or parts <= 1:
        return [Chunk(inp)]
    step = -(-inp.size // parts)
    return [Chunk(inp, s, min(s + step, inp.size)) for s in range(0, inp.size, step)]


class _Prepend(io.RawIOBase):
    """A stream whose first bytes were already read (to sniff them): put them back."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(b))
        b[: len(data)] = data
        return len(data)


class _ZstdReader(io.RawIOBase):
    """Decompress zstd frames one after another, and notice a truncated one.

    (``zstandard``'s own stream reader ends quietly in the middle of a frame.)
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._fed = False
        self._out = memoryview(b"")

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed and self._raw is not sys.stdin.buffer:
            self._raw.close()
        super().close()

    def readinto(self, b: Any) -> int:
        while not self._out:
            data = self._raw.read(1 << 20)
            if not data:
                if self._fed and not self._obj.eof:
                    msg = "zstd data ends in the middle of a frame"
                    raise EOFError(msg)
                return 0
            self._out = memoryview(self._feed(data))
        n = min(len(b), len(self._out))
        b[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _feed(self, data: bytes) -> bytes:
        out = []
        while data:
            if self._obj.eof:
                self._obj = self._dctx.decompressobj()
            self._fed = True
            out.append(self._obj.decompress(data))
            data = self._obj.unused_data if self._obj.eof else b""
        return b"".join(out)


def open_stream(inp: Input) -> BinaryIO:
    """The decompressed byte stream of an input.

    Files were sniffed by :func:`resolve_inputs`; standard input and pipes are
    sniffed here, so ``zcat``-less ``cat access.log.gz | httplog -`` works.
    """
    try:
        raw: BinaryIO = sys.stdin.buffer if inp.path == STDIN else open(inp.path, "rb")  # noqa: SIM115
    except OSError as e:
        msg = f"{inp.path}: {e.strerror or e}"
        raise InputError(msg, path=inp.path) from None
    comp = inp.compression
    if inp.size is None:  # stdin or a pipe: sniff the stream itself
        head = raw.read(6)
        comp = _sniff(head)
        raw = io.BufferedReader(_Prepend(head, raw), 1 << 20)
    try:
        # (the decompressing readers are binary streams: BinaryIO in all but name)
        if comp == "gzip":
            return _GzipFile(fileobj=raw, mode="rb")
        if comp == "bz2":
            return cast(BinaryIO, bz2.BZ2File(raw, "rb"))
        if comp == "xz":
            return cast(BinaryIO, lzma.LZMAFile(raw, "rb"))
        if comp == "zstd":
            return io.BufferedReader(_ZstdReader(raw), 1 << 20)
    except OSError as e:  # pragma: no cover - the constructors do not read
        msg = f"{inp.path}: {e.strerror or e}"
        raise InputError(msg, path=inp.path) from None
    return raw


def iter_blocks(chunk: Chunk, block_size: int = BLOCK_SIZE) -> Iterator[Block]:
    """Read a chunk as blocks of whole lines, each about ``block_size`` bytes.

    Decompression errors (a truncated ``.gz``) end the chunk with an
    :class:`~httplog.errors.InputError` naming the file.
    """
    stream = open_stream(chunk.input)
    try:
        yield from _blocks(stream, chunk, block_size)
    except READ_ERRORS as e:
        msg = f"{chunk.source}: can't read: {e}"
        raise InputError(msg, path=chunk.source) from None
    finally:
        if chunk.input.path != STDIN:
            stream.close()


class _BlockBuilder:
    """The lines of the block being read: pieces of data, the bytes of input they
    cover, and which of its lines are too long (kept cut short)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.pieces: list[bytes | memoryview] = []
        self.size = 0
        self.too_long: list[int] = []
        self._lines = 0  # newlines in pieces[: self._counted]
        self._counted = 0

    def add(self, piece: bytes | memoryview) -> None:
        if len(piece):
            self.pieces.append(piece)
            self.size += len(piece)

    def add_long(self, prefix: bytes, consumed: int, newline: bool) -> None:
        """A line longer than the limit: ``consumed`` bytes of input, ``prefix`` kept."""
        self._lines += sum(bytes(p).count(b"\n") for p in self.pieces[self._counted :])
        self.too_long.append(self._lines)
        self.pieces.append(prefix + b"\n" if newline else prefix)
        self._lines += 1
        self._counted = len(self.pieces)
        self.size += consumed

    def take(self, chunk: Chunk, offset: int, first_line: int) -> Block | None:
        """The block of the lines added since the last one (None: no line)."""
        if not self.pieces:
            return None
        data = b"".join(self.pieces)
        block = Block(chunk, offset, offset + self.size, first_line, data, tuple(self.too_long))
        self.reset()
        return block


class _LineReader:
    """Cuts data read from a stream into whole lines, never holding more of one
    line than ``max_line`` bytes: the rest of a longer line is skipped, and the
    line becomes a *too long* line of its block (see :attr:`Block.too_long`)."""

    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self.keep = min(KEEP_OF_LONG_LINE, max_line)
        self.carry = b""  # the start of the current line (no newline); its prefix when too long
        self.skipped = 0  # > 0: the current line is too long; its bytes read so far
        self.out = _BlockBuilder()

    @property
    def mid_line(self) -> bool:
        return bool(self.carry or self.skipped)

    def feed(self, data: bytes) -> None:
        """Add data read; complete lines go to :attr:`out`, the rest waits in the carry."""
        i = 0
        if self.mid_line:
            nl = data.find(b"\n")
            stop = len(data) if nl == -1 else nl
            self._extend(data, 0, stop)
            if nl == -1:
                return
            self._end_line(newline=True)
            i = nl + 1
        last = data.rfind(b"\n", i)
        if last == -1:
            self._extend(data, i, len(data))
            return
        view = memoryview(data)
        start = p = i
        limit = self.max_line
        while p <= last:
            # The lines starting in [p, r] end by r: none of them is longer than the limit.
            r = data.rfind(b"\n", p, p + limit + 1)
            if r != -1:
                p = r + 1
                continue
            e = data.find(b"\n", p)  # a line longer than the limit starts at p
            self.out.add(view[start:p])
            self.out.add_long(data[p : p + self.keep], e + 1 - p, newline=True)
            p = start = e + 1
        self.out.add(view[start : last + 1])
        self._extend(data, last + 1, len(data))

    def _extend(self, data: bytes, a: int, b: int) -> None:
        """The current line goes on with ``data[a:b]`` (no newline in it)."""
        if b <= a:
            return
        if self.skipped:
            self.skipped += b - a
        elif len(self.carry) + (b - a) > self.max_line:
            self.skipped = len(self.carry) + (b - a)
            self.carry = (self.carry + data[a : a + self.keep])[: self.keep]
        else:
            self.carry += data[a:b]

    def _end_line(self, *, newline: bool) -> None:
        """The current line ends here (with its newline, or at the end of the input)."""
        if self.skipped:
            self.out.add_long(self.carry, self.skipped + newline, newline=newline)
        else:
            self.out.add(self.carry + b"\n" if newline else self.carry)
        self.carry, self.skipped = b"", 0

    def finish(self, complete_only: bool) -> None:
        """The input ends: its last line without a newline is a line, unless ``complete_only``."""
        if self.mid_line and not complete_only:
            self._end_line(newline=False)
        self.carry, self.skipped = b"", 0


def _blocks(stream: BinaryIO, chunk: Chunk, block_size: int) -> Iterator[Block]:
    pos = _seek_line_start(stream, chunk)
    read = pos  # bytes of the stream read so far
    line = 1
    lines = _LineReader(chunk.max_line)
    while True:
        want = block_size if chunk.end is None else min(block_size, chunk.end - read)
        if want > 0:
            data = stream.read(want)
        elif lines.mid_line:
            # Past the range's end: finish the line that straddles it (and no more).
            data = stream.readline(block_size)
        else:
            data = b""
        eof = not data or (want <= 0 and data.endswith(b"\n"))
        if data:
            read += len(data)
            lines.feed(data)
        if not data:
            lines.finish(chunk.complete_only)
        if not eof and lines.mid_line and chunk.end is not None and read >= chunk.end:
            continue  # the straddling line joins this block
        block = lines.out.take(chunk, pos, line)
        if block is not None:
            pos, line = block.end, line + block.lines
            yield block
        if eof:
            return


def _seek_line_start(stream: BinaryIO, chunk: Chunk) -> int:
    """Position the stream at the first line starting at or after ``chunk.start``."""
    if chunk.start == 0:
        return 0
    if chunk.input.compression is None and chunk.input.size is not None:
        stream.seek(chunk.start - 1)  # a regular plain file
    else:
        _skip(stream, chunk.start - 1)
    prev = stream.read(1)
    pos = chunk.start
    if prev in (b"\n", b""):
        return pos
    while True:  # the rest of the line the range starts in, a piece at a time
        rest = stream.readline(1 << 20)
        pos += len(rest)
        if not rest or rest.endswith(b"\n"):
            return pos


def _skip(stream: BinaryIO, n: int) -> None:
    while n > 0:
        piece = stream.read(min(n, 1 << 20))
        if not piece:
            return
        n -= len(piece)


def with_end(chunk: Chunk, end: int | None) -> Chunk:
    """The same chunk with another end."""
    return replace(chunk, end=end)
