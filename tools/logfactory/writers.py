"""One writer per log format httplog reads, each ``(Request, tz) -> bytes`` (no newline).

:data:`WRITERS` maps httplog's format names (``httplog.formats.NAMES``, and
``timed``: the sample logs' custom nginx ``log_format``) to them; the formats
that start with directive lines (W3C, CloudFront, Cloud Storage) have them in
:data:`HEADERS`. Values are escaped as each server escapes them, times are in
``tz`` where the format writes local time (UTC where it writes UTC), and every
number a server would add (ports, trace ids, timers) is derived from the record,
so the same record always gives the same line.

>>> from datetime import UTC
>>> r = Request(ts=1795176000, client="192.0.2.1", target="/a", status=503, size=10, agent="curl/8")
>>> WRITERS["combined"](r, UTC).decode()
'192.0.2.1 - - [20/Nov/2026:12:00:00 +0000] "GET /a HTTP/1.1" 503 10 "-" "curl/8"'
>>> WRITERS["squid"](r, UTC).decode()
'1795176000.528      0 192.0.2.1 TCP_MISS/503 10 GET https://www.example.com/a - DIRECT/10.0.0.13 text/html'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timezone

from logfactory.escapes import apache_escape, json_escape, nginx_escape
from logfactory.record import Request
from logfactory.times import MONTHS, clf_time, iso_local, iso_utc, local_time, seconds

ALB_NAME = "app/coffee-shop/50dc6c495c0c9188"
ALB_TARGET_GROUP = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/coffee-web/73e2d6bc24d8a067"
)
ALB_CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"

Writer = Callable[[Request, timezone], bytes]

#: The nginx ``log_format`` :func:`format_nginx_timed` writes (``timed``: not a named format).
TIMED_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time $upstream_response_time $upstream_addr'
)


def _nginx_field(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return nginx_escape(raw) or b"-"


def _apache_field(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return apache_escape(raw) or b"-"


def _json_field(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return json_escape(raw)  # escape=json writes absent variables as ""


def upstream_times(r: Request) -> str:
    return " : ".join(", ".join(seconds(ms) for _, ms in group) for group in r.upstream)


def upstream_addrs(r: Request) -> str:
    return " : ".join(", ".join(addr for addr, _ in group) for group in r.upstream)


def format_nginx_combined(r: Request, tz: timezone) -> bytes:
    return b'%s - %s [%s] "%s" %d %d "%s" "%s"' % (
        r.client.encode(),
        _nginx_field(r.user),
        clf_time(r.ts, tz).encode(),
        _nginx_field(r.request_line()),
        r.status,
        r.size or 0,
        _nginx_field(r.referer),
        _nginx_field(r.agent),
    )


def format_nginx_timed(r: Request, tz: timezone) -> bytes:
    return format_nginx_combined(r, tz) + b" %s %s %s" % (
        seconds(r.request_ms).encode(),
        _nginx_field(upstream_times(r)),
        _nginx_field(upstream_addrs(r)),
    )


def format_nginx_json(r: Request, tz: timezone) -> bytes:
    return (
        b'{"time":"%s","remote_addr":"%s","request":"%s","status":%d,"body_bytes_sent":%d,'
        b'"request_time":%s,"upstream_response_time":"%s","http_referer":"%s",'
        b'"http_user_agent":"%s","host":"%s"}'
        % (
            iso_local(r.ts, tz).encode(),
            r.client.encode(),
            _json_field(r.request_line()),
            r.status,
            r.size or 0,
            seconds(r.request_ms).encode(),
            _json_field(upstream_times(r)),
            _json_field(r.referer),
            _json_field(r.agent),
            _json_field(r.host),
        )
    )


def format_apache_common(r: Request, tz: timezone) -> bytes:
    return b'%s - %s [%s] "%s" %d %s' % (
        r.client.encode(),
        _apache_field(r.user),
        clf_time(r.ts, tz).encode(),
        _apache_field(r.request_line()),
        r.status,
        str(r.size).encode() if r.size else b"-",
    )


def format_apache_vhost_combined(r: Request, tz: timezone) -> bytes:
    return b'%s:%d %s - %s [%s] "%s" %d %d "%s" "%s"' % (
        r.host.encode(),
        r.port,
        r.client.encode(),
        _apache_field(r.user),
        clf_time(r.ts, tz).encode(),
        _apache_field(r.request_line()),
        r.status,
        r.header_bytes + (r.size or 0),
        _apache_field(r.referer),
        _apache_field(r.agent),
    )


def _alb_field(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return apache_escape(raw) or b"-"


def _port(r: Request) -> int:
    """A client port that stays the same for the same request in every run."""
    return 1024 + (r.ts * 7919 + len(r.target) * 104729 + sum(r.client.encode())) % 64000


def format_alb(r: Request, tz: timezone) -> bytes:
    """An Application Load Balancer access log entry, in front of the shop's servers.

    The target's time is the upstream's (the server's own time when it had no
    upstream); a 502 or 504 the load balancer answers itself has no target
    response: ``-1`` timings and ``-`` as the target's status.
    """
    micros = (r.ts * 1000003 + r.request_ms * 7 + len(r.target)) % 1_000_000
    stamp = iso_utc(r.ts).replace("Z", f".{micros:06d}Z")
    target_ms = sum(ms for group in r.upstream for _, ms in group) if r.upstream else r.request_ms
    no_response = r.status in (502, 504) and r.upstream
    target = r.upstream[-1][-1][0] if r.upstream else f"10.0.0.{11 + _port(r) % 3}:80"
    timing = b"0.000 -1 -1" if no_response else f"0.000 {seconds(target_ms)} 0.000".encode()
    creation = iso_utc(r.ts).replace("Z", f".{max(0, micros - 1000):06d}Z")
    target_status = b"-" if no_response else str(r.status).encode()
    url = f"https://{r.host}:443{r.target}"
    request = f"{r.method} {url} {r.protocol}".encode()
    error = b"Target.Timeout" if r.status == 504 and r.upstream else b"-"
    trace = f"Root=1-{r.ts:08x}-{(r.ts * 2654435761 + micros) % 16**24:024x}"
    return (
        b'https %s %s %s:%d %s %s %d %s %d %d "%s" "%s" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
        b'%s "%s" "%s" "%s" 0 %s "forward" "-" "%s" "%s" "%s" "-" "-" TID_%016x'
        % (
            stamp.encode(),
            ALB_NAME.encode(),
            r.client.encode(),
            _port(r),
            target.encode(),
            timing,
            r.status,
            target_status,
            r.header_bytes,
            r.size or 0,
            _alb_field(request),
            _alb_field(r.agent),
            ALB_TARGET_GROUP.encode(),
            trace.encode(),
            r.host.encode(),
            ALB_CERT.encode(),
            creation.encode(),
            error,
            target.encode(),
            target_status,
            micros * 2654435761 % 2**64,
        )
    )


def format_caddy(r: Request, tz: timezone) -> bytes:
    """A line of Caddy's JSON access log (the ``log`` directive's default fields)."""
    headers: dict[str, list[str]] = {}
    if r.agent:
        headers["User-Agent"] = [r.agent]
    if r.referer:
        headers["Referer"] = [r.referer]
    headers["Accept-Encoding"] = ["gzip, br"]
    request = {
        "remote_ip": r.client,
        "remote_port": str(_port(r)),
        "client_ip": r.client,
        "proto": r.protocol,
        "method": r.method,
        "host": r.host,
        "uri": r.target,
        "headers": headers,
        "tls": {
            "resumed": False,
            "version": 772,
            "cipher_suite": 4865,
            "proto": "h2" if r.protocol == "HTTP/2.0" else "http/1.1",
            "server_name": r.host,
        },
    }
    micros = (r.ts * 1000003 + r.request_ms * 7 + len(r.target)) % 1_000_000
    line = {
        "level": "error" if r.status >= 500 else "info",
        "ts": float(f"{r.ts}.{micros:06d}"),
        "logger": "http.log.access.log0",
        "msg": "handled request",
        "request": request,
        "bytes_read": 0 if r.method in ("GET", "HEAD") else r.header_bytes // 2,
        "user_id": "",
        "duration": r.request_ms / 1000,
        "size": r.size or 0,
        "status": r.status,
        "resp_headers": {"Server": ["Caddy"], "Content-Type": ["text/html; charset=utf-8"]},
    }
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode()


# ------------------------------------------------------------------ more named formats
# Layouts as each format's documentation gives them (nginx's and Apache's log
# modules, Traefik's access-log page, AWS's ELB and S3 log formats, CloudFront's
# standard logs, IIS's W3C extended log, Google Cloud Storage usage logs,
# HAProxy's "HTTP log format", Squid's native access.log).


def _micros(r: Request) -> int:
    """A fraction of a second that stays the same for the same request in every run."""
    return (r.ts * 1000003 + r.request_ms * 7 + len(r.target)) % 1_000_000


def _backend(r: Request) -> str:
    """The upstream that answered (the last attempt), or one derived from the record."""
    return r.upstream[-1][-1][0] if r.upstream else f"10.0.0.{11 + _port(r) % 3}:80"


def _size_or_dash(r: Request) -> bytes:
    return str(r.size).encode() if r.size else b"-"


def format_apache_combined(r: Request, tz: timezone) -> bytes:
    """Apache's ``combined``: ``common`` and the quoted referer and User-Agent."""
    return format_apache_common(r, tz) + b' "%s" "%s"' % (
        _apache_field(r.referer),
        _apache_field(r.agent),
    )


def format_nginx_main(r: Request, tz: timezone) -> bytes:
    """nginx's ``main``: ``combined`` and ``"$http_x_forwarded_for"``."""
    return format_nginx_combined(r, tz) + b' "%s"' % _nginx_field(r.forwarded_for)


def format_traefik(r: Request, tz: timezone) -> bytes:
    """Traefik's CLF: ``combined``, the request count, router, server URL, milliseconds."""
    return b'%s - %s [%s] "%s" %d %d "%s" "%s" %d "%s" "http://%s" %dms' % (
        r.client.encode(),
        _apache_field(r.user),
        clf_time(r.ts, tz).encode(),
        _apache_field(r.request_line()),
        r.status,
        r.size or 0,
        _apache_field(r.referer),
        _apache_field(r.agent),
        1 + _port(r) % 5000,
        b"web@docker" if r.host.startswith("www") else b"api@docker",
        _backend(r).encode(),
        r.request_ms,
    )


def format_elb(r: Request, tz: timezone) -> bytes:
    """A Classic Load Balancer entry (UTC); ``-1`` timings when the backend didn't answer."""
    stamp = iso_utc(r.ts).replace("Z", f".{_micros(r):06d}Z")
    no_response = r.status in (502, 504) and bool(r.upstream)
    backend = b"-" if no_response else _backend(r).encode()
    timing = (
        b"-1 -1 -1" if no_response else f"0.000041 {seconds(r.request_ms)}000 0.000037".encode()
    )
    return b'%s my-loadbalancer %s:%d %s %s %d %s %d %d "%s" "%s" %s' % (
        stamp.encode(),
        r.client.encode(),
        _port(r),
        backend,
        timing,
        r.status,
        b"-" if no_response else str(r.status).encode(),
        r.header_bytes,
        r.size or 0,
        _alb_field(f"{r.method} https://{r.host}:443{r.target} {r.protocol}"),
        _alb_field(r.agent),
        b"ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2",
    )


S3_OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
S3_BUCKET = "coffee-shop-assets"


def format_s3(r: Request, tz: timezone) -> bytes:
    """An S3 server access log record: the request line names ``/bucket/key``."""
    key = r.path.lstrip("/") or "index.html"
    op = f"REST.{r.method}.OBJECT"
    error = {403: "AccessDenied", 404: "NoSuchKey", 500: "InternalError", 503: "SlowDown"}
    request_id = f"{_micros(r) * 2654435761 % 16**16:016X}"
    return (
        b'%s %s [%s] %s %s %s %s %s "%s" %d %s %s %d %d %d "%s" "%s" - %s SigV4 '
        b"ECDHE-RSA-AES128-GCM-SHA256 AuthHeader %s.s3.eu-west-1.amazonaws.com TLSv1.2 - -"
        % (
            S3_OWNER.encode(),
            S3_BUCKET.encode(),
            clf_time(r.ts, UTC).encode(),
            r.client.encode(),
            S3_OWNER.encode(),
            request_id.encode(),
            op.encode(),
            key.encode(),
            _apache_field(f"{r.method} /{S3_BUCKET}{r.target} {r.protocol}"),
            r.status,
            error.get(r.status, "-").encode(),
            _size_or_dash(r),
            r.size or 0,
            r.request_ms,
            max(0, r.request_ms - 1),
            _apache_field(r.referer),
            _apache_field(r.agent),
            request_id.encode() * 4,
            S3_BUCKET.encode(),
        )
    )


def _utc_date_time(ts: int) -> tuple[str, str]:
    d = datetime.fromtimestamp(ts, UTC)
    return f"{d.year}-{d.month:02d}-{d.day:02d}", f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}"


def _w3c_text(value: str) -> str:
    """W3C logs write a space as ``+`` and an absent value as ``-``."""
    return value.replace(" ", "+") if value else "-"


#: The ``#Fields:`` of :func:`format_w3c` (IIS's default fields).
W3C_FIELDS = (
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
)


def format_w3c(r: Request, tz: timezone) -> bytes:
    """An IIS W3C extended log line (UTC), the fields of :data:`W3C_FIELDS`."""
    date, clock = _utc_date_time(r.ts)
    path, _, query = r.target.partition("?")
    return (
        f"{date} {clock} 10.0.0.4 {r.method} {path} {query or '-'} {r.port} "
        f"{r.user or '-'} {r.client} {_w3c_text(r.agent)} {_w3c_text(r.referer)} "
        f"{r.status} 0 0 {r.request_ms}"
    ).encode()


#: The ``#Fields:`` of :func:`format_cloudfront` (the standard log's fields).
CLOUDFRONT_FIELDS = (
    "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
    "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
    "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
    "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
    "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end"
)


def _cloudfront_text(value: str) -> str:
    """CloudFront URL-encodes spaces (and a few others) in its fields; absent is ``-``."""
    return value.replace("%", "%25").replace(" ", "%20").replace("\t", "%09") if value else "-"


def format_cloudfront(r: Request, tz: timezone) -> bytes:
    """A CloudFront standard log line (UTC, tab-separated, :data:`CLOUDFRONT_FIELDS`)."""
    date, clock = _utc_date_time(r.ts)
    path, _, query = r.target.partition("?")
    result = "Error" if r.status >= 400 else ("Hit" if r.kind == "static" else "Miss")
    took = seconds(r.request_ms)
    values = [
        date, clock, "FRA56-P1", str(r.size or 0), r.client, r.method,
        "d111111abcdef8.cloudfront.net", path, str(r.status), _cloudfront_text(r.referer),
        _cloudfront_text(r.agent), query or "-", "-", result,
        f"{_micros(r):06d}{r.ts:010d}==", r.host, "https", str(r.header_bytes), took, "-",
        "TLSv1.3", "TLS_AES_128_GCM_SHA256", result, r.protocol, "-", "-", str(_port(r)), took,
        result, "text/html", str(r.size or 0), "-", "-",
    ]  # fmt: skip
    return "\t".join(values).encode()


#: The CSV header line of :func:`format_cloudstorage`.
CLOUDSTORAGE_HEADER = ",".join(
    f'"{name}"'
    for name in [
        "time_micros",
        "c_ip",
        "c_ip_type",
        "c_ip_region",
        "cs_method",
        "cs_uri",
        "sc_status",
        "cs_bytes",
        "sc_bytes",
        "time_taken_micros",
        "cs_host",
        "cs_referer",
        "cs_user_agent",
        "s_request_id",
        "cs_operation",
        "cs_bucket",
        "cs_object",
    ]
)


def format_cloudstorage(r: Request, tz: timezone) -> bytes:
    """A Google Cloud Storage usage log line: CSV, every value quoted (``""`` inside)."""
    key = r.path.lstrip("/") or "index.html"
    values = [
        str(r.ts * 1_000_000 + _micros(r)),
        r.client,
        "2" if ":" in r.client else "1",
        "",
        r.method,
        f"/{S3_BUCKET}{r.target}",
        str(r.status),
        "0",
        str(r.size or 0),
        str(r.request_ms * 1000),
        "storage.googleapis.com",
        r.referer,
        r.agent,
        f"AADm{_micros(r):06d}",
        f"{r.method}_Object",
        S3_BUCKET,
        key,
    ]
    return ",".join('"' + v.replace('"', '""') + '"' for v in values).encode()


def _haproxy_escape(value: str | bytes) -> bytes:
    """HAProxy writes ``"``, ``#``, ``{``, ``|``, ``}``, controls and 8-bit bytes as ``#HH``."""
    raw = value.encode() if isinstance(value, str) else value
    out = bytearray()
    for b in raw:
        if b < 0x20 or b >= 0x7F or b in b'"#{|}':
            out += b"#%02X" % b
        else:
            out.append(b)
    return bytes(out)


def format_haproxy(r: Request, tz: timezone) -> bytes:
    """HAProxy's ``option httplog`` line (the accept date in local time, no offset)."""
    d = local_time(r.ts, tz)
    millis = _micros(r) // 1000
    stamp = (
        f"{d.day:02d}/{MONTHS[d.month - 1]}/{d.year}:"
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}.{millis:03d}"
    )
    no_server = r.status == 503 and not r.upstream
    server = "be_app/<NOSRV>" if no_server else f"be_app/srv{1 + _port(r) % 3}"
    total = r.request_ms
    timers = f"0/0/-1/-1/{total}" if no_server else f"0/0/1/{max(0, total - 1)}/{total}"
    state = "SC--" if no_server else ("sH--" if r.status == 504 else "----")
    return b'%s:%d [%s] fe_http %s %s %d %d - - %s 1/1/0/0/0 0/0 "%s"' % (
        r.client.encode(),
        _port(r),
        stamp.encode(),
        server.encode(),
        timers.encode(),
        r.status,
        r.size or 0,
        state.encode(),
        _haproxy_escape(r.request_line()),
    )


def format_squid(r: Request, tz: timezone) -> bytes:
    """Squid's native ``access.log`` line (epoch seconds with milliseconds)."""
    result = "TCP_HIT" if r.kind == "static" and r.status < 400 else "TCP_MISS"
    peer = _backend(r).split(":")[0]
    return b"%d.%03d %6d %s %s/%d %d %s https://%s%s %s DIRECT/%s text/html" % (
        r.ts,
        _micros(r) // 1000,
        r.request_ms,
        r.client.encode(),
        result.encode(),
        r.status,
        r.size or 0,
        r.method.encode(),
        r.host.encode(),
        r.target.encode(),
        (r.user or "-").encode(),
        peer.encode(),
    )


#: Format name (as httplog names it) → its writer.
WRITERS: dict[str, Writer] = {
    "common": format_apache_common,
    "combined": format_apache_combined,
    "vhost_combined": format_apache_vhost_combined,
    "nginx": format_nginx_combined,
    "main": format_nginx_main,
    "timed": format_nginx_timed,
    "json": format_nginx_json,
    "traefik": format_traefik,
    "alb": format_alb,
    "elb": format_elb,
    "s3": format_s3,
    "cloudfront": format_cloudfront,
    "w3c": format_w3c,
    "cloudstorage": format_cloudstorage,
    "haproxy": format_haproxy,
    "squid": format_squid,
    "caddy": format_caddy,
}

#: The directive lines a file of the format starts with.
HEADERS: dict[str, tuple[bytes, ...]] = {
    "w3c": (
        b"#Software: Microsoft Internet Information Services 10.0",
        b"#Version: 1.0",
        b"#Fields: " + W3C_FIELDS.encode(),
    ),
    "cloudfront": (b"#Version: 1.0", b"#Fields: " + CLOUDFRONT_FIELDS.encode()),
    "cloudstorage": (CLOUDSTORAGE_HEADER.encode(),),
}
