"""``benchmarks/bench_peers.py --quick``'s state and start-up modes run end to end:
their tables printed and the state's check passed (no timing asserted).

Apart from test_benchmarks.py (the peers' runs, the report's) so that the two
halves of the benchmarks' smoke tests can run at once on two test processes
(``--dist loadscope`` keeps a module on one).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_scripts import need_genlog, run_script, suite_bytecode


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
    assert "reports 2,000 requests (expected 2,000)" in out  # 1,000 lines, then 1,000 more
    assert "| httplog: after appending 1,000 lines, --no-report | " in out
    for run in ("httplog --help", "httplog analyze empty.log --no-report"):
        assert f"| {run} | " in out
    assert "| httplog analyze real-3k-s7.log.gz --no-report | " in out
    assert ".gz/plain wall " in out
