"""Log formats: a compiled format is one regular expression plus typed fields.

A :class:`LogFormat` says how to cut a line into named fields and how each
field becomes a column of the parsed frame (see :mod:`httplog.schema`). Named
formats, nginx ``log_format`` strings, Apache ``LogFormat`` strings and JSON
lines all compile to this one shape, so the parser has a single code path.

Examples
--------
>>> fmt = resolve("combined")
>>> fmt.name, [f.column for f in fmt.fields][:4]
('combined', ['remote_addr', 'remote_logname', 'remote_user', 'time'])
>>> resolve('$remote_addr [$time_local] "$request" $status').name
'custom'
>>> resolve("json:ts=time,code=status").fields[1]
Field(group='code', column='status', kind='status', arg=None, quoted=False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from httplog.errors import FormatError

#: Regex for a value between double quotes; backslash escapes (Apache's ``\\"``
#: and ``\\\\``) are allowed. Written without alternation ("unrolled") so that
#: the line regex stays one-pass: polars then extracts the groups on the
#: regex crate's fastest capture engine. No field holds a raw control
#: character: nginx and Apache escape them, so a line that has one is corrupt
#: (a run of NULs left by a crash, binary junk) and is rejected as ``binary``.
QUOTED = r'[^"\\\x00-\x1f]*(?:\\[^\x00-\x1f][^"\\\x00-\x1f]*)*'
#: Regex for an unquoted word: no space, no control character.
WORD = r"[^\x00-\x20]*"


@dataclass(frozen=True)
class Field:
    """One field of a format: where it sits in the regex and what column it feeds.

    ``kind`` selects both the regex used in an unquoted position and the
    conversion to a typed column (see :mod:`httplog.parse`):

    ``text`` (``-`` is null), ``raw`` (kept as written), ``time_local``,
    ``time_iso``, ``time_epoch``, ``time_strftime`` (``arg`` holds the format),
    ``time_any`` (JSON: ISO 8601, ``time_local`` or epoch seconds),
    ``request`` (split into method, path, query, protocol), ``uri`` (path and
    query), ``query``, ``status``, ``uint``, ``seconds``, ``millis``,
    ``micros``, ``upstream_seconds`` (nginx lists summed), ``upstream_list``.
    ``quoted`` fields sit between double quotes and get Apache's ``\\"`` and
    ``\\\\`` escapes undone.
    """

    group: str
    column: str
    kind: str
    arg: str | None = None
    quoted: bool = False


@dataclass(frozen=True)
class LogFormat:
    """A compiled log format.

    Attributes
    ----------
    name:
        ``combined``, ``common``, ``vhost_combined``, ``nginx``, ``main``, ``json``
        or ``custom``.
    string:
        The format string it was compiled from (``None`` for named JSON).
    syntax:
        ``nginx``, ``apache`` or ``json``.
    pattern:
        The regular expression (regex formats): anchored at both ends, one
        named group per field (``g0``, ``g1``, …) and no optional group, so a
        line matches exactly when its first group is not null.
    fields:
        The fields in the order of their groups (regex) or keys (JSON).
    """

    name: str
    string: str | None
    syntax: str
    pattern: str
    fields: tuple[Field, ...] = field(default_factory=tuple)

    @property
    def columns(self) -> list[str]:
        """Columns of the parsed frame this format produces (besides ``source``)."""
        cols: list[str] = []
        for f in self.fields:
            cols.extend(_columns_of(f))
        return list(dict.fromkeys(cols))

    @property
    def label(self) -> str:
        """How the format is named to users: its name, or the string of a custom one."""
        return self.string if self.name == "custom" and self.string else self.name


def _columns_of(f: Field) -> list[str]:
    if f.kind == "request":
        return ["method", "path", "query", "protocol"]
    if f.kind == "uri":
        return ["path", "query"]
    return [f.column]


# Regexes for fields in an unquoted position, by kind. None of them may be
# optional as a whole (see LogFormat.pattern).
UNQUOTED = {
    "text": WORD,
    "raw": WORD,
    "time_local": r"[0-9]{1,2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}",
    "time_iso": r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?",
    "time_epoch": r"[0-9]+(?:\.[0-9]+)?",
    "status": r"-|[0-9]+",
    "uint": r"-|[0-9]+",
    "seconds": r"-|[0-9]+(?:\.[0-9]+)?",
    "millis": r"-|[0-9]+(?:\.[0-9]+)?",
    "micros": r"-|[0-9]+",
    "upstream_seconds": r"[^\x00-\x20,]+(?:(?:, | : )[^\x00-\x20,]+)*",
    "upstream_list": r"[^\x00-\x20,]+(?:(?:, | : )[^\x00-\x20,]+)*",
    "request": WORD,
    "uri": WORD,
    "query": WORD,
}


def field_regex(kind: str, *, quoted: bool, stop: str = "") -> str:
    """The regex for one field, given its surroundings.

    A quoted field may hold anything but an unescaped quote. An unquoted
    text-like field stops at a space, and also at ``stop``, the first
    character of the literal that follows it when that is not a space
    (``%v:%p``: the host stops at ``:``). Staying greedy and unambiguous keeps
    the line regex one-pass.

    >>> field_regex("text", quoted=False, stop=":")
    '[^\\\\x00-\\\\x20:]*'
    >>> field_regex("status", quoted=False)
    '-|[0-9]+'
    """
    if quoted and kind in ("text", "raw", "request", "uri", "query", "upstream_list"):
        return QUOTED
    rx = UNQUOTED[kind]
    if rx == WORD and stop and not stop.isspace():
        return r"[^\x00-\x20" + re.escape(stop) + "]*"
    return rx


#: strftime conversions → regex, for Apache's ``%{format}t``.
_STRFTIME = {
    "Y": r"[0-9]{4}",
    "y": r"[0-9]{2}",
    "m": r"[0-9]{2}",
    "d": r"[0-9]{2}",
    "e": r" ?[0-9]{1,2}",
    "H": r"[0-9]{2}",
    "I": r"[0-9]{2}",
    "M": r"[0-9]{2}",
    "S": r"[0-9]{2}",
    "j": r"[0-9]{3}",
    "f": r"[0-9]+",
    "b": r"[A-Za-z]{3}",
    "h": r"[A-Za-z]{3}",
    "B": r"[A-Za-z]+",
    "a": r"[A-Za-z]{3}",
    "A": r"[A-Za-z]+",
    "p": r"[AaPp][Mm]",
    "z": r"[+-][0-9]{2}:?[0-9]{2}",
    "Z": r"[A-Za-z]+",
    "T": r"[0-9]{2}:[0-9]{2}:[0-9]{2}",
    "R": r"[0-9]{2}:[0-9]{2}",
    "D": r"[0-9]{2}/[0-9]{2}/[0-9]{2}",
    "F": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "s": r"[0-9]+",
    "%": "%",
}


def strftime_regex(fmt: str) -> str:
    """A regex matching what ``strftime(fmt)`` writes; an unknown conversion is an error.

    >>> strftime_regex("%Y%m%d")
    '[0-9]{4}[0-9]{2}[0-9]{2}'
    >>> strftime_regex("%Q")
    Traceback (most recent call last):
    ...
    httplog.errors.FormatError: unsupported strftime conversion %Q in time format '%Q'
    """
    out: list[str] = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            conv = fmt[i + 1]
            if conv not in _STRFTIME:
                msg = f"unsupported strftime conversion %{conv} in time format {fmt!r}"
                raise FormatError(msg)
            out.append(_STRFTIME[conv])
            i += 2
        else:
            out.append(escape(c))
            i += 1
    return "".join(out)


class _Builder:
    """Assembles a regex and field list from literals and fields, in order."""

    def __init__(self) -> None:
        self.parts: list[str] = ["^"]
        self.fields: list[Field] = []
        self.taken: set[str] = set()

    def literal(self, text: str) -> None:
        self.parts.append(escape(text))

    def raw(self, regex: str) -> None:
        """A piece of regex that feeds no column (``$is_args``)."""
        self.parts.append(regex)

    def add(
        self, column: str, kind: str, regex: str, arg: str | None = None, *, quoted: bool = False
    ) -> None:
        """Append a field; a column already fed by an earlier field gets another name."""
        group = f"g{len(self.fields)}"
        if kind in ("request", "uri") and "path" in self.taken:
            kind = "raw"
        if kind not in ("request", "uri") and column in self.taken:
            column = _unique(column, self.taken)
        f = Field(group, column, kind, arg, quoted)
        self.taken.update(_columns_of(f))
        self.fields.append(f)
        self.parts.append(f"(?<{group}>{regex})")

    def build(self, name: str, string: str, syntax: str) -> LogFormat:
        if not any(f.column == "status" for f in self.fields):
            msg = f"format has no status field: {string!r}"
            raise FormatError(msg)
        if not any(f.column == "time" for f in self.fields):
            msg = f"format has no time field: {string!r}"
            raise FormatError(msg)
        # Trailing blanks (and a CR the line splitter left) are not part of the format.
        pattern = "".join(self.parts) + r"[ \t\r]*$"
        return LogFormat(name, string, syntax, pattern, tuple(self.fields))


def escape(text: str) -> str:
    """Escape a literal for the regex: ASCII punctuation gets a backslash."""
    return "".join("\\" + c if c.isascii() and not c.isalnum() and c != " " else c for c in text)


def _unique(column: str, taken: set[str]) -> str:
    """A free column name for a second field wanting the same column."""
    alt = {"bytes": "bytes_sent", "host": "server_name", "remote_addr": "client_addr"}
    cand = alt.get(column, column)
    n = 2
    base = cand
    while cand in taken:
        cand = f"{base}_{n}"
        n += 1
    return cand


# The named formats, as the strings the servers' own configurations use.
NAMED: dict[str, tuple[str, str]] = {
    "common": ("apache", '%h %l %u %t "%r" %>s %b'),
    "combined": ("apache", '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"'),
    "vhost_combined": (
        "apache",
        '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"',
    ),
    "nginx": (
        "nginx",
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent"',
    ),
    "main": (
        "nginx",
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" "$http_x_forwarded_for"',
    ),
}

#: Names accepted by :func:`resolve`, in the order autodetection prefers on a tie.
NAMES: tuple[str, ...] = ("main", "vhost_combined", "combined", "nginx", "common", "json")


def resolve(spec: str | LogFormat, *, json_keys: dict[str, str] | None = None) -> LogFormat:
    """Turn a format name or string into a :class:`LogFormat`.

    ``spec`` is a named format (see :data:`NAMES`), ``json:KEY=COLUMN,…``
    (JSON lines with a key mapping), an nginx ``log_format`` string (it has
    ``$variables``), or an Apache ``LogFormat`` string (it has ``%``
    directives). ``json_keys`` maps JSON keys to columns for ``json``.

    >>> resolve("common").string
    '%h %l %u %t "%r" %>s %b'
    >>> resolve("bogus")
    Traceback (most recent call last):
    ...
    httplog.errors.FormatError: unknown log format 'bogus': not a named format (main, vhost_combined, combined, nginx, common, json) nor an nginx ($var) or Apache (%x) format string
    """
    from httplog.formats import apache, jsonl, nginx

    if isinstance(spec, LogFormat):
        return spec
    if not isinstance(spec, str):
        msg = f"a log format is a name or a format string, not {type(spec).__name__}"
        raise FormatError(msg)
    if spec == "json":
        return jsonl.compile_json(json_keys)
    if spec.startswith("json:"):
        return jsonl.compile_json(jsonl.parse_mapping(spec[5:]))
    if spec in NAMED:
        syntax, string = NAMED[spec]
        compiler = nginx.compile_nginx if syntax == "nginx" else apache.compile_apache
        fmt = compiler(string)
        return LogFormat(spec, string, syntax, fmt.pattern, fmt.fields)
    if "$" in spec:
        return nginx.compile_nginx(spec)
    if "%" in spec:
        return apache.compile_apache(spec)
    names = ", ".join(NAMES)
    msg = (
        f"unknown log format {spec!r}: not a named format ({names}) "
        "nor an nginx ($var) or Apache (%x) format string"
    )
    raise FormatError(msg)
