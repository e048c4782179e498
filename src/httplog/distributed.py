"""The same analysis on a Dask cluster: one task per chunk, partials merged on the way back.

The work unit is a :class:`~httplog.inputs.Chunk`: a whole compressed file,
or a byte range of about ``chunk_bytes`` of a plain file, cut at line ends
(:func:`httplog.inputs.split`). Each task runs
:func:`httplog.aggregation.aggregate_chunks` on its chunk — the very code of the
single-machine path — and returns a small :class:`~httplog.partial.Partial`.
Partials are merged on the workers with :func:`httplog.partial.merge`, a few
at a time (a tree), and the client turns the merged partial into an
:class:`~httplog.analysis.Analysis` with :func:`httplog.analysis.finalize`.
The result equals the single-process one exactly; only
``Analysis.partial.chunks`` has one row per chunk instead of one per file.

:func:`analyze_distributed` gives the :class:`~httplog.analysis.Analysis`;
:func:`collect_distributed` stops at the merged partial (to save with
:meth:`~httplog.partial.Partial.to_parquet`, as ``httplog aggregate`` does).

The format is detected once, on the client, from the first lines of the
first input (as the single-process path does), and that format is given to
every task, so all chunks are parsed alike.

Inputs are opened by the workers: every path must be readable, at the same
absolute path, by every worker (and by the client, which plans the chunks
and detects the format). Standard input can't be shared with workers.

Dask is an optional dependency (``pip install 'httplog[dask]'``), imported
only when a distributed run starts.

Examples
--------
The plan of a run needs no cluster: a 25-byte plain file cut into ranges of
at most 10 bytes gives three chunks; a compressed file stays whole.

>>> import gzip, os, tempfile
>>> from httplog.inputs import resolve_inputs
>>> d = tempfile.mkdtemp()
>>> with open(os.path.join(d, "a.log"), "wb") as f:
...     _ = f.write(b"x" * 24 + b"\\n")
>>> with gzip.open(os.path.join(d, "b.log.gz"), "wb") as f:
...     _ = f.write(b"x" * 24 + b"\\n")
>>> [(os.path.basename(c.source), c.start, c.end) for c in plan(resolve_inputs([d + "/*"]), 10)]
[('a.log', 0, 9), ('a.log', 9, 18), ('a.log', 18, 25), ('b.log.gz', 0, None)]
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Unpack, cast

import polars as pl

from httplog import inputs as _inputs
from httplog.aggregation import aggregate_chunks
from httplog.analysis import Analysis, finalize
from httplog.engine import chunks_of, iter_parsed
from httplog.errors import ClusterError, InputError, UsageError
from httplog.formats import compile_format
from httplog.formats.detect import Detection
from httplog.inputs import Chunk, Input, Source
from httplog.options import (
    CHUNK_BYTES,
    Cluster,
    Fields,
    ReadOptions,
    ViewOptions,
    for_reading,
    options_from,
)
from httplog.partial import TABLES, Partial, empty_partial, merge

if TYPE_CHECKING:  # pragma: no cover - typing only
    from distributed import Client, Future

#: How many partials one merge task folds together.
FAN_IN = 8
#: How long to try to reach a ``scheduler`` address, in seconds (Dask's default
#: is 30 s): Dask's config key ``httplog.connect-timeout`` (environment:
#: ``DASK_HTTPLOG__CONNECT_TIMEOUT``) overrides it.
CONNECT_TIMEOUT = 10
#: How long to wait for a scheduler that has no worker yet to get one, in
#: seconds: Dask's config key ``httplog.workers-timeout`` (environment:
#: ``DASK_HTTPLOG__WORKERS_TIMEOUT``) overrides it, for clusters that scale
#: up from zero.
WORKERS_TIMEOUT = 120

_EXTRA = "pip install 'httplog[dask]'"


# --------------------------------------------------------------------- plan


def plan(inputs: list[Input], chunk_bytes: int = CHUNK_BYTES) -> list[Chunk]:
    """The work units of a run: compressed files whole, plain files cut into
    byte ranges of about ``chunk_bytes`` (each range reads the lines that
    start in it, so a line crossing a cut is read once)."""
    if chunk_bytes < 1:
        msg = f"chunk_bytes must be at least 1, not {chunk_bytes}"
        raise UsageError(msg, option="chunk_bytes", value=chunk_bytes)
    check_shareable(inputs)
    chunks: list[Chunk] = []
    for inp in inputs:
        parts = 1 if inp.compression else max(1, -(-(inp.size or 0) // chunk_bytes))
        chunks.extend(_inputs.split(inp, parts))
    return chunks


def check_shareable(inputs: list[Input]) -> None:
    """Dask workers open the inputs themselves: standard input and pipes can't be shared."""
    for inp in inputs:
        if inp.path == _inputs.STDIN:
            msg = "standard input can't be read by Dask workers: give paths the workers can read"
            raise UsageError(msg, option="sources", value=inp.path)
        if inp.inode is None:
            msg = f"{inp.path}: not a regular file (a pipe?): Dask workers can't read it"
            raise UsageError(msg, option="sources", value=inp.path)


def detect_first(inputs: list[Input]) -> Detection | None:
    """Detect the format exactly as the single-process path does: from the
    first block of the first non-empty input (``None`` if every input is empty).

    This runs :func:`httplog.engine.iter_parsed` itself and stops it as soon as
    the format is known, so the sample and the choice can't drift from it.
    """
    found: list[Detection] = []

    def stop(d: Detection) -> None:
        found.append(d)
        raise _Detected

    try:
        for _ in iter_parsed(chunks_of(inputs), None, on_detect=stop):
            pass  # pragma: no cover - stop() raises before the first block is parsed
    except _Detected:
        pass
    return found[0] if found else None


class _Detected(Exception):
    """Stops :func:`iter_parsed` once it has detected the format."""


# ----------------------------------------------------------------- map step


def map_chunk(chunk: Chunk, label: str, read: ReadOptions, detection: str | None = None) -> Partial:
    """One task: the partial aggregate of one chunk (runs on a worker).

    ``chunk`` names the file by the path the worker opens; ``label`` is the
    source name the user gave, written into the partial instead so that the
    result does not depend on where it ran. ``detection`` is the client's
    format detection, recorded as the single-process path records it.
    """
    try:
        part = aggregate_chunks([chunk], read)
    except InputError as e:
        msg = f"{e} (on Dask worker {_worker_address()}: inputs must be readable by every worker)"
        raise InputError(msg, path=e.path) from None
    if chunk.source != label:
        part = part.with_tables(
            **{
                name: part.table(name).with_columns(source=pl.lit(label, pl.String))
                for name, t in TABLES.items()
                if "source" in t.columns
            },
        )
    if detection is not None:
        chunks = part.chunks.with_columns(detection=pl.lit(detection, pl.String))
        part = part.with_tables(chunks=chunks)
    return part


def merge_partials(*partials: Partial) -> Partial:
    """One merge task of the tree: :func:`httplog.partial.merge` of a few partials."""
    return merge(empty_partial(), *partials)


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):  # pragma: no cover - not on a worker
        return "?"


# ---------------------------------------------------------------------- run


def analyze_distributed(
    source: Source,
    read: ReadOptions | None = None,
    view: ViewOptions | None = None,
    *,
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Callable[[int, int], None] | None = None,
    **fields: Unpack[Fields],
) -> Analysis:
    """Analyse logs on a Dask cluster; the result equals :func:`httplog.analyze`'s.

    The cluster is, in this order: ``client`` (a ``dask.distributed.Client``,
    left open), ``scheduler`` (an address such as ``tcp://host:8786``,
    connected to and closed after), ``workers`` (a local cluster of that many
    worker processes, started and closed), else the current default client,
    else a local cluster with one worker per CPU. Give at most one of the three.

    ``source``, ``read``, ``view`` and the options' single fields by keyword
    are as for :func:`httplog.analyze`; plain files are cut into tasks of
    about ``chunk_bytes``. ``progress(nbytes, lines)`` is called on the client
    as each chunk finishes.
    """
    read, view = for_reading(*options_from(read, view, **fields))
    cluster = Cluster(client, scheduler, workers, chunk_bytes)
    partial = collect_distributed(source, read, cluster, progress=progress)
    return finalize(partial, view, read=read)


def collect_distributed(
    source: Source,
    read: ReadOptions | None = None,
    cluster: Cluster | None = None,
    *,
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> Partial:
    """The merged partial aggregate of the inputs, computed on a Dask cluster:
    the distributed twin of :func:`httplog.aggregation.aggregate_chunks` over
    whole inputs (what ``httplog aggregate`` saves). The cluster is ``cluster``
    (a :class:`~httplog.options.Cluster`), or made of the other arguments, as
    for :func:`analyze_distributed`."""
    read = read or ReadOptions()
    if cluster is None:
        cluster = Cluster(client, scheduler, workers, chunk_bytes)
    dist = _import_distributed()
    inputs = _inputs.resolve_inputs(source)
    chunks = plan(inputs, cluster.chunk_bytes)
    task_read, detection = _resolved(read, inputs)
    with _cluster(dist, cluster) as c:
        return _run(dist, c, chunks, task_read, detection, progress)


def _resolved(read: ReadOptions, inputs: list[Input]) -> tuple[ReadOptions, str | None]:
    """The options every task gets: the format compiled or detected once, here,
    and one block at a time unless ``threads`` says otherwise (a cluster runs
    tasks side by side already)."""
    read = replace(read, threads=read.threads or 1)
    if read.log_format is not None:
        return replace(read, log_format=compile_format(read.log_format)), None
    d = detect_first(inputs)
    if d is None:  # nothing to read anywhere: nothing to detect either
        return read, None
    return replace(read, log_format=d.format), str(d)


def _run(
    dist: Any,
    client: Client,
    chunks: list[Chunk],
    read: ReadOptions,
    detection: str | None,
    progress: Callable[[int, int], None] | None,
) -> Partial:
    futures: list[Future[Any]] = []
    try:
        level = [
            client.submit(map_chunk, _absolute(c), c.source, read, detection, pure=False)
            for c in chunks
        ]
        futures += level
        counts = [client.submit(_read, f, pure=False) for f in level] if progress else []
        futures += counts
        while len(level) > 1:
            level = [
                client.submit(merge_partials, *level[i : i + FAN_IN], pure=False)
                for i in range(0, len(level), FAN_IN)
            ]
            futures += level
        if progress is not None:
            for done in dist.as_completed(counts):
                progress(*done.result())
        merged: Partial = level[0].result()  # merged (or one chunk's): sorted as merge sorts
        return merged
    except BaseException as e:
        # don't leave the rest of a failed run on the cluster (Client.cancel is untyped)
        cast(Any, client).cancel(futures)
        if isinstance(e, _cluster_failures(dist)):
            msg = f"the run on Dask failed: {type(e).__name__}: {_text(e)}"
            raise ClusterError(msg) from None
        raise


def _text(e: BaseException) -> str:
    try:
        return str(e)
    except Exception:  # some of Dask's exceptions can't always print themselves
        return repr(e.args)


def _cluster_failures(dist: Any) -> tuple[type[BaseException], ...]:
    """What the cluster, not httplog, raises when a run can't finish: a worker
    killed (out of memory, say), the scheduler gone, a task cancelled."""
    from concurrent.futures import CancelledError

    from distributed.comm.core import CommClosedError

    return (dist.KilledWorker, CommClosedError, CancelledError, OSError, TimeoutError)


def _read(part: Partial) -> tuple[int, int]:
    """Bytes and lines a chunk's partial accounts for (for progress)."""
    return int(part.chunks["bytes_read"].sum() or 0), int(part.chunks["lines"].sum() or 0)


def _absolute(chunk: Chunk) -> Chunk:
    """The chunk with its file named by absolute path (workers have another cwd)."""
    return replace(chunk, input=replace(chunk.input, path=os.path.abspath(chunk.input.path)))


def _seconds(key: str, default: float) -> float:
    """Dask's config value ``httplog.<key>``: a number of seconds."""
    import dask

    value = dask.config.get(f"httplog.{key}", default=default)
    try:
        return float(value)
    except (TypeError, ValueError):
        msg = f"Dask config httplog.{key} must be a number of seconds, not {value!r}"
        raise UsageError(msg) from None


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        msg = f"running on Dask needs the dask extra: {_EXTRA}"
        raise UsageError(msg) from None
    return distributed


@contextmanager
def _cluster(dist: Any, cluster: Cluster) -> Iterator[Client]:
    """The client to run on; what this opened is closed on the way out."""
    client, workers, scheduler = cluster.client, cluster.workers, cluster.scheduler
    if client is not None:
        yield client  # type: ignore[misc]  # (a Client, as Cluster's docstring says)
        return
    if scheduler is not None:
        try:
            c = dist.Client(scheduler, timeout=_seconds("connect-timeout", CONNECT_TIMEOUT))
        except Exception as e:  # refused, timed out, an unknown scheme, a bad address ...
            msg = f"can't connect to the Dask scheduler at {scheduler}: {type(e).__name__}: {e}"
            raise UsageError(msg, option="scheduler", value=scheduler) from None
        with c:
            try:  # tasks sent to a scheduler without workers would wait forever
                c.wait_for_workers(1, timeout=_seconds("workers-timeout", WORKERS_TIMEOUT))
            except (OSError, TimeoutError) as e:
                msg = f"the Dask scheduler at {scheduler} has no worker ({e})"
                raise UsageError(msg, option="scheduler", value=scheduler) from None
            yield c
        return
    if workers is None:
        try:
            current = dist.default_client()
        except ValueError:  # no client yet: start a local cluster
            current = None
        if current is not None:
            yield current
            return
    n = workers or os.cpu_count() or 1
    with (
        dist.LocalCluster(
            n_workers=n, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        dist.Client(cluster) as c,
    ):
        yield c


# ------------------------------------------------------------------ logging

#: Loggers Dask sets up to print on stderr (``distributed`` and the libraries it runs on).
_DASK_LOGGERS = ("distributed", "dask", "bokeh", "tornado")


@contextmanager
def dask_logs(verbose: bool = False, keep: int = 200) -> Iterator[collections.deque[str]]:
    """Dask's own log lines kept off stderr while a run lasts (unless ``verbose``).

    Dask prints warnings on stderr as things happen on the cluster (a worker
    lost and restarted, an event loop slow); for a command run from cron that
    is noise beside httplog's one-line errors. Inside this block the records
    of those loggers go to the deque yielded (the last ``keep`` lines, for a
    caller to show when it wants) rather than to stderr, and local worker
    processes started meanwhile log only critical failures (a task that fails still
    reaches the caller as an error). With ``verbose`` nothing changes.
    """
    lines: collections.deque[str] = collections.deque(maxlen=keep)
    if verbose:
        yield lines
        return
    with contextlib.suppress(ImportError):  # its loggers get their handlers when imported
        import distributed  # noqa: F401

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            with contextlib.suppress(Exception):  # a record that can't format itself: dropped
                lines.append(f"{record.name} - {record.levelname} - {record.getMessage()}")

    keeper = Keep()
    saved: list[tuple[logging.Logger, list[logging.Handler], bool]] = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger) or name.split(".")[0] not in _DASK_LOGGERS:
            continue
        if logger.handlers or name in _DASK_LOGGERS:
            saved.append((logger, list(logger.handlers), logger.propagate))
            logger.handlers = [h for h in logger.handlers if not _to_stderr(h)] + [keeper]
            logger.propagate = False
    env = os.environ.get("DASK_LOGGING__DISTRIBUTED")
    os.environ["DASK_LOGGING__DISTRIBUTED"] = "critical"  # worker processes started now
    try:
        yield lines
    finally:
        if env is None:
            os.environ.pop("DASK_LOGGING__DISTRIBUTED", None)
        else:
            os.environ["DASK_LOGGING__DISTRIBUTED"] = env
        for logger, handlers, propagate in saved:
            logger.handlers = handlers
            logger.propagate = propagate


def _to_stderr(h: logging.Handler) -> bool:
    """A handler printing to a terminal stream (not to a log file)."""
    return isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
