"""The ``httplog`` command: exit codes, stdout/stderr, stdin, incremental runs across
log rotation, and crashes that leave nothing half-written.

The installed command runs as a subprocess where the process is what is tested
(entry points, help, outputs and quiet runs, stdin pipes, kills); usage errors,
alerts and state runs go through :func:`cli_runner.invoke` in this process,
which gives the same exit status and streams without an interpreter's start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from cli_runner import ROOT, SAMPLE, SAMPLE_GZ, err, invoke, out, run
from logfactory import T0, Dice, line

from httplog.summary import validate


def summary(r) -> dict:
    assert r.returncode in (0, 1), err(r)
    data = json.loads(r.stdout)
    assert validate(data) == []
    return data


def _line(n: int, status: int, path: str = "/") -> str:
    t = T0 + timedelta(seconds=11 * n)
    return (
        line(
            "nginx",  # writes a size of 0 as 0, not -
            time=t,
            status=status,
            target=f"{path}?n={n}",
            size=n % 977,
            agent=f"ua/{n % 5}",
            client=f"203.0.113.{n % 250 + 1}",
        )
        + "\n"
    )


@pytest.fixture
def log(tmp_path) -> Path:
    """300 requests: 5% 5xx, 10% 4xx."""
    p = tmp_path / "access.log"
    lines = []
    for n in range(300):
        status = 503 if n % 20 == 0 else (404 if n % 10 == 5 else 200)
        lines.append(_line(n, status))
    p.write_text("".join(lines))
    return p


# ------------------------------------------------------------------ basics


def test_version_and_module_entry_point():
    r = run("--version")
    assert r.returncode == 0 and out(r).startswith("httplog ")
    r2 = subprocess.run(
        [sys.executable, "-m", "httplog", "--version"], capture_output=True, timeout=120
    )
    assert r2.returncode == 0 and r2.stdout == r.stdout


def test_help_has_examples_and_the_dask_options():
    r = run("analyze", "--help")
    assert r.returncode == 0
    text = out(r)
    assert "Examples" in text and "--fail-on" in text and "--state" in text
    assert "httplog analyze" in text
    assert "--scheduler" in text and "--workers" in text and "--chunk-mb" in text
    assert "Dask cluster" in text
    assert run("--help").returncode == 0


def test_a_run_writes_the_report_and_prints_its_path(log, tmp_path):
    report = tmp_path / "out" / "r.html"
    r = run("analyze", log, "-o", report, "--plotly-js", "cdn")
    assert r.returncode == 0, err(r)
    assert out(r) == f"{report}\n"
    assert err(r) == ""
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_the_default_report_is_in_the_current_directory(log, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # in this process: what is tested is where it goes
    r = invoke("analyze", log, "--plotly-js", "cdn")
    assert r.returncode == 0, err(r)
    assert out(r).strip() == "httplog-report.html"
    assert (tmp_path / "httplog-report.html").stat().st_size > 1000


def test_json_on_stdout_matches_the_schema(log):
    r = invoke("analyze", log, "--no-report", "--json", "-")
    assert r.returncode == 0 and err(r) == ""
    s = summary(r)
    assert s["requests"] == 300
    assert s["classes"]["5xx"] == 15 and s["classes"]["4xx"] == 30
    assert s["alerts"] == []


def test_quiet_prints_nothing(log, tmp_path):
    r = run("analyze", log, "-o", tmp_path / "r.html", "--plotly-js", "cdn", "--quiet")
    assert r.returncode == 0
    assert r.stdout == b"" and r.stderr == b""
    assert (tmp_path / "r.html").exists()
    r = run("analyze", log, "--no-report", "-q", "--json", "-")
    assert r.returncode == 0 and r.stderr == b""
    assert summary(r)["requests"] == 300


def test_fail_on_exits_1_and_says_why_in_one_line(log):
    r = invoke("analyze", log, "--no-report", "--json", "-", "--fail-on", "5xx-rate>2%,requests<10")
    assert r.returncode == 1
    s = summary(r)
    assert [a["condition"] for a in s["alerts"]] == ["5xx-rate>2%"]
    assert [c["breached"] for c in s["checks"]] == [True, False]
    lines = err(r).splitlines()
    assert lines == ["httplog: alert: 5xx-rate>2%: 5xx rate is 5% (> 2%)"]


def test_fail_on_that_does_not_hold_exits_0(log):
    r = invoke(
        "analyze", log, "--no-report", "-q", "--fail-on", "5xx-rate>10%", "--fail-on", "spikes>0"
    )
    assert r.returncode == 0 and r.stderr == b"" and r.stdout == b""


def test_quiet_still_reports_a_breach_on_stderr(log):
    r = invoke("analyze", log, "--no-report", "-q", "--fail-on", "4xx>1")
    assert r.returncode == 1
    assert r.stdout == b""
    assert err(r) == "httplog: alert: 4xx>1: 30 4xx responses (> 1)\n"


# ------------------------------------------------------------------ errors


def _one_line_error(r, *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, err(r))
    text = err(r)
    assert "Traceback" not in text
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("httplog: error: ")
    for n in needles:
        assert n in lines[0], lines[0]
    assert r.stdout == b""


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["/nonexistent/access.log"], ["/nonexistent/access.log", "no such file"]),
        (["/nonexistent/*.log"], ["no file matches"]),
        (["{log}", "--log-format", "$remote_addr [$time_local"], ["no status field"]),
        (["{log}", "--log-format", "%h %Q"], ["%Q"]),
        (["{log}", "--format", "bogus"], ["unknown log format 'bogus'"]),
        (["{dir}"], ["is a directory"]),
    ],
)
def test_errors_are_one_line_and_exit_2(log, tmp_path, args, needles):
    args = [a.replace("{log}", str(log)).replace("{dir}", str(tmp_path)) for a in args]
    _one_line_error(invoke("analyze", *args, "--no-report"), *needles)


def test_a_wrong_format_is_an_error_that_suggests_the_fix(log):
    r = invoke("analyze", log, "--format", "common", "--no-report")
    _one_line_error(r, "100% of lines", "--format", "--log-format", "--max-rejected")
    r = invoke("analyze", log, "--format", "common", "--no-report", "--max-rejected", "100%")
    assert r.returncode == 0


def test_garbage_is_an_error_not_an_empty_report(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("".join(f"just some text {i}\n" for i in range(50)))
    r = invoke("analyze", p, "-o", tmp_path / "r.html")
    assert r.returncode == 2 and "Traceback" not in err(r)
    assert len(err(r).splitlines()) == 1
    assert not (tmp_path / "r.html").exists()


def test_hostile_error_text_stays_on_one_line(tmp_path):
    p = tmp_path / "x.log"
    p.write_text("x\n")
    r = invoke("analyze", p, "--log-format", "$status\n\x1b[31m$bogus", "--no-report")
    assert r.returncode == 2
    assert "\x1b" not in err(r) and len(err(r).splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "--bogus"],
        ["analyze", "x.log", "--top"],
        ["analyze", "x", "--top", "0"],
        ["frob"],
    ],
)
def test_usage_errors_exit_2(args):
    r = invoke(*args)
    assert r.returncode == 2
    assert "Traceback" not in err(r)


def test_no_input_is_a_usage_error():
    _one_line_error(invoke("analyze", "--no-report"), "no input")


# -------------------------------------------------------------- empty, stdin


def test_an_empty_file_gives_a_report_that_says_so(tmp_path):
    p = tmp_path / "empty.log"
    p.write_text("")
    report = tmp_path / "r.html"
    r = invoke("analyze", p, "-o", report, "--plotly-js", "cdn", "--json", tmp_path / "s.json")
    assert r.returncode == 0, err(r)
    assert "no requests" in report.read_text(encoding="utf-8").lower()
    s = json.loads((tmp_path / "s.json").read_text())
    assert validate(s) == []
    assert s["requests"] == 0 and s["lines"]["total"] == 0


def test_empty_stdin(tmp_path):
    # one run for the report and the summary on stdout (they were two)
    report = tmp_path / "r.html"
    r = run("analyze", "-", "-o", report, "--plotly-js", "cdn", "--json", "-")
    assert r.returncode == 0, err(r)
    assert report.exists()
    s = summary(r)
    assert s["requests"] == 0 and s["time_range"]["start"] is None


def test_stdin_counts_like_the_file(log):
    # the file in this process: what is tested is the other run's stdin
    from_file = summary(invoke("analyze", log, "--no-report", "--json", "-"))
    from_stdin = summary(run("analyze", "-", "--no-report", "--json", "-", stdin=log.read_bytes()))
    for key in ("lines", "classes", "status_codes", "windows"):
        assert from_stdin[key] == from_file[key]
    assert from_stdin["inputs"][0]["source"] == "-"


@pytest.mark.skipif(not SAMPLE_GZ.exists(), reason="sample logs not generated")
def test_compressed_stdin():
    s = summary(run("analyze", "-", "--no-report", "--json", "-", stdin=SAMPLE_GZ.read_bytes()))
    assert s["lines"]["total"] == 4007


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample logs not generated")
def test_sample_log_end_to_end(tmp_path):
    manifest = json.loads((ROOT / "sample_logs" / "manifest.json").read_text())
    truth = manifest["files"]["nginx_access.log"]
    r = run(
        "analyze",
        SAMPLE,
        "-o",
        tmp_path / "r.html",
        "--json",
        "-",
        "--tz",
        "Europe/Paris",
        "--fail-on",
        "spikes>0",
    )
    assert r.returncode == 1
    s = summary(r)
    assert s["lines"]["total"] == truth["lines"]
    assert {str(c["code"]): c["count"] for c in s["status_codes"]} == truth["status_counts"]
    assert any(sp["kind"] == "5xx" for sp in s["spikes"])
    assert (tmp_path / "r.html").exists()


# ------------------------------------------------------------- incremental


class Writer:
    def __init__(self) -> None:
        self.n = 0
        self.dice = Dice(7)

    def lines(self, count: int) -> str:
        out = []
        for _ in range(count):
            status = self.dice.pick([200] * 15 + [204, 301, 404, 404, 499, 500, 502, 503, 504])
            out.append(_line(self.n, status, f"/p{self.dice.between(1, 30)}"))
            self.n += 1
        return "".join(out)

    def append(self, path: Path, count: int, extra: str = "") -> None:
        with open(path, "a", encoding="utf-8") as f:
            f.write(self.lines(count) + extra)


def _counts(s: dict) -> tuple:
    return (s["lines"], s["classes"], s["status_codes"], s["requests"])


def test_incremental_runs_across_rotation_equal_one_full_run(logdir):
    w = Writer()
    access, pattern = logdir.log, logdir.pattern

    def step(new: int | None = None) -> dict:
        """One incremental run, that reads ``new`` lines (when given)."""
        r = invoke("analyze", pattern, "--state", logdir.state, "--no-report", "--json", "-")
        assert r.returncode == 0, err(r)
        s = summary(r)
        if new is not None:
            assert s["incremental"]["new_lines"] == new
        return s

    w.append(access, 120, "a line that is not a request\n")
    step()
    # appends, with a half-written last line
    w.append(access, 40)
    tail = w.lines(1)
    with open(access, "a") as f:
        f.write(tail[:25])
    step(new=40)
    with open(access, "a") as f:
        f.write(tail[25:])
    w.append(access, 10)
    step(new=11)
    # rename rotation (create): access.log → access.log.1, new access.log
    w.append(access, 7)
    w.append(logdir.rename("access.log.1"), 3)  # written before nginx reopens its log
    w.append(access, 30)
    step(new=40)
    # the rotated file compressed later (delaycompress), while access.log grows
    logdir.compress("access.log.1", "access.log.1.gz")
    w.append(access, 12)
    step(new=12)
    # copytruncate into a dated copy
    w.append(access, 5)
    logdir.copytruncate("access.log-20261121")
    w.append(access, 22)
    step(new=27)
    # the dated copy compressed later; more lines
    logdir.compress("access.log-20261121", "access.log-20261121.gz")
    w.append(access, 9)
    step(new=9)
    # nothing new
    s = step(new=0)

    once = summary(invoke("analyze", pattern, "--no-report", "--json", "-"))
    assert once["lines"]["total"] == w.n + 1 == s["lines"]["total"]
    assert _counts(s) == _counts(once)
    assert s["windows"] == once["windows"]


def test_state_refuses_other_counting_options(log, tmp_path):
    state = tmp_path / "state"
    assert invoke("analyze", log, "--state", state, "--no-report", "-q").returncode == 0
    _one_line_error(
        invoke("analyze", log, "--state", state, "--no-report", "--format", "common"),
        "--format/--log-format 'combined'",
    )
    _one_line_error(
        invoke("analyze", log, "--state", state, "--no-report", "--status", "5xx"), "--status"
    )
    # a view option (window, since) is fine
    r = invoke(
        "analyze", log, "--state", state, "--no-report", "--window", "1h", "--since", "2026-11-20"
    )
    assert r.returncode == 0, err(r)


def test_a_corrupt_state_is_a_one_line_error(log, tmp_path):
    state = tmp_path / "state"
    assert invoke("analyze", log, "--state", state, "--no-report", "-q").returncode == 0
    (state / "state.json").write_text("{")
    _one_line_error(invoke("analyze", log, "--state", state, "--no-report"), "corrupt")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    _one_line_error(
        invoke("analyze", log, "--state", foreign, "--no-report"), "not an httplog state"
    )


def test_state_report_narrowed_by_since(log, tmp_path):
    state = tmp_path / "state"
    base = ["analyze", log, "--state", state, "--no-report", "--json", "-"]
    everything = summary(invoke(*base))
    narrowed = summary(invoke(*base, "--since", "2026-11-20T00:30:00Z"))
    assert everything["requests"] == 300
    # 11 s apart from midnight: requests at or after 00:30 are n >= 164 (minute granularity)
    assert narrowed["requests"] == 300 - 164
    assert narrowed["incremental"]["new_lines"] == 0


# ------------------------------------------------------------ crash safety

_SLOW_REPORT = """
import sys, time, pathlib
import httplog.report.render as render
marker = pathlib.Path(sys.argv[1])
def slow(context):  # the real writer, stuck half-way through the page
    yield "<!doctype html><html>half a rep"
    marker.write_text("writing")
    time.sleep(120)
render._chunks = slow
from httplog.cli import main
main(sys.argv[2:])
"""

_SLOW_STATE = """
import sys, time, pathlib
from httplog.partial import Partial
marker = pathlib.Path(sys.argv[1])
real = Partial.to_parquet
def slow(self, path):
    with open(path, "wb") as f:
        f.write(b"PAR1 half a file")
        f.flush()
    marker.write_text("writing")
    time.sleep(120)
Partial.to_parquet = slow
from httplog.cli import main
main(sys.argv[2:])
"""

_SLOW_MANIFEST = """
import os, sys, time, pathlib
marker = pathlib.Path(sys.argv[1])
real = os.replace
def slow(src, dst, *a, **k):
    if str(dst).endswith("state.json"):
        marker.write_text("writing")
        time.sleep(120)
    return real(src, dst, *a, **k)
os.replace = slow
from httplog.cli import main
main(sys.argv[2:])
"""


def _kill_while_writing(script: str, tmp_path: Path, *args: object) -> None:
    marker = tmp_path / "marker"
    marker.unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), str(marker), *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the writer never started"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def test_killed_while_writing_the_report_leaves_the_old_one(log, tmp_path):
    report = tmp_path / "r.html"
    assert invoke("analyze", log, "-o", report, "--plotly-js", "cdn", "-q").returncode == 0
    old = report.read_bytes()
    _kill_while_writing(_SLOW_REPORT, tmp_path, "analyze", log, "-o", report, "--plotly-js", "cdn")
    assert report.read_bytes() == old
    # a report written where none was: none, rather than half of one
    fresh = tmp_path / "fresh.html"
    _kill_while_writing(_SLOW_REPORT, tmp_path, "analyze", log, "-o", fresh)
    assert not fresh.exists()


@pytest.mark.parametrize("script", [_SLOW_STATE, _SLOW_MANIFEST], ids=["partial", "manifest"])
def test_killed_while_saving_the_state_leaves_the_old_one(tmp_path, script):
    w = Writer()
    access = tmp_path / "access.log"
    state = tmp_path / "state"
    w.append(access, 50)
    assert invoke("analyze", access, "--state", state, "--no-report", "-q").returncode == 0
    manifest = (state / "state.json").read_bytes()
    w.append(access, 25)
    _kill_while_writing(script, tmp_path, "analyze", access, "--state", state, "--no-report")
    assert (state / "state.json").read_bytes() == manifest
    # the lock died with the process; the next run reads the 25 new lines exactly once
    # (the runs around the killed one need no process of their own)
    r = invoke("analyze", access, "--state", state, "--no-report", "--json", "-")
    s = summary(r)
    assert s["incremental"]["new_lines"] == 25
    assert s["lines"]["total"] == 75
    once = summary(invoke("analyze", access, "--no-report", "--json", "-"))
    assert _counts(s) == _counts(once)
    # what the killed run left behind (a temporary or orphaned partial) is gone
    # (left: the lock, the manifest, the base partial and the last run's delta)
    m = json.loads((state / "state.json").read_text())
    named = [m["partial"]["file"], *(d["file"] for d in m["deltas"])]
    assert sorted(p.name for p in state.iterdir()) == sorted(["lock", "state.json", *named])
    assert named[0].startswith("partial-") and all(n.endswith(".parquet") for n in named)
