"""Apache: common, combined, vhost_combined, and custom ``LogFormat`` strings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from httplog.errors import FormatError
from httplog.formats import compile_format
from httplog.formats.apache import compile_apache

T0 = datetime(2026, 11, 20, 17, 30, 5, tzinfo=UTC)  # 20/Nov/2026:12:30:05 -0500
COMMON = (
    '198.51.100.4 - frank [20/Nov/2026:12:30:05 -0500] "GET /index.html?lang=fr HTTP/1.1" 200 2326'
)
COMBINED = COMMON + ' "http://example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"'


def test_common_parses_its_seven_fields(parse_log):
    log = parse_log([COMMON], "common")
    assert log.frame.drop("source").row(0, named=True) == {
        "time": T0,
        "remote_addr": "198.51.100.4",
        "remote_user": "frank",
        "method": "GET",
        "path": "/index.html",
        "query": "lang=fr",
        "protocol": "HTTP/1.1",
        "status": 200,
        "bytes": 2326,
        "remote_logname": None,
    }


def test_combined_adds_referer_and_agent(parse_log):
    log = parse_log([COMBINED], "combined")
    row = log.frame.row(0, named=True)
    assert row["referer"] == "http://example.com/start.html"
    assert row["user_agent"] == "Mozilla/4.08 [en] (Win98; I ;Nav)"


def test_vhost_combined_reads_host_port_and_bytes_sent(parse_log):
    line = "www.example.org:443 " + COMBINED.replace(" 2326 ", " 2580 ")
    log = parse_log([line], "vhost_combined")
    row = log.frame.row(0, named=True)
    assert (row["host"], row["server_port"], row["bytes"]) == ("www.example.org", 443, 2580)
    assert row["remote_addr"] == "198.51.100.4"


def test_apache_escaped_quotes_and_backslashes_are_undone(parse_log):
    line = (
        '192.0.2.3 - - [20/Nov/2026:12:30:05 -0500] "GET /a\\"b?q=\\\\x HTTP/1.1" 404 -'
        ' "-" "Mozilla/5.0 (compatible; \\"quoted\\" agent) \\\\o/"'
    )
    log = parse_log([line], "combined")
    assert log.rejected == 0, log.samples
    row = log.frame.row(0, named=True)
    assert (row["path"], row["query"]) == ('/a"b', "q=\\x")
    assert row["user_agent"] == 'Mozilla/5.0 (compatible; "quoted" agent) \\o/'
    assert row["bytes"] is None and row["referer"] is None


def test_a_hostname_in_h_is_kept_as_the_remote_addr(parse_log):
    log = parse_log([COMMON.replace("198.51.100.4", "lj1036.inktomisearch.com")], "common")
    assert log.frame["remote_addr"].to_list() == ["lj1036.inktomisearch.com"]


# ------------------------------------------------ every directive of the issue

# (directive, value as Apache writes it, column, typed value)
DIRECTIVES = [
    ("%h", "2001:db8::2", "remote_addr", "2001:db8::2"),
    ("%a", "192.0.2.5", "remote_addr", "192.0.2.5"),
    ("%{c}a", "192.0.2.6", "remote_addr", "192.0.2.6"),
    ("%l", "ident", "remote_logname", "ident"),
    ("%u", "bob", "remote_user", "bob"),
    ("%m", "DELETE", "method", "DELETE"),
    ("%U", "/a/b%20c", "path", "/a/b%20c"),
    ("%q", "?x=1&y", "query", "x=1&y"),
    ("%q", "", "query", None),
    ("%H", "HTTP/2.0", "protocol", "HTTP/2.0"),
    ("%b", "-", "bytes", None),
    ("%b", "123", "bytes", 123),
    ("%B", "0", "bytes", 0),
    ("%O", "500", "bytes", 500),
    ("%I", "321", "request_length", 321),
    ("%D", "1500", "request_time", 0.0015),
    ("%T", "2", "request_time", 2.0),
    ("%{ms}T", "250", "request_time", 0.25),
    ("%{us}T", "250", "request_time", 0.00025),
    ("%{s}T", "3", "request_time", 3.0),
    ("%v", "www.example.com", "host", "www.example.com"),
    ("%V", "example.com", "host", "example.com"),
    ("%p", "443", "server_port", 443),
    ("%{remote}p", "51234", "remote_port", 51234),
    ("%{Referer}i", "https://example.org/", "referer", "https://example.org/"),
    ("%{User-Agent}i", "curl/8.5.0", "user_agent", "curl/8.5.0"),
    ("%{X-Forwarded-For}i", "203.0.113.9, 10.0.0.1", "x_forwarded_for", "203.0.113.9, 10.0.0.1"),
    ("%{X-Request-Id}i", "abc", "http_x_request_id", "abc"),
    # the content type has a column of its own (the content_types panel)
    ("%{Content-Type}o", "text/html; charset=utf-8", "content_type", "text/html; charset=utf-8"),
    ("%{Cache-Control}o", "no-cache", "sent_http_cache_control", "no-cache"),
    ("%k", "3", "keepalive", 3),
    ("%L", "YkT1@X8AAQEAAAWcX2IAAAAE", "log_id", "YkT1@X8AAQEAAAWcX2IAAAAE"),
    ("%{UNIQUE_ID}e", "YkT1@X8AAQ", "unique_id", "YkT1@X8AAQ"),
    ("%P", "1234", "pid", "1234"),
    ("%{tid}P", "140231466247744", "tid", "140231466247744"),
]
CASES = [(*d, q) for d in DIRECTIVES for q in ('"', "") if q or (" " not in d[1] and d[1])]


@pytest.mark.parametrize(("directive", "written", "column", "value", "q"), CASES)
def test_every_apache_directive_compiles_to_its_typed_column(
    parse_field, directive, written, column, value, q
):
    line = f"[20/Nov/2026:12:30:05 -0500] 200 {q}{written}{q}"
    got = parse_field(line, f"%t %>s {q}{directive}{q}", column)
    assert got == (pytest.approx(value) if isinstance(value, float) else value)


@pytest.mark.parametrize("directive", ["%s", "%>s", "%<s"])
def test_status_directives(parse_log, directive):
    log = parse_log(["[20/Nov/2026:12:30:05 -0500] 503"], f"%t {directive}")
    assert log.frame["status"].to_list() == [503]


@pytest.mark.parametrize(
    ("directive", "written", "expected"),
    [
        ("%t", "[20/Nov/2026:12:30:05 -0500]", T0),
        ("[%{%d/%b/%Y:%H:%M:%S %z}t]", "[20/Nov/2026:12:30:05 -0500]", T0),
        ("%{%Y-%m-%d %H:%M:%S}t", "2026-11-20 17:30:05", T0),  # no offset written: UTC
        ("%{begin:%Y-%m-%dT%H:%M:%S}t", "2026-11-20T17:30:05", T0),
        ("%{%d/%b/%Y %T}t", "20/Nov/2026 17:30:05", T0),
        ("%{sec}t", f"{T0.timestamp():.0f}", T0),
        ("%{msec}t", f"{T0.timestamp() * 1e3 + 123:.0f}", T0.replace(microsecond=123000)),
        ("%{end:usec}t", f"{T0.timestamp() * 1e6 + 42:.0f}", T0.replace(microsecond=42)),
    ],
)
def test_apache_time_directives_give_the_utc_time(parse_log, directive, written, expected):
    log = parse_log([f"{written} 200"], f"{directive} %>s")
    assert log.rejected == 0, log.samples
    assert log.frame["time"].to_list() == [expected]


def test_d_microseconds_become_seconds_in_a_custom_combined(parse_log):
    fmt = r"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\" %D"
    log = parse_log([COMBINED + " 1234567", COMBINED + " 0"], fmt)
    assert log.frame["request_time"].to_list() == [1.234567, 0.0]


def test_u_q_idiom_splits_path_and_query(parse_log):
    fmt = '%t "%m %U%q %H" %>s'
    lines = [
        '[20/Nov/2026:12:30:05 -0500] "GET /search?q=caf%C3%A9 HTTP/1.1" 200',
        '[20/Nov/2026:12:30:05 -0500] "GET /search HTTP/1.1" 200',
    ]
    log = parse_log(lines, fmt)
    assert log.frame.select("method", "path", "query", "protocol").rows() == [
        ("GET", "/search", "q=caf%C3%A9", "HTTP/1.1"),
        ("GET", "/search", None, "HTTP/1.1"),
    ]


def test_a_logformat_line_pasted_from_httpd_conf_is_accepted():
    fmt = compile_format(r'LogFormat "%h %l %u %t \"%r\" %>s %b" common')
    assert fmt.string == '%h %l %u %t "%r" %>s %b'


def test_percent_percent_is_a_literal_percent(parse_log):
    log = parse_log(["[20/Nov/2026:12:30:05 -0500] 200 50%"], "%t %>s %{X}i%%")
    assert log.frame["http_x"].to_list() == ["50"]


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("%h %t %Z %>s", "unknown Apache LogFormat directive %Z"),
        ("%h %t %{foo}Z %>s", "unknown Apache LogFormat directive %{foo}Z"),
        ("%h %t %^ti %>s", "unknown Apache LogFormat directive %^ti"),
        ("%t %>s %{min}T", "unknown unit %{min}T"),
        ("%t %>s %{%Q}t", "unsupported strftime conversion %Q"),
        ("%t %>s %{foo}t", "unknown time format %{foo}t"),
        ("%h%u %t %>s", "%h%u: two Apache directives"),
        ("%h %>s", "no time field"),
    ],
)
def test_apache_formats_that_cannot_work_are_errors_naming_the_directive(fmt, message):
    with pytest.raises(FormatError) as e:
        compile_apache(fmt)
    assert message in str(e.value)


def test_lnav_style_vhost_format_with_a_trailing_d_parses_http2_lines(parse_log):
    line = (
        'localhost:443 10.0.0.1 1j0vhgd jsmith [26/Jul/2023:00:01:26 -0700] "GET /rest/api HTTP/2.0" '
        '200 16840 "-" "Mozilla/5.0" 53427'
    )
    fmt = '%v:%p %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D'
    log = parse_log([line], fmt)
    row = log.frame.row(0, named=True)
    assert (row["host"], row["server_port"], row["remote_logname"], row["remote_user"]) == (
        "localhost",
        443,
        "1j0vhgd",
        "jsmith",
    )
    assert row["protocol"] == "HTTP/2.0"
    assert row["request_time"] == pytest.approx(0.053427)
