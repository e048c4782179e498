r"""A named format followed by trailing fields: ``combined`` plus ``$request_time``,
``"$http_x_forwarded_for"``, ``$host``… — the most common real-world layout.

Autodetection only (a format the user names is matched strictly): when the
sample's lines start like ``vhost_combined``, ``combined`` or ``common`` and go on
with N more fields (quoted or bare, the same shape on most lines), the format
is that one followed by ``extra_1`` … ``extra_N``; a bare extra whose sample
values are all numbers (or ``-``) is a number (Float64), the others text. The
format's label is the Apache ``LogFormat`` string that reads the same fields
(extras as ``%{extra_1}e``), for the user to name them.

Examples
--------
>>> import polars as pl
>>> line = '192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 5 "-" "curl/8" 0.042 "203.0.113.9"'
>>> n, fmt = detect_trailing(pl.Series([line] * 3))
>>> n, fmt.name, [(f.column, f.kind) for f in fmt.fields][-2:]
(3, 'combined+2', [('extra_1', 'number'), ('extra_2', 'text')])
>>> fmt.label
'%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %{extra_1}e "%{extra_2}e"'
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import polars as pl

from httplog.formats.base import LogFormat
from httplog.formats.kinds import KINDS, QUOTED, WORD
from httplog.formats.named import NAMED, compile_format

#: Named formats that may be followed by trailing fields, richest first.
BASES = ("vhost_combined", "combined", "common")

_EXTRA = rf'(?:"{QUOTED}"|[^\x00-\x20"][^\x00-\x20]*)'
_TOKEN = re.compile(r' ("(?:[^"\\]|\\.)*"|[^ "]\S*)')
_NUMBER = re.compile(r"-|-?[0-9]+(?:\.[0-9]+)?")
_SUFFIX = r"[ \t\r]*$"


def detect_trailing(lines: pl.Series) -> tuple[int, LogFormat] | None:
    """(lines that fit, format) of the best "named format + N fields" for a sample."""
    best: tuple[int, LogFormat] | None = None
    for base in BASES:
        prefix = compile_format(base).pattern.removesuffix(_SUFFIX)
        rests = lines.str.extract_groups(f"{prefix}(?<_rest>(?: {_EXTRA})+){_SUFFIX}")
        rest = [r for r in rests.struct.field("_rest").to_list() if r]
        if not rest:
            continue
        tokens = [_TOKEN.findall(r) for r in rest]
        shapes = Counter(tuple(t.startswith('"') for t in ts) for ts in tokens)
        shape, n = max(shapes.items(), key=lambda kv: (kv[1], -len(kv[0])))
        if best is not None and n <= best[0]:
            continue
        values = [ts for ts in tokens if tuple(t.startswith('"') for t in ts) == shape]
        numeric = [
            not quoted
            and all(_NUMBER.fullmatch(v[i]) for v in values)
            and any(v[i] != "-" for v in values)
            for i, quoted in enumerate(shape)
        ]
        best = (n, _compile(base, shape, numeric))
    return best


def _compile(base: str, shape: tuple[bool, ...], numeric: list[bool]) -> LogFormat:
    extras = "".join(
        f' "%{{extra_{i}}}e"' if quoted else f" %{{extra_{i}}}e"
        for i, quoted in enumerate(shape, 1)
    )
    fmt = compile_format(NAMED[base][1] + extras)
    pattern, fields = fmt.pattern, list(fmt.fields)
    for i, f in enumerate(fields):
        k = f.column.removeprefix("extra_")
        if f.column.startswith("extra_") and k.isdigit() and numeric[int(k) - 1]:
            pattern = pattern.replace(
                f"(?<{f.group}>{WORD})", f"(?<{f.group}>{KINDS['number'].regex})"
            )
            fields[i] = replace(f, kind="number")
    return replace(fmt, name=f"{base}+{len(shape)}", pattern=pattern, fields=tuple(fields))


def describe(fmt: LogFormat) -> str | None:
    """``combined + 2 trailing fields`` for such a format (None for another).

    >>> describe(LogFormat("common+1", "…", "apache", "")), describe(compile_format("common"))
    ('common + 1 trailing field', None)
    """
    m = re.fullmatch(r"(\w+)\+(\d+)", fmt.name)
    if not m:
        return None
    n = int(m[2])
    return f"{m[1]} + {n} trailing field{'s' if n > 1 else ''}"
