"""The codebase's own rules, checked: imports flow one way, lint is clean,
every public name is documented with an example."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mypy_run
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
NO_EXAMPLE_YET: dict[str, str] = {}


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
            "by_window",
            "top_n",
            "aggregate",
            "status_class",
            "is_bot",
            "run",
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


def test_mypy_finds_no_type_error_in_src(pytestconfig):
    # Started when the session's tests were collected, beside them; its cache
    # kept with pytest's (a whole check of src is ~9 s of CPU; with the cache, only
    # what changed since the last run is checked again): tests/mypy_run.py.
    returncode, output = mypy_run.result(pytestconfig)
    assert returncode == 0, output


def test_every_type_ignore_says_why():
    bare = []
    for path in sorted((ROOT / "src" / "httplog").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "type: ignore" in line and not re.search(r"# type: ignore\[[\w,-]+\]  # \S", line):
                bare.append(f"{path.relative_to(ROOT)}:{n}")
    assert not bare, f"a type: ignore without its code and a reason comment: {bare}"


def _modules() -> list[str]:
    """Every module and package of src/httplog, as docs/architecture.md names them."""
    base = ROOT / "src" / "httplog"
    names = set()
    for path in base.rglob("*.py"):
        rel = path.relative_to(base)
        if rel.parts[0] in ("formats", "statuscodes", "report") and len(rel.parts) > 1:
            names.add(f"{rel.parts[0]}/")
        elif rel.parts[0] == "cli" and len(rel.parts) > 1:
            names.add("cli/" if rel.name == "__init__.py" else f"cli/{rel.name}")
        else:
            names.add(rel.name)
    return sorted(names)


@pytest.mark.parametrize("module", _modules())
def test_every_module_is_on_the_architecture_map(module):
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert f"`{module}`" in text, f"docs/architecture.md does not map {module}"


@pytest.mark.parametrize("command", ["analyze", "aggregate", "report"])
def test_each_command_body_fits_on_a_screen(command):
    from httplog.cli import commands

    source = inspect.getsource(getattr(commands, command))
    body = source.split('"""', 2)[2]  # after the docstring
    assert len(body.strip().splitlines()) <= 40, (
        f"httplog {command} is {len(body.splitlines())} lines"
    )
