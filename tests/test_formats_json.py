"""JSON lines (nginx ``escape=json``): usual keys, unquoted numbers, escapes, key mappings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from httplog.errors import FormatError
from httplog.formats import compile_format
from httplog.formats.jsonl import compile_json, parse_mapping

T0 = datetime(2026, 11, 20, 7, 0, 12, tzinfo=UTC)


def nginx_json(**over: object) -> str:
    """A line as ``log_format json escape=json '{…}'`` writes it (numbers unquoted)."""
    obj: dict[str, object] = {
        "time_iso8601": "2026-11-20T08:00:12+01:00",
        "remote_addr": "2001:db8::62",
        "request": "GET /search?q=caf%C3%A9 HTTP/2.0",
        "status": 200,
        "body_bytes_sent": 9966,
        "request_time": 0.044,
        "upstream_response_time": "0.040, 0.004",
        "http_referer": "",
        "http_user_agent": 'Mozilla/5.0 "quoted" \\ agent',
        "host": "www.example.com",
    }
    obj.update(over)
    return json.dumps({k: v for k, v in obj.items() if v is not ...}, separators=(",", ":"))


def test_nginx_escape_json_lines_map_the_usual_keys_to_the_schema(parse_log):
    log = parse_log([nginx_json()], "json")
    assert log.rejected == 0, log.samples
    assert log.frame.drop("source").row(0, named=True) == {
        "time": T0,
        "remote_addr": "2001:db8::62",
        "method": "GET",
        "path": "/search",
        "query": "q=caf%C3%A9",
        "protocol": "HTTP/2.0",
        "status": 200,
        "bytes": 9966,
        "referer": "",  # nginx writes an empty header as "": kept, not null
        "user_agent": 'Mozilla/5.0 "quoted" \\ agent',
        "request_time": 0.044,
        "upstream_response_time": 0.044,
        "host": "www.example.com",
    }


def test_json_is_detected_and_keys_absent_from_the_log_are_absent_columns(parse_log):
    log = parse_log([nginx_json(host=..., http_referer=...)] * 3)
    assert log.detection.format.name == "json"
    assert (log.detection.matched, log.detection.sampled) == (3, 3)
    assert "host" not in log.frame.columns and "referer" not in log.frame.columns


def test_numbers_may_be_quoted_or_not(parse_log):
    log = parse_log(
        [nginx_json(status="404", body_bytes_sent="0", request_time="0.5"), nginx_json()], "json"
    )
    assert log.frame.select("status", "bytes", "request_time").rows() == [
        (404, 0, 0.5),
        (200, 9966, 0.044),
    ]


def test_json_unicode_escapes_and_non_ascii_are_decoded(parse_log):
    line = nginx_json(http_user_agent="caf\u00e9 \u2603").replace("\u00e9", "\\u00e9")
    log = parse_log([line], "json")
    assert log.frame["user_agent"].to_list() == ["café ☃"]


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("2026-11-20T08:00:12+01:00", T0),
        ("2026-11-20T07:00:12Z", T0),
        ("2026-11-20T07:00:12.250Z", T0.replace(microsecond=250000)),
        ("20/Nov/2026:08:00:12 +0100", T0),
        ("[20/Nov/2026:08:00:12 +0100]", T0),
        (T0.timestamp(), T0),
        (f"{T0.timestamp():.3f}", T0),
    ],
)
def test_json_times_in_any_usual_shape(parse_log, time, expected):
    log = parse_log([nginx_json(time_iso8601=..., time=time)], "json")
    assert log.frame["time"].to_list() == [expected]


def test_bad_json_lines_are_rejected_as_bad_json_and_counted(parse_log):
    lines = [
        nginx_json(),
        nginx_json()[:80],  # truncated
        nginx_json(status=...),  # no status
        nginx_json(status=None),  # null status
        "[1, 2]",
        "",
        "not json at all",
    ]
    log = parse_log(lines, "json")
    assert log.lines == 7 and log.parsed == 1
    assert log.rejected_by_reason == {"bad_json": 3, "empty": 1, "no_match": 2}


def test_a_json_log_without_any_status_key_rejects_every_line(parse_log):
    log = parse_log([json.dumps({"time": "2026-11-20T07:00:12Z", "x": 1})] * 2, "json")
    assert (log.parsed, log.rejected_by_reason) == (0, {"bad_json": 2})


def test_a_key_mapping_names_the_columns(parse_log):
    lines = [
        json.dumps({"@timestamp": "2026-11-20T07:00:12Z", "code": 503, "url": "/a?b=1", "ms": 5})
    ]
    mapping = {"@timestamp": "time", "code": "status", "url": "path", "ms": "duration_ms"}
    for spec in (compile_format("json", json_keys=mapping), f"json:{json.dumps(mapping)}"):
        log = parse_log(lines, spec)
        assert log.frame.drop("source").row(0, named=True) == {
            "time": T0,
            "path": "/a",
            "query": "b=1",
            "status": 503,
            "duration_ms": "5",
        }


def test_a_key_mapping_can_be_written_key_equals_column():
    assert parse_mapping("ts=time, code=status") == {"ts": "time", "code": "status"}
    assert compile_format("json:ts=time,code=status").columns == ["time", "status"]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"ts": "time"}, "gives no status"),
        ({"code": "status"}, "gives no time"),
    ],
)
def test_a_key_mapping_without_time_or_status_is_an_error(mapping, message):
    with pytest.raises(FormatError, match=message):
        compile_json(mapping)


@pytest.mark.parametrize("spec", ["json:ts", "json:{bad", "json:[1]"])
def test_a_malformed_key_mapping_is_an_error(spec):
    with pytest.raises(FormatError, match="mapping"):
        compile_format(spec)


def test_keys_are_discovered_beyond_the_first_lines_of_a_block(parse_log):
    lines = [nginx_json(host=...)] * 3000 + [nginx_json(host="late.example.com")]
    log = parse_log(lines, "json")
    assert log.frame["host"].drop_nulls().to_list() == ["late.example.com"]
