"""Every file httplog writes: atomically, never over an input, never replacing a device.

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

:func:`check_outputs` compares every output with every input before a run
reads anything, so that ``-o access.log`` can't replace the log it reads.

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
>>> from datetime import datetime
>>> expand_path("reports/%Y-%m-%d.html", datetime(2026, 11, 26))
'reports/2026-11-26.html'
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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
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


# ------------------------------------------------------------- what a run writes

#: The tables of an analysis an export writes (as CSV and Parquet).
EXPORT_TABLES: tuple[str, ...] = (
    "classes",
    "status",
    "timeline",
    "top",
    "spikes",
    "explanations",
    "inputs",
    "rejected_samples",
    "distinct",
)
#: The dashboard's panels in the order the report shows them (GoAccess's, mostly);
#: an export writes those the analysis has as ``panel_<name>.csv`` and ``.parquet``
#: (see :func:`httplog.reduce.panels`).
PANELS: tuple[str, ...] = (
    "visitors",
    "time_distribution",
    "requests",
    "static_requests",
    "not_found",
    "hosts",
    "user_agents",
    "browsers",
    "operating_systems",
    "countries",
    "networks",
    "vhosts",
    "referrers",
    "referring_sites",
    "methods",
    "protocols",
    "remote_users",
    "routes",
    "slowest",
)


@dataclass(frozen=True)
class Outputs:
    """Where a run writes (None: not written; ``-``: standard output):

    - ``report``: the HTML report (``plotly_js``: ``inline`` or ``cdn``; ``title``);
    - ``json``: the JSON summary;
    - ``export``: a directory of every table (CSV and Parquet), the summary,
      and the parsed rows (``rows.parquet``).
    """

    report: str | None = None
    json: str | None = None
    export: str | None = None
    plotly_js: str = "inline"
    title: str | None = None

    @property
    def to_stdout(self) -> bool:
        """Whether the report or the summary goes to standard output."""
        return is_stdout(self.report) or is_stdout(self.json)

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables to export (none without an export)."""
        return EXPORT_TABLES if self.export is not None else ()

    def planned(self, rows: bool) -> list[Planned]:
        """Every file these outputs write (to compare with the inputs: :func:`check_outputs`)."""
        out = []
        if self.report is not None:
            out.append(Planned("report", self.report))
        if self.json is not None:
            out.append(Planned("json", self.json))
        if self.export is not None:
            names = (*EXPORT_TABLES, *(f"panel_{p}" for p in PANELS))
            out += [Planned("export", f) for f in export_files(self.export, names, rows)]
        return out

    def write(
        self,
        *,
        summary_json: str,
        tables: Mapping[str, Any],
        report: Callable[[str], None] | None = None,
        rows: Callable[[str], None] | None = None,
    ) -> list[tuple[str, str]]:
        """Write every output, each atomically: the report (``report(path)``
        writes it), the summary, the export (``rows(path)`` writes its
        ``rows.parquet``); a summary for standard output goes last, once the
        files are complete. Returns what was written to files: (what, path)."""
        written: list[tuple[str, str]] = []
        if self.report is not None and report is not None:
            report(self.report)
            if not is_stdout(self.report):
                written.append(("Report", self.report))
        if self.json is not None and not is_stdout(self.json):
            atomic_write(self.json, summary_json)
            written.append(("Summary", self.json))
        if self.export is not None:
            write_export(self.export, tables, summary_json, rows)
            written.append(("Export", self.export))
        if self.json is not None and is_stdout(self.json):
            atomic_write(STDOUT, summary_json)
        return written


def export_files(directory: str, tables: Iterable[str], rows: bool) -> list[str]:
    """The files an export into ``directory`` writes (for :func:`check_outputs`)."""
    names = [f"{t}.{ext}" for t in tables for ext in ("csv", "parquet")]
    names.append("summary.json")
    if rows:
        names.append("rows.parquet")
    return [os.path.join(directory, n) for n in names]


#: What starts a formula in a spreadsheet (OWASP's list): such a CSV cell gets a leading '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(df: Any) -> Any:
    """A frame whose text cells can't start a spreadsheet formula (for CSV).

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading ``'``, which spreadsheets show as nothing and which
    keeps the cell text (OWASP's advice on CSV injection). Numbers are left
    as they are; so are Parquet and JSON exports.

    >>> import polars as pl
    >>> spreadsheet_safe(pl.DataFrame({"k": ["=HYPERLINK(1)", "/ok", "-"], "n": [-1, 2, 3]})).rows()
    [("'=HYPERLINK(1)", -1), ('/ok', 2), ("'-", 3)]
    """
    import polars as pl

    starts = "".join(re.escape(c) for c in FORMULA_START)
    text = [c for c, t in df.schema.items() if t == pl.String]
    if not text:
        return df
    return df.with_columns(
        pl.when(pl.col(c).str.contains(f"^[{starts}]"))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def write_export(
    directory: str,
    tables: Mapping[str, Any],
    summary_json: str,
    rows: Callable[[str], None] | None = None,
) -> None:
    """Every table as CSV (made :func:`spreadsheet_safe`) and Parquet (exact), the
    summary as ``summary.json``, and ``rows(path)`` writing ``rows.parquet``."""
    if is_stdout(directory):
        msg = "an export is a directory of files: it can't go to standard output (-)"
        raise OutputError(msg, path=directory, output="export")
    if os.path.exists(directory) and not os.path.isdir(directory):
        msg = f"{directory}: not a directory (an export is a directory of files)"
        raise OutputError(msg, path=directory, output="export")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise _cant_write(directory, e, "export") from None
    for name, df in tables.items():
        with atomic_open(os.path.join(directory, f"{name}.csv"), "wb") as f:
            spreadsheet_safe(df).write_csv(f)
        with atomic_open(os.path.join(directory, f"{name}.parquet"), "wb") as f:
            df.write_parquet(f)
    atomic_write(os.path.join(directory, "summary.json"), summary_json)
    if rows is not None:
        with atomic_path(os.path.join(directory, "rows.parquet")) as tmp:
            rows(tmp)


# ------------------------------------------------------------ inputs vs outputs


@dataclass(frozen=True)
class Planned:
    """An output a run will write: ``what`` it is, its ``path``, and whether it
    is a directory ``tree`` the run owns (a state directory: nothing inside may be an input)."""

    what: str
    path: str
    tree: bool = False


def check_outputs(outputs: Iterable[Planned], inputs: Iterable[str]) -> None:
    """Refuse a run whose outputs would overwrite one of its inputs (an OutputError).

    An output is the same file as an input when it resolves to the same
    path or the same device and inode (a symbolic or hard link); an input
    inside a state directory, or an output inside an input directory, also
    counts. Standard output, devices and pipes are never the same as a file.

    >>> d = tempfile.mkdtemp()
    >>> log = os.path.join(d, "access.log")
    >>> _ = open(log, "w")
    >>> check_outputs([Planned("json", os.path.join(d, "s.json"))], [log])
    >>> check_outputs([Planned("report", log)], [log])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    httplog.errors.OutputError: report .../access.log would overwrite the input .../access.log
    """
    ins = []
    for p in inputs:
        if p == STDOUT or not p or "\x00" in p:
            continue
        try:
            st = os.stat(p)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
            ins.append((p, os.path.realpath(p), (st.st_dev, st.st_ino), stat.S_ISDIR(st.st_mode)))
    planned = list(outputs)
    stdout = [o for o in planned if is_stdout(o.path)]
    if len(stdout) > 1:
        names = " and ".join(o.what for o in stdout)
        msg = f"only one output can go to standard output (-), not {names}"
        raise OutputError(msg, path=STDOUT, output=stdout[1].what)
    for out in planned:
        if is_stdout(out.path) or not out.path or "\x00" in out.path:
            continue
        real = os.path.realpath(out.path)
        try:
            st = os.stat(out.path)
            ident: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except OSError:
            ident = None
        for given, in_real, in_ident, is_dir in ins:
            same = ident == in_ident or real == in_real
            inside = (out.tree and _within(in_real, real)) or (is_dir and _within(real, in_real))
            if same or inside:
                msg = f"{out.what} {out.path} would overwrite the input {given}"
                raise OutputError(msg, path=out.path, output=out.what, input=given)


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def expand_path(template: str, when: datetime | None = None) -> str:
    """Expand strftime fields (``%Y``, ``%m``, ``%d``, ``%H`` …) in an output path."""
    if "%" not in template:
        return template
    return (when or datetime.now()).strftime(template)
