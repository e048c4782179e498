"""Bytes → lines: a block of whole lines read into a one-column polars frame.

Every line of the block becomes one row of column ``line`` (an empty line is
null), whatever bytes it holds: invalid UTF-8 is replaced, a CR before the
newline and a byte-order mark starting a line are dropped, and a block that
polars' CSV reader would take for compressed data is split by a plain
splitter instead. Parsing those lines with a format is :mod:`httplog.parse`'s.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl

_BOM = "\ufeff".encode()


def lines_frame(data: bytes, expected: int | None = None) -> pl.DataFrame:
    """Raw lines of a block as a one-column frame (``line``; empty lines are null).

    Invalid UTF-8 becomes U+FFFD rather than failing the block; the unit
    separator byte (used as the CSV separator) is replaced likewise; a CR
    before the newline and a byte-order mark starting a line are dropped.
    ``expected`` is the number of lines in ``data`` when already known; if
    the reader's count ever differed, the block would be split again by a
    plain (slower) splitter, so that no line is lost or invented.

    >>> lines_frame(b"a\\r\\n\\nb\\xff").to_series().to_list()
    ['a', None, 'b�']
    """
    if not data:
        return pl.DataFrame(schema={"line": pl.String})
    if expected is None:
        expected = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if _looks_compressed(data):
        return _split_lines(data)
    df = pl.read_csv(io.BytesIO(_clean(data)), raise_if_empty=False, **_CSV)
    if df.height != expected:  # a safety net: never seen, but the accounting depends on it
        df = _split_lines(data)
    return df


#: How polars reads a block into lines: one column, no quoting, bad UTF-8 replaced.
_CSV: dict[str, Any] = {
    "has_header": False,
    "separator": "\x1f",
    "quote_char": None,
    "schema": {"line": pl.String},
    "encoding": "utf8-lossy",
    "truncate_ragged_lines": True,
}


def _clean(data: bytes) -> bytes:
    """The block as the CSV reader should see it (see :func:`lines_frame`)."""
    if b"\x1f" in data:
        data = data.replace(b"\x1f", "\ufffd".encode())
    if _bom_at_line_start(data):
        # The reader drops a BOM that starts the data: drop it at every line start,
        # so that where a block starts changes nothing.
        data = data.replace(b"\n" + _BOM, b"\n")
    return data


#: Bytes 0xEF (a BOM's first) :func:`_bom_at_line_start` looks at one by one
#: before it searches for the BOM itself.
_BOM_LOOKS = 32


def _bom_at_line_start(data: bytes) -> bool:
    """Whether a line after the first starts with a byte-order mark.

    Each 0xEF byte is found with ``find`` (memchr, at memory speed) and looked
    at; a search for the 4 bytes themselves costs about as much as reading a
    12 MiB block into lines, so it is made only past :data:`_BOM_LOOKS` of them
    (text with many characters from U+F000, such as full-width forms).

    >>> _bom_at_line_start(b"a\\n" + _BOM + b"b\\n"), _bom_at_line_start(_BOM + b"a\\n\\xef\\n")
    (True, False)
    """
    i = data.find(b"\xef", 1)
    for _ in range(_BOM_LOOKS):
        if i < 0:
            return False
        if data[i - 1] == 0x0A and data.startswith(_BOM, i):
            return True
        i = data.find(b"\xef", i + 1)
    return i >= 0 and b"\n" + _BOM in data


def _looks_compressed(data: bytes) -> bool:
    """Whether polars' CSV reader would take the block for compressed data and
    inflate it: a zlib header (RFC 1950: ``x^``, ``x\\x9c``, ... are text too) or
    zstd's magic number. (gzip's starts with the unit separator, which
    :func:`_clean` replaces.) Such a block is split by :func:`_split_lines`.

    >>> _looks_compressed(b"x^[01/Jan/2000:00:00:00 +0000] 200\\n"), _looks_compressed(b"xyz\\n")
    (True, False)
    """
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return True
    return len(data) >= 2 and data[0] == 0x78 and (0x7800 | data[1]) % 31 == 0  # 32 KiB window


def _split_lines(data: bytes) -> pl.DataFrame:
    """The slow, obviously right splitter :func:`lines_frame` falls back on."""
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    lines = [
        (p[:-1] if p.endswith(b"\r") else p)
        .removeprefix(_BOM)
        .replace(b"\x1f", "\ufffd".encode())
        .decode("utf-8", "replace")
        or None
        for p in parts
    ]
    return pl.DataFrame({"line": lines}, schema={"line": pl.String})
