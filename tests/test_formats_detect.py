"""Autodetection: which named format fits most sample lines, and how many did."""

from __future__ import annotations

import json

import polars as pl
import pytest
from doc_lines import ALIASES, DOC_LINES

from httplog.errors import FormatError
from httplog.formats import NAMES
from httplog.formats.detect import SAMPLE_LINES, detect, scores

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


def test_combined_followed_by_trailing_fields_is_detected_and_the_fields_named_extra():
    lines = [COMBINED + ' 0.123 - "198.51.100.7"', COMBINED + ' 1.5 0.25 "-"'] * 3
    d = detect(lines)
    assert d.format.name == "combined+3"
    assert (d.matched, d.sampled) == (6, 6)
    assert [(f.column, f.kind) for f in d.format.fields][-3:] == [
        ("extra_1", "number"),
        ("extra_2", "number"),
        ("extra_3", "text"),
    ]
    suggestion = '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %{extra_1}e %{extra_2}e "%{extra_3}e"'
    assert str(d) == (
        f"combined + 3 trailing fields (6/6 sample lines); name them with --log-format '{suggestion}'"
    )


def test_trailing_fields_are_parsed_typed_and_the_suggested_format_reads_the_same_lines(parse_log):
    lines = [COMBINED + ' 0.123 "198.51.100.7"', COMBINED + ' - "-"']
    log = parse_log(lines)
    assert log.rejected == 0
    assert log.frame["extra_1"].dtype == pl.Float64
    assert log.frame.select("extra_1", "extra_2").rows() == [(0.123, "198.51.100.7"), (None, None)]
    again = parse_log(lines, log.log_format.label)
    assert again.frame.drop("extra_1").equals(log.frame.drop("extra_1"))
    assert again.frame["extra_1"].to_list() == ["0.123", None]  # named by the user, typed then


def test_a_named_format_is_matched_strictly_trailing_fields_are_no_match(parse_log):
    log = parse_log([COMBINED + " 0.123"], "combined")
    assert log.rejected_by_reason == {"no_match": 1}


def test_garbage_is_an_error_naming_the_formats_tried():
    with pytest.raises(FormatError, match="none of main, vhost_combined, traefik, combined"):
        detect(["hello", "world"])


def test_read_logs_reports_the_detection(parse_log):
    log = parse_log(["", "2026/11/20 03:12:45 [error] 1#1: boom", *[VHOST] * 3])
    assert str(log.detection) == "vhost_combined (3/4 sample lines)"
    assert log.log_format.name == "vhost_combined"
    assert (log.parsed, log.rejected_by_reason) == (3, {"empty": 1, "error_log": 1})


def test_read_logs_detects_from_the_first_non_empty_input(write_log):
    from httplog import read_logs

    a = write_log(b"", "a.log")
    b = write_log([COMMON], "b.log")
    c = write_log([COMMON], "c.log")
    log = read_logs([c, a, b])
    assert log.log_format.name == "common"
    assert log.parsed == 2


def test_an_explicit_format_is_used_as_given_without_detection(parse_log):
    log = parse_log([COMBINED], "common")
    assert log.detection is None
    assert log.rejected_by_reason == {"no_match": 1}


# ------------------------------------------------------- every named format


def test_every_named_format_has_documented_lines_here():
    assert set(DOC_LINES) | set(ALIASES) == set(NAMES)


@pytest.mark.parametrize("name", sorted(DOC_LINES))
def test_detection_confusion_each_formats_lines_are_detected_as_itself_and_no_other(name):
    lines = DOC_LINES[name]
    d = detect(lines)
    assert d.format.name == name
    assert d.matched == len(lines)
    fits = {other for other, (n, _) in scores(lines).items() if n}
    aliases = {a for a, of in ALIASES.items() if of == name}
    assert fits == {name, *aliases}, fits


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("name", sorted(DOC_LINES))
def test_every_line_of_every_format_is_parsed_rejected_or_a_directive(write_log, name, gz):
    import gzip

    from httplog import read_logs

    junk = ["", "garbage here", "2026/11/20 03:12:45 [error] 1#1: boom", "\x00\x01 bin"]
    lines = [*DOC_LINES[name], *junk, *DOC_LINES[name]]
    data = "".join(line + "\n" for line in lines).encode()
    path = write_log(gzip.compress(data) if gz else data, "a.log.gz" if gz else "a.log")
    for fmt in (name, None):
        log = read_logs(path, log_format=fmt)
        assert log.log_format.name == name
        assert log.parsed + log.rejected + log.directives == log.lines == len(lines)
        assert log.rejected == len(junk)
        assert log.inputs.row(0)[1:] == (log.lines, log.parsed, log.rejected, log.directives)
