r"""Reverse proxies' access logs: Traefik (``traefik``), HAProxy (``haproxy``) and
Squid (``squid``), as each documents them.

- ``traefik``: Traefik's Common Log Format, ``combined`` followed by the
  request count, ``"router"``, ``"service URL"`` and the duration in
  milliseconds (``12ms``): ``request_count``, ``router_name``,
  ``upstream_addr`` (the server URL) and ``request_time``.
- ``haproxy``: ``option httplog``, with or without the syslog header.
  ``client_ip:port``, the accept date (local time, with milliseconds, no
  offset: taken as UTC), ``frontend_name``, ``backend_name/server_name``
  (``backend_name``, and ``upstream_addr`` as written, null for
  ``<NOSRV>``), the timers ``TR/Tw/Tc/Tr/Ta`` in milliseconds
  (``request_header_time``, ``queue_time``, ``upstream_connect_time``,
  ``upstream_response_time``, ``request_time``; ``-1`` "not reached" is
  null), the status, bytes read, captured cookies, ``termination_state``,
  the connection counts (``actconn``, ``feconn``, ``beconn``, ``srv_conn``,
  ``retries``), the queues (``srv_queue``, ``backend_queue``), the
  ``{captured headers}`` (request, then response; either may be absent) and
  the request line. HAProxy writes ``"``, ``#``, ``{``, ``|``, ``}`` and
  control characters as ``#HH``.
- ``squid``: the native ``access.log`` (``logformat squid``): epoch time with
  milliseconds, the elapsed milliseconds (``request_time``), the client,
  ``result_code/status`` (``TCP_MISS/200``), bytes, method, URL (an absolute
  URL gives ``host``, ``path`` and ``query``), the user ident
  (``remote_user``), ``hierarchy_code/peer`` (``DIRECT/203.0.113.5``: the peer
  is ``upstream_addr``) and the ``content_type``.

Examples
--------
>>> traefik().columns[-4:]
['request_count', 'router_name', 'upstream_addr', 'request_time']
>>> haproxy().fields[0].kind, squid().fields[3].kind
('addr_port', 'squid_status')
"""

from __future__ import annotations

import functools

from httplog.formats.base import CLOSE, OPEN, F, LogFormat, layout, spaced

_SP = " "


@functools.cache
def traefik() -> LogFormat:
    """Traefik's CLF access log."""
    pieces: list[F | str] = [
        F("remote_addr", "text"),
        " - ",
        *spaced(
            F("remote_user", "text"),
            F("time", "time_local", "b"),
            F("request", "request", "q"),
            F("status", "status"),
            F("bytes", "uint"),
            F("referer", "text", "q"),
            F("user_agent", "text", "q"),
            F("request_count", "uint"),
            F("router_name", "text", "q"),
            F("upstream_addr", "text", "q"),
            F("request_time", "duration_ms"),
        ),
    ]
    return layout("traefik", pieces, escapes="apache")


@functools.cache
def haproxy() -> LogFormat:
    """HAProxy's ``option httplog`` lines."""
    braces = r"[^}\x00-\x1f]*"
    pieces: list[F | str] = [
        F("client", "addr_port"),
        " [",
        F("time", "time_haproxy"),
        "] ",
        *spaced(
            F("frontend_name", "text"),
            F("server", "haproxy_backend"),
            F("timers", "haproxy_timers"),
            F("status", "status", regex="-1|[0-9]+"),
            F("bytes", "uint", regex="[0-9]+"),
            F("captured_request_cookie", "text"),
            F("captured_response_cookie", "text"),
            F("termination_state", "text"),
            F("conns", "haproxy_conns"),
            F("queues", "haproxy_queues"),
        ),
        OPEN,
        " {",
        F("captured_request_headers", "text", regex=braces),
        "}",
        CLOSE,
        OPEN,
        " {",
        F("captured_response_headers", "text", regex=braces),
        "}",
        CLOSE,
        _SP,
        F("request", "request", "q"),
    ]
    fmt = layout("haproxy", pieces, escapes="haproxy")
    # The syslog header and "haproxy[pid]: " before the fields, when written to syslog.
    prefix = r"^(?:[^\[\x00-\x1f]*\[[0-9]+\]: )?"
    return _with_prefix(fmt, prefix)


def _with_prefix(fmt: LogFormat, prefix: str) -> LogFormat:
    from dataclasses import replace

    return replace(fmt, pattern=prefix + fmt.pattern.removeprefix("^"))


@functools.cache
def squid() -> LogFormat:
    """Squid's native ``access.log``."""
    pieces: list[F | str] = [
        F("time", "time_epoch", regex=r"[0-9]+(?:\.[0-9]+)?"),
        F("_gap", "text", regex=" +"),
        *spaced(
            F("request_time", "millis", regex="[0-9]+"),
            F("remote_addr", "text"),
            F("result", "squid_status"),
            F("bytes", "uint"),
            F("method", "text"),
            F("url", "url"),
            F("remote_user", "text"),
            F("hierarchy", "squid_hierarchy"),
            F("content_type", "text"),
        ),
    ]
    fmt = layout("squid", pieces)
    return _drop_field(fmt, "_gap")


def _drop_field(fmt: LogFormat, column: str) -> LogFormat:
    """The format with one field matched but not captured (a separator of varying width)."""
    from dataclasses import replace

    (f,) = [f for f in fmt.fields if f.column == column]
    pattern = fmt.pattern.replace(f"(?<{f.group}>", "(?:", 1)
    return replace(fmt, pattern=pattern, fields=tuple(x for x in fmt.fields if x is not f))
