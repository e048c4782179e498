"""The public API composes: frames and partials everywhere, one run entry point,
options checked when made, errors as data, read_logs as scan_logs collected."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import httplog

T = "[20/Nov/2026:10:{m:02d}:00 +0000]"


def line(m: int, status: int, path: str = "/", agent: str = "Mozilla/5.0") -> str:
    return f'192.0.2.1 - - {T.format(m=m)} "GET {path} HTTP/1.1" {status} 10 "-" "{agent}"'


@pytest.fixture
def log(write_log):
    lines = [line(m, 503 if m % 10 == 0 else 200, f"/p{m % 3}") for m in range(60)]
    return write_log([*lines, "not a log line", "", line(7, 404, "/x", "Googlebot/2.1")])


def test_the_pieces_take_a_parsed_frame_a_lazy_frame_a_parsed_log_or_a_partial(log):
    parsed = httplog.read_logs(log)
    partial = httplog.analyze(log).partial
    want = httplog.by_status(partial)
    for x in (parsed.frame, parsed, httplog.scan_logs(log), httplog.aggregate(parsed.frame)):
        assert_frame_equal(httplog.by_status(x), want)
    assert_frame_equal(httplog.top_n(parsed.frame, n=2), httplog.top_n(partial, n=2))
    assert_frame_equal(
        httplog.by_window(httplog.scan_logs(log), every="10m"),
        httplog.by_window(partial, every="10m"),
    )
    assert httplog.by_status(parsed.frame).filter(pl.col("status") == 503)["requests"][0] == 6


def test_status_class_and_is_bot_are_expressions_on_any_frame(log):
    frame = httplog.read_logs(log).frame
    got = frame.select(cls=httplog.status_class(), bot=httplog.is_bot())
    assert got.group_by("cls").len().sort("cls").rows() == [("2xx", 54), ("4xx", 1), ("5xx", 6)]
    assert got["bot"].sum() == 1


def test_read_logs_is_scan_logs_collected_and_both_account_for_every_line(log):
    read = httplog.read_logs(log)
    assert_frame_equal(read.frame, httplog.scan_logs(log).collect())
    lines = httplog.scan_logs(log, rejected=True).collect()
    assert lines.height == read.lines == 63
    assert lines["line"].to_list() == list(range(1, 64))
    by_reason = lines.filter(pl.col("reason").is_not_null()).group_by("reason").len()
    assert dict(by_reason.iter_rows()) == read.rejected_by_reason == {"no_match": 1, "empty": 1}
    bad = lines.filter(pl.col("reason") == "no_match").select("line", "text", "status").row(0)
    assert bad == (61, "not a log line", None)
    assert read.format == "combined" and read.log_format.name == "combined"


def test_extra_fields_have_their_types_in_the_scan_as_in_read_logs(write_log):
    fmt = '$remote_addr [$time_local] "$request" $status $request_time $msec'
    p = write_log(['192.0.2.1 [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 0.5 1.25'])
    read = httplog.read_logs(p, log_format=fmt).frame
    assert httplog.scan_logs(p, log_format=fmt).collect_schema() == read.schema


def test_analyze_shows_its_real_signature():
    params = inspect.signature(httplog.analyze).parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in params.values())
    assert {"read", "view", "window", "tz", "lang", "status", "since", "client"} <= set(params)


def test_options_are_checked_when_made_with_the_option_named():
    with pytest.raises(httplog.OptionError) as e:
        httplog.ViewOptions(top=0)
    assert (e.value.option, e.value.value, e.value.limit) == ("top", 0, "1 to 100,000")
    with pytest.raises(httplog.OptionError) as e:
        httplog.SpikeParams(z=float("nan"))
    assert e.value.option == "spikes.z"
    with pytest.raises(httplog.OptionError) as e:
        httplog.ViewOptions(tz="Mars/Olympus")
    assert e.value.option == "tz"
    with pytest.raises(httplog.ConflictError) as c:
        httplog.RowFilter(since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 1, 1))
    assert c.value.options == ("since", "until")
    with pytest.raises(httplog.FormatError):
        httplog.ReadOptions(log_format="%h %Q")


def test_a_bad_argument_to_the_summary_is_an_httplog_error_with_its_option(log):
    from httplog.summary import to_summary

    a = httplog.analyze(log)
    with pytest.raises(httplog.OptionError) as e:
        to_summary(a, extra={"classes": {}})
    assert (e.value.option, e.value.value) == ("extra", "classes")
    with pytest.raises(httplog.OptionError) as e:
        to_summary(a, [object()])
    assert e.value.option == "breaches"


def test_since_and_until_are_an_exact_filter_when_logs_are_read(log):
    since = datetime(2026, 11, 20, 10, 30, 30, tzinfo=UTC)  # inside a minute
    a = httplog.analyze(log, since=since)
    assert a.read.filter.since == since and a.view.since is None  # applied once, as a filter
    assert a.requests == 29  # 10:31 … 10:59
    assert a.filter.since == since


def test_since_with_a_state_is_a_view_and_a_read_filter_is_refused(log, tmp_path):
    since = datetime(2026, 11, 20, 10, 30, 30, tzinfo=UTC)
    r = httplog.run(log, view=httplog.ViewOptions(since=since), state=tmp_path / "st")
    assert r.analysis.view.since == since and r.analysis.read.filter.since is None
    assert r.analysis.requests == 30  # to the minute: 10:30 … 10:59
    with pytest.raises(httplog.ConflictError) as e:
        httplog.collect(
            log,
            read=httplog.ReadOptions(filter=httplog.RowFilter(since=since)),
            state=tmp_path / "st",
        )
    assert e.value.options == ("state", "since")


def test_run_writes_the_outputs_and_evaluates_the_alerts(log, tmp_path):
    out = httplog.Outputs(json=str(tmp_path / "s.json"), export=str(tmp_path / "x"))
    r = httplog.run(log, fail_on=["5xx>5", "requests<1"], outputs=out, max_rejected="50%")
    assert [c.condition.text for c in r.breached] == ["5xx>5"]
    assert [w for w, _ in r.written] == ["Summary", "Export"]
    assert json.loads((tmp_path / "s.json").read_text())["requests"] == 61
    assert pl.read_parquet(tmp_path / "x" / "rows.parquet").height == 61
    with pytest.raises(httplog.RejectedError) as e:
        httplog.run(log, read=httplog.ReadOptions(log_format="common"), max_rejected=0.1)
    assert (e.value.lines, e.value.rejected) == (63, 63)


def test_run_partials_merges_what_collect_saved(log, tmp_path):
    part = tmp_path / "p.parquet"
    assert httplog.collect(log, output=part).written == [("Partial", str(part))]
    merged = httplog.run_partials([str(part), str(part)], view=httplog.ViewOptions(bots="only"))
    assert merged.analysis.requests == 1  # the file once, the bot's request only


def test_dir_lists_the_lazy_names():
    assert {"charts", "write_report", "__version__"} <= set(dir(httplog))


def test_analysis_has_a_short_repr(log):
    text = repr(httplog.analyze(log))
    assert text.startswith("<Analysis: 63 lines, 61 requests, format combined") and len(text) < 200
