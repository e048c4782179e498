"""Caddy's JSON access log (``caddy``): a nested ``request`` object, headers as arrays.

Each line is one JSON object as Caddy's ``log`` directive writes it
(``{"level":"info","ts":1646861401.52,"logger":"http.log.access",…,
"request":{"remote_ip":…,"headers":{"User-Agent":["…"]}},…,"status":200}``).

``ts`` is epoch seconds (Caddy's default; milli-, micro- and nanoseconds are
told apart by size) or an ISO 8601 string; ``duration`` is seconds (or a Go
duration such as ``1.5ms``); the first value of each header is read;
``request.client_ip`` (Caddy ≥ 2.5, the client behind trusted proxies) is
``remote_addr`` when the log has it, else ``request.remote_ip``; the TLS
version number (``772``) becomes nginx's name (``TLSv1.3``).

Examples
--------
>>> [f.column for f in caddy().fields][:4]
['time', 'remote_addr', 'remote_addr', 'remote_port']
"""

from __future__ import annotations

import functools

from httplog.formats.base import Field, LogFormat

#: JSONPath → (column, kind); the first path of a column that a log has is used.
PATHS: tuple[tuple[str, str, str], ...] = (
    ("$.ts", "time", "time_any"),
    ("$.request.client_ip", "remote_addr", "text"),
    ("$.request.remote_ip", "remote_addr", "text"),
    ("$.request.remote_port", "remote_port", "uint"),
    ("$.request.proto", "protocol", "text"),
    ("$.request.method", "method", "text"),
    ("$.request.host", "host", "text"),
    ("$.request.uri", "request_uri", "uri"),
    ("$.request.headers['User-Agent'][0]", "user_agent", "text"),
    ("$.request.headers.Referer[0]", "referer", "text"),
    ("$.request.headers['X-Forwarded-For'][0]", "x_forwarded_for", "text"),
    ("$.request.tls.version", "ssl_protocol", "tls_version"),
    ("$.request.tls.cipher_suite", "ssl_cipher", "tls_cipher"),
    ("$.request.tls.server_name", "ssl_server_name", "text"),
    ("$.bytes_read", "request_length", "uint"),
    ("$.user_id", "remote_user", "text"),
    ("$.duration", "request_time", "go_duration"),
    ("$.size", "bytes", "uint"),
    ("$.status", "status", "status"),
    ("$.resp_headers['Content-Type'][0]", "content_type", "text"),
    ("$.logger", "logger", "text"),
)


@functools.cache
def caddy() -> LogFormat:
    """Caddy's JSON access log (every known path; each block keeps those it has)."""
    fields = tuple(Field(path, column, kind) for path, column, kind in PATHS)
    return LogFormat("caddy", None, "json", "", fields, escapes="json")
