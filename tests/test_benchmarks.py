"""The benchmark scripts run end to end on tiny inputs: tables printed, checks passed.

``benchmarks/bench_peers.py --quick`` (a few thousand lines, no warm-ups, one
run of the script for its three files) and
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
import shutil
from collections import Counter
from pathlib import Path

import pytest
from bench_scripts import (
    CHROMIUM,
    assert_peers_table,
    bench_module,
    need,
    need_genlog,
    need_peers,
    run_script,
    suite_bytecode,
)


@pytest.fixture(scope="module")
def peers_quick(tmp_path_factory: pytest.TempPathFactory, bench_data: Path) -> str:
    """The output of one ``bench_peers.py --quick`` peers run on its three files
    (read by the tests below, each asserting its files' tables)."""
    genlog = need_genlog()
    need_peers()
    return run_script(
        "bench_peers.py",
        *("--quick", "--repeat", "1", "--modes", "peers"),
        *("--files", "distinct-1m", "real-1m", "real-3m"),
        *("--data", str(bench_data), "--genlog", str(genlog)),
        *suite_bytecode(),
        cwd=tmp_path_factory.mktemp("bench-peers"),
    )


@pytest.mark.slow
def test_bench_peers_quick_runs_every_contender_and_they_agree_on_the_all_distinct_log(
    peers_quick: str,
) -> None:
    assert_peers_table(peers_quick, "distinct-1m")
    assert "1,000 requests, 3 codes" in peers_quick  # what the script wrote: 200, 404, 503


@pytest.mark.slow
def test_bench_peers_quick_agrees_with_the_generator_on_the_realistic_logs(
    peers_quick: str,
) -> None:
    for key in ("real-1m", "real-3m"):
        assert_peers_table(peers_quick, key)
        assert "garbage, httplog: " in peers_quick.split(f"agreement on {key}", 1)[1]


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
