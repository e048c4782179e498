"""The whole analysis through the real parser: sample logs, byte-range splits, options."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from logfactory import line

from httplog import ViewOptions, analyze, inputs
from httplog.aggregation import aggregate_chunks
from httplog.analysis import Analysis, finalize
from httplog.errors import UsageError
from httplog.partial import merge
from httplog.spikes import SpikeParams

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
MANIFEST = SAMPLES / "manifest.json"

needs_samples = pytest.mark.skipif(not MANIFEST.exists(), reason="sample_logs not generated")


def manifest() -> dict:
    return json.loads(MANIFEST.read_text())["files"]


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def write_log(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def combined(
    t: datetime, status: int, path: str = "/", ua: str = "Mozilla/5.0", ip: str = "192.0.2.1"
) -> str:
    return line(time=t, status=status, target=path, agent=ua, client=ip)


# ------------------------------------------------------------- sample logs


@needs_samples
def test_sample_nginx_log_every_listed_burst_is_found():
    files = manifest()
    info = files["nginx_access.log"]
    # (in UTC, as the manifest's times: the default would be the log's +01:00)
    a = analyze(SAMPLES / "nginx_access.log", tz="UTC")
    assert (a.lines, a.parsed, a.rejected) == (info["lines"], info["valid"], len(info["malformed"]))
    assert a.window == "5m"
    counts = dict(zip(a.status["status"].to_list(), a.status["requests"].to_list(), strict=True))
    assert counts == {int(k): v for k, v in info["status_counts"].items()}
    window = timedelta(minutes=5)
    bursts = info["bursts"]
    assert any(b["kind"] == "5xx" for b in bursts)
    for b in bursts:
        start, end = ts(b["start"]), ts(b["end"])
        hit = a.spikes.filter(
            (pl.col("kind") == b["kind"]) & (pl.col("start") < end) & (pl.col("end") > start)
        )
        assert hit.height == 1, (b, a.spikes)
        s = hit.row(0, named=True)
        assert abs(s["start"] - start) <= window and abs(s["end"] - end) <= window, (b, s)
        assert s["errors"] >= 0.9 * b["error_lines"]
        first = a.explanations.filter((pl.col("spike") == s["spike"]) & (pl.col("rank") == 1))
        top = dict(zip(first["dimension"], first["key"], strict=True))
        assert int(top["status"]) in b["codes"], (b, top)
        if "*" not in b["path"]:
            assert top["path"] == b["path"], (b, top)
        if "client" in b:
            assert top["remote_addr"] == b["client"]
    # Nothing else stands out in that day.
    assert a.spikes.height == len(bursts)


@needs_samples
def test_sample_timed_log_burst_and_its_upstream():
    info = manifest()["nginx_timed.log"]
    # (in UTC, as the manifest's times: the default would be the log's +01:00)
    a = analyze(SAMPLES / "nginx_timed.log", log_format=info["format"], window="5m", tz="UTC")
    assert a.latencies == ["request_time", "upstream_response_time"]
    (b,) = info["bursts"]
    s = a.spikes.filter(pl.col("kind") == "5xx")
    assert s.height == 1
    row = s.row(0, named=True)
    assert abs(row["start"] - ts(b["start"])) <= timedelta(minutes=5)
    assert abs(row["end"] - ts(b["end"])) <= timedelta(minutes=5)
    top = a.explanations.filter((pl.col("spike") == row["spike"]) & (pl.col("rank") == 1))
    keys = dict(zip(top["dimension"], top["key"], strict=True))
    assert keys["path"] == b["path"]
    assert keys["upstream_addr"] == b["upstream"]
    assert keys["status"] == "502"
    # Latency percentiles rise during the burst.
    tl = a.timeline
    during = tl.filter((pl.col("start") >= ts(b["start"])) & (pl.col("start") < ts(b["end"])))
    assert during["request_time_p99"].max() > tl["request_time_p50"].median()


@needs_samples
def test_sample_quiet_day_has_no_spike():
    a = analyze(SAMPLES / "nginx_access.log.2.gz")
    assert a.parsed == manifest()["nginx_access.log.2.gz"]["valid"]
    assert a.spikes.is_empty()


@needs_samples
@pytest.mark.parametrize("parts", [2, 3, 7])
def test_byte_range_split_gives_the_same_analysis(parts, assert_same_analysis):
    path = str(SAMPLES / "nginx_access.log")
    view = ViewOptions(window="5m", tz="Europe/Paris")
    whole = analyze(path, view=view)
    (inp,) = inputs.resolve_inputs(path)
    chunks = inputs.split(inp, parts)
    assert len(chunks) == parts
    partials = [aggregate_chunks([c]) for c in chunks]
    random.Random(parts).shuffle(partials)
    assert_same_analysis(finalize(merge(*partials), view), whole)


@needs_samples
def test_many_blocks_in_one_pass_give_the_same_analysis(assert_same_analysis):
    # 20 byte ranges read in one pass: 20 blocks, gathered 8 at a time.
    path = str(SAMPLES / "nginx_access.log")
    view = ViewOptions(window="5m")
    (inp,) = inputs.resolve_inputs(path)
    partial = aggregate_chunks(inputs.split(inp, 20))
    assert partial.chunks.height == 20
    assert_same_analysis(finalize(partial, view), analyze(path, view=view))


@needs_samples
def test_rotated_set_equals_its_files_merged(assert_same_analysis):
    opts = ViewOptions(window="1h")
    both = analyze([SAMPLES / "nginx_access.log", SAMPLES / "nginx_access.log.2.gz"], view=opts)
    parts = [
        aggregate_chunks([inputs.Chunk(i)])
        for i in inputs.resolve_inputs(
            [str(SAMPLES / "nginx_access.log.2.gz"), str(SAMPLES / "nginx_access.log")]
        )
    ]
    assert_same_analysis(finalize(merge(*parts[::-1]), opts), both)
    assert both.inputs.height == 2


# ------------------------------------------------------------------ options


@pytest.fixture
def small_log(tmp_path):
    t0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    lines = []
    for i in range(600):
        t = t0 + timedelta(seconds=6 * i)
        status = 503 if 300 <= i < 330 else (404 if i % 50 == 0 else 200)
        ua = "Mozilla/5.0 (compatible; Googlebot/2.1)" if i % 4 == 0 else "Mozilla/5.0 (X11)"
        lines.append(combined(t, status, "/api" if status == 503 else f"/p{i % 9}", ua))
    lines.insert(100, "garbage line")
    return write_log(tmp_path / "access.log", lines)


def test_bots_include_exclude_only(small_log):
    inc, exc, only = (analyze(small_log, bots=b) for b in ("include", "exclude", "only"))
    assert inc.requests == 600
    assert only.requests == 150
    assert exc.requests + only.requests == inc.requests
    for a, b, c in zip(
        inc.classes["requests"], exc.classes["requests"], only.classes["requests"], strict=True
    ):
        assert a == b + c
    assert exc.timeline["requests"].sum() == 450
    assert set(only.top.filter(pl.col("dimension") == "user_agent")["key"]) == {
        "Mozilla/5.0 (compatible; Googlebot/2.1)"
    }
    # The lines read don't depend on the view.
    assert inc.lines == exc.lines == only.lines == 601
    with pytest.raises(UsageError):
        ViewOptions(bots="some")
    with pytest.raises(UsageError, match="window"):
        ViewOptions(window="7m")
    with pytest.raises(UsageError, match="time zone"):
        ViewOptions(tz="Europe/Pariss")


def test_analysis_frames_and_options(small_log):
    a = analyze(
        small_log, window="5m", tz="Asia/Kolkata", lang="zh", top=3, spikes=SpikeParams(top=2)
    )
    assert isinstance(a, Analysis)
    assert (a.lines, a.parsed, a.rejected, a.rejected_by_reason) == (601, 600, 1, {"no_match": 1})
    assert a.rejected_samples.select("line", "reason").rows() == [(101, "no_match")]
    assert str(a.timeline.schema["start"].time_zone) == "Asia/Kolkata"
    assert a.timeline.height == 12 and a.timeline["requests"].sum() == 600
    assert a.classes.filter(pl.col("class") == "5xx")["name"].item() == "服务器错误"
    assert a.status.columns == ["status", "class", "reason", "description", "requests", "share"]
    assert a.top.group_by("dimension", "scope").len()["len"].max() <= 3
    assert a.spikes.select("kind", "errors").rows() == [("5xx", 30)]
    assert a.explanations.group_by("dimension").len()["len"].max() <= 2
    why = a.explanations.filter(pl.col("rank") == 1)
    assert dict(zip(why["dimension"], why["key"], strict=True))["path"] == "/api"
    assert a.time_range == (
        datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 20, 10, 59, 54, tzinfo=UTC),
    )
    assert a.latencies == []


def test_row_filters_drop_requests_before_counting(small_log):
    t0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    a = analyze(small_log, since=t0 + timedelta(minutes=30), until=t0 + timedelta(minutes=40))
    assert a.requests == 100
    assert a.parsed == 600  # lines parsed; the filter drops requests, not lines
    b = analyze(small_log, status=("5xx",))
    assert b.classes.filter(pl.col("requests") > 0)["class"].to_list() == ["5xx"]
    c = analyze(small_log, path_prefix="/api")
    assert c.requests == 30


def test_options_by_keyword_and_dataclass_agree(small_log, assert_same_analysis):
    opts = ViewOptions(window="10m", top=2)
    assert_same_analysis(analyze(small_log, view=opts), analyze(small_log, window="10m", top=2))
    assert_same_analysis(
        analyze(small_log, view=replace(opts, window="10m")), analyze(small_log, view=opts)
    )


def test_empty_log(tmp_path):
    a = analyze(write_log(tmp_path / "empty.log", []))
    assert a.requests == 0 and a.timeline.is_empty() and a.spikes.is_empty()
    assert a.time_range is None


def test_an_empty_file_among_inputs_has_its_row_of_zeros(tmp_path):
    empty = write_log(tmp_path / "empty.log", [])
    full = write_log(
        tmp_path / "a.log",
        ['192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 10 "-" "curl/8"'],
    )
    a = analyze([empty, full])
    assert a.inputs.select("source", "lines", "parsed", "rejected", "bytes_read").rows() == [
        (full, 1, 1, 0, 80),
        (empty, 0, 0, 0, 0),
    ]  # sorted by source: "a.log" < "empty.log"
    assert a.lines == 1 and a.format == "combined"
    alone = analyze(empty)
    assert alone.inputs.rows() == [(empty, 0, 0, 0, 0, 0)]
