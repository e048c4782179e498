"""Values read back as the client sent them: each server's escapes undone its own way,
and an empty value kept apart from an absent one."""

from __future__ import annotations

import json
import os

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from httplog.formats import compile_format
from httplog.formats.escapes import unescape
from httplog.parse import lines_frame, parse_lines

EXAMPLES = 300 if os.environ.get("CI") == "true" else 50
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

T = "[10/Oct/2000:13:55:36 -0700]"
COMBINED = "192.0.2.1 - - " + T + ' "GET / HTTP/1.1" 200 5 "{referer}" "{agent}"'


def read(fmt: str, lines: list[str]) -> pl.DataFrame:
    data = "".join(line + "\n" for line in lines).encode()
    ok, bad = parse_lines(lines_frame(data), compile_format(fmt), source="t")
    assert bad.height == 0, bad.to_dicts()
    return ok


# ----------------------------------------------------------- empty vs absent


def test_an_empty_header_is_the_empty_string_and_a_dash_is_null_in_text_formats():
    f = read(
        "combined", [COMBINED.format(referer="", agent="-"), COMBINED.format(referer="-", agent="")]
    )
    assert f.select("referer", "user_agent").rows() == [("", None), (None, "")]


def test_an_empty_value_is_the_empty_string_and_a_dash_or_null_is_null_in_json_lines(parse_log):
    base = {"time": "2000-10-10T13:55:36-07:00", "status": 200}
    lines = [
        json.dumps({**base, "http_referer": "", "http_user_agent": "-"}),
        json.dumps({**base, "http_referer": None, "http_user_agent": "curl/8"}),
    ]
    log = parse_log(lines, "json")
    assert log.rejected == 0
    f = log.frame
    assert f.select("referer", "user_agent").rows() == [("", None), (None, "curl/8")]


# ------------------------------------------------------- escapes, by server

#: Any text a client may send: quotes, backslashes, control characters, any script.
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), max_codepoint=0x10FFFF), max_size=30
)


def _control(c: str) -> bool:
    return ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F


def apache_writes(s: str) -> str:
    """``ap_escape_logitem``: ``\\"``, ``\\\\``, ``\\n``-style for a few controls, else ``\\xhh``."""
    short = {"\b": "\\b", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c in short:
            out.append(short[c])
        elif 0x20 <= ord(c) < 0x7F:
            out.append(c)
        else:
            out.extend(f"\\x{b:02x}" for b in c.encode())
    return "".join(out)


def nginx_writes(s: str) -> str:
    """``ngx_http_log_escape``: ``"``, ``\\``, controls and bytes beyond ASCII as ``\\xHH``."""
    return "".join(
        f"\\x{b:02X}" if b in (0x22, 0x5C) or b < 0x20 or b > 0x7E else chr(b) for b in s.encode()
    )


def read_back(s: str, writes) -> str:
    """What httplog gives back: the text, its control characters as the server wrote them."""
    return "".join(writes(c) if _control(c) else c for c in s)


@SETTINGS
@given(agent=TEXT)
def test_apache_escapes_are_undone_and_utf8_runs_become_characters(agent):
    f = read("combined", [COMBINED.format(referer="-", agent=apache_writes(agent))])
    expected = read_back(agent, apache_writes)
    assert f["user_agent"].to_list() == [None if expected == "-" else expected]


@SETTINGS
@given(agent=TEXT)
def test_nginx_hex_escapes_are_undone_and_utf8_runs_become_characters(agent):
    f = read("nginx", [COMBINED.format(referer="-", agent=nginx_writes(agent))])
    expected = read_back(agent, nginx_writes)
    assert f["user_agent"].to_list() == [None if expected == "-" else expected]


@SETTINGS
@given(agent=TEXT)
def test_nginx_escape_json_in_a_text_format_is_decoded_as_json(agent):
    fmt = (
        'log_format j escape=json \'$remote_addr [$time_local] "$request" $status '
        '"$http_user_agent"\';'
    )
    written = json.dumps(agent, ensure_ascii=False)[1:-1]
    f = read(fmt, [f'192.0.2.1 {T} "GET / HTTP/1.1" 200 "{written}"'])
    assert f["user_agent"].to_list() == [None if agent == "-" else agent]


def test_nginx_leaves_a_backslash_quote_from_another_writer_as_written():
    f = read("nginx", [COMBINED.format(referer="-", agent='say \\"hi\\"')])
    assert f["user_agent"].to_list() == ['say \\"hi\\"']


@pytest.mark.parametrize(
    ("dialect", "written", "read"),
    [
        ("apache", r"\xe4\xb8\xad\xe6\x96\x87 UA", "中文 UA"),
        ("apache", r"\\xe4 is a backslash then text", r"\xe4 is a backslash then text"),
        (
            "apache",
            r"\xc3 half \xff bad \xed\xa0\x80 surrogate",
            r"\xc3 half \xff bad \xed\xa0\x80 surrogate",
        ),
        ("apache", r"C1 \xc2\x85 stays, NBSP \xc2\xa0 too", "C1 \\xc2\\x85 stays, NBSP \u00a0 too"),
        ("nginx", r"\x16\x03\x01\x00\xA5", r"\x16\x03\x01\x00\xA5"),
        ("nginx", r"\xF0\x9F\x98\x80 \x5C \x22", '😀 \\ "'),
        ("haproxy", "a#22b#7Bc#E4#B8#AD#0A", 'a"b{c中#0A'),
        ("percent", "Mozilla/5.0%20(X11;%20Linux)%ZZ", "Mozilla/5.0 (X11; Linux)%ZZ"),
        ("csv", 'say ""hi""', 'say "hi"'),
    ],
)
def test_each_dialects_escapes_are_undone_its_own_way(dialect, written, read):
    assert pl.select(unescape(pl.lit(written), dialect)).item() == read
