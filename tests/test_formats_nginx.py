"""nginx: the built-in combined, the stock ``main``, and custom ``log_format`` strings."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from httplog.errors import FormatError
from httplog.formats import compile_format
from httplog.formats.nginx import compile_nginx
from httplog.schema import COLUMNS

T0 = datetime(2026, 11, 20, 11, 0, 0, tzinfo=UTC)  # 20/Nov/2026:12:00:00 +0100
COMBINED = (
    '203.0.113.7 - alice [20/Nov/2026:12:00:00 +0100] "GET /shop/cart?id=42&x=%C3%A9 HTTP/2.0" '
    '200 5120 "https://www.example.org/" "Mozilla/5.0 (X11; Linux x86_64)"'
)


def test_nginx_named_format_parses_every_combined_field(parse_log):
    log = parse_log([COMBINED], "nginx")
    assert log.rejected == 0
    assert log.frame.drop("source").row(0, named=True) == {
        "time": T0,
        "remote_addr": "203.0.113.7",
        "remote_user": "alice",
        "method": "GET",
        "path": "/shop/cart",
        "query": "id=42&x=%C3%A9",
        "protocol": "HTTP/2.0",
        "status": 200,
        "bytes": 5120,
        "referer": "https://www.example.org/",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
    }


def test_main_named_format_adds_x_forwarded_for(parse_log):
    log = parse_log([COMBINED + ' "198.51.100.1, 10.0.0.2"', COMBINED + ' "-"'], "main")
    assert log.frame["x_forwarded_for"].to_list() == ["198.51.100.1, 10.0.0.2", None]


def test_nginx_format_rejects_a_main_line_and_main_rejects_a_combined_line(parse_log):
    assert parse_log([COMBINED + ' "-"'], "nginx").rejected_by_reason == {"no_match": 1}
    assert parse_log([COMBINED], "main").rejected_by_reason == {"no_match": 1}


def test_tls_handshake_written_as_escaped_bytes_is_a_request_with_status_400(parse_log):
    line = (
        '192.0.2.9 - - [20/Nov/2026:12:00:00 +0100] "\\x16\\x03\\x01\\x00\\xA5\\x01\\x00\\x00'
        '\\xA1\\x03\\x03\\xC4" 400 157 "-" "-"'
    )
    log = parse_log([line], "nginx")
    row = log.frame.row(0, named=True)
    assert log.rejected == 0
    assert row["status"] == 400
    assert (row["method"], row["path"], row["query"], row["protocol"]) == (None, None, None, None)
    assert (row["referer"], row["user_agent"]) == (None, None)


def test_nginx_hex_escapes_forming_utf8_become_characters_and_controls_stay_escaped(parse_log):
    agent = "say \\x22hi\\x22 \\xC3\\xA9 \\xE4\\xB8\\xAD \\x5C \\x0A \\xFF\\xC3"
    log = parse_log([COMBINED.replace("Mozilla/5.0 (X11; Linux x86_64)", agent)], "nginx")
    assert log.frame["user_agent"].to_list() == ['say "hi" é 中 \\ \\x0A \\xFF\\xC3']


# ------------------------------------------------- every variable of the issue

# (variable, value as nginx writes it, column, typed value)
VARIABLES = [
    ("remote_addr", "2001:db8::1", "remote_addr", "2001:db8::1"),
    ("remote_user", "bob", "remote_user", "bob"),
    ("request_method", "PATCH", "method", "PATCH"),
    ("request_uri", "/a/b?x=1&y", "path", "/a/b"),
    ("uri", "/a/%C3%A9", "path", "/a/%C3%A9"),
    ("args", "x=1&y=2", "query", "x=1&y=2"),
    ("server_protocol", "HTTP/2.0", "protocol", "HTTP/2.0"),
    ("body_bytes_sent", "1234", "bytes", 1234),
    ("bytes_sent", "1500", "bytes", 1500),
    ("request_length", "321", "request_length", 321),
    ("request_time", "0.123", "request_time", 0.123),
    ("upstream_response_time", "0.010, 0.002 : 0.031", "upstream_response_time", 0.043),
    ("upstream_response_time", "-", "upstream_response_time", None),
    (
        "upstream_addr",
        "10.0.0.1:80, 10.0.0.2:80 : unix:/s",
        "upstream_addr",
        "10.0.0.1:80, 10.0.0.2:80 : unix:/s",
    ),
    ("upstream_status", "502, 200", "upstream_status", "502, 200"),
    ("http_referer", "https://example.org/?q=1", "referer", "https://example.org/?q=1"),
    ("http_user_agent", "curl/8.5.0", "user_agent", "curl/8.5.0"),
    ("http_x_forwarded_for", "203.0.113.9, 10.0.0.1", "x_forwarded_for", "203.0.113.9, 10.0.0.1"),
    ("host", "www.example.com", "host", "www.example.com"),
    ("server_name", "example.com", "server_name", "example.com"),
    ("server_port", "8443", "server_port", 8443),
    ("scheme", "https", "scheme", "https"),
    ("ssl_protocol", "TLSv1.3", "ssl_protocol", "TLSv1.3"),
    ("connection", "987654", "connection", 987654),
    ("http_x_request_id", "abc-123", "http_x_request_id", "abc-123"),  # any other: text
]
BASE = "[$time_local] $status"
BASE_LINE = "[20/Nov/2026:12:00:00 +0100] 200"
CASES = [(*v, q) for v in VARIABLES for q in ('"', "") if q or " " not in v[1]]


@pytest.mark.parametrize(("var", "written", "column", "value", "q"), CASES)
def test_every_nginx_variable_compiles_to_its_typed_column(
    parse_field, var, written, column, value, q
):
    got = parse_field(f"{BASE_LINE} {q}{written}{q}", f"{BASE} {q}${var}{q}", column)
    assert got == (pytest.approx(value) if isinstance(value, float) else value)


@pytest.mark.parametrize(
    ("var", "written"),
    [
        ("time_local", "20/Nov/2026:12:00:00 +0100"),
        ("time_iso8601", "2026-11-20T12:00:00+01:00"),
        ("msec", f"{T0.timestamp():.3f}"),
    ],
)
def test_each_nginx_time_variable_gives_the_utc_time(parse_log, var, written):
    log = parse_log(
        [f'192.0.2.1 {written} "GET / HTTP/1.1" 200'], f'$remote_addr ${var} "$request" $status'
    )
    assert log.frame["time"].to_list() == [T0]
    assert log.frame["time"].dtype == COLUMNS["time"]


def test_msec_keeps_milliseconds(parse_log):
    log = parse_log([f'{T0.timestamp():.0f}.123 200 "GET / HTTP/1.1"'], '$msec $status "$request"')
    assert log.frame["time"][0] == T0.replace(microsecond=123000)


def test_custom_nginx_format_with_timing_fields(parse_log):
    fmt = (
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" $request_time $upstream_response_time $upstream_addr'
    )
    base = '192.0.2.1 - - [20/Nov/2026:12:00:00 +0100] "GET /api HTTP/1.1" 502 10 "-" "curl/8"'
    log = parse_log(
        [
            base + " 0.051 0.010, 0.002 : 0.031 10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80",
            base + " 0.000 - -",
            base + " 1.5 0.5 10.0.0.1:80",
        ],
        fmt,
    )
    assert log.rejected == 0, log.samples
    f = log.frame
    assert f["request_time"].to_list() == [0.051, 0.0, 1.5]
    assert f["upstream_response_time"].to_list() == pytest.approx([0.043, None, 0.5], nan_ok=True)
    assert f["upstream_response_time"][1] is None
    assert f["upstream_addr"].to_list() == [
        "10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80",
        None,
        "10.0.0.1:80",
    ]
    assert f["upstream_response_time"].dtype == pl.Float64


def test_uri_is_args_args_idiom_gives_path_and_query(parse_log):
    fmt = '$remote_addr [$time_local] "$request_method $uri$is_args$args" $status'
    log = parse_log(
        [
            '192.0.2.1 [20/Nov/2026:12:00:00 +0100] "GET /a?b=1" 200',
            '192.0.2.1 [20/Nov/2026:12:00:00 +0100] "GET /a" 200',
        ],
        fmt,
    )
    assert log.frame.select("method", "path", "query").rows() == [
        ("GET", "/a", "b=1"),
        ("GET", "/a", None),
    ]


def test_a_format_pasted_from_nginx_conf_is_accepted():
    conf = """log_format timed '$remote_addr - $remote_user [$time_local] "$request" '
                     '$status $body_bytes_sent $request_time';"""
    fmt = compile_nginx(conf)
    assert fmt.string == (
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent $request_time'
    )
    assert fmt.columns[-1] == "request_time"


def test_braced_variables_are_variables(parse_log):
    log = parse_log(
        ["192.0.2.1 [20/Nov/2026:12:00:00 +0100] 200 x"],
        "${remote_addr} [$time_local] $status ${pipe}",
    )
    assert log.frame["pipe"].to_list() == ["x"]


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("$remote_addr $status", "no time field"),
        ("$remote_addr [$time_local]", "no status field"),
        ("$remote_addr$remote_user [$time_local] $status", "$remote_addr$remote_user"),
        ("plain text", "unknown log format"),
    ],
)
def test_nginx_formats_that_cannot_work_are_errors_saying_why(fmt, message):
    with pytest.raises(FormatError) as e:
        compile_format(fmt)
    assert message in str(e.value)


def test_a_field_feeding_an_existing_column_gets_another_name():
    fmt = compile_nginx(
        '$remote_addr [$time_local] $status $body_bytes_sent $bytes_sent "$host" "$http_host"'
    )
    assert fmt.columns == [
        "remote_addr",
        "time",
        "status",
        "bytes",
        "bytes_sent",
        "host",
        "server_name",
    ]


def test_a_bracketed_text_variable_may_hold_spaces(parse_log):
    log = parse_log(["[a b c] [20/Nov/2026:12:00:00 +0100] 200"], "[$tag] [$time_local] $status")
    assert log.frame["tag"].to_list() == ["a b c"]
