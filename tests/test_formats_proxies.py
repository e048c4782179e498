"""Reverse proxies, read as each documents its log: Traefik, HAProxy, Squid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from doc_lines import HAPROXY, SQUID, TRAEFIK


def test_traefik_clf_is_combined_with_count_router_server_and_duration(parse_log):
    log = parse_log(TRAEFIK, "traefik")
    assert (log.parsed, log.rejected) == (2, 0)
    row = log.frame.row(0, named=True)
    assert row["time"] == datetime(2000, 10, 10, 20, 55, 36, tzinfo=UTC)
    assert (row["path"], row["status"], row["bytes"]) == ("/apache_pb.gif", 200, 2326)
    assert (row["request_count"], row["router_name"], row["upstream_addr"]) == (
        1,
        "foo@docker",
        "http://10.0.0.2:80",
    )
    assert log.frame["request_time"].to_list() == [0.012, 3.004]


def test_haproxy_httplog_with_and_without_syslog_header(parse_log):
    log = parse_log(HAPROXY, "haproxy")
    assert (log.parsed, log.rejected) == (3, 0)
    row = log.frame.row(0, named=True)
    assert row["time"] == datetime(2009, 2, 6, 12, 14, 14, 655000, tzinfo=UTC)
    assert (row["remote_addr"], row["remote_port"], row["frontend_name"]) == (
        "10.0.1.2",
        33317,
        "http-in",
    )
    assert (row["backend_name"], row["upstream_addr"]) == ("static", "static/srv1")
    timers = (
        "request_header_time",
        "queue_time",
        "upstream_connect_time",
        "upstream_response_time",
        "request_time",
    )
    assert [row[t] for t in timers] == pytest.approx([0.010, 0.0, 0.030, 0.069, 0.109])
    assert (row["status"], row["bytes"], row["termination_state"]) == (200, 2750, "----")
    assert (row["actconn"], row["retries"], row["srv_queue"]) == (1, 0, 0)
    assert (row["captured_request_headers"], row["captured_response_headers"]) == ("1wt.eu", "")
    assert (row["method"], row["path"], row["protocol"]) == ("GET", "/index.html", "HTTP/1.1")


def test_haproxy_timers_not_reached_are_null_and_hash_escapes_undone(parse_log):
    f = parse_log(HAPROXY, "haproxy").frame
    timeout, nosrv = f.row(1, named=True), f.row(2, named=True)
    assert (timeout["status"], timeout["upstream_response_time"], timeout["request_time"]) == (
        504,
        None,
        5.002,
    )
    assert timeout["retries"] == 1
    assert (nosrv["upstream_addr"], nosrv["upstream_connect_time"], nosrv["path"]) == (
        None,
        None,
        '/x"y',
    )


def test_squid_native_access_log(parse_log):
    log = parse_log(SQUID, "squid")
    assert (log.parsed, log.rejected) == (3, 0)
    hit, denied, slow = log.frame.iter_rows(named=True)
    assert hit["time"] == datetime(2010, 10, 8, 11, 11, 48, 779000, tzinfo=UTC)
    assert (hit["request_time"], hit["result_code"], hit["status"], hit["bytes"]) == (
        0.18,
        "TCP_MISS",
        200,
        411,
    )
    assert (hit["host"], hit["path"], hit["hierarchy_code"], hit["upstream_addr"]) == (
        "www.google.com",
        "/",
        "DIRECT",
        "74.125.47.147",
    )
    assert (denied["method"], denied["path"], denied["upstream_addr"]) == (
        "CONNECT",
        "www.example.com:443",
        None,
    )
    assert (slow["remote_user"], slow["query"], slow["content_type"]) == (
        "alice",
        "x=1",
        "text/html",
    )
