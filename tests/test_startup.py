"""Start-up: what `import httplog`, `import httplog.cli` and `httplog --help` load.

Issue 16's targets (``httplog --help`` ≤ 0.25 s, an empty log ≤ 0.5 s) are measured
by ``benchmarks/bench_peers.py --modes startup``; these tests pin the imports that
keep them in reach (not timings): each runs a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import httplog

SRC = Path(__file__).resolve().parents[1] / "src"

#: Imported only where they are used: the report (plotly, jinja2), Dask, the JSON
#: Schema check, typer's rich help (rich, pygments).
HEAVY = ("plotly", "jinja2", "dask", "distributed", "jsonschema", "rich", "pygments", "pyarrow")


def loaded_after(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after ``code`` ran in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])}


def test_import_httplog_loads_no_polars_until_a_name_is_used():
    assert not {"polars", *HEAVY} & loaded_after("import httplog")
    assert "polars" in loaded_after("import httplog; httplog.read_logs")


@pytest.mark.parametrize("code", ["import httplog.cli", "import httplog.__main__"])
def test_the_command_line_module_loads_no_polars_plotly_jinja2_or_dask(code):
    assert not {"polars", *HEAVY} & loaded_after(code)


def test_httplog_help_needs_neither_polars_nor_rich():
    code = (
        "import contextlib, io, httplog.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    httplog.cli.main(['--help'])"
    )
    assert not {"polars", *HEAVY} & loaded_after(code)


def test_an_analysis_without_a_report_loads_no_plotly_jinja2_or_dask(tmp_path):
    log = tmp_path / "access.log"
    log.write_text('192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 502 0 "-" "-"\n')
    code = (
        "import contextlib, io, httplog.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    httplog.cli.main(['analyze', {str(log)!r}, '--no-report', '-q'])"
    )
    loaded = loaded_after(code)
    assert "polars" in loaded
    assert not {"plotly", "jinja2", "dask", "distributed", "jsonschema"} & loaded


def test_every_public_name_resolves_to_the_object_its_module_defines():
    import importlib

    for name in httplog.__all__:
        value = getattr(httplog, name)
        where = httplog._WHERE.get(name)
        if where is not None:
            assert value is getattr(importlib.import_module(where), name), name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        httplog.nonsense  # noqa: B018


def _analyze_loads(tmp_path, text: str, *flags: str) -> set[str]:
    """Modules (full names) loaded by ``httplog analyze LOG --no-report -q`` on a log of ``text``."""
    log = tmp_path / "access.log"
    log.write_text(text)
    args = ["analyze", str(log), "--no-report", "-q", *flags]
    code = (
        "import contextlib, io, sys, httplog.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    httplog.cli.main({args!r})\n"
        "import json\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


#: Loaded only for what needs them: user agents to classify (ua-parser and its
#: YAML rules), addresses to place (GeoIP), an incremental state.
ON_DEMAND = ("ua_parser", "yaml", "maxminddb", "httplog.state", "httplog.streams")


def test_an_empty_log_loads_no_agent_rules_geoip_or_state(tmp_path):
    loaded = _analyze_loads(tmp_path, "")
    assert not {m for m in loaded if m.split(".")[0] in ON_DEMAND or m in ON_DEMAND}
    assert not {m.split(".")[0] for m in loaded} & {"plotly", "jinja2", "dask", "jsonschema"}


def test_the_state_modules_load_with_a_state_only(tmp_path):
    line = '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\n'
    assert "httplog.state" not in _analyze_loads(tmp_path, line)
    assert {"httplog.state", "httplog.streams"} <= _analyze_loads(
        tmp_path, line, "--state", str(tmp_path / "st")
    )
