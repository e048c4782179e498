"""Writing outputs atomically, and expanding strftime fields in output paths.

A report, a summary or a state file is either complete or absent: data goes
to a temporary file in the same directory, is flushed to disk, then renamed
over the target in one step (``os.replace``). A crash mid-write leaves at
most a stray ``.tmp`` file, never a half-written target.

Examples
--------
>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> atomic_write(os.path.join(d, "x.txt"), "hello")
>>> open(os.path.join(d, "x.txt")).read()
'hello'
>>> from datetime import datetime
>>> expand_path("reports/%Y-%m-%d.html", datetime(2026, 11, 26))
'reports/2026-11-26.html'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from httplog.errors import InputError


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success rename it over ``path``.

    On any exception the temporary file is removed and ``path`` is untouched.
    Missing parent directories are created.
    """
    target = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(target))
    try:
        os.makedirs(parent, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=parent
        )
    except OSError as e:
        msg = f"{target}: can't write: {e.strerror or e}"
        raise InputError(msg) from None
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically (text as UTF-8)."""
    with atomic_open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def expand_path(template: str, when: datetime | None = None) -> str:
    """Expand strftime fields (``%Y``, ``%m``, ``%d``, ``%H`` …) in an output path."""
    if "%" not in template:
        return template
    return (when or datetime.now()).strftime(template)
