"""mypy over ``src/`` for test_architecture.py, started when the session's tests are
collected and run beside them.

A whole check from a cold cache (a fresh clone, as in CI) is ~9 s of one core. Started
early, it runs while the tests do, in the moments the test processes leave a core idle
(waiting on a subprocess, a browser, a timer) among others; when the test comes, it
reads the result, or waits for it, its own core then mypy's. The check is the same
command as run by hand, on the same cache (pytest's), so a second run checks only what
changed. (Not niced: on a machine shared with other work, a niced mypy could wait for
minutes while its test waits for it.)

One run per session: the first test process to finish collecting starts it (a directory
created under the pytest cache, named by the run), any process reads its result.
Without the pytest cache (``-p no:cacheprovider``), or when the session does not run
the test, nothing starts early and the test runs mypy itself.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The test that reads the result (its node id's end).
TEST = "test_architecture.py::test_mypy_finds_no_type_error_in_src"

#: Runs ``argv[2:]``, then writes its exit status to ``argv[1]`` (written to a
#: temporary name, then renamed: a reader sees it whole or not at all).
RUNNER = r"""
import os, subprocess, sys
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(rc))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
"""

_started: subprocess.Popen[bytes] | None = None
#: The run's name in a session without pytest-xdist (whose test processes share theirs).
_SESSION = uuid.uuid4().hex


def mypy_command(cache_dir: Path | None) -> list[str]:
    exe = shutil.which("mypy") or str(Path(sys.executable).parent / "mypy")
    if not Path(exe).exists():
        pytest.fail("mypy is not installed; pip install -e '.[test]' installs it")
    where = ["--cache-dir", str(cache_dir)] if cache_dir is not None else []
    return [exe, "--config-file", str(ROOT / "pyproject.toml"), *where]


def _run_dir(config: pytest.Config) -> Path | None:
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    if cache is None:
        return None
    workerinput = getattr(config, "workerinput", None)  # a pytest-xdist test process
    run = workerinput["testrunuid"] if workerinput is not None else _SESSION
    return cache.mkdir("mypy-runs") / run


def start_early(session: pytest.Session) -> None:
    """At the end of collection: start the session's one mypy run, if the test is
    among the session's items and no other test process has started it."""
    global _started
    if not any(item.nodeid.endswith(TEST) for item in session.items):
        return
    run = _run_dir(session.config)
    if run is None:
        return
    try:
        run.mkdir()
    except FileExistsError:
        return  # another test process of this run started it
    for old in run.parent.iterdir():  # the files of earlier runs
        if old != run:
            shutil.rmtree(old, ignore_errors=True)
    cache = session.config.cache
    assert cache is not None
    out = (run / "output").open("wb")
    _started = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(run / "returncode"), *mypy_command(cache.mkdir("mypy"))],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()


def finish(interrupted: bool) -> None:
    """At the end of the session: a run still going is waited for (another test process
    may be waiting for its result), or stopped when the session was interrupted."""
    if _started is not None and _started.poll() is None:
        if interrupted:
            _started.terminate()
        _started.wait()


def result(config: pytest.Config, timeout: float = 540) -> tuple[int, str]:
    """mypy's exit status and output: the early run's, waited for, or a run of its own."""
    run = _run_dir(config)
    if run is None or not run.is_dir():
        cache = getattr(config, "cache", None)
        r = subprocess.run(
            mypy_command(cache.mkdir("mypy") if cache is not None else None),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return r.returncode, r.stdout + r.stderr
    rc_file = run / "returncode"
    deadline = time.monotonic() + timeout
    while not rc_file.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"mypy, started at the start of the session, has not ended in {timeout} s")
        time.sleep(0.1)
    return int(rc_file.read_text()), (run / "output").read_text(errors="replace")
