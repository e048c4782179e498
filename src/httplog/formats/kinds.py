r"""What each field kind means, in one table: its regex, its conversion, its columns.

Every field of a format (:class:`~httplog.formats.base.Field`) has a *kind*.
:data:`KINDS` maps the kind to a :class:`Kind`, which says everything about it:

- ``regex``: what the field matches in an unquoted position (a quoted text
  field matches :data:`QUOTED` instead);
- ``first`` and ``tail``: which characters a value may start with, and which
  may extend a complete value; two fields with nothing between them can be
  told apart when the first one's ``tail`` and the second one's ``first``
  share no character (see :func:`~httplog.formats.base.separable`);
- ``columns``: the columns it produces (``None``: the field's own column);
- ``convert`` (and ``prepare``, for intermediate columns): polars expressions
  turning the matched text into typed columns;
- ``text``: whether the server's escapes (see :mod:`httplog.formats.escapes`)
  are undone before converting.

The formats read the regexes and classes from this table when they compile;
the parser (:mod:`httplog.parse`) reads the conversions. Nothing else knows
what a kind means.

Examples
--------
>>> KINDS["status"].regex
'-|[0-9]+'
>>> KINDS["request"].columns
('method', 'path', 'query', 'protocol')
>>> import polars as pl
>>> from httplog.formats.base import Field
>>> f = Field("g0", "request_time", "micros")
>>> pl.select(**KINDS["micros"].convert(f, pl.lit("1500"))).item()
0.0015
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING

import polars as pl

from httplog.formats.escapes import unescape
from httplog.formats.times import (
    UTC_OFFSET,
    offset_at_end,
    offset_written,
    time_any,
    time_epoch,
    time_haproxy,
    time_iso,
    time_local,
    time_strftime,
    time_w3c,
)
from httplog.schema import COLUMNS

if TYPE_CHECKING:  # pragma: no cover - typing only
    from httplog.formats.base import Field

#: Regex for a value between double quotes; backslash escapes (Apache's ``\"``
#: and ``\\``) are allowed. Written without alternation ("unrolled") so that
#: the line regex stays one-pass: polars then extracts the groups on the
#: regex crate's fastest capture engine. No field holds a raw control
#: character: nginx and Apache escape them, so a line that has one is corrupt
#: (a run of NULs left by a crash, binary junk) and is rejected as ``binary``.
QUOTED = r'[^"\\\x00-\x1f]*(?:\\[^\x00-\x1f][^"\\\x00-\x1f]*)*'
#: Regex for an unquoted word: no space, no control character.
WORD = r"[^\x00-\x20]*"
#: Regex for an unquoted list, as nginx writes headers and upstream variables:
#: ``203.0.113.1, 10.0.0.2``, ``10.0.0.1:80 : 10.0.0.2:80``, ``a,b``.
LIST = r"[^\x00-\x20,]*(?:(?:, ?| : )[^\x00-\x20,]+)*"
#: Regex for a list field followed by a literal that is more than blanks: it
#: reaches up to that literal, whatever it holds (the literal anchors it).
UP_TO_LITERAL = r"[^\x00-\x1f]*?"
#: A value within double quotes in CSV (``""`` is a quote).
CSV_QUOTED = r'[^"\x00-\x1f]*(?:""[^"\x00-\x1f]*)*'

#: Character classes for telling adjacent fields apart ("" is no character).
ANY = r"[^\x00-\x20]"
DIGITS = "[0-9]"
NUMBER_START = "[-0-9]"
DECIMAL = "[0-9.]"

Converter = Callable[["Field", pl.Expr], dict[str, pl.Expr]]
Preparer = Callable[["Field", pl.Expr], list[dict[str, pl.Expr]]]


@dataclass(frozen=True)
class Kind:
    """What one kind of field means (see the module docstring)."""

    regex: str
    convert: Converter
    columns: tuple[str, ...] | None = None
    prepare: Preparer | None = None
    first: str = ANY
    tail: str = ANY
    text: bool = False
    #: For kinds with fixed columns: a format that already has this column
    #: keeps a second such field as text under its own name.
    primary: str | None = None


def columns_of(f: Field) -> list[str]:
    """The columns one field produces.

    >>> from httplog.formats.base import Field
    >>> columns_of(Field("g1", "request_uri", "uri")), columns_of(Field("g2", "host", "text"))
    (['path', 'query'], ['host'])
    """
    cols = KINDS[f.kind].columns
    return list(cols) if cols is not None else [f.column]


# ------------------------------------------------------------- converters


def dash_null(e: pl.Expr) -> pl.Expr:
    """``-`` is how servers write "no value": null. The empty string stays
    (an empty header is a fact, not an absence).

    >>> pl.select(a=dash_null(pl.lit("-")), b=dash_null(pl.lit(""))).row(0)
    (None, '')
    """
    return pl.when(e != "-").then(e)


def _one(fn: Callable[[pl.Expr, Field], pl.Expr]) -> Converter:
    """A converter to the field's own column."""

    def convert(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
        return {f.column: fn(raw, f)}

    return convert


def _with_offset(
    fn: Callable[[pl.Expr], pl.Expr], offset: Callable[[pl.Expr], pl.Expr] = offset_written
) -> Converter:
    """A time converter that also gives :data:`UTC_OFFSET` (for the ``time`` column),
    read from the raw time by ``offset``."""

    def convert(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
        out = {f.column: fn(raw)}
        if f.column == "time":
            out[UTC_OFFSET] = offset(raw)
        return out

    return convert


def _uint(raw: pl.Expr, f: Field) -> pl.Expr:
    return dash_null(raw).cast(COLUMNS.get(f.column, pl.UInt64()), strict=False)


def _float(raw: pl.Expr, scale: float = 1.0) -> pl.Expr:
    x = dash_null(raw).cast(pl.Float64, strict=False)
    return x if scale == 1.0 else x / scale


def upstream_seconds(e: pl.Expr) -> pl.Expr:
    """nginx's ``0.010, 0.002 : 0.031`` (retries, redirects) → their total; ``-`` → null."""
    nums = e.str.extract_all(r"\d+(?:\.\d+)?").cast(pl.List(pl.Float64))
    return pl.when(nums.list.len() > 0).then(nums.list.sum().round(6))


def _query(raw: pl.Expr, f: Field) -> pl.Expr:
    # Apache's %q is "" without a query string, "?a=b" with one; nginx's $args "-" or "a=b".
    q = raw.str.strip_prefix("?")
    return pl.when((raw != "-") & (raw != "")).then(q)


#: The protocol at the end of a request line (after the target): the target
#: is the request's rest without it.
_STRIP_PROTOCOL = r" [A-Za-z]+/[0-9.]+$"
#: A method, then the space that ends it: the request has a target.
_METHOD_THEN_SPACE = r"^[A-Za-z][A-Za-z0-9_.-]* "
#: An absolute-form target: ``http://host:port/path?query``.
_ABSOLUTE = r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)(.*)$"


def _request_prepare(absolute: bool) -> Preparer:
    def prepare(f: Field, raw: pl.Expr) -> list[dict[str, pl.Expr]]:
        """A request line ``METHOD TARGET [PROTOCOL]`` is cut once at its first
        space; the protocol is the last word when it looks like ``HTTP/1.1``; the
        target (which may hold spaces) is what lies between, cut once at its
        first ``?``. A request of another shape (``-``, TLS bytes, an empty
        string) gets null method, path, query and protocol.

        (Two searches without captures rather than captures and comparisons:
        whether the line starts with a method and a space, and the target as the
        rest with the protocol stripped. A run that needs only the path, as the
        aggregation does, doesn't extract the protocol at all: its column is
        left out of the query.)"""
        g = f.group
        parts = pl.col(f"_rs_{g}")
        rest, ok = pl.col(f"_rr_{g}"), pl.col(f"_rk_{g}")
        stages: list[dict[str, pl.Expr]] = [
            {
                f"_rs_{g}": raw.str.splitn(" ", 2),
                f"_rk_{g}": raw.str.contains(_METHOD_THEN_SPACE),
            },
            {f"_rm_{g}": parts.struct.field("field_0"), f"_rr_{g}": parts.struct.field("field_1")},
            {f"_rx_{g}": rest.str.replace(_STRIP_PROTOCOL, "")},
            # (the protocol is what the strip took off, after its space: a slice,
            # not a second search of the same pattern)
            {
                f"_rv_{g}": pl.when(rest.str.len_bytes() > pl.col(f"_rx_{g}").str.len_bytes()).then(
                    rest.str.slice(pl.col(f"_rx_{g}").str.len_chars() + 1)
                )
            },
        ]
        target = pl.when(ok).then(pl.col(f"_rx_{g}"))
        if not absolute:
            return [*stages, {f"_rt_{g}": target.str.splitn("?", 2)}]
        return [*stages, *_absolute_stages(g, target, "_rt_")]

    return prepare


def _absolute_stages(g: str, target: pl.Expr, prefix: str) -> list[dict[str, pl.Expr]]:
    """``http://host/p?q`` → host, and the path and query cut at ``?``."""
    t, host = pl.col(f"_at_{g}"), pl.col(f"_ah_{g}")
    rest = t.str.extract(_ABSOLUTE, 2)
    path = pl.when(host.is_null()).then(t).when(rest == "").then(pl.lit("/")).otherwise(rest)
    return [
        {f"_at_{g}": target},
        {f"_ah_{g}": t.str.extract(_ABSOLUTE, 1)},
        {f"{prefix}{g}": path.str.splitn("?", 2)},
    ]


def _request_convert(absolute: bool) -> Converter:
    def convert(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
        ok, method, proto, target = (pl.col(f"_r{n}_{f.group}") for n in "kmvt")
        out = {
            "method": pl.when(ok).then(method),
            "path": target.struct.field("field_0"),
            "query": target.struct.field("field_1"),
            "protocol": pl.when(ok).then(proto),
        }
        if absolute:
            out["host"] = pl.col(f"_ah_{f.group}")
        return out

    return convert


def _uri_prepare(absolute: bool) -> Preparer:
    def prepare(f: Field, raw: pl.Expr) -> list[dict[str, pl.Expr]]:
        if absolute:
            return _absolute_stages(f.group, dash_null(raw), "_u_")
        return [{f"_u_{f.group}": dash_null(raw).str.splitn("?", 2)}]

    return prepare


def _uri_convert(absolute: bool) -> Converter:
    def convert(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
        target = pl.col(f"_u_{f.group}")
        out = {"path": target.struct.field("field_0"), "query": target.struct.field("field_1")}
        if absolute:
            out["host"] = pl.col(f"_ah_{f.group}")
        return out

    return convert


def _split(sep: str, names: tuple[str, ...], fn: Callable[[pl.Expr], pl.Expr]) -> Converter:
    """A field of ``names`` joined by ``sep``: each part through ``fn``."""

    def convert(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
        parts = dash_null(raw).str.split(sep)
        return {n: fn(parts.list.get(i, null_on_oob=True)) for i, n in enumerate(names)}

    return convert


def _millis_or_null(e: pl.Expr) -> pl.Expr:
    """HAProxy's timers: milliseconds, ``-1`` for "not reached", ``+`` with logasap."""
    ms = e.str.strip_prefix("+").cast(pl.Int64, strict=False)
    return pl.when(ms >= 0).then(ms / 1000)


def _lb_seconds(e: pl.Expr) -> pl.Expr:
    """AWS load balancers' timings: seconds, ``-1`` for "no response"."""
    x = e.cast(pl.Float64, strict=False)
    return pl.when(x >= 0).then(x)


_LB = ("request_processing_time", "upstream_response_time", "response_processing_time")


def _lb_timings(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
    """Three timings (request, target, response processing): each, and their sum."""
    parts = raw.str.split(" ")
    out = {n: _lb_seconds(parts.list.get(i, null_on_oob=True)) for i, n in enumerate(_LB)}
    a, b, c = (_lb_seconds(parts.list.get(i, null_on_oob=True)) for i in range(3))
    out["request_time"] = (a + b + c).round(6)
    return out


def _addr_port(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
    """``192.0.2.1:443`` or ``[2001:db8::1]:443`` → address and port (cut at the last colon)."""
    m = dash_null(raw).str.extract_groups(r"^\[?(?<a>.*?)\]?:(?<p>[0-9]+)$")
    addr = pl.coalesce(m.struct.field("a"), dash_null(raw))
    port = m.struct.field("p").cast(COLUMNS["remote_port"], strict=False)
    return {"remote_addr": addr, "remote_port": port}


def _haproxy_backend(f: Field, raw: pl.Expr) -> dict[str, pl.Expr]:
    """``backend/server``: the backend's name, and the server as ``backend/server``
    (null when HAProxy had none: ``<NOSRV>``)."""
    backend = raw.str.extract(r"^([^/]*)/", 1)
    return {
        "backend_name": backend,
        "upstream_addr": pl.when(~raw.str.ends_with("/<NOSRV>")).then(raw),
    }


def _duration_ms(raw: pl.Expr, f: Field) -> pl.Expr:
    return raw.str.strip_suffix("ms").cast(pl.Float64, strict=False) / 1000


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0}
_DURATION_UNITS |= {"m": 60.0, "h": 3600.0}


def _go_duration(raw: pl.Expr, f: Field) -> pl.Expr:
    """Seconds as a number (Caddy's default), or a Go duration (``1.5ms``, ``1m2s``)."""
    number = raw.cast(pl.Float64, strict=False)
    parts = raw.str.extract_all(r"[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|μs|ms|s|m|h)")
    value = pl.element().str.extract(r"^([0-9.]+)", 1).cast(pl.Float64)
    unit = pl.element().str.extract(r"([a-zµμ]+)$", 1).replace_strict(_DURATION_UNITS, default=None)
    seconds = parts.list.eval(value * unit).list.sum()
    return pl.coalesce(number, pl.when(parts.list.len() > 0).then(seconds))


@functools.cache
def tls_names() -> dict[str, dict[str, str]]:
    """Go's TLS numbers → nginx's names, by ``versions`` and ``ciphers`` (``data/tls.toml``).

    >>> tls_names()["versions"]["772"], tls_names()["ciphers"]["49199"]
    ('TLSv1.3', 'ECDHE-RSA-AES128-GCM-SHA256')
    """
    text = files("httplog").joinpath("data", "tls.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _tls_version(raw: pl.Expr, f: Field) -> pl.Expr:
    """Go's TLS version numbers (Caddy: ``772``) → nginx's names (``TLSv1.3``)."""
    return raw.replace_strict(tls_names()["versions"], default=raw, return_dtype=pl.String)


def _tls_cipher(raw: pl.Expr, f: Field) -> pl.Expr:
    """Go's cipher suite numbers (Caddy: ``4865``) → OpenSSL's names, as nginx writes them."""
    text = dash_null(raw)
    return text.replace_strict(tls_names()["ciphers"], default=text, return_dtype=pl.String)


def _plus_text(raw: pl.Expr, f: Field) -> pl.Expr:
    """IIS writes the spaces of a header as ``+``."""
    return dash_null(raw).str.replace_all("+", " ", literal=True)


def _pct_text(raw: pl.Expr, f: Field) -> pl.Expr:
    """CloudFront percent-encodes its headers: ``%20`` and UTF-8 runs are decoded."""
    return unescape(dash_null(raw), "percent")


# ------------------------------------------------------------------ table

_TEXT = _one(lambda raw, f: dash_null(raw))
_NUMBER = ("-|[0-9]+", NUMBER_START, DIGITS)
_DECIMAL = (r"-|[0-9]+(?:\.[0-9]+)?", NUMBER_START, DECIMAL)

KINDS: dict[str, Kind] = {
    # text: "-" is null, "" is the empty string
    "text": Kind(WORD, _TEXT, text=True),
    # a list-like text field (headers, X-Forwarded-For): its regex reaches the next literal
    "list": Kind(LIST, _TEXT, text=True),
    # an address (IP, host name): text that no server escapes
    "addr": Kind(WORD, _TEXT),
    # kept as written ("" is null)
    "raw": Kind(WORD, _one(lambda raw, f: pl.when(raw != "").then(raw)), text=True),
    "plus_text": Kind(WORD, _one(_plus_text)),
    "pct_text": Kind(WORD, _one(_pct_text)),
    "time_local": Kind(
        r"[0-9]{1,2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}",
        _with_offset(time_local, offset_at_end),
        first=DIGITS,
        tail="",
    ),
    "time_iso": Kind(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?",
        _with_offset(time_iso),
        first=DIGITS,
        tail="[0-9.,Z+-]",
    ),
    "time_epoch": Kind(
        r"[0-9]+(?:\.[0-9]+)?",
        _one(lambda raw, f: time_epoch(raw, f.arg)),
        first=DIGITS,
        tail=DECIMAL,
    ),
    # its regex and classes come from the strftime format (see base.strftime_regex)
    "time_strftime": Kind("", _one(lambda raw, f: time_strftime(raw, f.arg or ""))),
    # JSON: ISO 8601, time_local, or epoch seconds (milli-, micro-, nanoseconds by size)
    "time_any": Kind(WORD, _with_offset(time_any)),
    "time_w3c": Kind(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ \t][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?",
        _one(lambda raw, f: time_w3c(raw, f.arg)),
        first=DIGITS,
        tail=DECIMAL,
    ),
    "time_haproxy": Kind(
        r"[0-9]{2}/[A-Za-z]{3}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?",
        _one(lambda raw, f: time_haproxy(raw)),
        first=DIGITS,
        tail=DECIMAL,
    ),
    "request": Kind(
        WORD,
        _request_convert(absolute=False),
        ("method", "path", "query", "protocol"),
        _request_prepare(absolute=False),
        text=True,
        primary="path",
    ),
    # a request whose target may be absolute (proxies, load balancers): also the host
    "proxy_request": Kind(
        WORD,
        _request_convert(absolute=True),
        ("method", "path", "query", "protocol", "host"),
        _request_prepare(absolute=True),
        text=True,
        primary="path",
    ),
    "uri": Kind(
        WORD, _uri_convert(False), ("path", "query"), _uri_prepare(False), text=True, primary="path"
    ),
    "url": Kind(
        WORD,
        _uri_convert(True),
        ("path", "query", "host"),
        _uri_prepare(True),
        text=True,
        primary="path",
    ),
    "query": Kind(WORD, _one(_query), text=True),
    "status": Kind(_NUMBER[0], _one(_uint), first=_NUMBER[1], tail=_NUMBER[2]),
    "uint": Kind(_NUMBER[0], _one(_uint), first=_NUMBER[1], tail=_NUMBER[2]),
    "seconds": Kind(
        _DECIMAL[0], _one(lambda raw, f: _float(raw)), first=_DECIMAL[1], tail=_DECIMAL[2]
    ),
    "millis": Kind(
        _DECIMAL[0], _one(lambda raw, f: _float(raw, 1e3)), first=_DECIMAL[1], tail=_DECIMAL[2]
    ),
    "micros": Kind(
        _NUMBER[0], _one(lambda raw, f: _float(raw, 1e6)), first=_NUMBER[1], tail=_NUMBER[2]
    ),
    # a trailing field whose sample values are all numbers
    "number": Kind(
        r"-|-?[0-9]+(?:\.[0-9]+)?", _one(lambda raw, f: _float(raw)), first=_NUMBER[1], tail=DECIMAL
    ),
    "upstream_seconds": Kind(LIST, _one(lambda raw, f: upstream_seconds(raw))),
    "upstream_list": Kind(LIST, _TEXT, text=True),
    "duration_ms": Kind(r"[0-9]+(?:\.[0-9]+)?ms", _one(_duration_ms), first=DIGITS, tail=""),
    "go_duration": Kind(WORD, _one(_go_duration)),
    "tls_version": Kind(WORD, _one(_tls_version)),
    "tls_cipher": Kind(WORD, _one(_tls_cipher)),
    "addr_port": Kind(WORD, _addr_port, ("remote_addr", "remote_port")),
    "lb_timings": Kind(
        r"-?[0-9.]+ -?[0-9.]+ -?[0-9.]+", _lb_timings, (*_LB, "request_time"), first=NUMBER_START
    ),
    "haproxy_timers": Kind(
        r"\+?-?[0-9]+/\+?-?[0-9]+/\+?-?[0-9]+/\+?-?[0-9]+/\+?-?[0-9]+",
        _split(
            "/",
            (
                "request_header_time",
                "queue_time",
                "upstream_connect_time",
                "upstream_response_time",
                "request_time",
            ),
            _millis_or_null,
        ),
        (
            "request_header_time",
            "queue_time",
            "upstream_connect_time",
            "upstream_response_time",
            "request_time",
        ),
    ),
    "haproxy_conns": Kind(
        r"[0-9]+/[0-9]+/[0-9]+/[0-9]+/\+?[0-9]+",
        _split(
            "/",
            ("actconn", "feconn", "beconn", "srv_conn", "retries"),
            lambda e: e.str.strip_prefix("+").cast(pl.UInt64, strict=False),
        ),
        ("actconn", "feconn", "beconn", "srv_conn", "retries"),
    ),
    "haproxy_queues": Kind(
        r"[0-9]+/[0-9]+",
        _split("/", ("srv_queue", "backend_queue"), lambda e: e.cast(pl.UInt64, strict=False)),
        ("srv_queue", "backend_queue"),
    ),
    "haproxy_backend": Kind(
        r"[^\x00-\x20/]+/[^\x00-\x20]+", _haproxy_backend, ("backend_name", "upstream_addr")
    ),
    # Squid's TCP_MISS/200 and DIRECT/203.0.113.1
    "squid_status": Kind(
        r"[A-Za-z_]+/[0-9]+",
        _split("/", ("result_code", "status"), lambda e: e),
        ("result_code", "status"),
    ),
    "squid_hierarchy": Kind(
        r"[A-Za-z_]+/[^\x00-\x20]*",
        _split("/", ("hierarchy_code", "upstream_addr"), dash_null),
        ("hierarchy_code", "upstream_addr"),
    ),
}
