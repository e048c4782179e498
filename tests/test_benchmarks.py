"""The benchmark scripts run end to end on tiny inputs: tables printed, checks passed.

``benchmarks/bench_peers.py --quick`` (a few thousand lines) and
``benchmarks/bench_report.py --quick`` (3,000 lines, one load) are run as a
user runs them; at this size the figures mean nothing and no timing is
asserted, only that every contender ran, the tables came out and the
cross-checks held. The realistic files come from the shared generator
(``../shared/bench/genlog.py``); GoAccess, DuckDB (the ``bench`` extra) and
Chromium are tools a developer may lack: their absence skips locally and
fails in CI (``CI=true``), which installs them all.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from conftest import shared_path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
CHROMIUM = Path("/usr/bin/chromium")
CONTENDERS = ("httplog", "duckdb", "polars", "goaccess")


@pytest.fixture(scope="module")
def bench_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmarks' ``--data`` directory, shared by this module's runs: a log
    generated for one run is reused by the next, as in ``benchmarks/data``."""
    return tmp_path_factory.mktemp("bench-data")


def need(present: bool, reason: str) -> None:
    """Skip without ``reason``'s tool locally; in CI, a missing tool is a failure."""
    if not present:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def need_peers() -> None:
    need(importlib.util.find_spec("duckdb") is not None, "duckdb is not installed (.[bench])")
    need(shutil.which("goaccess") is not None, "goaccess is not installed (apt-get install)")


def need_genlog() -> Path:
    """The shared generator (``../shared/bench/genlog.py``, found as every test finds
    ``../shared``): a skip without it locally, a failure in CI."""
    return shared_path("bench", "genlog.py")


def bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run_script(script: str, *args: str, cwd: Path) -> str:
    """Run a benchmark with this checkout's httplog; its stdout (it must exit 0)."""
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), path]))}
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def suite_bytecode() -> list[str]:
    """``--no-bytecode-cache`` when the suite gives its processes a bytecode cache
    (``PYTHONPYCACHEPREFIX``, tests/conftest.py): the script's runs then use that
    one, already warm, instead of compiling everything again into a cache of their
    own in each run of the script."""
    return ["--no-bytecode-cache"] if os.environ.get("PYTHONPYCACHEPREFIX") else []


def assert_peers_table(out: str, key: str) -> None:
    section = out.split(f"### {key}:", 1)[1].split("###", 1)[0]
    assert "| contender | wall s | CPU s | peak RSS MiB | lines/s |" in section
    for name in CONTENDERS:
        assert f"\n| {name} | " in section, name
    for ratio in ("httplog/duckdb", "httplog/polars", "goaccess/httplog"):
        assert f"ratio {ratio}: wall " in section, ratio
    assert (
        f"agreement on {key}: per-status counts identical for httplog, duckdb, polars, goaccess"
        in out
    )


@pytest.mark.slow
def test_bench_peers_quick_runs_every_contender_and_they_agree_on_the_all_distinct_log(
    tmp_path: Path,
    bench_data: Path,
) -> None:
    need_peers()
    out = run_script(
        "bench_peers.py",
        *("--quick", "--repeat", "1", "--modes", "peers", "--files", "distinct-1m"),
        *("--data", str(bench_data)),
        *suite_bytecode(),
        cwd=tmp_path,
    )
    assert_peers_table(out, "distinct-1m")
    assert "4,000 requests, 3 codes" in out  # what the script wrote: 200, 404, 503


@pytest.mark.slow
def test_bench_peers_quick_agrees_with_the_generator_on_the_realistic_logs(
    tmp_path: Path, bench_data: Path
) -> None:
    genlog = need_genlog()
    need_peers()
    out = run_script(
        "bench_peers.py",
        *("--quick", "--repeat", "1", "--modes", "peers", "--files", "real-1m", "real-3m"),
        *("--data", str(bench_data), "--genlog", str(genlog)),
        *suite_bytecode(),
        cwd=tmp_path,
    )
    for key in ("real-1m", "real-3m"):
        assert_peers_table(out, key)
        assert "garbage, httplog: " in out.split(f"agreement on {key}", 1)[1]


@pytest.mark.slow
def test_bench_peers_quick_state_and_startup_modes_print_their_tables(
    tmp_path: Path, bench_data: Path
) -> None:
    genlog = need_genlog()
    out = run_script(
        "bench_peers.py",
        *("--quick", "--repeat", "1", "--modes", "state", "startup"),
        *("--data", str(bench_data), "--genlog", str(genlog)),
        *suite_bytecode(),
        cwd=tmp_path,
    )
    assert "read 1,000 new lines" in out
    assert "reports 5,000 requests (expected 5,000)" in out
    assert "| httplog: after appending 1,000 lines, --no-report | " in out
    for run in ("httplog --help", "httplog analyze empty.log --no-report"):
        assert f"| {run} | " in out
    assert "| httplog analyze real-4k-s7.log.gz -o report.html | " in out
    assert ".gz/plain wall " in out


def test_bench_peers_agreement_check_names_the_contender_and_code_that_differ(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench = bench_module("bench_peers")
    log = bench.LogFile("real-1m", Path("x.log"), 10, Counter({200: 8, 404: 2}))
    same = bench.Contender("duckdb", counts=Counter({200: 8, 404: 2}))
    off = bench.Contender("goaccess", counts=Counter({200: 8, 404: 1, 400: 1}))
    assert bench.agreement(log, {"duckdb": same})
    assert not bench.agreement(log, {"duckdb": same, "goaccess": off})
    out = capsys.readouterr().out
    assert "DISAGREE goaccess: status: (counted, written) {400: (1, 0), 404: (1, 2)}" in out
    assert "DISAGREE duckdb" not in out
    assert "agreement on real-1m: FAILED" in out


def test_bench_peers_all_distinct_lines_never_repeat_a_key_and_appended_lines_continue(
    tmp_path: Path,
) -> None:
    bench = bench_module("bench_peers")
    first = bench.distinct_lines(0, 3000, 3000)
    more = bench.distinct_lines(3000, 1000, 3000)
    counts = bench.distinct(3000, tmp_path).truth
    lines = first + more
    clients = {line.split(" ", 1)[0] for line in lines}
    paths = {line.split('"')[1] for line in lines}
    agents = {line.rsplit('"', 2)[1] for line in lines}
    assert len(clients) == len(paths) == len(agents) == 4000
    assert counts == Counter(int(line.split('" ')[1].split()[0]) for line in first)
    assert set(counts) == {200, 404, 503}
    stamp = [line.split("[", 1)[1].split("]", 1)[0] for line in (first[-1], more[0])]
    assert stamp[0] <= stamp[1]  # one day, same offset: the text sorts like the time
    assert bench.distinct_lines(0, 3000, 3000) == first  # deterministic
    assert (tmp_path / "distinct-3k.log").read_text().splitlines() == first


@pytest.mark.slow
@pytest.mark.browser
def test_bench_report_quick_prints_sizes_and_first_chart_times_of_both_reports(
    tmp_path: Path,
) -> None:
    need(shutil.which("goaccess") is not None, "goaccess is not installed (apt-get install)")
    need(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    need(importlib.util.find_spec("playwright") is not None, "playwright is not installed")
    out = run_script("bench_report.py", "--quick", cwd=tmp_path)
    assert (
        "| report | bytes | gzipped | first chart ms | (its marks in the DOM) ms "
        "| first interactive chart ms | DOMContentLoaded ms | load ms |" in out
    )
    assert "\n| httplog | " in out
    assert "\n| goaccess | " in out
    assert "ratio httplog/goaccess: size " in out
    assert "requests blocked (network off): httplog 0, goaccess 0" in out
