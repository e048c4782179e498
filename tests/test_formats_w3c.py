"""W3C extended logs (IIS) and CloudFront: layouts from ``#Fields:``, directives counted apart."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

from doc_lines import CLOUDFRONT, CLOUDFRONT_FIELDS, W3C

from httplog import read_logs
from httplog.engine import iter_parsed
from httplog.inputs import resolve_inputs, split


def test_iis_lines_read_with_the_fields_their_header_names(parse_log):
    log = parse_log(W3C, "w3c")
    assert (log.lines, log.parsed, log.rejected, log.directives) == (6, 2, 0, 4)
    row = log.frame.row(0, named=True)
    assert row["time"] == datetime(2002, 5, 24, 20, 18, 1, tzinfo=UTC)
    assert (row["remote_addr"], row["server_addr"], row["server_port"]) == (
        "172.224.24.114",
        "206.73.118.24",
        80,
    )
    assert (row["method"], row["path"], row["query"], row["status"]) == (
        "GET",
        "/Default.htm",
        None,
        200,
    )
    assert (row["bytes"], row["request_length"], row["request_time"]) == (7930, 248, 0.031)
    assert (
        row["user_agent"] == "Mozilla/4.0 (compatible; MSIE 5.01; Windows 2000 Server)"
    )  # IIS's + are spaces
    assert row["referer"] == "http://64.224.24.114/"
    assert log.frame.row(1, named=True)["query"] == "q=1"


def test_a_new_fields_directive_midway_starts_a_new_layout(parse_log):
    lines = [
        *W3C,
        "#Fields: date time cs-method cs-uri-stem sc-status c-ip",
        "2002-05-24 21:00:00 POST /form 500 192.0.2.9",
    ]
    log = parse_log(lines, "w3c")
    assert (log.parsed, log.rejected, log.directives, log.lines) == (3, 0, 5, 8)
    assert log.frame["status"].to_list() == [200, 404, 500]
    assert log.frame["remote_addr"].to_list() == ["172.224.24.114", "172.224.24.114", "192.0.2.9"]


def test_without_a_header_the_default_iis_fields_apply(parse_log):
    line = "2021-04-06 19:24:48 10.0.0.4 GET / - 80 - 10.0.0.5 Mozilla/5.0+(X11) - 200 0 0 312"
    log = parse_log([line], "w3c")
    assert log.frame.select("status", "request_time", "user_agent").row(0) == (
        200,
        0.312,
        "Mozilla/5.0 (X11)",
    )


def test_layouts_follow_the_file_whatever_the_blocks_and_byte_ranges(write_log):
    other = [
        "#Fields: date time sc-status c-ip",
        *(f"2002-05-25 00:00:{i:02d} 503 192.0.2.{i}" for i in range(30)),
    ]
    lines = [*W3C, "garbage", *other, *W3C[3:]]
    path = write_log(lines)
    whole = read_logs(path, log_format="w3c")
    assert (whole.parsed, whole.rejected, whole.directives) == (34, 1, 6)
    assert whole.parsed + whole.rejected + whole.directives == whole.lines == len(lines)
    (inp,) = resolve_inputs(str(path))
    for block_size in (64, 300):
        for parts in (1, 3, 7):
            got = [
                pb
                for c in split(inp, parts)
                for pb in iter_parsed([c], "w3c", block_size=block_size)
            ]
            statuses = [s for pb in got for s in pb.parsed["status"].to_list()]
            assert statuses == whole.frame["status"].to_list(), (block_size, parts)
            assert sum(pb.directives for pb in got) == 6
            assert sum(pb.rejected.height for pb in got) == 1


def test_cloudfront_lines_tab_separated_with_their_own_fields(parse_log):
    log = parse_log(CLOUDFRONT, "cloudfront")
    assert (log.parsed, log.rejected, log.directives) == (3, 0, 2)
    row = log.frame.row(0, named=True)
    assert row["time"] == datetime(2019, 12, 4, 21, 2, 31, tzinfo=UTC)
    assert (row["host"], row["cs_host"]) == (
        "d111111abcdef8.cloudfront.net",
        "d111111abcdef8.cloudfront.net",
    )
    assert row["user_agent"].startswith("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")  # %20 decoded
    assert (row["x_edge_location"], row["x_edge_result_type"], row["scheme"]) == (
        "LAX1",
        "Hit",
        "https",
    )
    assert (row["request_time"], row["protocol"], row["remote_port"]) == (0.001, "HTTP/2.0", 11040)
    err = log.frame.row(2, named=True)
    assert (err["status"], err["path"], err["query"], err["host"]) == (
        502,
        "/api/list",
        "page=2",
        "www.example.com",
    )
    assert err["request_time"] == 10.002  # CloudFront's time-taken is seconds


def test_cloudfront_gz_every_line_accounted_for(write_log):
    data = "".join(line + "\n" for line in [*CLOUDFRONT, "junk"]).encode()
    log = read_logs(write_log(gzip.compress(data), "cf.log.gz"))
    assert log.log_format.name == "cloudfront"
    assert (log.parsed, log.rejected, log.directives, log.lines) == (3, 1, 2, 6)
    assert "cs-uri-stem" in CLOUDFRONT_FIELDS
