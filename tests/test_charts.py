"""httplog.charts: one plotly figure per chart, built from an Analysis only."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import pytest

import httplog
import httplog.charts as charts
from httplog.statuscodes import describe

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"
TIMED = ROOT / "sample_logs" / "nginx_timed.log"
TIMED_FORMAT = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $request_time $upstream_response_time $upstream_addr'
)


@pytest.fixture(scope="module")
def sample() -> httplog.Analysis:
    return httplog.analyze(SAMPLE, tz="Europe/Paris", window="5m")


@pytest.fixture(scope="module")
def timed() -> httplog.Analysis:
    return httplog.analyze(TIMED, log_format=TIMED_FORMAT, tz="Asia/Shanghai", lang="zh")


@pytest.fixture
def small(write_log) -> httplog.Analysis:
    lines = [
        '192.0.2.1 - - [20/Nov/2026:13:00:10 +0000] "GET / HTTP/1.1" 200 1000 "-" "a"',
        '192.0.2.1 - - [20/Nov/2026:13:00:20 +0000] "GET / HTTP/1.1" 304 0 "-" "a"',
        '192.0.2.2 - - [20/Nov/2026:13:03:00 +0000] "GET /x HTTP/1.1" 404 10 "-" "b"',
        '192.0.2.3 - - [20/Nov/2026:13:03:30 +0000] "GET /y HTTP/1.1" 502 20 "-" "c"',
    ]
    return httplog.analyze(write_log(lines), tz="Europe/Paris", window="1m")


@pytest.fixture
def empty(write_log) -> httplog.Analysis:
    return httplog.analyze(write_log(b""))


def test_every_chart_has_a_title_and_axis_titles_with_units(sample):
    figs = charts.figures(sample)
    assert list(figs) == ["timeline", "error_rates", "status_codes", "bandwidth"]
    for name, fig in figs.items():
        assert isinstance(fig, go.Figure)
        assert fig.layout.title.text, name
        assert fig.layout.yaxis.title.text, name
        assert fig.layout.xaxis.title.text, name
    assert figs["timeline"].layout.yaxis.title.text == "Requests per 5m"
    assert figs["error_rates"].layout.yaxis.title.text == "Share of requests per 5m (%)"
    assert figs["bandwidth"].layout.yaxis.title.text == "Bytes per 5m"
    assert figs["bandwidth"].layout.yaxis.ticksuffix == "B"
    assert figs["timeline"].layout.xaxis.title.text == "Time (Europe/Paris)"


def test_times_are_wall_clock_times_in_the_analysis_tz(small):
    # 13:00 UTC is 14:00 in Paris in November (CET, +01:00).
    fig = charts.timeline(small)
    assert fig.data[0].x[0] == "2026-11-20 14:00"  # whole minutes: no seconds
    assert fig.layout.xaxis.title.text == "Time (Europe/Paris)"
    utc = httplog.analyze(small.inputs["source"][0], window="1m")
    assert charts.timeline(utc).data[0].x[0] == "2026-11-20 13:00"


def test_timeline_stacks_classes_with_their_colours(small):
    fig = charts.timeline(small)
    assert {t.stackgroup for t in fig.data} == {"classes"}
    assert all(t.fillcolor == t.marker.color == t.line.color for t in fig.data)
    got = {t.name: (t.fillcolor, sum(t.y)) for t in fig.data}
    assert got == {
        "2xx success": (charts.CLASS_COLORS["2xx"], 1),
        "3xx redirection": (charts.CLASS_COLORS["3xx"], 1),
        "4xx client error": (charts.CLASS_COLORS["4xx"], 1),
        "5xx server error": (charts.CLASS_COLORS["5xx"], 1),
    }
    # a step holds each window's count from its start to its end: after the last
    # window (and before any window that doesn't follow on) it drops to 0
    t = fig.data[0]
    assert t.line.shape == "hv"
    assert t.x[-1] == f"2026-11-20 14:0{len(t.x) - 1}" and t.y[-1] == 0


def test_a_lone_window_between_gaps_keeps_its_width_and_its_marker(write_log):
    lines = [
        '192.0.2.1 - - [20/Nov/2026:13:00:10 +0000] "GET / HTTP/1.1" 200 1 "-" "a"',
        '192.0.2.1 - - [20/Nov/2026:13:02:10 +0000] "GET /x HTTP/1.1" 404 1 "-" "a"',
        '192.0.2.1 - - [20/Nov/2026:13:04:10 +0000] "GET / HTTP/1.1" 200 1 "-" "a"',
    ]
    a = httplog.analyze(write_log(lines), window="1m")
    rates = charts.error_rates(a).data[0]  # 4xx: a value at 13:02 only, gaps around it
    assert list(rates.y) == [0.0, None, 100.0, None, 0.0]
    assert rates.mode == "lines+markers"
    assert list(rates.marker.size) == [6, 0, 6, 0, 6]  # each window alone between gaps
    four = next(t for t in charts.timeline(a).data if t.name.startswith("4xx"))
    i = list(four.y).index(1)
    assert (four.x[i], four.x[i + 1]) == ("2026-11-20 13:02", "2026-11-20 13:03")


def test_class_colours_are_the_same_in_every_chart(sample):
    by_chart = [charts.timeline(sample), charts.status_codes(sample)]
    names = charts.class_names("en")
    for fig in by_chart:
        for trace in fig.data:
            cls = next(c for c, n in names.items() if n == trace.name)
            assert trace.marker.color == charts.CLASS_COLORS[cls]
    assert set(charts.CLASS_COLORS) == {"1xx", "2xx", "3xx", "4xx", "5xx", "invalid"}


def test_error_rates_are_percent_with_gaps_for_empty_windows(write_log):
    lines = [
        '192.0.2.1 - - [20/Nov/2026:13:00:10 +0000] "GET / HTTP/1.1" 200 1 "-" "a"',
        '192.0.2.1 - - [20/Nov/2026:13:00:20 +0000] "GET / HTTP/1.1" 503 1 "-" "a"',
        '192.0.2.1 - - [20/Nov/2026:13:02:20 +0000] "GET / HTTP/1.1" 404 1 "-" "a"',
    ]
    a = httplog.analyze(write_log(lines), window="1m")
    fig = charts.error_rates(a)
    rate_4xx, rate_5xx = fig.data[0], fig.data[1]
    assert list(rate_5xx.y) == [50.0, None, 0.0]
    assert list(rate_4xx.y) == [0.0, None, 100.0]
    assert fig.layout.yaxis.ticksuffix == "%"


def test_error_rates_shade_every_detected_spike_with_a_label(sample):
    fig = charts.error_rates(sample)
    assert sample.spikes.height >= 2
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == sample.spikes.height
    labels = [a.text for a in fig.layout.annotations]
    for row in sample.spikes.iter_rows(named=True):
        assert f"{row['kind']} #{row['spike']}" in labels
    # a 5xx band is red, a 4xx band amber
    kinds = sample.spikes["kind"].to_list()
    assert [r.fillcolor for r in rects] == [charts.CLASS_COLORS[k] for k in kinds]
    # band edges are the spike's start and end in the analysis' tz
    first = sample.spikes.row(0, named=True)
    assert rects[0].x0 == first["start"].strftime("%Y-%m-%d %H:%M")
    assert rects[0].x1 == first["end"].strftime("%Y-%m-%d %H:%M")
    legend = [t.name for t in fig.data]
    assert "5xx spike" in legend and "4xx spike" in legend


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_status_codes_hover_shows_the_description_in_the_language(sample, lang):
    fig = charts.status_codes(sample, lang=lang)
    codes = {int(x) for t in fig.data for x in t.x}
    assert codes == set(sample.status["status"].to_list())
    for trace in fig.data:
        for x, (reason, description, _share) in zip(trace.x, trace.customdata, strict=True):
            info = describe(int(x), lang)
            assert reason == info.reason
            # wrapped with <br> for the hover box (spaces at breaks dropped), HTML-escaped
            flat = html.unescape(description.replace("<br>", "")).replace(" ", "")
            assert flat == info.description.replace(" ", "")
    assert fig.layout.xaxis.categoryarray == tuple(str(c) for c in sorted(codes))
    # 200 is hundreds of times more frequent than 444: the axis goes logarithmic
    assert fig.layout.yaxis.type == "log"


def test_latency_is_none_without_latency_fields(sample):
    assert sample.latencies == []
    assert charts.latency(sample) is None


def test_latency_has_p50_p90_p99_per_metric_in_seconds(timed):
    fig = charts.latency(timed)
    assert timed.latencies == ["request_time", "upstream_response_time"]
    assert [t.name for t in fig.data] == ["p50", "p90", "p99"] * 2
    assert fig.layout.title.text == "响应时间百分位数"
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    assert fig.layout.yaxis.title.text == "秒（对数坐标）"
    assert [a.text for a in fig.layout.annotations] == ["请求处理时间", "上游响应时间"]
    assert fig.layout.xaxis2.title.text == "时间（Asia/Shanghai）"
    p50, p99 = fig.data[0], fig.data[2]
    assert all(a <= b for a, b in zip(p50.y, p99.y, strict=True) if a is not None and b is not None)
    assert list(charts.figures(timed)) == [
        "timeline",
        "error_rates",
        "status_codes",
        "latency",
        "bandwidth",
    ]


def test_lang_defaults_to_the_analysis_and_can_be_overridden(timed):
    assert charts.timeline(timed).layout.title.text == "各状态类别的请求数随时间变化"
    assert charts.timeline(timed, lang="en").layout.title.text == (
        "Requests over time by status class"
    )
    assert {t.name for t in charts.timeline(timed).data} >= {"2xx 成功", "5xx 服务器错误"}
    with pytest.raises(httplog.UsageError):
        charts.timeline(timed, lang="fr")


def test_charts_of_an_empty_log_say_so(empty):
    assert empty.requests == 0
    for make in (charts.timeline, charts.error_rates, charts.status_codes):
        fig = make(empty)
        assert len(fig.data) == 0
        assert [a.text for a in fig.layout.annotations] == ["No requests"]
    assert charts.latency(empty) is None


def test_figures_hold_aggregates_not_lines(write_log):
    line = '192.0.2.1 - - [20/Nov/2026:13:{m:02d}:{s:02d} +0000] "GET /{i} HTTP/1.1" 200 1 "-" "a"'
    few = [line.format(m=m, s=0, i=m) for m in range(60)]
    many = [line.format(m=m, s=s, i=m * 60 + s) for m in range(60) for s in range(60)]
    a = httplog.analyze(write_log(few, "few.log"), window="1m")
    b = httplog.analyze(write_log(many, "many.log"), window="1m")
    for name in ("timeline", "error_rates", "bandwidth"):
        fa, fb = charts.figures(a)[name], charts.figures(b)[name]
        assert [len(t.x) for t in fa.data if t.x] == [len(t.x) for t in fb.data if t.x]


def test_httplog_charts_works_as_an_attribute_in_a_fresh_interpreter():
    code = "import httplog; print(httplog.charts.timeline.__name__)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-500:]
    assert r.stdout.strip() == "timeline"


def test_times_with_seconds_keep_their_seconds():
    from datetime import UTC, datetime

    import polars as pl

    from httplog.charts.base import _local

    whole = pl.Series([datetime(2026, 11, 20, 13, m, tzinfo=UTC) for m in (0, 1)])
    assert _local(whole, "UTC") == ["2026-11-20 13:00", "2026-11-20 13:01"]
    odd = pl.Series([datetime(2026, 11, 20, 13, 0, s, tzinfo=UTC) for s in (0, 30)])
    assert _local(odd, "UTC") == ["2026-11-20 13:00:00", "2026-11-20 13:00:30"]
