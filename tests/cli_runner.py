"""The installed ``httplog`` command, run as a subprocess (shared by the CLI test files)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"
SAMPLE_GZ = ROOT / "sample_logs" / "nginx_access.log.2.gz"


def httplog_cmd() -> list[str]:
    """The console script pip installed for this Python (beside it: not through a
    version manager's shim, which costs a process more per run), else the one on
    ``PATH``, else ``python -m httplog``."""
    beside = Path(sys.executable).with_name("httplog")
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    exe = shutil.which("httplog")
    return [exe] if exe else [sys.executable, "-m", "httplog"]


def run(
    *args: object,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[bytes]:
    """``httplog *args`` with stdin (empty unless given), output captured."""
    return subprocess.run(
        [*httplog_cmd(), *map(str, args)],
        cwd=cwd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=timeout,
        env=env,
    )


def out(r: subprocess.CompletedProcess[bytes]) -> str:
    return r.stdout.decode()


def err(r: subprocess.CompletedProcess[bytes]) -> str:
    return r.stderr.decode()


def invoke(
    *args: object, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``httplog *args`` in this process (typer's runner), as :func:`run` returns it.

    For what a subprocess adds nothing to (refusals, usage errors, help): the
    same exit status, stdout and stderr, without starting an interpreter.
    """
    from typer.testing import CliRunner

    from httplog.cli import app

    argv = [str(a) for a in args]
    r = CliRunner().invoke(app, argv, input=stdin, env=env)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return subprocess.CompletedProcess(argv, r.exit_code, r.stdout_bytes, r.stderr_bytes)
