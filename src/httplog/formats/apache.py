r"""Apache ``LogFormat`` strings → :class:`~httplog.formats.LogFormat`.

Apache writes ``"`` and ``\`` in a value as ``\"`` and ``\\``, and control
characters and bytes outside printable ASCII as ``\xhh``: httplog undoes the
first two, turns runs of ``\xhh`` that form UTF-8 into their characters, and
keeps control characters as written (see :mod:`httplog.formats.escapes`).
Request and response headers (``%{…}i``, ``%{…}o``) may hold lists: left
unquoted, they reach up to the next literal of the format. Two directives
with nothing between them (``%{msec_frac}t%{%z}t``) compile when their values
can be told apart by the characters they hold.

Examples
--------
>>> fmt = compile_apache(r"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\" %D")
>>> [f.column for f in fmt.fields][-3:]
['referer', 'user_agent', 'request_time']
>>> compile_apache("%h %t %Z %>s")
Traceback (most recent call last):
...
httplog.errors.FormatError: unknown Apache LogFormat directive %Z in '%h %t %Z %>s'
"""

from __future__ import annotations

import re

from httplog.errors import FormatError
from httplog.formats.base import (
    Builder,
    LogFormat,
    field_classes,
    field_regex,
    separable,
    strftime_regex,
)

#: Directive letter → (column, kind), for directives without a {argument}.
DIRECTIVES: dict[str, tuple[str, str]] = {
    "h": ("remote_addr", "addr"),
    "a": ("remote_addr", "addr"),
    "A": ("local_addr", "addr"),
    "l": ("remote_logname", "text"),
    "u": ("remote_user", "text"),
    "t": ("time", "time_local"),
    "r": ("request", "request"),
    "m": ("method", "text"),
    "U": ("path", "text"),
    "q": ("query", "query"),
    "H": ("protocol", "text"),
    "s": ("status", "status"),
    "b": ("bytes", "uint"),
    "B": ("bytes", "uint"),
    "O": ("bytes_sent", "uint"),
    "I": ("request_length", "uint"),
    "S": ("bytes_transferred", "uint"),
    "D": ("request_time", "micros"),
    "T": ("request_time", "seconds"),
    "v": ("host", "text"),
    "V": ("host", "text"),
    "p": ("server_port", "uint"),
    "k": ("keepalive", "uint"),
    "L": ("log_id", "text"),
    "P": ("pid", "text"),
    "R": ("handler", "text"),
    "X": ("connection_status", "text"),
    "f": ("filename", "text"),
}

#: Request headers (lower-case) with a column of their own.
HEADERS = {
    "referer": "referer",
    "user-agent": "user_agent",
    "x-forwarded-for": "x_forwarded_for",
    "host": "host",
}
#: Response headers (``%{…}o``) with a column of their own; the others are ``sent_http_<name>``.
RESPONSE_HEADERS = {"content-type": "content_type"}

_DIRECTIVE = re.compile(r"%[<>]?!?(?:\d{3}(?:,\d{3})*)?(?:\{([^}]*)\})?([<>]?)([a-zA-Z%])")


def compile_apache(string: str) -> LogFormat:
    """Compile an Apache ``LogFormat`` string (``\\"`` as in httpd.conf is accepted).

    A whole ``LogFormat "…" nickname`` line pasted from httpd.conf works too.
    """
    string = _unwrap(string)
    pieces = _merge_times(_pieces(string))
    b = Builder()
    # %O feeds `bytes` only when neither %b nor %B is there.
    letters = {p[2] for p in pieces if p[0] is None}
    prev_field: tuple[str, str | None, str] | None = None
    for i, (lit, arg, letter) in enumerate(pieces):
        if lit is not None:
            b.literal(lit)
            prev_field = None
            continue
        assert letter is not None
        column, kind, targ = _directive(arg, letter, string, letters)
        spelled = _spelled(arg, letter, string, i, pieces)
        if prev_field is not None:
            _check_adjacent(prev_field, (kind, targ, spelled), string)
        prev_field = (kind, targ, spelled)
        prev = pieces[i - 1] if i > 0 else (None, None, None)
        nxt = pieces[i + 1] if i + 1 < len(pieces) else (None, None, None)
        before, after = prev[0] or "", nxt[0] or ""
        quoted = before.endswith('"') and after.startswith('"')
        if kind == "time_local" and arg is None:
            # %t writes its own brackets: [10/Oct/2000:13:55:36 -0700]
            b.literal("[")
            b.add(column, kind, field_regex(kind, quoted=False))
            b.literal("]")
            prev_field = None
            continue
        if kind == "time_strftime":
            b.add(column, kind, strftime_regex(targ or ""), targ, quoted=quoted)
            continue
        stop = "?" if nxt[2] == "q" else after[:1]
        rx = field_regex(kind, quoted=quoted, stop=stop, after=nxt[0])
        b.add(column, kind, rx, targ, quoted=quoted)
    return b.build("custom", string, "apache", escapes="apache")


_FRACTIONS = {"msec_frac": "%3f", "usec_frac": "%6f", "sec": "%s"}


def _time_part(arg: str | None, letter: str | None) -> str | None:
    """The strftime text of a ``%{…}t`` piece that can join others (None: it can't)."""
    if letter != "t" or arg is None:
        return None
    fmt = re.sub(r"^(?:begin|end):", "", arg)
    if fmt in _FRACTIONS:
        return _FRACTIONS[fmt]
    return fmt if "%" in fmt else None


def _merge_times(
    pieces: list[tuple[str | None, str | None, str | None]],
) -> list[tuple[str | None, str | None, str | None]]:
    """Join a time written in several pieces into one: Apache's documented
    ``%{%d/%b/%Y %T}t.%{msec_frac}t %{%z}t`` is one time with milliseconds and
    its offset, read as ``%d/%b/%Y %T.%3f %z``.

    >>> _merge_times(_pieces("[%{%d/%b/%Y %T}t.%{msec_frac}t %{%z}t] %>s"))[:2]
    [('[', None, None), (None, '%d/%b/%Y %T.%3f %z', 't')]
    """
    out: list[tuple[str | None, str | None, str | None]] = []
    i = 0
    while i < len(pieces):
        part = _time_part(pieces[i][1], pieces[i][2]) if pieces[i][0] is None else None
        if part is None:
            out.append(pieces[i])
            i += 1
            continue
        joined, n, j = part, 1, i + 1
        while j + 1 < len(pieces) and pieces[j][0] is not None and pieces[j + 1][0] is None:
            nxt = _time_part(pieces[j + 1][1], pieces[j + 1][2])
            if nxt is None:
                break
            joined += (pieces[j][0] or "").replace("%", "%%") + nxt
            n, j = n + 1, j + 2
        while j < len(pieces) and pieces[j][0] is None and n:
            nxt = _time_part(pieces[j][1], pieces[j][2])  # no literal between
            if nxt is None:
                break
            joined += nxt
            n, j = n + 1, j + 1
        if n > 1 and any(c in joined for c in ("%Y", "%y", "%s", "%d", "%H", "%T", "%F")):
            out.append((None, joined, "t"))
            i = j
        else:
            out.append(pieces[i])
            i += 1
    return out


def _spelled(
    arg: str | None,
    letter: str,
    string: str,
    index: int,
    pieces: list[tuple[str | None, str | None, str | None]],
) -> str:
    """How the ``index``-th piece's directive is written in ``string`` (for messages)."""
    written = [m.group(0) for m in _DIRECTIVE.finditer(string) if m.group(3) != "%"]
    k = sum(1 for p in pieces[:index] if p[0] is None)
    if len(written) == sum(1 for p in pieces if p[0] is None) and k < len(written):
        return written[k]  # (pieces of a time joined into one would shift the count)
    return f"%{{{arg}}}{letter}" if arg is not None else f"%{letter}"


def _check_adjacent(
    a: tuple[str, str | None, str], b: tuple[str, str | None, str], string: str
) -> None:
    """Two directives with nothing between them: fine when their values can be told apart."""
    if (a[2], b[2]) == ("%U", "%q"):  # the path stops at the query's "?"
        return
    if not separable(field_classes(a[0], a[1])[1], field_classes(b[0], b[1])[0]):
        msg = (
            f"{a[2]}{b[2]}: two Apache directives with nothing between them can't be told "
            f"apart (a {a[0]} value may go on with what a {b[0]} value starts with) in {string!r}"
        )
        raise FormatError(msg)


def _directive(
    arg: str | None, letter: str, string: str, letters: set[str | None]
) -> tuple[str, str, str | None]:
    """(column, kind, argument) of one directive."""
    if arg is None:
        if letter == "O" and not ({"b", "B"} & letters):
            return "bytes", "uint", None
        if letter not in DIRECTIVES:
            msg = f"unknown Apache LogFormat directive %{letter} in {string!r}"
            raise FormatError(msg)
        column, kind = DIRECTIVES[letter]
        return column, kind, None
    if letter == "i":
        name = arg.lower()
        return HEADERS.get(name, "http_" + _ident(name)), "list", None
    if letter == "o":
        name = arg.lower()
        return RESPONSE_HEADERS.get(name, "sent_http_" + _ident(name)), "list", None
    if letter in "enCx":
        return _ident(arg.lower()), "text", None
    if letter == "t":
        return _strftime_time(arg, string)
    if letter == "T":
        unit = {"ms": "millis", "us": "micros", "s": "seconds"}.get(arg)
        if unit is None:
            msg = f"unknown unit %{{{arg}}}T in {string!r} (ms, us or s)"
            raise FormatError(msg)
        return "request_time", unit, None
    if letter == "p":
        column, kind = DIRECTIVES[letter]
        if arg in ("remote", "local"):
            return f"{arg}_port", kind, None
        return column, kind, None
    if letter == "P":
        return arg or "pid", "text", None
    if letter in DIRECTIVES:
        # %{c}a, %{c}h and the like: the argument changes the source, not the column
        column, kind = DIRECTIVES[letter]
        return column, kind, None
    msg = f"unknown Apache LogFormat directive %{{{arg}}}{letter} in {string!r}"
    raise FormatError(msg)


def _strftime_time(arg: str, string: str) -> tuple[str, str, str | None]:
    """%{format}t: epoch units or a strftime format (begin:/end: prefixes dropped)."""
    fmt = re.sub(r"^(?:begin|end):", "", arg)
    if fmt in ("sec", "msec", "usec"):
        return "time", "time_epoch", fmt
    if fmt in ("msec_frac", "usec_frac"):
        return "time_" + fmt, "uint", None
    if "%" not in fmt:
        msg = f"unknown time format %{{{arg}}}t in {string!r}"
        raise FormatError(msg)
    return "time", "time_strftime", fmt


def _ident(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _unwrap(string: str) -> str:
    r"""The format string as Apache reads it: ``\"``, ``\\``, ``\t`` and ``\n`` undone.

    >>> _unwrap(r'LogFormat "%h \"%r\" a\\b\t%>s" nick')
    '%h "%r" a\\b\t%>s'
    """
    m = re.fullmatch(r'\s*LogFormat\s+"((?:[^"\\]|\\.)*)"(?:\s+\w+)?\s*', string)
    s = m.group(1) if m else string
    return re.sub(r'\\(["\\tn])', lambda m: {"t": "\t", "n": "\n"}.get(m[1], m[1]), s)


def _pieces(string: str) -> list[tuple[str | None, str | None, str | None]]:
    """(literal, None, None) or (None, argument, letter) pieces; %% is a literal %."""
    out: list[tuple[str | None, str | None, str | None]] = []
    pos = 0
    lit = ""
    for m in _DIRECTIVE.finditer(string):
        lit += string[pos : m.start()]
        pos = m.end()
        letter = m.group(3)
        if letter == "%":
            lit += "%"
            continue
        if lit:
            out.append((lit, None, None))
            lit = ""
        out.append((None, m.group(1), letter))
    lit += string[pos:]
    if lit:
        out.append((lit, None, None))
    stray = re.search(r"%\S*", _DIRECTIVE.sub("", string))
    if stray:
        msg = f"unknown Apache LogFormat directive {stray.group(0)} in {string!r}"
        raise FormatError(msg)
    if not any(p[0] is None for p in out):
        msg = f"no %directives in Apache LogFormat {string!r}"
        raise FormatError(msg)
    return out
