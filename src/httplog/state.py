"""Incremental runs (``--state DIR``): read only what is new, across log rotation.

A state directory remembers what earlier runs read and what it added up to:

- ``state.json``, the manifest: the options that change counting (format,
  status and path filters), one record per *stream* of log content read so
  far, and the names and SHA-256 of the partial files;
- ``partial-<id>.parquet``: the merged :class:`~httplog.partial.Partial` of
  what was read up to a point (:meth:`~httplog.partial.Partial.to_parquet`),
  and ``delta-<id>.parquet``, the partials of the runs since, one a run: a run
  writes only the partial of its new lines, so that its cost follows them and
  not everything ever read. The state is their merge. When the deltas pile up
  (:data:`MAX_DELTAS`, or more than a quarter of the base's size in memory) a run writes
  the merge as the new base instead (compaction);
- ``lock``: held while a run uses the directory.

How inputs relate to what was read is in :mod:`httplog.streams`:

A *stream* is the content of a log file as it grows, wherever it moves: the
file ``access.log`` renamed ``access.log.1`` and later compressed to
``access.log.1.gz`` is one stream. A stream is recognised by a fingerprint of
its first bytes (SHA-256 of the first 4 KiB, decompressed, or of all of it
while it is shorter) and continued from the offset already read, so a line is
never counted twice nor missed:

- a growing file (same device and inode, same first bytes) is read from its
  offset, and only whole lines: a last line still being written waits for the
  next run (``Chunk(..., complete_only=True)``);
- a renamed file is found under its new name by its first bytes;
- a truncated file (``copytruncate``: same inode, shorter, or other first
  bytes) is a new stream read from 0, while the copy logrotate made
  (``access.log.1``) continues the old stream from its offset;
- a compressed file whose content starts like a known stream is that stream
  (logrotate's ``compress``/``delaycompress``): read from the stream's offset,
  usually nothing. Once read to its end it is known by device, inode, size
  and modification time and not decompressed again.

A plain file must also hold the last bytes read (a fingerprint of the 4 KiB
before the offset) to continue a stream; otherwise it is new.

A *rotated* plain file is final: its last line counts even without a newline,
since nothing will ever be appended to it. A file is rotated when its name
ends in a rotation number (``access.log.1``) or when the stream it continues
was last seen under another name (renamed since).

The manifest is written last and atomically (temporary file, ``fsync``,
rename, directory ``fsync``), after the new partial file it names is
complete; partial files it no longer names are removed after. A crash at any point leaves the
previous state whole. The manifest ends with the SHA-256 of its own content
(computed last, over the canonical JSON of every other field) and names the
SHA-256 of each partial file (taken when it is written, checked when read), so that an edited or damaged state (an offset set
back, a stream emptied, a torn write) is detected. A state that is not
httplog's, of another version, or corrupt (manifest unreadable or not
matching its checksum, a partial file missing or not matching its checksum) raises
:class:`~httplog.errors.StateError`, never a wrong count; ``reset=True``
(``--state-reset``) starts such a state over, deliberately.

Examples
--------
>>> import os, tempfile
>>> from httplog.inputs import resolve_inputs
>>> d = tempfile.mkdtemp()
>>> log = os.path.join(d, "access.log")
>>> _ = open(log, "wb").write(b"line one\\nline two\\npartial")
>>> with State.open(os.path.join(d, "state")) as st:
...     plan = st.plan(resolve_inputs([log]))
...     [(c.start, c.complete_only) for c in plan.chunks]
[(0, True)]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from httplog import streams as _streams
from httplog.errors import InputError, SettingsError, StateError
from httplog.inputs import Chunk, Input, expand_glob
from httplog.outputs import atomic_write, fsync_dir
from httplog.partial import Partial, empty_partial, merge
from httplog.streams import HEAD_BYTES, Plan, Stream

#: Version of the state directory's layout (2: the manifest checksums itself;
#: 3: deltas). A state of version 2 is read (a base and no deltas).
STATE_VERSION = 3
_READS = (2, 3)
#: The manifest's file name.
MANIFEST = "state.json"
#: Deltas kept before a run writes the merge as the new base.
MAX_DELTAS = 16
#: ...or once the deltas, in memory, are more than this share of the base
#: (and more than DELTA_FLOOR bytes: small states keep their deltas).
DELTA_SHARE = 0.25
DELTA_FLOOR = 4 << 20
_KIND = "httplog-state"
_LOCK = "lock"
#: File names a state writes (partials, deltas, their temporaries).
_OWN = ("partial-", "delta-", f".{MANIFEST}.", ".partial-", ".delta-")
__all__ = ["HEAD_BYTES", "MANIFEST", "MAX_DELTAS", "State", "Update", "load_partials", "update"]


def _manifest_digest(manifest: dict[str, Any]) -> str:
    """SHA-256 of a manifest's fields (all but ``sha256``), as canonical JSON."""
    body = {k: v for k, v in manifest.items() if k != "sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _streams.sha(text.encode("utf-8"))


def _now() -> datetime:
    return datetime.now(UTC)


def _size(p: Partial) -> int:
    """A partial's tables' size in memory (bytes, estimated)."""
    return int(sum(p.table(f.name).estimated_size() for f in fields(p)))


@dataclass(frozen=True)
class _File:
    """A partial file the manifest names (the base or a delta), and its SHA-256."""

    name: str
    sha256: str

    def to_json(self) -> dict[str, str]:
        return {"file": self.name, "sha256": self.sha256}

    @classmethod
    def from_json(cls, d: object, prefix: str) -> _File:
        """TypeError or KeyError if ``d`` is not a file record of a state's directory."""
        if not isinstance(d, dict):
            raise TypeError("partial")
        name, digest = d["file"], d["sha256"]
        if not isinstance(name, str) or "/" in name or not name.startswith(prefix):
            raise TypeError("partial")
        if not isinstance(digest, str):
            raise TypeError("sha256")
        return cls(name, digest)


# ----------------------------------------------------------------- state


class State:
    """An incremental-state directory; use as a context manager (it holds a lock).

    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with State.open(d) as st:
    ...     st.partial.counts.height, st.settings
    (0, {})
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.settings: dict[str, Any] = {}
        self.streams: list[Stream] = []
        self.runs = 0
        self.created = ""
        self._base: _File | None = None
        self._deltas: list[_File] = []
        #: The partials of the base and of each delta, in the manifest's order.
        self.parts: list[Partial] = []
        self._base_size = 0
        self._deltas_size = 0
        self._partial: Partial | None = None
        self._lock_fd: int | None = None

    # ------------------------------------------------------------- open

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, reset: bool = False) -> State:
        """Open (or create) a state directory and lock it for this run.

        With ``reset``, what the state held is forgotten first (its manifest
        and partials removed, under the lock), even if it is damaged: the run
        starts over. A directory that is not a state is refused all the same.
        """
        st = cls(os.path.abspath(os.fspath(path)))
        st._prepare()
        st._lock()
        try:
            if reset:
                st._reset()
            st._load()
        except BaseException:
            st.close()
            raise
        return st

    def _reset(self) -> None:
        for n in os.listdir(self.path):
            if n == MANIFEST or n.startswith(_OWN):
                try:
                    os.unlink(os.path.join(self.path, n))
                except FileNotFoundError:
                    pass
                except OSError as e:
                    msg = f"{self.path}: can't reset the state: {e.strerror or e}"
                    raise StateError(msg) from None
        fsync_dir(self.path)

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Partial:
        """The partial a state directory holds, read without locking it (for reports).

        The manifest is replaced atomically, so a run in progress is not seen
        half-done. A directory that is not a state is a StateError.
        """
        st = cls(os.path.abspath(os.fspath(path)))
        if not os.path.exists(os.path.join(st.path, MANIFEST)):
            msg = f"{st.path}: not an httplog state directory (no {MANIFEST})"
            raise StateError(msg)
        st._load()
        return st.partial

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the lock."""
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None

    def _prepare(self) -> None:
        p = self.path
        if os.path.exists(p) and not os.path.isdir(p):
            msg = f"{p}: the state must be a directory, this is a file"
            raise StateError(msg)
        if os.path.isdir(p):
            names = [n for n in os.listdir(p) if not n.startswith(".")]
            if MANIFEST not in names and any(n != _LOCK for n in names):
                msg = (
                    f"{p}: not an httplog state directory (no {MANIFEST}, and it holds other "
                    "files); use an empty or new directory"
                )
                raise StateError(msg)
            return
        try:
            os.makedirs(p, exist_ok=True)
        except OSError as e:
            msg = f"{p}: can't create the state directory: {e.strerror or e}"
            raise StateError(msg) from None

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX: no locking
            return
        try:
            fd = os.open(os.path.join(self.path, _LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            msg = f"{self.path}: can't use the state directory: {e.strerror or e}"
            raise StateError(msg) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            msg = f"{self.path}: the state is in use by another httplog run; try again later"
            raise StateError(msg) from None
        self._lock_fd = fd

    def _load(self) -> None:
        mpath = os.path.join(self.path, MANIFEST)
        if not os.path.exists(mpath):
            return
        corrupt = f"{mpath}: corrupt httplog state"
        try:
            with open(mpath, "rb") as f:
                m = json.loads(f.read().decode("utf-8"))
        except (OSError, ValueError) as e:
            msg = f"{corrupt} ({type(e).__name__})"
            raise StateError(msg, resettable=True) from None
        if not isinstance(m, dict) or m.get("kind") != _KIND:
            msg = f"{mpath}: not an httplog state manifest"
            raise StateError(msg, resettable=True)
        if m.get("version") not in _READS:
            msg = f"{mpath}: state version {m.get('version')!r}, this httplog reads {STATE_VERSION}"
            raise StateError(msg, resettable=True)
        if m.pop("sha256", None) != _manifest_digest(m):
            msg = f"{mpath}: the state does not match its checksum (edited or damaged)"
            raise StateError(msg, resettable=True)
        try:
            self.settings = dict(m["settings"])
            self.streams = [Stream.from_json(s) for s in m["streams"]]
            self.runs = int(m["runs"])
            self.created = str(m.get("created", ""))
            base = _File.from_json(m["partial"], "partial-")
            deltas = m.get("deltas", [])
            if not isinstance(deltas, list):
                raise TypeError("deltas")
            self._deltas = [_File.from_json(d, "delta-") for d in deltas]
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            msg = f"{corrupt} (bad field {e})"
            raise StateError(msg, resettable=True) from None
        self._base = base
        self.parts = [self._read_part(f) for f in (base, *self._deltas)]
        self._base_size = _size(self.parts[0])
        self._deltas_size = sum(_size(p) for p in self.parts[1:])

    def _read_part(self, f: _File) -> Partial:
        """A partial file the manifest names, checked against its SHA-256 first."""
        ppath = os.path.join(self.path, f.name)
        try:
            with open(ppath, "rb") as fh:
                got = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError as e:
            msg = f"{ppath}: the state's partial is missing or unreadable ({e.strerror or e})"
            raise StateError(msg, resettable=True) from None
        if got != f.sha256:
            msg = f"{ppath}: the state's partial does not match its checksum (corrupt)"
            raise StateError(msg, resettable=True)
        return Partial.from_parquet(ppath)

    # ------------------------------------------------------------ public

    @property
    def is_new(self) -> bool:
        """True before the first commit."""
        return self._base is None

    @property
    def partial(self) -> Partial:
        """The merged partial of everything read by earlier runs."""
        if self._partial is None:
            parts = self.parts
            self._partial = (
                empty_partial() if not parts else parts[0] if len(parts) == 1 else merge(*parts)
            )
        return self._partial

    def merged_with(self, run: Partial) -> Partial:
        """``merge(self.partial, run)``, as one merge of the base, the deltas and ``run``.

        >>> import tempfile
        >>> with State.open(tempfile.mkdtemp()) as st:
        ...     st.merged_with(empty_partial()).counts.height
        0
        """
        if self._partial is not None:
            return merge(self._partial, run)
        return merge(*self.parts, run)

    def check_settings(self, **settings: Any) -> dict[str, Any]:
        """Compare the options that change counting with the state's.

        Returns the effective settings: a ``log_format`` of ``None`` (detect)
        becomes the format the state was built with. A difference is a
        StateError, since counts made with other options can't be merged.
        """
        out = dict(settings)
        for key, value in settings.items():
            known = self.settings.get(key)
            if key not in self.settings or (key == "log_format" and value is None):
                if key == "log_format" and value is None:
                    out[key] = known
                continue
            if key == "log_format" and known is None:
                continue
            if _norm(value) != _norm(known):
                msg = (
                    f"{self.path}: this state counts with {key} {_show(known)}, this run asks "
                    f"for {_show(value)}; use the same options or another state directory"
                )
                raise SettingsError(
                    msg, path=self.path, setting=key, known=_show(known), asked=_show(value)
                )
        return out

    def plan(self, inputs: list[Input]) -> Plan:
        """Decide, for each input, where to read from (:func:`httplog.streams.plan`)."""
        return _streams.plan(self.streams, inputs)

    def commit(
        self,
        plan: Plan,
        run: Partial,
        *,
        merged: Partial | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Partial:
        """Record what a run read (``run``, the partial of ``plan.chunks``) and save.

        ``merged`` is ``merge(self.partial, run)`` if the caller has it already.
        Only ``run`` is written (a delta), unless the deltas have piled up
        (:data:`MAX_DELTAS`, :data:`DELTA_SHARE`): then the merge is written
        as the new base. Returns the merged partial.
        """
        merged = merged if merged is not None else self.merged_with(run)
        self.streams = _streams.record(self.streams, plan, run.chunks, _now())
        if settings is not None:
            fmt = settings.get("log_format")
            if fmt is None:
                found = merged.chunks["format"].drop_nulls().unique().to_list()
                settings = {**settings, "log_format": found[0] if len(found) == 1 else None}
            self.settings = {**self.settings, **settings}
        run_size = _size(run)
        if (
            self._base is None
            or len(self._deltas) >= MAX_DELTAS
            or self._deltas_size + run_size > max(DELTA_SHARE * self._base_size, DELTA_FLOOR)
        ):
            self._save(self._write("partial-", merged), [])
            self.parts, self._base_size, self._deltas_size = [merged], _size(merged), 0
        else:
            self._save(self._base, [*self._deltas, self._write("delta-", run)])
            self.parts.append(run)
            self._deltas_size += run_size
        self._partial = merged
        return merged

    def _write(self, prefix: str, partial: Partial) -> _File:
        """Write a partial file (atomically), and take its SHA-256."""
        name = f"{prefix}{uuid.uuid4().hex}.parquet"
        ppath = os.path.join(self.path, name)
        try:
            partial.save(ppath)
            with open(ppath, "rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
        except OSError as e:
            msg = f"{ppath}: can't write the state: {e.strerror or e}"
            raise StateError(msg) from None
        return _File(name, digest)

    def _save(self, base: _File, deltas: list[_File]) -> None:
        """Write the manifest naming ``base`` and ``deltas`` (last, atomically),
        then remove the partial files it no longer names."""
        self.runs += 1
        manifest = {
            "kind": _KIND,
            "version": STATE_VERSION,
            "created": self.created or _now().isoformat(),
            "updated": _now().isoformat(),
            "runs": self.runs,
            "settings": self.settings,
            "partial": base.to_json(),
            "deltas": [d.to_json() for d in deltas],
            "streams": [s.to_json() for s in self.streams],
        }
        signed = {k: manifest[k] for k in sorted(manifest)}
        signed["sha256"] = _manifest_digest(manifest)  # last: it covers every other field
        atomic_write(os.path.join(self.path, MANIFEST), json.dumps(signed, indent=1) + "\n")
        fsync_dir(self.path)
        self._base, self._deltas = base, deltas
        self._cleanup(keep={base.name, *(d.name for d in deltas), MANIFEST, _LOCK})

    def _cleanup(self, *, keep: set[str]) -> None:
        for n in os.listdir(self.path):
            if n.startswith(_OWN) and n not in keep:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.path, n))

    def describe(self) -> dict[str, Any]:
        """What the state holds, for the summary's ``incremental`` field."""
        return {
            "state": self.path,
            "runs": self.runs,
            "streams": len(self.streams),
            "settings": dict(self.settings),
        }


@dataclass(frozen=True)
class Update:
    """What one incremental run did: the merged partial saved, and the new part."""

    merged: Partial
    run: Partial
    info: dict[str, Any]


def update(
    path: str | os.PathLike[str],
    inputs: list[Input],
    collect: Callable[[list[Chunk], str | None], Partial],
    *,
    settings: Mapping[str, Any],
    check: Callable[[Partial], None] | None = None,
    reset: bool = False,
) -> Update:
    """One incremental run: plan, read only what is new, check, save.

    ``collect(chunks, log_format)`` reads the chunks into a partial
    (:func:`httplog.run` passes :func:`httplog.aggregation.aggregate_chunks`
    with its read options); ``log_format`` is the format the state counts with.
    ``check(merged)`` may raise to leave the state untouched (a run's
    ``max_rejected``). ``settings`` are the read options' counting ones
    (:meth:`httplog.options.ReadOptions.counting`). ``reset`` starts the state
    over (see :meth:`State.open`).

    >>> import tempfile
    >>> from httplog.aggregation import aggregate_chunks
    >>> from httplog.inputs import resolve_inputs
    >>> from httplog.options import ReadOptions
    >>> d = tempfile.mkdtemp()
    >>> log = os.path.join(d, "access.log")
    >>> line = '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\\n'
    >>> def collect(chunks, fmt):
    ...     return aggregate_chunks(chunks, ReadOptions(log_format=fmt))
    >>> for n in (3, 2):
    ...     _ = open(log, "a").write(line * n)
    ...     u = update(
    ...         os.path.join(d, "st"),
    ...         resolve_inputs(log),
    ...         collect,
    ...         settings=ReadOptions().counting(),
    ...     )
    ...     print(u.info["new_lines"], int(u.merged.counts["requests"].sum()))
    3 3
    2 5
    """
    with State.open(path, reset=reset) as st:
        effective = st.check_settings(**settings)
        plan = st.plan(inputs)
        run = collect(plan.chunks, effective.get("log_format"))
        merged = st.merged_with(run)
        if check is not None:
            check(merged)
        st.commit(plan, run, merged=merged, settings=effective)
        info = st.describe()
    info["new_lines"] = int(run.chunks["lines"].sum() or 0)
    info["new_bytes"] = int(run.chunks["bytes_read"].sum() or 0)
    return Update(merged, run, info)


def load_partials(paths: Iterable[str]) -> list[Partial]:
    """Partials from files (``httplog aggregate``), globs, and state directories."""
    files = [f for p in paths for f in expand_glob(p)]
    out = []
    for f in dict.fromkeys(files):
        if os.path.isdir(f):
            out.append(State.read(f))
        elif not os.path.exists(f):
            msg = f"{f}: no such file"
            raise InputError(msg)
        else:
            out.append(Partial.from_parquet(f))
    return out


def _norm(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return sorted(str(x).strip().lower() for x in v)
    return v


def _show(v: Any) -> str:
    if v is None or v == [] or v == ():
        return "(none)"
    if isinstance(v, list | tuple):
        return ",".join(str(x) for x in v)
    return repr(v)
