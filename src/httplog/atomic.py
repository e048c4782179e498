"""Writing a file atomically, never replacing a device: the one writer of httplog.

A report, a summary, an export, a partial or a state file is either complete
or absent: data goes to a temporary file in the target's directory, is
flushed to disk, renamed over the target in one step (``os.replace``), and
the directory itself is flushed, so the rename survives a crash. A crash
mid-write leaves at most a temporary file of our own naming
(``.NAME.httplog-HOST-PID-XXXX.tmp``), which the next write into that
directory removes once its process is gone.

What is written where:

- ``-`` is standard output, wherever a path is taken;
- a regular file (or a new path) is replaced atomically, keeping its mode;
  a symbolic link is followed and its *target* replaced (the link stays a link);
- a character device, FIFO or socket (``/dev/null``, ``/dev/stdout``, a
  named pipe) is written in place: no temporary file, no rename; an error
  while writing (``ENOSPC`` on ``/dev/full``) is an :class:`OutputError`;
- a directory or a block device is refused.

Examples
--------
>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> atomic_write(os.path.join(d, "x.txt"), "hello")
>>> open(os.path.join(d, "x.txt")).read()
'hello'
>>> atomic_write(os.devnull, "gone")  # written in place: /dev/null stays a device
>>> os.path.isfile(os.devnull)
False
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from httplog.errors import OutputError

#: The path that means standard output.
STDOUT = "-"
#: A temporary file of ours left by a process still running on another host is
#: removed once it is this old (seconds); ours on this host as soon as its process is gone.
STALE_AFTER = 24 * 3600

_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
_TEMP = re.compile(r"^\..*\.httplog-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[^.]*\.tmp$")
_cleaned: set[str] = set()


# ------------------------------------------------------------------ targets


@dataclass(frozen=True)
class _Target:
    """Where a write goes: ``file`` (``real`` replaced atomically) or ``stream`` (in place)."""

    path: str
    kind: str
    real: str


def _target(path: str | os.PathLike[str], output: str | None = None) -> _Target:
    p = os.fspath(path)
    if p == STDOUT:
        return _Target(p, "stream", p)
    if not p or "\x00" in p:
        msg = f"{p!r}: not a usable path"
        raise OutputError(msg, path=p, output=output)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _cant_write(p, e, output) from None
    if st is None or stat.S_ISREG(st.st_mode):
        return _Target(p, "file", os.path.realpath(p))
    mode = st.st_mode
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return _Target(p, "stream", p)
    if stat.S_ISDIR(mode):
        msg = f"{p}: is a directory; give a file path"
    else:
        msg = f"{p}: not a regular file, character device, FIFO or socket: httplog won't write it"
    raise OutputError(msg, path=p, output=output)


def _cant_write(path: str, e: OSError, output: str | None = None) -> OutputError:
    return OutputError(f"{path}: can't write: {e.strerror or e}", path=path, output=output)


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    """Whether ``path`` means standard output (``-``)."""
    return path is not None and os.fspath(path) == STDOUT


# ------------------------------------------------------------------ writers


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """A file object to write ``path`` with (text as UTF-8), as the module docstring says.

    On any exception a regular target is untouched and the temporary file
    removed. Missing parent directories are created.
    """
    t = _target(path)
    binary = "b" in mode
    if t.kind == "file":
        encoding = None if binary else "utf-8"
        with _replacing(t) as tmp, open(tmp, "wb" if binary else "w", encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        return
    with _in_place(t) as raw:
        f = raw if binary else io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        try:
            yield f
            f.flush()
        except BrokenPipeError:
            raise
        except OSError as e:  # writing in place: the only OSError is the target's (ENOSPC …)
            raise _cant_write(t.path if t.path != STDOUT else "standard output", e) from None
        finally:
            if not binary:
                with contextlib.suppress(OSError, ValueError):
                    f.detach()  # type: ignore[union-attr]  # (the TextIOWrapper made above)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path to write ``path``'s content to, for writers that want a name (Parquet).

    A regular target: the temporary file is beside it and renamed over it. A
    device, a FIFO, a socket or ``-``: the temporary file is in the system's
    temporary directory, and copied into the target once complete.

    >>> d = tempfile.mkdtemp()
    >>> with atomic_path(os.path.join(d, "x.txt")) as tmp:
    ...     _ = open(tmp, "w").write("hi")
    >>> open(os.path.join(d, "x.txt")).read()
    'hi'
    """
    t = _target(path)
    if t.kind == "file":
        with _replacing(t) as tmp:
            yield tmp
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        return
    clean_stale(tempfile.gettempdir())
    fd, tmp = temp_file(tempfile.gettempdir(), "httplog-output")
    os.close(fd)
    try:
        yield tmp
        with _in_place(t) as raw, open(tmp, "rb") as f:
            shutil.copyfileobj(f, raw, 1 << 20)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically (text as UTF-8)."""
    with atomic_open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def temp_file(parent: str, name: str) -> tuple[int, str]:
    """A new temporary file of our naming in ``parent`` (see :func:`clean_stale`): (fd, path)."""
    prefix = f".{name[:100]}.httplog-{_HOST}-{os.getpid()}-"
    return tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=parent)


#: Temporary files of this process that must go even on a hard exit (a copy of stdin).
_TEMPORARY: set[str] = set()


@contextlib.contextmanager
def temporary(name: str) -> Iterator[tuple[int, str]]:
    """A temporary file of ours in the system's temporary directory, (fd, path),
    removed on the way out — or by :func:`remove_temporary` on a hard exit."""
    tmpdir = tempfile.gettempdir()
    clean_stale(tmpdir)  # copies left by runs that were killed
    fd, tmp = temp_file(tmpdir, name)
    _TEMPORARY.add(tmp)
    try:
        yield fd, tmp
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        _TEMPORARY.discard(tmp)


def remove_temporary() -> None:
    """Remove the temporary files :func:`temporary` made that are still there
    (for an exit that skips ``finally`` blocks: ``os._exit``)."""
    for tmp in list(_TEMPORARY):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@contextlib.contextmanager
def _replacing(t: _Target) -> Iterator[str]:
    """A temporary file beside ``t.real``; renamed over it (and the directory synced) on success."""
    target = t.real
    parent = os.path.dirname(target)
    try:
        os.makedirs(parent, exist_ok=True)
        clean_stale(parent)
        fd, tmp = temp_file(parent, os.path.basename(target))
        os.close(fd)
    except OSError as e:
        raise _cant_write(t.path, e) from None
    try:
        yield tmp
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except OSError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        fsync_dir(parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _in_place(t: _Target) -> Iterator[IO[bytes]]:
    """The target opened as it is (stdout, a device, a FIFO, a socket); flushed at the end."""
    if t.path == STDOUT:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        # (a _TextSink is a binary stream, as IO[bytes] says, but a RawIOBase)
        raw = cast(IO[bytes], getattr(sys.stdout, "buffer", None) or _TextSink(sys.stdout))
        yield raw
        try:
            raw.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _cant_write("standard output", e) from None
        return
    sock = None
    try:
        if stat.S_ISSOCK(os.stat(t.path).st_mode):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(t.path)
            raw = sock.makefile("wb")
        else:
            raw = open(t.path, "wb")  # noqa: SIM115 - closed below
    except OSError as e:
        if sock is not None:
            sock.close()
        raise _cant_write(t.path, e) from None
    try:
        yield raw
        try:
            raw.flush()
        except OSError as e:
            raise _cant_write(t.path, e) from None
    finally:
        with contextlib.suppress(OSError):
            raw.close()
        if sock is not None:
            sock.close()


class _TextSink(io.RawIOBase):
    """Bytes written to a text stream without a binary buffer (a notebook's stdout)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self._stream.write(self._decoder.decode(bytes(b)))
        return len(b)

    def flush(self) -> None:
        self._stream.flush()


def fsync_dir(path: str) -> None:
    """Flush a directory's entries (a rename in it) to disk, where the system allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def clean_stale(directory: str) -> list[str]:
    """Remove the temporary files of ours that no running write owns; their names.

    A temporary file is ours by its name (``.NAME.httplog-HOST-PID-XXXX.tmp``);
    it is stale when it was made on this host by a process that is gone, or
    is older than :data:`STALE_AFTER`. Each directory is looked at once per process.

    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, f".r.html.httplog-{_HOST}-999999999-x.tmp"), "w")
    >>> len(clean_stale(d)), os.listdir(d)
    (1, [])
    """
    key = os.path.abspath(directory)
    if key in _cleaned:
        return []
    _cleaned.add(key)
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    now = time.time()
    for name in names:
        m = _TEMP.match(name)
        if m is None:
            continue
        full = os.path.join(directory, name)
        pid = int(m["pid"])
        mine = m["host"] == _HOST
        try:
            old = now - os.lstat(full).st_mtime > STALE_AFTER
        except OSError:
            continue
        if old or (mine and pid != os.getpid() and not _alive(pid)):
            with contextlib.suppress(OSError):
                os.unlink(full)
                removed.append(name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
