"""What the docstrings' examples under ``src/`` are given (pytest ``--doctest-modules``).

The test suite's own fixtures are in ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: The requests of :data:`SIX_REQUESTS`: (minute after 10:00, status).
SIX_ROWS = [(0, 200), (0, 200), (1, 404), (2, 503), (2, 503), (2, 200)]


def write_six_requests(path: Path) -> Path:
    """Six combined-format requests of 20 Nov 2026, 10:00 to 10:02 UTC, 100 bytes each:
    two 200s at 10:00, a 404 at 10:01, two 503s and a 200 at 10:02."""
    path.write_text(
        "".join(
            f'192.0.2.{i} - - [20/Nov/2026:10:0{m}:0{i} +0000] "GET / HTTP/1.1" {s} 100 "-" "-"\n'
            for i, (m, s) in enumerate(SIX_ROWS)
        )
    )
    return path


@pytest.fixture(autouse=True, scope="session")
def _doctest_logs(doctest_namespace: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    """``six_requests``: the path of :func:`write_six_requests`' log, for the charts'
    examples (``httplog.analyze(six_requests, window="1m")``)."""
    log = tmp_path_factory.mktemp("doctest") / "access.log"
    doctest_namespace["six_requests"] = str(write_six_requests(log))
