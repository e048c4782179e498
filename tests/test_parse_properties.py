"""Properties: any record rendered through a format parses back to itself, every line is
accounted for, and cutting a file anywhere into byte ranges changes nothing."""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from httplog.engine import iter_parsed
from httplog.inputs import Chunk, resolve_inputs
from httplog.scan import read_logs

#: Examples per property. Rendering: 75 (about 11 per format, besides the explicit
#: examples); each server's escapes have properties of their own
#: (test_formats_escapes.py) and each format's fields example lines (test_formats_*.py).
#: Cutting: 60; where a line belongs at any cut is also checked at every byte of a
#: file (test_inputs.py) and by the cluster's plans, which cut inside lines
#: (test_distributed.py).
RENDERING = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CUTTING = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Record:
    addr: str
    user: str
    time: datetime  # aware, with the offset the server would write
    method: str | None  # None: the request line is not METHOD TARGET [PROTOCOL]
    path: str
    query: str | None
    protocol: str | None
    status: int
    size: int | None
    referer: str
    agent: str
    request_time: float = 0.0
    upstream: tuple[float, ...] = ()
    raw_request: str = "-"


# ------------------------------------------------------------------ strategies

URL_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), exclude_characters='?"\\#'
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40)
WORD = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), exclude_characters='"\\[]'
    ),
    min_size=1,
    max_size=12,
)
OFFSETS = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


#: The strategies :func:`records` draws from, built once: a strategy built inside a
#: draw is built and validated again for every record (most of an example's cost).
ADDRS = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)
WHENS = st.datetimes(datetime(1995, 1, 1), datetime(2099, 12, 31))
METHODS = st.one_of(
    st.none(),
    st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PROPFIND", "get"]),
)
PATHS = st.text(URL_CHARS, max_size=30)
QUERIES = st.one_of(st.none(), st.text(URL_CHARS, max_size=20))
PROTOCOLS = st.one_of(st.none(), st.sampled_from(["HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/3"]))
STATUSES = st.one_of(
    st.integers(100, 599), st.sampled_from([0, 1, 99, 444, 499, 600, 999, 1000, 65535])
)
SIZES = st.one_of(st.none(), st.integers(0, 2**40))
UPSTREAMS = st.lists(st.integers(0, 60_000).map(lambda ms: ms / 1000), max_size=3)
USERS = st.one_of(st.just("-"), WORD)
DASH_OR_TEXT = st.one_of(st.just("-"), TEXT)
REQUEST_TIMES = st.integers(0, 100_000)
RAW_REQUESTS = st.sampled_from(["-", "", "\\x16\\x03\\x01\\x00\\xA5", "GET"])


@st.composite
def records(draw: st.DrawFn) -> Record:
    addr = draw(ADDRS)
    when = draw(WHENS).replace(microsecond=0)
    tz = draw(OFFSETS)
    method = draw(METHODS)
    path = "/" + draw(PATHS)
    query = draw(QUERIES)
    protocol = draw(PROTOCOLS)
    status = draw(STATUSES)
    size = draw(SIZES)
    upstream = tuple(draw(UPSTREAMS))
    return Record(
        addr=addr,
        user=draw(USERS),
        time=when.replace(tzinfo=tz),
        method=method,
        path=path,
        query=query,
        protocol=protocol,
        status=status,
        size=size,
        referer=draw(DASH_OR_TEXT),
        agent=draw(DASH_OR_TEXT),
        request_time=draw(REQUEST_TIMES) / 1000,
        upstream=upstream,
        raw_request=draw(RAW_REQUESTS),
    )


# ------------------------------------------------------------------- rendering


def apache_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def nginx_escape(s: str) -> str:
    """What nginx does to a variable: ``"``, ``\\`` and bytes outside ASCII become \\xHH."""
    out = []
    for b in s.encode():
        out.append(f"\\x{b:02X}" if b in (0x22, 0x5C) or b < 0x20 or b > 0x7E else chr(b))
    return "".join(out)


def request_line(r: Record) -> str:
    if r.method is None:
        return r.raw_request
    target = r.path + ("" if r.query is None else "?" + r.query)
    return f"{r.method} {target}" + ("" if r.protocol is None else f" {r.protocol}")


FORMATS = {
    # name: (format given to httplog, escaping, renderer)
    "combined": ("combined", apache_escape),
    "common": ("common", apache_escape),
    "vhost_combined": ("vhost_combined", apache_escape),
    "nginx": ("nginx", nginx_escape),
    "main": ("main", nginx_escape),
    "nginx_timed": (
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" $request_time $upstream_response_time',
        nginx_escape,
    ),
    "apache_D": (r"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\" %D", apache_escape),
}


def render(r: Record, name: str) -> str:
    esc = FORMATS[name][1]
    t = r.time.strftime("[%d/%b/%Y:%H:%M:%S %z]")
    size = "-" if r.size is None else str(r.size)
    req = esc(request_line(r))
    if name == "nginx_timed" and r.size is None:
        size = "0"  # nginx writes 0, never -
    common = f'{r.addr} - {r.user} {t} "{req}" {r.status} {size}'
    if name == "common":
        return common
    line = f'{common} "{esc(r.referer)}" "{esc(r.agent)}"'
    if name == "vhost_combined":
        return "www.example.org:443 " + line
    if name == "main":
        return line + ' "-"'
    if name == "nginx_timed":
        up = ", ".join(f"{u:.3f}" for u in r.upstream) or "-"
        return f"{line} {r.request_time:.3f} {up}"
    if name == "apache_D":
        return f"{line} {round(r.request_time * 1e6)}"
    return line


def expected(r: Record, name: str) -> dict[str, object]:
    """The fields httplog must read back from the line ``render(r, name)``."""
    # Both servers' escapes are undone (the values hold no control character,
    # which would stay escaped); "-" is null and "" the empty string.
    ok = r.method is not None

    def unescaped(s: str) -> str:
        return s

    def text(s: str) -> str | None:
        return None if s == "-" else s

    out: dict[str, object] = {
        "time": r.time.astimezone(UTC),
        "remote_addr": r.addr,
        "remote_user": None if r.user == "-" else r.user,
        "method": r.method if ok else None,
        "path": unescaped(r.path) if ok else None,
        "query": (None if r.query is None else unescaped(r.query)) if ok else None,
        "protocol": r.protocol if ok else None,
        "status": r.status,
        "bytes": (0 if name == "nginx_timed" else None) if r.size is None else r.size,
    }
    if name != "common":
        out["referer"] = text(r.referer)
        out["user_agent"] = text(r.agent)
    if name == "nginx_timed":
        out["request_time"] = round(r.request_time, 3)
        out["upstream_response_time"] = round(sum(r.upstream), 6) if r.upstream else None
    if name == "apache_D":
        out["request_time"] = round(r.request_time * 1e6) / 1e6
    return out


JUNK = st.sampled_from(
    ["", "   ", "garbage", "2026/11/20 03:12:45 [error] 1#1: *1 boom", "\x00\x01 bin"]
)
LINES = st.lists(st.one_of(records(), JUNK), max_size=25)

#: A plain request; the examples below change what they are about.
GET = Record(
    addr="192.0.2.1",
    user="-",
    time=datetime(2000, 1, 1, tzinfo=UTC),
    method="GET",
    path="/",
    query=None,
    protocol="HTTP/1.1",
    status=200,
    size=1,
    referer="-",
    agent="-",
)
IPV6 = replace(
    GET,
    addr="2001:db8::1",
    time=datetime(2026, 11, 20, 12, tzinfo=timezone(timedelta(hours=1))),
    size=5,
)
HTTP2 = replace(
    GET,
    user="bob",
    method="POST",
    path="/api/v1",
    query="a=1&b",
    protocol="HTTP/2.0",
    status=201,
    size=0,
    referer="https://x.test/",
    agent="app/1.0",
)
QUOTED_AGENT = replace(GET, agent='Mozilla "quoted" \\ agent')
DASH_SIZE = replace(GET, path="/x", protocol="HTTP/1.0", status=304, size=None)


@RENDERING
@given(items=LINES, name=st.sampled_from(sorted(FORMATS)))
@example(items=[IPV6], name="combined")
@example(items=[IPV6], name="nginx")
@example(items=[HTTP2], name="vhost_combined")
@example(items=[QUOTED_AGENT], name="combined")
@example(items=[QUOTED_AGENT], name="main")
@example(items=[DASH_SIZE], name="common")
@example(items=[DASH_SIZE, "garbage", ""], name="nginx_timed")
def test_rendered_records_parse_back_and_every_line_is_accounted_for(items, name):
    lines = [render(x, name) if isinstance(x, Record) else x for x in items]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "access.log"
        p.write_bytes("".join(line + "\n" for line in lines).encode())
        log = read_logs(p, log_format=FORMATS[name][0])
    records_in = [x for x in items if isinstance(x, Record)]
    assert log.lines == len(lines)
    assert log.parsed + log.rejected == log.lines
    assert log.parsed == len(records_in), log.samples.to_dicts()
    for row, r in zip(log.frame.iter_rows(named=True), records_in, strict=True):
        want = expected(r, name)
        got = {k: row[k] for k in want}
        for k in ("request_time", "upstream_response_time"):
            if k in want and want[k] is not None:
                assert abs(got.pop(k) - want.pop(k)) < 1e-9, k
        assert got == want


@CUTTING
@given(
    items=st.lists(st.one_of(records(), JUNK), min_size=1, max_size=30),
    cuts=st.lists(st.floats(0, 1), max_size=6),
    block=st.sampled_from([32, 200, 1 << 20]),
    crlf=st.booleans(),
)
def test_cutting_a_file_into_byte_ranges_anywhere_changes_nothing(items, cuts, block, crlf):
    eol = "\r\n" if crlf else "\n"
    data = "".join(
        (render(x, "combined") if isinstance(x, Record) else x) + eol for x in items
    ).encode()
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "access.log"
        p.write_bytes(data)
        (inp,) = resolve_inputs(str(p))
        whole = read_logs(p, log_format="combined")
        bounds = sorted({0, len(data), *(round(c * len(data)) for c in cuts)})
        rows, rejected, offset = [], [], 0
        for start, end in itertools.pairwise(bounds):
            n = 0
            for pb in iter_parsed([Chunk(inp, start, end)], "combined", block_size=block):
                rows.append(pb.parsed)
                rejected += [
                    (offset + ln, why) for ln, why in pb.rejected.select("line", "reason").rows()
                ]
                n += pb.lines
            offset += n
        whole_rejected = [
            row
            for pb in iter_parsed([Chunk(inp)], "combined")
            for row in pb.rejected.select("line", "reason").rows()
        ]
    assert offset == whole.lines == len(items)
    assert_frame_equal(pl.concat(rows), whole.frame)
    assert rejected == whole_rejected
    assert len(rejected) == whole.rejected
