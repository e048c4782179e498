"""A request line is cut into method, path, query and protocol: the protocol
is the last word when it looks like ``HTTP/1.1``, whatever the target holds."""

from __future__ import annotations

import pytest

from httplog.formats import compile_format
from httplog.parse import lines_frame, parse_lines


@pytest.mark.parametrize(
    ("request_line", "expected"),
    [
        ("GET / HTTP/1.1", ("GET", "/", None, "HTTP/1.1")),
        ("GET /é ü HTTP/1.1", ("GET", "/é ü", None, "HTTP/1.1")),
        ("GET /日本?q=語 HTTP/1.0", ("GET", "/日本", "q=語", "HTTP/1.0")),
        ("GET /x", ("GET", "/x", None, None)),
        ("GET /a HTTP/1.1 HTTP/2", ("GET", "/a HTTP/1.1", None, "HTTP/2")),
        ("GET HTTP/1.1", ("GET", "HTTP/1.1", None, None)),
        ("GET /a b c RTSP/1.0", ("GET", "/a b c", None, "RTSP/1.0")),
        ("GET /x HTTP/", ("GET", "/x HTTP/", None, None)),
        ("POST /a%20b?x HTTP/3", ("POST", "/a%20b", "x", "HTTP/3")),
        ("-", (None, None, None, None)),
        ("", (None, None, None, None)),
    ],
)
def test_request_line_parts(request_line, expected):
    line = f'192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "{request_line}" 200 5 "-" "x"\n'
    ok, bad = parse_lines(
        lines_frame(line.encode()),
        compile_format("combined"),
        source="x",
        columns=["method", "path", "query", "protocol"],
    )
    assert bad.height == 0
    assert ok.select("method", "path", "query", "protocol").row(0) == expected
