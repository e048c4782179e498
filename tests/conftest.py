"""Shared fixtures. Keep this small; add fixtures, don't rewrite the existing ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def write_log(tmp_path: Path) -> Callable[..., Path]:
    """Write a log file under ``tmp_path`` and return its path.

    ``write_log(lines_or_bytes, name="access.log")``: a list of ``str`` lines is
    joined with ``\\n`` (and a final newline); ``bytes`` are written as given.
    """

    def write(content: list[str] | str | bytes, name: str = "access.log") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, list):
            content = "".join(line + "\n" for line in content)
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)
        return path

    return write


@pytest.fixture
def parse_log(write_log: Callable[..., Path]) -> Callable[..., object]:
    """Parse lines (or bytes) with :func:`httplog.read_logs`: ``parse_log(lines, fmt)``."""
    from httplog import read_logs

    def parse(content: list[str] | str | bytes, log_format: object = None) -> object:
        return read_logs(write_log(content), log_format=log_format)

    return parse
