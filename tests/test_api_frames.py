"""httplog.analyze on rows parsed already: a ParsedLog, a DataFrame, a LazyFrame."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import httplog

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "sample_logs" / "nginx_access.log")


@pytest.fixture(scope="module")
def parsed() -> httplog.ParsedLog:
    return httplog.read_logs(SAMPLE)


def test_a_parsed_log_analyses_as_its_file_does_on_the_same_clock(
    parsed: httplog.ParsedLog,
) -> None:
    whole = httplog.analyze(SAMPLE, tz="UTC")
    got = httplog.analyze(parsed, tz="UTC")
    assert (got.lines, got.parsed, got.rejected, got.format) == (12230, 12225, 5, "combined")
    assert got.rejected_by_reason == whole.rejected_by_reason
    assert got.rejected_samples.equals(whole.rejected_samples)
    assert got.classes.equals(whole.classes) and got.status.equals(whole.status)
    assert got.timeline.equals(whole.timeline)
    assert got.spikes.equals(whole.spikes) and got.explanations.equals(whole.explanations)
    assert got.panels == whole.panels


def test_a_frame_filtered_in_polars_is_analysed(parsed: httplog.ParsedLog) -> None:
    errors = parsed.frame.filter(pl.col("status") >= 500)
    a = httplog.analyze(errors)
    assert a.requests == errors.height == 405
    assert a.format == "unknown"
    lazy = httplog.analyze(parsed.frame.lazy().filter(pl.col("status") >= 500))
    assert lazy.classes.equals(a.classes)


def test_the_reads_filters_apply_to_a_frame(parsed: httplog.ParsedLog) -> None:
    a = httplog.analyze(parsed.frame, status=["404"])
    assert a.requests == parsed.frame.filter(pl.col("status") == 404).height
    assert httplog.analyze(httplog.scan_logs(SAMPLE), status=["5xx"]).requests == 405


def test_a_frame_without_the_parsed_columns_is_a_usage_error_not_a_type_error() -> None:
    with pytest.raises(httplog.UsageError, match="needs the parsed columns time and status"):
        httplog.analyze(pl.DataFrame({"a": [1]}))


def test_something_else_is_a_usage_error_naming_what_analyze_takes() -> None:
    with pytest.raises(httplog.UsageError, match="cannot analyse a int"):
        httplog.analyze(3)  # type: ignore[arg-type]


def test_dir_of_httplog_lists_charts_and_write_report() -> None:
    assert {"charts", "write_report", "analyze"} <= set(dir(httplog))
