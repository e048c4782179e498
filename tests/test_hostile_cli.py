"""The command line against an attacker and a careless operator, each case in its own temp dir.

An output never replaces an input nor a device; memory stays bounded whatever
one line holds; Ctrl-C always works; every bad value is one line and exit 2;
exports are safe in a spreadsheet; invisible characters are shown; output
paths are never globs; temporary files of killed runs don't pile up; Dask's
chatter stays off stderr.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from cli_runner import httplog_cmd, run
from conftest import in_ci
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from logfactory import T0
from logfactory import line as factory_line
from typer.testing import CliRunner

import httplog
from httplog.cli import app
from httplog.display import clean
from httplog.partial import Partial

runner = CliRunner()


def invoke(*args: object, stdin: bytes | None = None):
    return runner.invoke(app, [str(a) for a in args], input=stdin)


def one_line_error(r, *needles: str) -> str:
    """Exit 2 and exactly one line on stderr, ``httplog: error: ...`` holding every needle."""
    code = getattr(r, "exit_code", None)
    code = r.returncode if code is None else code
    stderr = r.stderr if isinstance(r.stderr, str) else r.stderr.decode()
    assert code == 2, (code, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("httplog: error: "), stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def line(n: int, status: int = 200, path: str = "/", agent: str = "curl/8.5") -> str:
    """The ``n``-th minute's line."""
    t = T0 + timedelta(minutes=n)
    return (
        factory_line(
            time=t, status=status, target=path, agent=agent, client=f"192.0.2.{n % 200 + 1}"
        )
        + "\n"
    )


@pytest.fixture
def log(tmp_path) -> Path:
    p = tmp_path / "access.log"
    p.write_text("".join(line(n, 503 if n % 10 == 0 else 200, f"/p/{n % 30}") for n in range(120)))
    return p


def requests_of(r) -> int:
    assert r.exit_code in (0, 1), r.stderr
    return json.loads(r.stdout)["requests"]


# ------------------------------------------------------ 1. never over an input


def _fixtures(tmp_path: Path, log: Path) -> dict[str, Path]:
    sym = tmp_path / "sym.log"
    sym.symlink_to(log)
    hard = tmp_path / "hard.log"
    os.link(log, hard)
    exp = tmp_path / "exp"
    exp.mkdir()
    shutil.copy(log, exp / "summary.json")
    state = tmp_path / "state"
    state.mkdir()
    shutil.copy(log, state / "access.log")
    part = tmp_path / "part.parquet"
    assert invoke("aggregate", log, "-o", part, "-q").exit_code == 0
    return {"log": log, "sym": sym, "hard": hard, "dir": exp, "state": state, "part": part}


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "{log}", "-o", "{log}"],
        ["analyze", "{log}", "--no-report", "--json", "{log}"],
        ["analyze", "{sym}", "-o", "{log}"],
        ["analyze", "{log}", "--no-report", "--json", "{sym}"],
        ["analyze", "{hard}", "--no-report", "--json", "{log}"],
        ["analyze", "{dir}/summary.json", "--no-report", "--export", "{dir}"],
        ["analyze", "{state}/access.log", "--no-report", "--state", "{state}"],
        ["aggregate", "{log}", "-o", "{log}"],
        ["aggregate", "{state}/access.log", "-o", "{tmp}/p.parquet", "--state", "{state}"],
        ["report", "{part}", "-o", "{part}"],
        ["report", "{part}", "--no-report", "--export", "{tmp}", "--json", "{part}"],
    ],
    ids=[
        "report",
        "json",
        "through-input-symlink",
        "through-output-symlink",
        "hard-link",
        "export",
        "state",
        "partial",
        "aggregate-state",
        "report-partial",
        "report-json",
    ],
)
def test_an_output_never_overwrites_an_input(tmp_path, log, args):
    paths = _fixtures(tmp_path, log)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    argv = [a.format(tmp=tmp_path, **paths) for a in args]
    one_line_error(invoke(*argv), "would overwrite the input")
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing touched


# ------------------------------------------------------ 2. devices, links, '-'


def _mknod(path: Path, major: int, minor: int) -> None:
    """A character device made in the test's own directory (needs root; CI runs as root)."""
    if os.geteuid() != 0 and not in_ci():
        pytest.skip("making a character device (mknod) needs root")
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))


def test_a_character_device_is_written_in_place_never_replaced(tmp_path, log):
    null = tmp_path / "null"
    _mknod(null, 1, 3)
    for flag in (["--no-report", "--json"], ["--plotly-js", "cdn", "-o"]):
        r = invoke("analyze", log, *flag, null, "-q")
        assert r.exit_code == 0, r.stderr
        assert stat.S_ISCHR(null.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["access.log", "null"]  # no temp file


def test_a_full_device_is_exit_2_and_stays_a_device(tmp_path, log):
    full = tmp_path / "full"
    _mknod(full, 1, 7)
    for flag in (["--no-report", "--json"], ["--plotly-js", "cdn", "-o"]):
        one_line_error(invoke("analyze", log, *flag, full), "full: can't write: No space left")
        assert stat.S_ISCHR(full.lstat().st_mode)
    r = invoke("aggregate", log, "-o", full)
    one_line_error(r, "No space left")


def test_a_fifo_is_written_in_place(tmp_path, log):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = invoke("analyze", log, "--no-report", "--json", fifo, "-q")
    reader.join(10)
    assert r.exit_code == 0, r.stderr
    assert json.loads(got[0])["requests"] == 120
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_unix_socket_is_written_in_place(tmp_path, log):
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    got: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            got.append(data)

    t = threading.Thread(target=serve)
    t.start()
    r = invoke("analyze", log, "--no-report", "--json", path, "-q")
    t.join(10)
    server.close()
    assert r.exit_code == 0, r.stderr
    assert json.loads(got[0])["requests"] == 120
    assert stat.S_ISSOCK(path.lstat().st_mode)


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path, log):
    target = tmp_path / "real.json"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    dangling = tmp_path / "new.json"
    dangling.symlink_to("sub/made.json")
    for out in (link, dangling):
        r = invoke("analyze", log, "--no-report", "--json", out, "-q")
        assert r.exit_code == 0, r.stderr
        assert out.is_symlink()
        assert json.loads(out.read_text())["requests"] == 120
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # the replaced file keeps its mode
    assert (tmp_path / "sub" / "made.json").is_file()


def test_a_symlink_to_proc_self_fd_1_writes_to_stdout(tmp_path, log):
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")
    r = run("analyze", log, "--no-report", "--json", link, "-q")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["requests"] == 120
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


def test_dash_means_stdout_wherever_a_path_is_taken(tmp_path, log):
    r = invoke("analyze", log, "-o", "-", "--plotly-js", "cdn")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("<!DOCTYPE html>") and r.stdout.rstrip().endswith("</html>")
    assert not (tmp_path / "-").exists()
    r = run("aggregate", log, "-o", "-")
    assert r.returncode == 0, r.stderr
    (tmp_path / "p.parquet").write_bytes(r.stdout)
    assert Partial.from_parquet(str(tmp_path / "p.parquet")).counts["requests"].sum() == 120
    one_line_error(invoke("analyze", log, "--no-report", "--export", "-"), "standard output")
    one_line_error(invoke("analyze", log, "-o", "-", "--json", "-"), "only one output")


# -------------------------------------------------- 3. bounded memory per line


def test_a_line_over_max_line_bytes_is_rejected_as_too_long(tmp_path):
    p = tmp_path / "long.log"
    p.write_text(line(0) + line(1, agent="A" * 3_000_000) + line(2))
    r = invoke("analyze", p, "--no-report", "--json", "-")
    s = json.loads(r.stdout)
    assert (s["requests"], s["lines"]["rejected_by_reason"]) == (2, {"too_long": 1})
    (sample,) = s["rejected_samples"]
    assert sample["reason"] == "too_long" and sample["line"] == 2
    assert sample["text"].startswith("192.0.2.2") and len(sample["text"]) <= 300
    assert (
        requests_of(invoke("analyze", p, "--no-report", "--json", "-", "--max-line-bytes", "4M"))
        == 3
    )
    one_line_error(
        invoke("analyze", p, "--no-report", "--max-line-bytes", "10"), "--max-line-bytes"
    )
    one_line_error(
        invoke("analyze", p, "--no-report", "--max-line-bytes", "lots"), "--max-line-bytes"
    )


_PEAK_RSS = """
import resource, subprocess, sys, threading
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def feed():
    p.stdin.write(sys.stdin.buffer.readline())
    piece = b"x" * (1 << 20)
    for _ in range(300):
        p.stdin.write(piece)
    p.stdin.write(b"\\n" + sys.stdin.buffer.readline())
    p.stdin.close()
t = threading.Thread(target=feed)
t.start()
out = p.stdout.read()
p.wait()
t.join()
print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
sys.stdout.write(out.decode())
"""


def test_a_300_mb_line_is_never_held_in_memory():
    cmd = [sys.executable, "-c", _PEAK_RSS, *httplog_cmd(), "analyze", "-", "--no-report"]
    r = subprocess.run(
        [*cmd, "--json", "-"], input=(line(0) + line(1)).encode(), capture_output=True, timeout=120
    )
    head, _, body = r.stdout.decode().partition("\n")
    rc, peak_mib = map(int, head.split())
    assert rc == 0, r.stderr
    assert json.loads(body)["lines"]["rejected_by_reason"] == {"too_long": 1}
    assert peak_mib < 300, f"peak RSS {peak_mib} MiB for a 300 MiB line"


def _rchar(pid: int) -> int:
    """Bytes process ``pid`` has read so far, by any means (``/proc/<pid>/io``)."""
    with open(f"/proc/{pid}/io") as f:
        return int(next(v for k, v in (ln.split(":") for ln in f) if k == "rchar"))


def _holds_open(pid: int, path: str) -> bool:
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                return True
        except OSError:  # closed meanwhile
            pass
    return False


def _unread(fd: int) -> int:
    """Bytes written into the pipe ``fd`` (either end) and not yet read."""
    import fcntl
    import termios

    return int.from_bytes(fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4), sys.byteorder)


def _until(what: str, ready, p: subprocess.Popen, timeout: float = 90) -> None:
    """Poll ``ready()`` until true; fail after ``timeout`` s, or if ``p`` ended."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert p.poll() is None, (what, p.returncode, p.stderr.read().decode())
        assert time.monotonic() < deadline, f"not {what} after {timeout} s"
        time.sleep(0.02)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux's /proc")
@pytest.mark.parametrize("source", ["/dev/zero", "slow-stdin"])
def test_sigint_ends_a_run_on_an_endless_input_within_a_second(source):
    args = ["-"] if source == "slow-stdin" else [source]
    p = subprocess.Popen(
        [*httplog_cmd(), "analyze", *args, "--no-report"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Interrupted only once it is reading (not a fixed sleep: start-up takes
        # seconds on a loaded machine).
        if source == "slow-stdin":
            # A line that never ends, then nothing: more than the pipe holds, so
            # the pipe is empty only once the run has read all of it.
            def feed() -> None:
                p.stdin.write(b"x" * 100_000)
                p.stdin.flush()

            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
            _until(
                "reading stdin",
                lambda: not feeder.is_alive() and _unread(p.stdin.fileno()) == 0,
                p,
            )
        else:
            _until("reading /dev/zero", lambda: _holds_open(p.pid, source), p)
            start = _rchar(p.pid)
            _until("reading /dev/zero", lambda: _rchar(p.pid) - start >= 8 << 20, p)
        assert p.poll() is None
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        try:
            rc = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        elapsed = time.monotonic() - t0
    finally:
        p.kill()
        p.wait()
    assert rc == 130 and elapsed < 1.0, (rc, elapsed)
    assert p.stderr.read().decode() == "httplog: interrupted\n"


# ----------------------------------------------- 4. bad values: one line, exit 2


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--window", "99999999999d"], ["--window", "out of range", "366d"]),
        (["--since", "99999999999999d"], ["--since", "out of range"]),
        (["--until", "0001-01-01T00:00", "--tz", "Asia/Tokyo"], ["--until", "out of range"]),
        (["--top", "99999999999999999999"], ["--top", "out of range", "100,000"]),
        (["--top", "0"], ["--top", "out of range"]),
        (["--threads", "99999999999"], ["--threads", "out of range"]),
        (["--spike-history", "99999999999999999999"], ["--spike-history", "out of range"]),
        (["--spike-z", "nan"], ["--spike-z", "not a finite number"]),
        (["--spike-mad-k", "inf"], ["--spike-mad-k", "not a finite number"]),
        (["--spike-min-ratio", "-inf"], ["--spike-min-ratio"]),
        (["--spike-min-delta", "2"], ["--spike-min-delta", "0 to 1"]),
        (["--since", ""], ["--since", "empty"]),
        (["--until", " "], ["--until", "empty"]),
        (["--tz", ""], ["--tz", "empty"]),
        (["--format", ""], ["--format", "empty"]),
        (["--fail-on", ""], ["--fail-on", "empty"]),
        (["--fail-on", ","], ["--fail-on", "no value"]),
        (["--status", ", ,"], ["--status", "no value"]),
        (["--fail-on", "5xx-rate>200%"], ["--fail-on", "never hold"]),
        (["--fail-on", "5xx-rate>100%"], ["--fail-on", "never hold"]),
        (["--fail-on", "requests<0"], ["--fail-on", "never hold"]),
        (["--fail-on", "requests>" + "9" * 400], ["--fail-on", "too large"]),
        (["--tz", "x" * 5000], ["--tz", "unknown time zone"]),
        (["--json", ""], ["--json", "empty"]),
    ],
)
def test_huge_nan_empty_and_impossible_values_are_one_line_errors(log, args, needles):
    one_line_error(invoke("analyze", log, "--no-report", *args), *needles)


@pytest.mark.parametrize(
    "args",
    [["--top", "0"], ["--bots", "x"], ["--nope"], ["--threads", "abc"], ["--window"]],
    ids=["top-0", "bots-x", "unknown-option", "not-an-int", "missing-value"],
)
def test_usage_errors_of_typer_are_one_line_and_exit_2(log, args):
    one_line_error(invoke("analyze", log, "--no-report", *args))
    one_line_error(run("analyze", log, "--no-report", *args))


_OPTIONS = [
    "--window", "--since", "--until", "--top", "--tz", "--lang", "--bots", "--status",
    "--path", "--format", "--log-format", "--threads", "--max-line-bytes", "--fail-on",
    "--max-rejected", "--spike-kinds", "--spike-history", "--spike-min-history",
    "--spike-min-requests", "--spike-min-errors", "--spike-min-delta", "--spike-min-ratio",
    "--spike-z", "--spike-mad-k", "--spike-top", "--json", "--export", "--state", "-o",
    "--title", "--plotly-js", "--chunk-mb", "--workers", "--scheduler",
]  # fmt: skip
_BAD = [
    "", " ", "0", "-1", "-0.5", "1e400", "99999999999999999999", "-99999999999999999999",
    "nan", "inf", "-inf", "NaN%", "１２", "５m", "é", "漢字", "\u202e", "*", "[", "?",
    "a[1]*?", "**/*", "{a,b}", "%", "%Y%Q", "1,", ",", "5xx-rate>", "../..", "/",
]  # fmt: skip


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    picks=st.lists(
        st.tuples(st.sampled_from(_OPTIONS), st.sampled_from(_BAD) | st.text(max_size=12)),
        min_size=1,
        max_size=3,
    )
)
def test_fuzzed_option_values_give_one_line_and_exit_2_or_a_run(log, picks):
    args = [x for opt, value in picks for x in (opt, value.replace("\x00", ""))]
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as d:  # relative output paths land here
        os.chdir(d)
        try:
            r = invoke("analyze", log, "--no-report", "--plotly-js", "cdn", *args)
        finally:
            os.chdir(cwd)
    assert r.exit_code in (0, 1, 2), (args, r.exit_code, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, (args, r.stderr)
    if r.exit_code == 2:
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("httplog: error: "), (args, r.stderr)


# ------------------------------------------------------- 5. spreadsheet-safe CSV

#: What starts a formula in a spreadsheet (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULAS = [
    "=HYPERLINK(http://evil.example/)",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
]


def test_csv_export_cells_cannot_start_a_formula_and_parquet_stays_exact(tmp_path):
    p = tmp_path / "access.log"
    rows = [line(n, 200, "/x", _FORMULAS[n % len(_FORMULAS)]) for n in range(50)]
    p.write_text("".join(rows) + "=cmd|' /C calc'!A0 not a log line\n\t=1+1 neither\n")
    exp = tmp_path / "exp"
    r = invoke("analyze", p, "--no-report", "--export", exp, "-q")
    assert r.exit_code == 0, r.stderr
    for f in exp.glob("*.csv"):
        with f.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell[:1] in FORMULA_START:
                        float(cell)  # only a number may start with - or +
    top = pl.read_csv(exp / "top.csv").filter(pl.col("dimension") == "user_agent")
    assert sorted(top["key"].to_list()) == sorted("'" + a for a in _FORMULAS)
    exact = pl.read_parquet(exp / "top.parquet").filter(pl.col("dimension") == "user_agent")
    assert sorted(exact["key"].to_list()) == sorted(_FORMULAS)
    samples = pl.read_csv(exp / "rejected_samples.csv")["text"].to_list()
    assert samples == ["'=cmd|' /C calc'!A0 not a log line", "'\t=1+1 neither"]
    summary = json.loads((exp / "summary.json").read_text())
    assert summary["rejected_samples"][0]["text"].startswith("=cmd")


# ---------------------------------------- 6. invisible characters shown, not obeyed

_HIDDEN = ["\u061c", "\U000e0041", "\u3164", "\u034f", "\u180e", "\u200e", "\ufe0f", "\u2066"]


def test_invisible_and_reordering_characters_are_shown_not_obeyed(tmp_path):
    agent = "ok" + "".join(f"{c}x" for c in _HIDDEN)
    p = tmp_path / "access.log"
    p.write_text("".join(line(n, 503, "/a", agent) for n in range(5)))
    page_path = tmp_path / "r.html"
    r = invoke("analyze", p, "-o", page_path, "--plotly-js", "cdn", "--json", "-")
    assert r.exit_code == 0, r.stderr
    page = page_path.read_text(encoding="utf-8")
    s = json.loads(r.stdout)
    terminal = clean(s["top"]["user_agent"]["all"][0]["key"])  # what to_text prints log text with
    for c in _HIDDEN:
        stand_in = f"<U+{ord(c):04X}>"
        assert c not in page and f"&lt;U+{ord(c):04X}&gt;" in page, stand_in
        assert c not in terminal and stand_in in terminal, stand_in
    assert s["top"]["user_agent"]["all"][0]["key"] == agent  # the JSON keeps the real text
    # error messages too (a path named by a stranger)
    msg = one_line_error(invoke("analyze", tmp_path / "no\u200esuch\u061c.log"))
    assert "\u200e" not in msg and "no<U+200E>such<U+061C>.log" in msg


# ------------------------------------------------------ 7. output paths: no globs


def test_output_paths_are_never_globs(tmp_path, log):
    glob_log = tmp_path / "a[1]*.log"
    shutil.copy(log, glob_log)
    (tmp_path / "a1x.log").write_text(line(0))  # what the pattern would match
    state = tmp_path / "web[1]"
    for _ in range(2):
        r = invoke("analyze", glob_log, "--state", state, "--no-report", "--json", "-")
        assert requests_of(r) == 120
    names = ["r[1].html", "s[*].json", "e[?]", "host[1].parquet"]
    out, js, exp, part = (tmp_path / n for n in names)
    for _ in range(2):
        r = invoke(
            "analyze", glob_log, "-o", out, "--plotly-js", "cdn", "--json", js, "--export", exp
        )
        assert r.exit_code == 0, r.stderr
        assert invoke("aggregate", glob_log, "-o", part, "-q").exit_code == 0
    assert json.loads(js.read_text())["requests"] == 120 and (exp / "top.csv").is_file()
    assert requests_of(invoke("report", part, "--no-report", "--json", "-")) == 120
    assert requests_of(invoke("report", state, "--no-report", "--json", "-")) == 120


# ------------------------------------------------------------- 8. edited states


@pytest.mark.parametrize("edit", ["offset-0", "head-hash", "streams-emptied", "torn"])
def test_an_edited_state_is_exit_2_and_state_reset_starts_over(tmp_path, log, edit):
    state = tmp_path / "state"
    assert (
        requests_of(invoke("analyze", log, "--state", state, "--no-report", "--json", "-")) == 120
    )
    manifest = state / "state.json"
    m = json.loads(manifest.read_text())
    if edit == "offset-0":
        m["streams"][0]["offset"] = 0
    elif edit == "head-hash":
        m["streams"][0]["head"] = "0" * 64
    elif edit == "streams-emptied":
        m["streams"] = []
    manifest.write_text(json.dumps(m) if edit != "torn" else manifest.read_text()[:200])
    one_line_error(invoke("analyze", log, "--state", state, "--no-report"), "--state-reset")
    r = invoke("analyze", log, "--state", state, "--state-reset", "--no-report", "--json", "-")
    assert requests_of(r) == 120  # everything read once again: never doubled
    r = invoke("analyze", log, "--state", state, "--no-report", "--json", "-")
    assert requests_of(r) == 120
    assert json.loads(r.stdout)["incremental"]["new_lines"] == 0
    one_line_error(invoke("analyze", log, "--state-reset", "--no-report"), "--state")


# --------------------------------------------------------------- 11. the smaller ones


@pytest.mark.parametrize("top", [3, 15, 30])
def test_the_json_top_lists_honour_top(log, top):
    s = json.loads(invoke("analyze", log, "--no-report", "--json", "-", "--top", top).stdout)
    assert len(s["top"]["path"]["all"]) == min(top, 30)


_KILLED_WRITE = """
import sys, time, pathlib
import httplog.report.render as render
marker = pathlib.Path(sys.argv[1])
def slow(context):
    yield "<!DOCTYPE html>" + "x" * 5_000_000
    marker.write_text("writing")
    time.sleep(120)
render._chunks = slow
from httplog.cli import main
main(sys.argv[2:])
"""


def test_stale_temporary_files_of_a_killed_write_are_removed_on_the_next_run(tmp_path, log):
    out = tmp_path / "out"
    out.mkdir()
    marker = tmp_path / "marker"
    args = ["analyze", log, "-o", out / "r.html", "--plotly-js", "cdn"]
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_KILLED_WRITE), marker, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and left[0].startswith(".r.html.") and left[0].endswith(".tmp")
    (out / "keep.tmp").write_text("not ours")
    assert invoke("analyze", log, "-o", out / "r.html", "--plotly-js", "cdn", "-q").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["keep.tmp", "r.html"]


@pytest.mark.parametrize("verbose", [False, True])
def test_dask_warnings_go_to_the_log_not_stderr_unless_verbose(log, monkeypatch, capfd, verbose):
    pytest.importorskip("distributed")
    import httplog.distributed as hd

    # as Dask sets it up in a fresh process: a handler printing on stderr
    stderr_handler = logging.StreamHandler(sys.stderr)
    monkeypatch.setattr(logging.getLogger("distributed"), "handlers", [stderr_handler])

    def fake(source, read, cluster=None, **kw):  # a run during which the cluster lost a worker
        logging.getLogger("distributed.scheduler").warning("Removing worker tcp://x: lost")
        logging.getLogger("distributed.nanny").warning("Restarting worker")
        return httplog.analyze(source).partial

    monkeypatch.setattr(hd, "collect_distributed", fake)
    args = ["analyze", log, "--workers", "1", "--no-report", "--json", "-"]
    r = invoke(*args, *(["--verbose"] if verbose else []))
    assert requests_of(r) == 120
    printed = capfd.readouterr().err + r.stderr
    assert ("Removing worker" in printed) == verbose
    assert ("Restarting worker" in printed) == verbose


# ----------------------------------------------------------- 12. a fresh clone


def test_tests_needing_shared_skip_naming_it_outside_ci_and_fail_in_ci(monkeypatch, tmp_path):
    import conftest

    monkeypatch.setattr(conftest, "_shared_dirs", lambda: [tmp_path / "shared"])
    monkeypatch.setattr(conftest, "SHARED", tmp_path / "shared")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"shared/seed/x\.md"):
        conftest.shared_path("seed", "x.md")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"shared/seed/x\.md.*CI must have it"):
        conftest.shared_path("seed", "x.md")
    (tmp_path / "shared" / "seed").mkdir(parents=True)
    (tmp_path / "shared" / "seed" / "x.md").write_text("x")
    assert conftest.shared_path("seed", "x.md") == tmp_path / "shared" / "seed" / "x.md"
