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
>>> [b.data for c in split(resolve([p])[0], 2) for b in iter_blocks(c)]
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
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

import zstandard
from zstandard import ZstdError as _ZstdError

from httplog.errors import HttplogError, InputError

try:  # ISA-L's gzip reads about three times faster than zlib's; used when installed
    from isal.igzip import GzipFile as _GzipFile
    from isal.isal_zlib import error as _GzipError
except ImportError:  # pragma: no cover - depends on the environment
    from gzip import GzipFile as _GzipFile
    from zlib import error as _GzipError

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
BLOCK_SIZE = 16 * 1024 * 1024

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
    run (a file still being written); see :attr:`Block.end`.
    """

    input: Input
    start: int = 0
    end: int | None = None
    complete_only: bool = False

    @property
    def source(self) -> str:
        return self.input.path


@dataclass(frozen=True)
class Block:
    """Whole lines read from a chunk.

    ``offset`` is where ``data`` starts in the decompressed stream, ``end``
    where it stops, and ``first_line`` the 1-based number of its first line
    counted from the chunk's start.
    """

    chunk: Chunk
    offset: int
    end: int
    first_line: int
    data: bytes

    @functools.cached_property
    def lines(self) -> int:
        """Number of lines in ``data`` (a last line without newline counts)."""
        n = self.data.count(b"\n")
        return n + (1 if self.data and not self.data.endswith(b"\n") else 0)


def resolve(sources: str | os.PathLike[str] | list[str | os.PathLike[str]]) -> list[Input]:
    """Expand globs, check every path, and sniff compression.

    Inputs come back sorted by path (stdin last) so that results never
    depend on the order the user named them in; a file named twice (or
    through two paths, a link) is read once.

    >>> resolve(["/nonexistent/access.log"])
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
        raise InputError(msg)
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
        raise error(msg) from None
    except OSError as e:
        msg = f"{path}: {e.strerror or e}"
        raise error(msg) from None


def _stat(path: str) -> Input:
    with os_errors(path):
        st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        msg = f"{path}: is a directory"
        raise InputError(msg)
    if not stat.S_ISREG(st.st_mode):
        # A pipe or a device (``<(zcat …)``, /dev/stdin): reading its head now
        # would eat it, so its compression is sniffed when it is opened.
        if not os.access(path, os.R_OK):
            msg = f"{path}: permission denied"
            raise InputError(msg)
        return Input(path, None, None, st.st_dev, None)
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError as e:
        msg = f"{path}: {e.strerror or e}"
        raise InputError(msg) from None
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
    >>> [(c.start, c.end) for c in split(resolve(p)[0], 3)]
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

    Files were sniffed by :func:`resolve`; standard input and pipes are
    sniffed here, so ``zcat``-less ``cat access.log.gz | httplog -`` works.
    """
    try:
        raw: BinaryIO = sys.stdin.buffer if inp.path == STDIN else open(inp.path, "rb")  # noqa: SIM115
    except OSError as e:
        msg = f"{inp.path}: {e.strerror or e}"
        raise InputError(msg) from None
    comp = inp.compression
    if inp.size is None:  # stdin or a pipe: sniff the stream itself
        head = raw.read(6)
        comp = _sniff(head)
        raw = io.BufferedReader(_Prepend(head, raw), 1 << 20)  # type: ignore[assignment]
    try:
        if comp == "gzip":
            return _GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
        if comp == "bz2":
            return bz2.BZ2File(raw, "rb")  # type: ignore[return-value]
        if comp == "xz":
            return lzma.LZMAFile(raw, "rb")  # type: ignore[return-value]
        if comp == "zstd":
            return io.BufferedReader(_ZstdReader(raw), 1 << 20)  # type: ignore[return-value]
    except OSError as e:  # pragma: no cover - the constructors do not read
        msg = f"{inp.path}: {e.strerror or e}"
        raise InputError(msg) from None
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
        raise InputError(msg) from None
    finally:
        if chunk.input.path != STDIN:
            stream.close()


def _blocks(stream: BinaryIO, chunk: Chunk, block_size: int) -> Iterator[Block]:
    pos = _seek_line_start(stream, chunk)
    line = 1
    carry = b""  # the start of a line whose end is not read yet (never holds a newline)
    while True:
        # A line longer than a block is read in growing steps (not quadratic).
        want = max(block_size, len(carry))
        if chunk.end is not None:
            want = max(0, min(want, chunk.end - pos - len(carry)))
        data = stream.read(want) if want else b""
        last = data[-1:] or carry[-1:]
        if chunk.end is not None and last and pos + len(carry) + len(data) >= chunk.end:
            # The range ends here: finish the line that straddles the end.
            rest = b"" if last == b"\n" else stream.readline()
            buf, carry, eof = b"".join((carry, data, rest)), b"", True
            if chunk.complete_only and not buf.endswith(b"\n"):
                buf = buf[: buf.rfind(b"\n") + 1]
        elif not data:
            buf, carry, eof = carry, b"", True
            if chunk.complete_only and not buf.endswith(b"\n"):
                buf = buf[: buf.rfind(b"\n") + 1]
        else:
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # one line longer than a block: keep reading
                carry += data
                continue
            # one copy of the block (the carry and the data up to the last newline)
            buf, carry, eof = b"".join((carry, memoryview(data)[:cut])), data[cut:], False
        if buf:
            block = Block(chunk, pos, pos + len(buf), line, buf)
            line += block.lines
            pos += len(buf)
            yield block
        if eof:
            return


def _read_to_newline(stream: BinaryIO, buf: bytes) -> bytes:
    """The rest of the line ``buf`` ends in (nothing if it ends with a newline)."""
    if buf.endswith(b"\n"):
        return b""
    return stream.readline()


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
    rest = _read_to_newline(stream, b"")
    return pos + len(rest)


def _skip(stream: BinaryIO, n: int) -> None:
    while n > 0:
        piece = stream.read(min(n, 1 << 20))
        if not piece:
            return
        n -= len(piece)


def with_end(chunk: Chunk, end: int | None) -> Chunk:
    """The same chunk with another end."""
    return replace(chunk, end=end)
