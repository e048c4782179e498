"""nginx ``log_format`` strings → :class:`~httplog.formats.LogFormat`.

Known variables get a typed column; any other ``$variable`` becomes a text
column of the same name (``$http_x_request_id`` → ``http_x_request_id``).

nginx writes ``"``, ``\\``, control characters and bytes outside printable
ASCII of a variable as ``\\xHH``; httplog turns runs of those that form UTF-8
back into their characters and keeps control characters as written (a TLS
handshake sent to a plain-HTTP port shows up as a request ``\\x16\\x03\\x01…``;
see :mod:`httplog.formats.escapes`).

Headers (``$http_*``, ``$sent_http_*``) and ``$upstream_*`` variables may hold
lists (``203.0.113.1, 10.0.0.2``, ``10.0.0.1:80 : 10.0.0.2:80``): left
unquoted, they reach up to the next literal of the format. Two variables with
nothing between them compile when their values can be told apart by the
characters they hold (``$msec`` then ``$http_x`` can't: both may hold digits).

Examples
--------
>>> fmt = compile_nginx('$remote_addr [$time_local] "$request" $status $request_time')
>>> [(f.column, f.kind) for f in fmt.fields]
[('remote_addr', 'addr'), ('time', 'time_local'), ('request', 'request'), ('status', 'status'), ('request_time', 'seconds')]
>>> compile_nginx("log_format timed '$remote_addr [$time_local] '\\n  '$status $msec';").string
'$remote_addr [$time_local] $status $msec'
"""

from __future__ import annotations

import re

from httplog.errors import FormatError
from httplog.formats.base import Builder, Field, LogFormat, field_classes, field_regex, separable

#: nginx variable → (column, kind).
VARIABLES: dict[str, tuple[str, str]] = {
    "remote_addr": ("remote_addr", "addr"),
    "binary_remote_addr": ("remote_addr", "raw"),
    "realip_remote_addr": ("remote_addr", "addr"),
    "remote_port": ("remote_port", "uint"),
    "remote_user": ("remote_user", "text"),
    "time_local": ("time", "time_local"),
    "time_iso8601": ("time", "time_iso"),
    "msec": ("time", "time_epoch"),
    "request": ("request", "request"),
    "request_method": ("method", "text"),
    "request_uri": ("request_uri", "uri"),
    "uri": ("path", "text"),
    "document_uri": ("path", "text"),
    "args": ("query", "query"),
    "query_string": ("query", "query"),
    "server_protocol": ("protocol", "text"),
    "status": ("status", "status"),
    "body_bytes_sent": ("bytes", "uint"),
    "bytes_sent": ("bytes", "uint"),
    "request_length": ("request_length", "uint"),
    "request_time": ("request_time", "seconds"),
    "upstream_response_time": ("upstream_response_time", "upstream_seconds"),
    "upstream_connect_time": ("upstream_connect_time", "upstream_seconds"),
    "upstream_header_time": ("upstream_header_time", "upstream_seconds"),
    "upstream_addr": ("upstream_addr", "upstream_list"),
    "upstream_status": ("upstream_status", "upstream_list"),
    "upstream_cache_status": ("upstream_cache_status", "text"),
    "sent_http_content_type": ("content_type", "list"),
    "http_referer": ("referer", "list"),
    "http_user_agent": ("user_agent", "list"),
    "http_x_forwarded_for": ("x_forwarded_for", "list"),
    "host": ("host", "text"),
    "http_host": ("host", "list"),
    "server_name": ("server_name", "text"),
    "server_port": ("server_port", "uint"),
    "server_addr": ("server_addr", "addr"),
    "scheme": ("scheme", "text"),
    "https": ("https", "text"),
    "ssl_protocol": ("ssl_protocol", "text"),
    "ssl_cipher": ("ssl_cipher", "text"),
    "connection": ("connection", "uint"),
    "connection_requests": ("connection_requests", "uint"),
    "pipe": ("pipe", "text"),
    "gzip_ratio": ("gzip_ratio", "text"),
    "request_id": ("request_id", "text"),
}

_TOKEN = re.compile(r"\$(?:\{(\w+)\}|(\w+))")

#: ``$is_args`` is ``?`` when the request has arguments, else empty: it separates
#: ``$uri`` from ``$args`` and feeds no column.
_IS_ARGS = "is_args"


def compile_nginx(string: str) -> LogFormat:
    """Compile an nginx ``log_format`` string.

    The string is what follows the format's name in ``nginx.conf``; a whole
    ``log_format name '…' '…';`` directive pasted from the config file is
    accepted too (its quoted pieces are joined).

    >>> compile_nginx("$remote_addr $status").pattern
    Traceback (most recent call last):
    ...
    httplog.errors.FormatError: format has no time field: '$remote_addr $status'
    """
    string, escapes = _unwrap(string)
    pieces = _tokens(string)
    b = Builder()
    for i, (lit, var) in enumerate(pieces):
        if lit is not None:
            b.literal(lit)
            continue
        assert var is not None
        if var == _IS_ARGS:
            b.raw(r"\??")
            continue
        column, kind = variable(var)
        prev = pieces[i - 1] if i > 0 else (None, None)
        nxt = pieces[i + 1] if i + 1 < len(pieces) else (None, None)
        if prev[1] is not None and prev[1] != _IS_ARGS and var != _IS_ARGS:
            _check_adjacent(prev[1], var, string)
        before = prev[0] or ""
        after = nxt[0] or ""
        quoted = before.endswith('"') and after.startswith('"')
        stop = "?" if nxt[1] == _IS_ARGS else after[:1]
        if before.endswith("[") and after.startswith("]") and kind in ("text", "list"):
            rx = r"[^\]\x00-\x1f]*"
        else:
            rx = field_regex(kind, quoted=quoted, stop=stop, after=nxt[0])
        b.add(column, kind, rx, quoted=quoted)
    return b.build("custom", string, "nginx", escapes=escapes)


def _unwrap(string: str) -> tuple[str, str]:
    """Accept a format pasted from nginx.conf: ``log_format name [escape=…] '…' '…';``.

    Returns the format string and the escaping its values get (``escape=json``
    writes JSON escapes, ``escape=none`` none, the default ``\\xHH``).
    """
    s = string.strip()
    m = re.match(r"log_format\s+\w+\s+(?:escape=(\w+)\s+)?", s)
    escapes = (
        {"json": "json_string", "none": "none"}.get(m.group(1) or "", "nginx") if m else "nginx"
    )
    if m:
        s = s[m.end() :]
    s = s.rstrip().rstrip(";").strip()
    if re.fullmatch(r"(?:'[^']*'\s*)+", s):
        return "".join(re.findall(r"'([^']*)'", s)), escapes
    if re.fullmatch(r'(?:"(?:[^"\\]|\\.)*"\s*)+', s) and m:
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', s)).replace('\\"', '"'), escapes
    return (s if m else string), escapes


def _tokens(string: str) -> list[tuple[str | None, str | None]]:
    """Split into (literal, None) and (None, variable) pieces."""
    out: list[tuple[str | None, str | None]] = []
    pos = 0
    for m in _TOKEN.finditer(string):
        if m.start() > pos:
            out.append((string[pos : m.start()], None))
        out.append((None, m.group(1) or m.group(2)))
        pos = m.end()
    if pos < len(string):
        out.append((string[pos:], None))
    if not any(v for _, v in out):
        msg = f"no $variables in nginx log_format {string!r}"
        raise FormatError(msg)
    return out


def variable(name: str) -> tuple[str, str]:
    """(column, kind) of an nginx variable: a known one, a header (a list), or text.

    >>> variable("request_time"), variable("http_x_request_id"), variable("foo")
    (('request_time', 'seconds'), ('http_x_request_id', 'list'), ('foo', 'text'))
    """
    if name in VARIABLES:
        return VARIABLES[name]
    if name.startswith(("http_", "sent_http_", "upstream_http_")):
        return name, "list"
    return name, "text"


def _check_adjacent(a: str, b: str, string: str) -> None:
    """Two variables with nothing between them: fine when their values can be told apart."""
    ka, kb = variable(a)[1], variable(b)[1]
    if not separable(field_classes(ka)[1], field_classes(kb)[0]):
        msg = (
            f"${a}${b}: two nginx variables with nothing between them can't be told apart "
            f"(a {ka} value may go on with what a {kb} value starts with) in {string!r}"
        )
        raise FormatError(msg)


__all__ = ["VARIABLES", "Field", "compile_nginx", "variable"]
