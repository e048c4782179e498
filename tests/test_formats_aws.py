"""AWS access logs, read as AWS documents them: ALB, Classic ELB, S3."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from doc_lines import ALB, ELB, ELB_TCP, S3

ALB_T = datetime(2018, 7, 2, 22, 23, 0, 186641, tzinfo=UTC)


def test_alb_lines_map_to_the_shared_columns_and_keep_albs_own_fields(parse_log):
    log = parse_log(ALB, "alb")
    assert (log.parsed, log.rejected) == (4, 0)
    row = log.frame.row(1, named=True)
    assert {
        k: row[k] for k in ("time", "remote_addr", "remote_port", "method", "host", "path")
    } == {
        "time": ALB_T,
        "remote_addr": "192.168.131.39",
        "remote_port": 2817,
        "method": "GET",
        "host": "www.example.com:443",
        "path": "/",
    }
    assert (row["status"], row["upstream_status"], row["upstream_addr"]) == (
        200,
        "200",
        "10.0.0.1:80",
    )
    assert (row["request_length"], row["bytes"], row["user_agent"]) == (0, 57, "curl/7.46.0")
    assert (row["ssl_cipher"], row["ssl_protocol"]) == ("ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.2")
    assert row["request_time"] == pytest.approx(0.086 + 0.048 + 0.037)
    assert row["upstream_response_time"] == pytest.approx(0.048)
    assert row["type"] == "https"
    assert row["domain_name"] == "www.example.com"
    assert row["actions_executed"] == "authenticate,forward"
    assert row["trace_id"] == "Root=1-58337281-1d84f3d73c47ec4e58577259"
    assert row["conn_trace_id"] == "TID_1234abcd5678ef90"


def test_alb_minus_one_timings_mean_no_response_and_are_null(parse_log):
    row = parse_log(ALB, "alb").frame.row(3, named=True)
    assert (row["status"], row["upstream_status"]) == (504, None)
    assert (
        row["upstream_response_time"],
        row["response_processing_time"],
        row["request_time"],
    ) == (
        None,
        None,
        None,
    )
    assert row["request_processing_time"] == 0.0
    assert (row["path"], row["query"], row["error_reason"]) == (
        "/api/v1/checkout",
        "cart=7",
        "Target.Timeout",
    )


def test_alb_lines_from_before_the_later_fields_and_with_fields_added_since_are_read(parse_log):
    old = ALB[0].split(' "-" "-" 0 ')[0]  # up to "trace_id": the first ALB logs
    new = ALB[0] + ' "-" "-" "-"'  # fields AWS may append
    log = parse_log([old, new], "alb")
    assert log.parsed == 2
    assert log.frame["conn_trace_id"].to_list() == [None, "TID_1234abcd5678ef90"]


def test_classic_elb_lines_and_a_tcp_listeners_line_rejected_as_no_http_status(parse_log):
    log = parse_log([*ELB, ELB_TCP], "elb")
    assert (log.parsed, log.rejected_by_reason) == (3, {"bad_status": 1})
    first, _, unreachable = log.frame.iter_rows(named=True)
    assert (first["elb"], first["host"], first["upstream_addr"]) == (
        "my-loadbalancer",
        "www.example.com:80",
        "10.0.0.1:80",
    )
    assert first["request_time"] == pytest.approx(0.000073 + 0.001048 + 0.000057)
    assert (unreachable["status"], unreachable["upstream_addr"], unreachable["request_time"]) == (
        504,
        None,
        None,
    )


def test_s3_server_access_log_lines_old_and_new(parse_log):
    log = parse_log(S3, "s3")
    assert (log.parsed, log.rejected) == (3, 0)
    row = log.frame.row(0, named=True)
    assert row["time"] == datetime(2019, 2, 6, 0, 0, 38, tzinfo=UTC)
    assert (row["bucket"], row["operation"], row["key"]) == (
        "DOC-EXAMPLE-BUCKET1",
        "REST.GET.VERSIONING",
        None,
    )
    assert (row["method"], row["path"], row["query"]) == (
        "GET",
        "/DOC-EXAMPLE-BUCKET1",
        "versioning",
    )
    assert (row["bytes"], row["object_size"], row["request_time"]) == (113, None, 0.007)
    assert (row["host"], row["ssl_protocol"], row["acl_required"]) == (
        "DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com",
        "TLSV1.2",
        "Yes",
    )
    last = log.frame.row(2, named=True)
    assert (last["status"], last["error_code"], last["host"]) == (404, "NoSuchBucketPolicy", None)
