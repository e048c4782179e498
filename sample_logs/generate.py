#!/usr/bin/env python3
"""Write the sample access logs of this directory, byte for byte the same every time.

Usage::

    python sample_logs/generate.py           # rewrite the logs, manifest.json and README.md
    python sample_logs/generate.py --check   # exit 1 if the committed files differ

The records, their writers and the traffic model come from the log factory
in ``tools/logfactory`` (shared with the benchmarks and the tests). All
randomness comes from fixed seeds through its ``Dice``, which only uses
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
import gzip
import io
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools"))  # the log factory (standard library only)

from logfactory.dice import Dice, Weighted  # noqa: E402
from logfactory.record import Request  # noqa: E402
from logfactory.shop import (  # noqa: E402
    PAGES,
    Client,
    Degradation,
    Outage,
    Site,
    Window,
    every,
    inject_outage,
    scanner_burst,
    traffic,
)
from logfactory.times import MONTHS, WEEKDAYS, at, hhmm, iso_utc, local_time, offset  # noqa: E402
from logfactory.writers import (  # noqa: E402
    TIMED_FORMAT,
    Writer,
    format_alb,
    format_apache_common,
    format_apache_vhost_combined,
    format_caddy,
    format_nginx_combined,
    format_nginx_json,
    format_nginx_timed,
)

SEED = 20261120
Formatter = Writer

# ------------------------------------------------------------------ formats

NGINX_COMBINED_FORMAT = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
NGINX_TIMED_FORMAT = TIMED_FORMAT
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
        "utc_offset": offset(spec.window.tz, True),
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
        "written by `generate.py` with the log factory of `tools/logfactory` (standard library only,",
        "fixed seeds, byte-identical output).",
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
        "`nginx_timed.log` (`TIMED_FORMAT` in `tools/logfactory/writers.py`):",
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
        "documents them (`format_alb` in `tools/logfactory/writers.py`):",
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
            local = f"{hhmm(start, tz)}–{hhmm(end, tz)} ({offset(tz, False)})"
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
