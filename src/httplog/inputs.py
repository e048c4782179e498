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
import glob
import gzip
import lzma
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO

from httplog.errors import InputError

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

    @property
    def lines(self) -> int:
        """Number of lines in ``data`` (a last line without newline counts)."""
        n = self.data.count(b"\n")
        return n + (1 if self.data and not self.data.endswith(b"\n") else 0)


def resolve(sources: str | os.PathLike[str] | list[str | os.PathLike[str]]) -> list[Input]:
    """Expand globs, check every path, and sniff compression.

    Inputs come back sorted by path (stdin last) so that results never
    depend on the order the user named them in.

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
        elif glob.has_magic(s) and not os.path.exists(s):
            matches = sorted(glob.glob(s))
            if not matches:
                msg = f"{s}: no file matches this pattern"
                raise InputError(msg)
            paths.extend(matches)
        else:
            paths.append(s)
    inputs = [_stat(p) for p in sorted(dict.fromkeys(paths))]
    if stdin:
        inputs.append(Input(STDIN))
    return inputs


def _stat(path: str) -> Input:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        msg = f"{path}: no such file"
        raise InputError(msg) from None
    except OSError as e:
        msg = f"{path}: {e.strerror or e}"
        raise InputError(msg) from None
    if stat.S_ISDIR(st.st_mode):
        msg = f"{path}: is a directory"
        raise InputError(msg)
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError as e:
        msg = f"{path}: {e.strerror or e}"
        raise InputError(msg) from None
    comp = next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)
    return Input(path, st.st_size, comp, st.st_dev, st.st_ino)


def split(inp: Input, parts: int) -> list[Chunk]:
    """Cut a plain file into ``parts`` byte ranges; others stay whole.

    The cuts are nominal: each range reads the lines that *start* inside it,
    so no line is lost or read twice wherever the cut falls.
    """
    if inp.compression or inp.path == STDIN or not inp.size or parts <= 1:
        return [Chunk(inp)]
    step = -(-inp.size // parts)
    return [Chunk(inp, s, min(s + step, inp.size)) for s in range(0, inp.size, step)]


def open_stream(inp: Input) -> BinaryIO:
    """The decompressed byte stream of an input."""
    if inp.path == STDIN:
        return sys.stdin.buffer
    try:
        if inp.compression == "gzip":
            return gzip.open(inp.path, "rb")  # type: ignore[return-value]
        if inp.compression == "bz2":
            return bz2.open(inp.path, "rb")  # type: ignore[return-value]
        if inp.compression == "xz":
            return lzma.open(inp.path, "rb")  # type: ignore[return-value]
        if inp.compression == "zstd":
            try:
                import zstandard
            except ImportError:  # pragma: no cover - zstandard is a dependency
                msg = f"{inp.path}: zstd input needs the 'zstandard' package"
                raise InputError(msg) from None
            raw = open(inp.path, "rb")  # noqa: SIM115 - closed with the reader
            return zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)  # type: ignore[return-value]
        return open(inp.path, "rb")  # noqa: SIM115 - the caller closes it
    except OSError as e:
        msg = f"{inp.path}: {e.strerror or e}"
        raise InputError(msg) from None


def iter_blocks(chunk: Chunk, block_size: int = BLOCK_SIZE) -> Iterator[Block]:
    """Read a chunk as blocks of whole lines, each about ``block_size`` bytes.

    Decompression errors (a truncated ``.gz``) end the chunk with an
    :class:`~httplog.errors.InputError` naming the file.
    """
    stream = open_stream(chunk.input)
    try:
        yield from _blocks(stream, chunk, block_size)
    except (OSError, EOFError, lzma.LZMAError, ValueError) as e:
        msg = f"{chunk.source}: can't read: {e}"
        raise InputError(msg) from None
    finally:
        if chunk.input.path != STDIN:
            stream.close()


def _blocks(stream: BinaryIO, chunk: Chunk, block_size: int) -> Iterator[Block]:
    pos = _seek_line_start(stream, chunk)
    line = 1
    carry = b""
    while True:
        want = block_size
        if chunk.end is not None:
            want = max(0, min(block_size, chunk.end - pos - len(carry)))
        data = stream.read(want) if want else b""
        buf = carry + data
        if chunk.end is not None and pos + len(buf) >= chunk.end and buf:
            # The range ends here: finish the line that straddles the end.
            buf += _read_to_newline(stream, buf)
            buf, carry, eof = buf, b"", True
        elif not data:
            eof = True
            if chunk.complete_only and not buf.endswith(b"\n"):
                cut = buf.rfind(b"\n") + 1
                buf, carry = buf[:cut], buf[cut:]
        else:
            cut = buf.rfind(b"\n") + 1
            if cut == 0:  # one line longer than a block: keep reading
                carry = buf
                continue
            buf, carry, eof = buf[:cut], buf[cut:], False
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
    if chunk.input.compression is None and chunk.input.path != STDIN:
        stream.seek(chunk.start - 1)
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
