r"""The shape every format compiles to: one regular expression plus typed fields.

A :class:`LogFormat` says how to cut a line into named fields and how each
field becomes columns of the parsed frame: each :class:`Field` has a *kind*,
looked up in :data:`httplog.formats.kinds.KINDS`. Named formats, nginx
``log_format`` and Apache ``LogFormat`` strings, JSON lines and the load
balancer, CDN and proxy formats all compile to this one shape, so the parser
has a single code path. :class:`Builder` assembles a format from literals and
fields, in order.

The regex runs on polars' regex engine (Rust's ``regex`` crate), whose dialect
differs from Python's ``re``: there ``\<`` and ``\>`` are word boundaries, so
:func:`escape` backslashes only the characters that engine treats as syntax.

Examples
--------
>>> escape("-> <<")
'\\-> <<'
>>> b = Builder()
>>> b.add("remote_addr", "text", field_regex("text", quoted=False))
>>> b.literal(" [")
>>> b.add("time", "time_local", field_regex("time_local", quoted=False))
>>> b.literal("] ")
>>> b.add("status", "status", field_regex("status", quoted=False))
>>> fmt = b.build("custom", "…", "nginx")
>>> fmt.columns
['remote_addr', 'time', 'status']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from httplog.errors import FormatError
from httplog.formats.kinds import KINDS, LIST, QUOTED, UP_TO_LITERAL, WORD, columns_of


@dataclass(frozen=True)
class Field:
    """One field of a format: where it sits in the regex and what columns it feeds.

    ``group`` names its regex group (``g0``, ``g1``…; for JSON, its key or
    JSONPath); ``kind`` says what it matches and becomes (see
    :data:`~httplog.formats.kinds.KINDS`); ``arg`` is the kind's argument (a
    strftime format, an epoch unit); ``quoted`` fields sit between double
    quotes; ``optional`` ones may be missing from a line (trailing fields
    added to a format over the years).
    """

    group: str
    column: str
    kind: str
    arg: str | None = None
    quoted: bool = False
    optional: bool = False


@dataclass(frozen=True)
class LogFormat:
    """A compiled log format.

    Attributes
    ----------
    name:
        A named format (see :data:`httplog.formats.NAMES`), ``custom``, or
        ``combined+2`` and the like (a named format followed by trailing fields).
    string:
        The format string it was compiled from (``None`` for the named JSON
        and fixed-layout formats).
    syntax:
        ``nginx``, ``apache``, ``json``, ``w3c`` (a layout from ``#Fields:``
        directives, which may change within a file) or ``regex`` (a fixed layout).
    pattern:
        The regular expression (regex formats): anchored at both ends, one
        named group per field (``g0``, ``g1``, …). A line matches exactly when
        its first field that is not ``optional`` has a value.
    fields:
        The fields in the order of their groups (regex) or keys (JSON).
    escapes:
        The server's escaping of values (see :mod:`httplog.formats.escapes`).
    directive:
        A regex for lines that are directives, not requests (W3C's ``#``
        lines, a CSV header): counted apart, neither parsed nor rejected.
    """

    name: str
    string: str | None
    syntax: str
    pattern: str
    fields: tuple[Field, ...] = field(default_factory=tuple)
    escapes: str = "none"
    directive: str | None = None

    @property
    def columns(self) -> list[str]:
        """Columns of the parsed frame this format produces (besides ``source``)."""
        cols: list[str] = []
        for f in self.fields:
            cols.extend(columns_of(f))
        return list(dict.fromkeys(cols))

    @property
    def label(self) -> str:
        """How the format is named to users, and what :func:`~httplog.formats.compile_format`
        reads back: its name, or the string of a custom one."""
        from httplog.formats.named import NAMES

        if self.name in NAMES or not self.string:
            return self.name
        return self.string


# --------------------------------------------------------------- escaping

#: What the Rust ``regex`` crate treats as syntax outside a class. Anything
#: else is itself, and escaping it may change its meaning (``\<`` is a word
#: boundary there).
_META = set("\\.+*?()|[]{}^$#&-~")
#: ... and inside a class.
_CLASS_META = set("\\]^-[&~")


def escape(text: str) -> str:
    """Escape a literal for polars' (Rust) regex: only its syntax characters get a backslash.

    >>> escape("$x [a.b] <%P>")
    '\\\\$x \\\\[a\\\\.b\\\\] <%P>'
    """
    return "".join("\\" + c if c in _META else c for c in text)


def class_escape(c: str) -> str:
    """One character as a member of a regex class (``[^…]``)."""
    return "\\" + c if c in _CLASS_META else c


def field_regex(kind: str, *, quoted: bool, stop: str = "", after: str | None = None) -> str:
    """The regex for one field, given its surroundings.

    A quoted field may hold anything but an unescaped quote. An unquoted
    text-like field stops at a space, and also at ``stop``, the first
    character of the literal that follows it when that is not a space
    (``%v:%p``: the host stops at ``:``). A list-like field (a header,
    ``$upstream_addr``) reaches up to ``after``, the literal that follows it,
    when that literal holds more than blanks; else it is a list of words
    joined by ``, `` or `` : ``. Staying greedy and unambiguous where it can
    keeps the line regex one-pass.

    >>> field_regex("text", quoted=False, stop=":")
    '[^\\\\x00-\\\\x20:]*'
    >>> field_regex("status", quoted=False)
    '-|[0-9]+'
    >>> field_regex("list", quoted=False, after=" [")
    '[^\\\\x00-\\\\x1f]*?'
    """
    kind_ = KINDS[kind]
    if quoted and kind_.text:
        return QUOTED
    rx = kind_.regex
    if rx == LIST and after is not None and after.strip(" \t"):
        return UP_TO_LITERAL
    if rx == WORD and stop and not stop.isspace():
        return r"[^\x00-\x20" + class_escape(stop) + "]*"
    return rx


def field_classes(kind: str, arg: str | None = None) -> tuple[str, str]:
    """(first, tail) character classes of a field (see :mod:`httplog.formats.kinds`)."""
    if kind == "time_strftime":
        return strftime_classes(arg or "")
    k = KINDS[kind]
    return k.first, k.tail


#: A few characters of every kind, to tell whether two classes share one.
_ALPHABET = [chr(c) for c in range(0x20, 0x7F)] + ["\t", "é", "中", "😀"]


def separable(tail: str, first: str) -> bool:
    """Whether a value ending where a class ``tail`` could extend it can be told
    apart from a following value starting with ``first``: they share no character.

    >>> separable("[0-9]", "[+-]"), separable("[0-9.]", "[-0-9]"), separable("", "[0-9]")
    (True, False, True)
    """
    if not tail or not first:
        return True
    return not any(re.fullmatch(tail, c) and re.fullmatch(first, c) for c in _ALPHABET)


# --------------------------------------------------------------- strftime

#: strftime conversions → (regex, first characters, characters extending it).
_STRFTIME: dict[str, tuple[str, str, str]] = {
    "Y": (r"[0-9]{4}", "[0-9]", ""),
    "y": (r"[0-9]{2}", "[0-9]", ""),
    "m": (r"[0-9]{2}", "[0-9]", ""),
    "d": (r"[0-9]{2}", "[0-9]", ""),
    "e": (r" ?[0-9]{1,2}", "[ 0-9]", "[0-9]"),
    "H": (r"[0-9]{2}", "[0-9]", ""),
    "I": (r"[0-9]{2}", "[0-9]", ""),
    "M": (r"[0-9]{2}", "[0-9]", ""),
    "S": (r"[0-9]{2}", "[0-9]", ""),
    "j": (r"[0-9]{3}", "[0-9]", ""),
    "f": (r"[0-9]+", "[0-9]", "[0-9]"),
    "b": (r"[A-Za-z]{3}", "[A-Za-z]", ""),
    "h": (r"[A-Za-z]{3}", "[A-Za-z]", ""),
    "B": (r"[A-Za-z]+", "[A-Za-z]", "[A-Za-z]"),
    "a": (r"[A-Za-z]{3}", "[A-Za-z]", ""),
    "A": (r"[A-Za-z]+", "[A-Za-z]", "[A-Za-z]"),
    "p": (r"[AaPp][Mm]", "[AaPp]", ""),
    "z": (r"[+-][0-9]{2}:?[0-9]{2}", "[+-]", ""),
    "Z": (r"[A-Za-z]+", "[A-Za-z]", "[A-Za-z]"),
    "T": (r"[0-9]{2}:[0-9]{2}:[0-9]{2}", "[0-9]", ""),
    "R": (r"[0-9]{2}:[0-9]{2}", "[0-9]", ""),
    "D": (r"[0-9]{2}/[0-9]{2}/[0-9]{2}", "[0-9]", ""),
    "F": (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "[0-9]", ""),
    "s": (r"[0-9]+", "[0-9]", "[0-9]"),
    "%": ("%", "%", ""),
}


def _strftime_pieces(fmt: str) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and fmt[i + 1 : i + 3] in ("3f", "6f", "9f"):
            n = fmt[i + 1]
            out.append((f"[0-9]{{{n}}}", "[0-9]", ""))
            i += 3
        elif c == "%" and i + 1 < len(fmt):
            conv = fmt[i + 1]
            if conv not in _STRFTIME:
                msg = f"unsupported strftime conversion %{conv} in time format {fmt!r}"
                raise FormatError(msg)
            out.append(_STRFTIME[conv])
            i += 2
        else:
            out.append((escape(c), "[" + class_escape(c) + "]", ""))
            i += 1
    return out


def strftime_regex(fmt: str) -> str:
    """A regex matching what ``strftime(fmt)`` writes; an unknown conversion is an error.

    >>> strftime_regex("%Y%m%d")
    '[0-9]{4}[0-9]{2}[0-9]{2}'
    >>> strftime_regex("%Q")
    Traceback (most recent call last):
    ...
    httplog.errors.FormatError: unsupported strftime conversion %Q in time format '%Q'
    """
    return "".join(p[0] for p in _strftime_pieces(fmt))


def strftime_classes(fmt: str) -> tuple[str, str]:
    """(first, tail) classes of what ``strftime(fmt)`` writes.

    >>> strftime_classes("%z"), strftime_classes("%d/%b/%Y %H:%M:%S.%f")
    (('[+-]', ''), ('[0-9]', '[0-9]'))
    """
    pieces = _strftime_pieces(fmt)
    if not pieces:
        return "", ""
    return pieces[0][1], pieces[-1][2]


# ---------------------------------------------------------------- builder


class Builder:
    """Assembles a regex and field list from literals and fields, in order."""

    def __init__(self) -> None:
        self.parts: list[str] = ["^"]
        self.fields: list[Field] = []
        self.taken: set[str] = set()
        self._optional = 0

    def literal(self, text: str) -> None:
        self.parts.append(escape(text))

    def raw(self, regex: str) -> None:
        """A piece of regex that feeds no column (``$is_args``)."""
        self.parts.append(regex)

    def begin_optional(self) -> None:
        """What follows, up to :meth:`end_optional`, may be missing from a line."""
        self.parts.append("(?:")
        self._optional += 1

    def end_optional(self) -> None:
        self.parts.append(")?")
        self._optional -= 1

    def add(
        self, column: str, kind: str, regex: str, arg: str | None = None, *, quoted: bool = False
    ) -> None:
        """Append a field; a column already fed by an earlier field gets another name.

        A field of a kind with fixed columns whose main column is taken (a
        second request line) is kept as text under its own name.
        """
        group = f"g{len(self.fields)}"
        primary = KINDS[kind].primary
        if primary is not None and primary in self.taken:
            kind = "raw"
        if KINDS[kind].columns is None and column in self.taken:
            column = _unique(column, self.taken)
        f = Field(group, column, kind, arg, quoted, self._optional > 0)
        self.taken.update(columns_of(f))
        self.fields.append(f)
        self.parts.append(f"(?<{group}>{regex})")

    def build(
        self,
        name: str,
        string: str,
        syntax: str,
        *,
        escapes: str = "none",
        directive: str | None = None,
        more: str = "",
        require: bool = True,
    ) -> LogFormat:
        """The format. ``more``: a regex for further fields that may follow (formats
        that grow at their end, see :data:`MORE_FIELDS`); ``require``: the format
        must give a time and a status."""
        if require:
            for col in ("status", "time"):
                if col not in self.taken:
                    msg = f"format has no {col} field: {string!r}"
                    raise FormatError(msg)
        # Trailing blanks (and a CR the line splitter left) are not part of the format.
        pattern = "".join(self.parts) + more + r"[ \t\r]*$"
        return LogFormat(name, string, syntax, pattern, tuple(self.fields), escapes, directive)


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


@dataclass(frozen=True)
class F:
    """A field of a fixed layout (see :func:`layout`): its column and kind, where it
    sits (``q`` between double quotes, ``b`` between brackets, ``""`` bare) and,
    when the kind's own regex won't do, the regex it matches."""

    column: str
    kind: str
    pos: str = ""
    regex: str | None = None
    arg: str | None = None


#: Markers in a layout: what lies between them may be missing from a line.
OPEN, CLOSE = "\x00(", "\x00)"
#: Regex of further fields a format may grow at its end, separated by blanks.
MORE_FIELDS = r"(?:[ \t][^\x00-\x08\x0a-\x1f]*)?"


def spaced(*pieces: F | str | list[F | str]) -> list[F | str]:
    """Pieces of a :func:`layout` with a space between each two; a list is a run of
    pieces of its own, kept as it is.

    >>> p = spaced(F("status", "status"), [F("bytes", "uint"), ",", F("path", "text")])
    >>> [x if isinstance(x, str) else x.column for x in p]
    ['status', ' ', 'bytes', ',', 'path']
    """
    out: list[F | str] = []
    for piece in pieces:
        if out:
            out.append(" ")
        out.extend(piece if isinstance(piece, list) else [piece])
    return out


def layout(
    name: str,
    pieces: list[F | str],
    *,
    syntax: str = "regex",
    escapes: str = "none",
    sep: str = " ",
    directive: str | None = None,
    more: str = "",
    string: str | None = None,
    require: bool = True,
) -> LogFormat:
    """A format of fixed layout from literal strings and :class:`F` fields, in order.

    >>> fmt = layout(
    ...     "x", [F("time", "time_iso"), " ", F("status", "status"), " ", F("path", "text", "q")]
    ... )
    >>> fmt.pattern[:12], fmt.columns
    ('^(?<g0>[0-9]', ['time', 'status', 'path'])
    """
    b = Builder()
    for p in pieces:
        if p == OPEN:
            b.begin_optional()
        elif p == CLOSE:
            b.end_optional()
        elif isinstance(p, str):
            b.literal(p)
        elif p.pos == "q":
            b.literal('"')
            b.add(p.column, p.kind, p.regex or field_regex(p.kind, quoted=True), p.arg, quoted=True)
            b.literal('"')
        elif p.pos == "b":
            b.literal("[")
            b.add(p.column, p.kind, p.regex or field_regex(p.kind, quoted=False, stop="]"), p.arg)
            b.literal("]")
        else:
            rx = p.regex or field_regex(p.kind, quoted=False, stop=sep)
            b.add(p.column, p.kind, rx, p.arg)
    return b.build(
        name,
        string if string is not None else name,
        syntax,
        escapes=escapes,
        directive=directive,
        more=more,
        require=require,
    )
