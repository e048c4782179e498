"""The codebase's own rules, checked: imports flow one way, lint is clean,
every public name is documented with an example."""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import httplog

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> list[str]:
    exe = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(exe).exists():
        pytest.fail(f"{name} is not installed; pip install -e '.[test]' installs it")
    return [exe]


def test_imports_flow_one_way_as_the_layers_contract_says():
    r = subprocess.run(
        [*_tool("lint-imports"), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_finds_nothing_to_fix():
    r = subprocess.run(
        [*_tool("ruff"), "check", "src", "tests", "benchmarks", "sample_logs", "tools"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_everything_is_formatted_as_ruff_formats_it():
    """Code, and the Python in the docs, README and notebook (as the README's
    development commands promise)."""
    r = subprocess.run(
        [*_tool("ruff"), "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("name", [n for n in httplog.__all__ if not n.startswith("__")])
def test_every_public_name_has_a_docstring(name):
    obj = getattr(httplog, name)
    doc = inspect.getdoc(obj)
    assert doc and len(doc) > 20, f"httplog.{name} has no docstring"


#: Public functions whose own docstring has no example yet (strict: an example
#: added makes the test pass, and this entry must then go).
NO_EXAMPLE_YET = {
    "explain_spike": "its docstring points to explain_spikes' example; the reshape of "
    "issue 13 renames it: give it its own example there",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=NO_EXAMPLE_YET[n], strict=True))
        if n in NO_EXAMPLE_YET
        else n
        for n in (
            "analyze",
            "read_logs",
            "scan_logs",
            "by_status",
            "timeline",
            "top_n",
            "find_spikes",
            "explain_spike",
            "status_table",
            "describe",
            "merge",
            "write_report",
        )
    ],
)
def test_public_functions_have_a_runnable_example_in_their_own_docstring(name):
    doc = inspect.getdoc(getattr(httplog, name)) or ""
    assert ">>>" in doc, f"httplog.{name} has no doctest example of its own"
