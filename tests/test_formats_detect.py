"""Autodetection: which named format fits most sample lines, and how many did."""

from __future__ import annotations

import json

import pytest

from httplog.errors import FormatError
from httplog.formats.detect import SAMPLE_LINES, detect

COMMON = '192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 2326'
COMBINED = COMMON + ' "-" "curl/8.5.0"'
MAIN = COMBINED + ' "198.51.100.2"'
VHOST = "www.example.org:443 " + COMBINED
JSON = json.dumps({"time": "2000-10-10T13:55:36-07:00", "status": 200, "request": "GET / HTTP/1.1"})


@pytest.mark.parametrize(
    ("line", "name"),
    [
        (COMMON, "common"),
        (COMBINED, "combined"),
        (MAIN, "main"),
        (VHOST, "vhost_combined"),
        (JSON, "json"),
        (JSON.replace('"status"', '"status_code"'), "json"),
    ],
)
def test_each_named_format_is_detected_from_its_lines(line, name):
    d = detect([line] * 5)
    assert (d.format.name, d.matched, d.sampled) == (name, 5, 5)


def test_nginx_combined_lines_are_detected_as_combined_which_reads_the_same_fields():
    d = detect([COMBINED])
    assert d.format.name == "combined"


def test_detection_picks_the_format_most_lines_fit_and_says_how_many():
    d = detect([COMMON] * 4 + [COMBINED] * 6 + ["garbage"] * 3)
    assert d.format.name == "combined"
    assert (d.matched, d.sampled) == (6, 13)
    assert str(d) == "combined (6/13 sample lines)"


def test_detection_ignores_empty_lines_and_looks_at_a_bounded_sample():
    d = detect(["", "  "] + [COMBINED] * (SAMPLE_LINES + 50))
    assert (d.matched, d.sampled) == (SAMPLE_LINES, SAMPLE_LINES)


def test_an_empty_sample_gives_combined_with_no_evidence():
    d = detect(["", ""])
    assert (d.format.name, d.matched, d.sampled) == ("combined", 0, 0)


def test_lines_no_named_format_fits_are_an_error_that_says_what_they_look_like():
    with pytest.raises(FormatError) as e:
        detect([COMBINED + " 0.123 0.100"] * 3)
    msg = str(e.value)
    assert "could not detect the log format" in msg
    assert "look like combined followed by more fields" in msg
    assert "--log-format" in msg


def test_garbage_is_an_error_naming_the_formats_tried():
    with pytest.raises(FormatError, match="none of main, vhost_combined, combined"):
        detect(["hello", "world"])


def test_read_logs_reports_the_detection(parse_log):
    log = parse_log(["", "2026/11/20 03:12:45 [error] 1#1: boom", *[VHOST] * 3])
    assert str(log.detection) == "vhost_combined (3/4 sample lines)"
    assert log.format.name == "vhost_combined"
    assert (log.parsed, log.rejected_by_reason) == (3, {"empty": 1, "error_log": 1})


def test_read_logs_detects_from_the_first_non_empty_input(write_log):
    from httplog import read_logs

    a = write_log(b"", "a.log")
    b = write_log([COMMON], "b.log")
    c = write_log([COMMON], "c.log")
    log = read_logs([c, a, b])
    assert log.format.name == "common"
    assert log.parsed == 2


def test_an_explicit_format_is_used_as_given_without_detection(parse_log):
    log = parse_log([COMBINED], "common")
    assert log.detection is None
    assert log.rejected_by_reason == {"no_match": 1}
