"""The installed ``httplog`` command, run as a subprocess (shared by the CLI test files)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"
SAMPLE_GZ = ROOT / "sample_logs" / "nginx_access.log.2.gz"


def httplog_cmd() -> list[str]:
    """The console script pip installed, else ``python -m httplog``."""
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
