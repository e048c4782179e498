"""Running the benchmark scripts from the tests (test_benchmarks*.py): their data
directory, the tools they need, and their runs with this checkout's httplog."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import shared_path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
CHROMIUM = Path("/usr/bin/chromium")
CONTENDERS = ("httplog", "duckdb", "polars", "goaccess")


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
