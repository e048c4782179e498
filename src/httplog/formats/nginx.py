"""nginx ``log_format`` strings → :class:`~httplog.formats.LogFormat`.

Known variables get a typed column; any other ``$variable`` becomes a text
column of the same name (``$http_x_request_id`` → ``http_x_request_id``).

nginx writes ``"``, ``\\`` and bytes outside printable ASCII of a variable as
``\\xHH``; httplog keeps those escapes as written (a TLS handshake sent to a
plain-HTTP port shows up as a request ``\\x16\\x03\\x01…``).

Examples
--------
>>> fmt = compile_nginx('$remote_addr [$time_local] "$request" $status $request_time')
>>> [(f.column, f.kind) for f in fmt.fields]
[('remote_addr', 'text'), ('time', 'time_local'), ('request', 'request'), ('status', 'status'), ('request_time', 'seconds')]
>>> compile_nginx("log_format timed '$remote_addr [$time_local] '\\n  '$status $msec';").string
'$remote_addr [$time_local] $status $msec'
"""

from __future__ import annotations

import itertools
import re

from httplog.errors import FormatError
from httplog.formats import Field, LogFormat, _Builder, field_regex

#: nginx variable → (column, kind).
VARIABLES: dict[str, tuple[str, str]] = {
    "remote_addr": ("remote_addr", "text"),
    "binary_remote_addr": ("remote_addr", "raw"),
    "realip_remote_addr": ("remote_addr", "text"),
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
    "http_referer": ("referer", "text"),
    "http_user_agent": ("user_agent", "text"),
    "http_x_forwarded_for": ("x_forwarded_for", "text"),
    "host": ("host", "text"),
    "http_host": ("host", "text"),
    "server_name": ("server_name", "text"),
    "server_port": ("server_port", "uint"),
    "server_addr": ("server_addr", "text"),
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
    string = _unwrap(string)
    pieces = _tokens(string)
    b = _Builder()
    for i, (lit, var) in enumerate(pieces):
        if lit is not None:
            b.literal(lit)
            continue
        assert var is not None
        if var == _IS_ARGS:
            b.raw(r"\??")
            continue
        column, kind = VARIABLES.get(var, (var, "text"))
        prev = pieces[i - 1] if i > 0 else (None, None)
        nxt = pieces[i + 1] if i + 1 < len(pieces) else (None, None)
        before = prev[0] or ""
        after = nxt[0] or ""
        quoted = before.endswith('"') and after.startswith('"')
        stop = "?" if nxt[1] == _IS_ARGS else after[:1]
        if before.endswith("[") and after.startswith("]") and kind == "text":
            rx = r"[^\]\x00-\x1f]*"
        else:
            rx = field_regex(kind, quoted=quoted, stop=stop)
        b.add(column, kind, rx, quoted=quoted)
    return b.build("custom", string, "nginx")


def _unwrap(string: str) -> str:
    """Accept a format pasted from nginx.conf: ``log_format name '…' '…';``."""
    s = string.strip()
    m = re.match(r"log_format\s+\w+\s+(?:escape=\w+\s+)?", s)
    if m:
        s = s[m.end() :]
    s = s.rstrip().rstrip(";").strip()
    if re.fullmatch(r"(?:'[^']*'\s*)+", s):
        return "".join(re.findall(r"'([^']*)'", s))
    if re.fullmatch(r'(?:"(?:[^"\\]|\\.)*"\s*)+', s) and m:
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', s)).replace('\\"', '"')
    return s if m else string


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
    for (a, va), (b, vb) in itertools.pairwise(out):
        if a is None and b is None and _IS_ARGS not in (va, vb):
            msg = (
                f"${va}${vb}: two nginx variables with nothing between them can't be "
                f"told apart in {string!r}"
            )
            raise FormatError(msg)
    return out


__all__ = ["VARIABLES", "Field", "compile_nginx"]
