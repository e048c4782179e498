"""Incremental runs (``--state DIR``): read only what is new, across log rotation.

A state directory remembers what earlier runs read and what it added up to:

- ``state.json``, the manifest: the options that change counting (format,
  status and path filters), one record per *stream* of log content read so
  far, and the name and SHA-256 of the partial file;
- ``partial-<id>.parquet``: the merged :class:`~httplog.partial.Partial` of
  everything read (:meth:`~httplog.partial.Partial.to_parquet`);
- ``lock``: held while a run uses the directory.

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
complete; the old partial is removed after. A crash at any point leaves the
previous state whole. The manifest ends with the SHA-256 of its own content
(computed last, over the canonical JSON of every other field) and names the
SHA-256 of the partial, so that an edited or damaged state (an offset set
back, a stream emptied, a torn write) is detected. A state that is not
httplog's, of another version, or corrupt (manifest unreadable or not
matching its checksum, partial missing or not matching its checksum) raises
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
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from httplog.errors import HttplogError, InputError, SettingsError, StateError
from httplog.inputs import READ_ERRORS, STDIN, Chunk, Input, expand_glob, open_stream
from httplog.outputs import atomic_write, fsync_dir
from httplog.partial import Partial, empty_partial, merge

#: Version of the state directory's layout (2: the manifest checksums itself).
STATE_VERSION = 2
#: The manifest's file name.
MANIFEST = "state.json"
#: Bytes at the start (and before the offset) of a stream that identify it.
HEAD_BYTES = 4096
#: Streams not seen among the inputs for this long are forgotten.
FORGET_AFTER = timedelta(days=62)
_KIND = "httplog-state"
_LOCK = "lock"
#: A rotated file's name: ``access.log.1`` (logrotate's numbers).
_ROTATED = re.compile(r"\.\d+$")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest_digest(manifest: dict[str, Any]) -> str:
    """SHA-256 of a manifest's fields (all but ``sha256``), as canonical JSON."""
    body = {k: v for k, v in manifest.items() if k != "sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _sha(text.encode("utf-8"))


def _now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------ records


@dataclass
class Location:
    """Where a stream was last seen: a file, its identity and size."""

    path: str
    device: int
    inode: int
    size: int
    mtime_ns: int
    compression: str | None
    complete: bool = False

    def same_file(self, inp: Input, mtime_ns: int) -> bool:
        return (
            self.device == inp.device
            and self.inode == inp.inode
            and self.size == inp.size
            and self.mtime_ns == mtime_ns
            and self.compression == inp.compression
        )


@dataclass
class Stream:
    """Log content read so far: fingerprints, the offset read, where it was seen."""

    id: str
    head: str
    head_len: int
    offset: int
    tail: str | None = None
    tail_end: int = 0
    tail_len: int = 0
    lines: int = 0
    first_seen: str = ""
    last_seen: str = ""
    locations: list[Location] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["locations"] = [dict(loc.__dict__) for loc in self.locations]
        return d

    @classmethod
    def from_json(cls, d: object) -> Stream:
        """A stream from the manifest; TypeError or ValueError if it is not one."""
        if not isinstance(d, dict) or not isinstance(d.get("locations", []), list):
            raise TypeError("streams")
        locs = []
        for loc in d.get("locations", []):
            if not isinstance(loc, dict):
                raise TypeError("locations")
            location = Location(**loc)
            ints = (location.device, location.inode, location.size, location.mtime_ns)
            if not isinstance(location.path, str) or not all(isinstance(x, int) for x in ints):
                raise TypeError("locations")
            locs.append(location)
        s = cls(**{k: v for k, v in d.items() if k != "locations"}, locations=locs)
        for name in ("head_len", "offset", "tail_end", "tail_len", "lines"):
            value = getattr(s, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise TypeError(name)
        if not isinstance(s.head, str) or not 0 < s.head_len <= HEAD_BYTES:
            raise TypeError("head")
        if s.tail is not None and (not isinstance(s.tail, str) or s.tail_len > s.tail_end):
            raise TypeError("tail")
        return s


@dataclass(frozen=True)
class Item:
    """What a run does with one input: read it from ``start``, or skip it."""

    input: Input
    stream: Stream | None
    start: int
    read: bool
    why: str
    mtime_ns: int = 0
    head: bytes = b""
    #: A rotated file: nothing more will be written to it (its last line is whole).
    final: bool = False

    @property
    def chunk(self) -> Chunk:
        inp = self.input
        plain = inp.compression is None and inp.path != STDIN and inp.inode is not None
        return Chunk(self.input, start=self.start, complete_only=plain and not self.final)


@dataclass(frozen=True)
class Plan:
    """The chunks a run must read, and how each relates to the streams known."""

    items: list[Item]

    @property
    def chunks(self) -> list[Chunk]:
        return [i.chunk for i in self.items if i.read]

    @property
    def new_bytes(self) -> int | None:
        """Bytes to read from plain files (None when compressed or stdin inputs make it unknown)."""
        total = 0
        for i in self.items:
            if not i.read:
                continue
            if i.input.compression is not None or i.input.size is None:
                return None
            total += max(0, i.input.size - i.start)
        return total


# -------------------------------------------------------------- reading


def _head(inp: Input) -> bytes:
    """The first HEAD_BYTES of an input's decompressed content."""
    try:
        with contextlib.closing(open_stream(inp)) as f:
            out = b""
            while len(out) < HEAD_BYTES:
                piece = f.read(HEAD_BYTES - len(out))
                if not piece:
                    break
                out += piece
            return out
    except HttplogError:
        raise
    except READ_ERRORS as e:
        msg = f"{inp.path}: can't read: {e}"
        raise InputError(msg) from None


def _plain_range(path: str, start: int, end: int) -> bytes | None:
    """Bytes [start, end) of a plain file, or None if it is shorter now."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
    except OSError:
        return None
    return data if len(data) == end - start else None


def _mtime_ns(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


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
        self._partial_file: str | None = None
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
            if n == MANIFEST or n.startswith(("partial-", f".{MANIFEST}.", ".partial-")):
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
        if m.get("version") != STATE_VERSION:
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
            part = m["partial"]
            name, digest = part["file"], part["sha256"]
            if not isinstance(name, str) or "/" in name or not name.startswith("partial-"):
                raise TypeError("partial")
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            msg = f"{corrupt} (bad field {e})"
            raise StateError(msg, resettable=True) from None
        ppath = os.path.join(self.path, name)
        try:
            with open(ppath, "rb") as f:
                got = hashlib.file_digest(f, "sha256").hexdigest()
        except OSError as e:
            msg = f"{ppath}: the state's partial is missing or unreadable ({e.strerror or e})"
            raise StateError(msg, resettable=True) from None
        if got != digest:
            msg = f"{ppath}: the state's partial does not match its checksum (corrupt)"
            raise StateError(msg, resettable=True)
        self._partial_file = name
        self._partial = Partial.from_parquet(ppath)

    # ------------------------------------------------------------ public

    @property
    def is_new(self) -> bool:
        """True before the first commit."""
        return self._partial_file is None

    @property
    def partial(self) -> Partial:
        """The merged partial of everything read by earlier runs."""
        return self._partial if self._partial is not None else empty_partial()

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
        """Decide, for each input, where to read from (see the module docstring)."""
        order = sorted(
            range(len(inputs)),
            key=lambda i: (inputs[i].path == STDIN, inputs[i].compression is not None, i),
        )
        claimed: set[str] = set()
        seen_files: set[tuple[int | None, int | None]] = set()
        items: dict[int, Item] = {}
        for i in order:
            inp = inputs[i]
            items[i] = self._plan_one(inp, claimed, seen_files)
        return Plan([items[i] for i in range(len(inputs))])

    def _plan_one(
        self, inp: Input, claimed: set[str], seen_files: set[tuple[int | None, int | None]]
    ) -> Item:
        if inp.path == STDIN or inp.inode is None or inp.size is None:
            # stdin or a pipe: can't be read again, so it is read in full (feed it new lines)
            return Item(inp, None, 0, True, "stream: read in full")
        mtime = _mtime_ns(inp.path)
        ident = (inp.device, inp.inode)
        if ident in seen_files:
            return Item(inp, None, 0, False, "same file as another input", mtime)
        seen_files.add(ident)
        if inp.compression is not None:
            for s in self.streams:
                if any(loc.complete and loc.same_file(inp, mtime) for loc in s.locations):
                    if s.id in claimed:
                        return Item(inp, s, s.offset, False, "duplicate of another input", mtime)
                    claimed.add(s.id)
                    return Item(inp, s, s.offset, False, "compressed, already read", mtime)
        head = _head(inp)
        if not head:
            return Item(inp, None, 0, True, "empty", mtime)
        rotated = _ROTATED.search(os.path.basename(inp.path)) is not None
        candidates = [
            s
            for s in self.streams
            if s.head_len <= len(head) and _sha(head[: s.head_len]) == s.head
        ]
        same_inode = [
            s
            for s in candidates
            if any(loc.device == inp.device and loc.inode == inp.inode for loc in s.locations)
        ]
        ranked = same_inode + sorted(
            (s for s in candidates if s not in same_inode),
            key=lambda s: (-s.head_len, -s.offset, s.id),
        )
        for s in ranked:
            if not self._continues(inp, s):
                continue
            if s.id in claimed:
                return Item(inp, s, s.offset, False, "duplicate of another input", mtime)
            claimed.add(s.id)
            here = os.path.abspath(inp.path)
            moved = bool(s.locations) and all(loc.path != here for loc in s.locations)
            final = rotated or moved
            return Item(inp, s, s.offset, True, "continues a known stream", mtime, head, final)
        return Item(inp, None, 0, True, "new", mtime, head, rotated)

    @staticmethod
    def _continues(inp: Input, s: Stream) -> bool:
        """Does this input hold everything read of stream ``s`` (so we can go on from its offset)?"""
        if inp.compression is not None:
            return True  # first bytes match; its size is unknown without decompressing
        if inp.size is None or inp.size < s.offset:
            return False
        if s.tail is None or s.tail_end > s.offset:
            return True
        data = _plain_range(inp.path, s.tail_end - s.tail_len, s.tail_end)
        return data is not None and _sha(data) == s.tail

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
        Returns the merged partial now saved.
        """
        merged = merged if merged is not None else merge(self.partial, run)
        consumed = _consumed(run)
        now = _now().isoformat()
        touched: dict[str, list[Location]] = {}
        for item in plan.items:
            inp = item.input
            if inp.path == STDIN or inp.inode is None or inp.size is None:
                continue
            loc = Location(
                os.path.abspath(inp.path),
                int(inp.device or 0),
                int(inp.inode or 0),
                int(inp.size or 0),
                item.mtime_ns,
                inp.compression,
            )
            read_bytes, lines = (
                consumed.get((inp.path, item.start), (0, 0)) if item.read else (0, 0)
            )
            s = item.stream
            if s is None:
                if not read_bytes:
                    continue
                n = min(HEAD_BYTES, read_bytes)
                head = item.head[:n] if len(item.head) >= n else self._read_head(inp, n)
                if head is None:
                    continue  # the file changed under us: read it as new next time
                s = Stream(
                    id=uuid.uuid4().hex[:12],
                    head=_sha(head),
                    head_len=len(head),
                    offset=0,
                    first_seen=now,
                )
                self.streams.append(s)
            if item.read and read_bytes:
                s.offset = item.start + read_bytes
                s.lines += lines
                # The fingerprints are taken from the file as it is now: only if it
                # still starts as it did (not truncated and rewritten meanwhile).
                head = self._read_head(inp, min(HEAD_BYTES, s.offset))
                same = head is not None and _sha(head[: s.head_len]) == s.head
                if same and head is not None and s.head_len < len(head):
                    s.head, s.head_len = _sha(head), len(head)
                if same and inp.compression is None:
                    n = min(HEAD_BYTES, s.offset)
                    tail = _plain_range(inp.path, s.offset - n, s.offset)
                    if tail is not None:
                        s.tail, s.tail_end, s.tail_len = _sha(tail), s.offset, n
            loc.complete = inp.compression is not None and (item.read or item.stream is not None)
            s.last_seen = now
            touched.setdefault(s.id, []).append(loc)
        for s in self.streams:
            if s.id in touched:
                s.locations = touched[s.id]
        horizon = (_now() - FORGET_AFTER).isoformat()
        self.streams = [s for s in self.streams if s.last_seen >= horizon or s.id in touched]
        if settings is not None:
            fmt = settings.get("log_format")
            if fmt is None:
                found = merged.chunks["format"].drop_nulls().unique().to_list()
                settings = {**settings, "log_format": found[0] if len(found) == 1 else None}
            self.settings = {**self.settings, **settings}
        self._save(merged)
        self._partial = merged
        return merged

    @staticmethod
    def _read_head(inp: Input, upto: int) -> bytes | None:
        n = min(HEAD_BYTES, upto)
        if inp.compression is None:
            return _plain_range(inp.path, 0, n)
        try:
            head = _head(inp)[:n]
        except HttplogError:
            return None
        return head if len(head) == n else None

    def _save(self, merged: Partial) -> None:
        name = f"partial-{uuid.uuid4().hex}.parquet"
        ppath = os.path.join(self.path, name)
        try:
            merged.save(ppath)
            with open(ppath, "rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
        except OSError as e:
            msg = f"{ppath}: can't write the state: {e.strerror or e}"
            raise StateError(msg) from None
        self.runs += 1
        manifest = {
            "kind": _KIND,
            "version": STATE_VERSION,
            "created": self.created or _now().isoformat(),
            "updated": _now().isoformat(),
            "runs": self.runs,
            "settings": self.settings,
            "partial": {"file": name, "sha256": digest},
            "streams": [s.to_json() for s in self.streams],
        }
        old = self._partial_file
        signed = {k: manifest[k] for k in sorted(manifest)}
        signed["sha256"] = _manifest_digest(manifest)  # last: it covers every other field
        atomic_write(os.path.join(self.path, MANIFEST), json.dumps(signed, indent=1) + "\n")
        fsync_dir(self.path)
        self._partial_file = name
        self._cleanup(keep={name, MANIFEST, _LOCK}, old=old)

    def _cleanup(self, *, keep: set[str], old: str | None) -> None:
        for n in os.listdir(self.path):
            stray = n.startswith(("partial-", f".{MANIFEST}.", ".partial-")) and n not in keep
            if stray or n == old:
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
        merged = merge(st.partial, run)
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


def _consumed(run: Partial) -> dict[tuple[str, int], tuple[int, int]]:
    """Bytes and lines read per (source, chunk start)."""
    rows = (
        run.chunks.group_by("source", "chunk_start")
        .agg(pl.col("bytes_read").sum(), pl.col("lines").sum())
        .iter_rows()
    )
    return {(src, int(start)): (int(b), int(n)) for src, start, b, n in rows}


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
