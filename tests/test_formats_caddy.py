"""Caddy's JSON access log, as Caddy's docs show it: nested request, headers as arrays."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from doc_lines import CADDY


def test_caddy_lines_map_the_nested_request_to_the_shared_columns(parse_log):
    log = parse_log(CADDY, "caddy")
    assert (log.parsed, log.rejected) == (2, 0)
    row = log.frame.row(0, named=True)
    assert row["time"] == datetime(2022, 3, 9, 21, 30, 1, 524102, tzinfo=UTC)
    assert (row["remote_addr"], row["remote_port"], row["host"]) == (
        "127.0.0.1",
        41342,
        "localhost",
    )
    assert (row["method"], row["path"], row["protocol"], row["status"]) == (
        "GET",
        "/",
        "HTTP/2.0",
        200,
    )
    assert (row["bytes"], row["user_agent"], row["request_time"]) == (
        10900,
        "curl/7.82.0",
        0.000929675,
    )
    assert (row["ssl_protocol"], row["ssl_server_name"]) == ("TLSv1.3", "example.com")
    assert row["content_type"] == "text/html; charset=utf-8"
    post = log.frame.row(1, named=True)
    assert (post["remote_addr"], post["query"], post["referer"]) == (
        "203.0.113.9",
        "id=3",
        "https://example.com/cart",
    )


def _caddy(**over: object) -> str:
    obj = json.loads(CADDY[1])
    obj.update(over)
    return json.dumps(obj)


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        (1646861402.25, datetime(2022, 3, 9, 21, 30, 2, 250000, tzinfo=UTC)),
        ("2022-03-09T21:30:02.25Z", datetime(2022, 3, 9, 21, 30, 2, 250000, tzinfo=UTC)),
        (1646861402250, datetime(2022, 3, 9, 21, 30, 2, 250000, tzinfo=UTC)),  # unix_milli_float
        (1646861402250000000, datetime(2022, 3, 9, 21, 30, 2, 250000, tzinfo=UTC)),  # unix_nano
    ],
)
def test_caddy_time_formats_are_read(parse_log, ts, expected):
    assert parse_log([_caddy(ts=ts)], "caddy").frame["time"].to_list() == [expected]


@pytest.mark.parametrize(("duration", "seconds"), [(2.5, 2.5), ("1.5ms", 0.0015), ("1m2.5s", 62.5)])
def test_caddy_durations_as_seconds_or_go_durations(parse_log, duration, seconds):
    got = parse_log([_caddy(duration=duration)], "caddy").frame["request_time"][0]
    assert got == pytest.approx(seconds)


def test_caddy_logs_without_client_ip_use_remote_ip(parse_log):
    obj = json.loads(CADDY[0])
    del obj["request"]["client_ip"]
    obj["request"]["remote_ip"] = "198.51.100.3"
    assert parse_log([json.dumps(obj)], "caddy").frame["remote_addr"].to_list() == ["198.51.100.3"]
