"""The map step: parsed rows → a :class:`~httplog.partial.Partial`.

:func:`aggregate` counts any frame with the parsed columns (:mod:`httplog.schema`)
into a partial; :func:`aggregate_block` does it for one parsed block with
where it came from, and :func:`aggregate_chunks` for chunks of inputs, block
by block on the parse engine's threads, folding the blocks' partials as they
come (:func:`~httplog.partial.fold`). Each table of the partial is built by
its builder in :data:`~httplog.builders.BUILDERS` from one shared frame of
the block's rows (minute, bot flag, bytes, the dimensions and latencies the
log has).

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, UTC
>>> rows = pl.DataFrame(
...     {
...         "time": [datetime(2026, 1, 1, 10, 0, s, tzinfo=UTC) for s in (1, 2, 3)],
...         "status": pl.Series([200, 404, 404], dtype=pl.UInt16),
...         "path": ["/", "/x", "/x"],
...         "user_agent": ["Mozilla/5.0", "Googlebot/2.1", "Mozilla/5.0"],
...     }
... )
>>> p = aggregate(rows)
>>> p.counts.sort("status", "bot").select("status", "bot", "requests").rows()
[(200, False, 1), (404, False, 1), (404, True, 1)]
>>> p.error_keys.filter(pl.col("dimension") == "path")["requests"].sum()
2
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import polars as pl

from httplog.bots import is_bot
from httplog.builders import (
    AGGREGATED,
    BUILDERS,
    CROSS_PAIRS,
    DERIVED,
    KEY_MAX_BYTES,
    PANEL_COLUMNS,
    Rows,
    capped,
    first_group_bys,
    key_hll,
    table_plan,
)
from httplog.engine import map_parsed
from httplog.formats import compile_format
from httplog.formats.detect import Detection
from httplog.formats.times import UTC_OFFSET
from httplog.inputs import Chunk
from httplog.options import ReadOptions
from httplog.parse import REJECTED_SCHEMA, ParsedBlock
from httplog.partial import TABLES, Partial, bounded, compacted, fold
from httplog.schema import DIMENSIONS, LATENCIES, TIME
from httplog.sketches import HASH_SEED, visitor_hash, visitor_words

#: (the builders' declarations are :mod:`httplog.builders`'s, named here too)
__all__ = [
    "AGGREGATED",
    "BUILDERS",
    "CROSS_PAIRS",
    "DERIVED",
    "KEY_MAX_BYTES",
    "PANEL_COLUMNS",
    "aggregate",
    "aggregate_block",
    "aggregate_chunks",
    "capped",
]


#: The key columns grouped by their dictionary codes in :func:`aggregate`
#: (texts repeated most, in the most group-bys: about -10% of its CPU).
CODED_KEYS: frozenset[str] = frozenset({"path", "remote_addr", "user_agent"})
_AGGREGATIONS = itertools.count()
#: The optimizations of the tables' queries: polars' defaults but the search
#: for subplans they share (none but frames already collected).
NO_CSE = pl.QueryOptFlags(comm_subplan_elim=False)


def aggregate(
    rows: pl.DataFrame | pl.LazyFrame,
    *,
    source: str = "",
    chunk_start: int = 0,
    lines: int | None = None,
    bytes_read: int = 0,
    format_label: str | None = None,
    detection: str | None = None,
    rejected: pl.DataFrame | None = None,
    directives: int = 0,
    coded: bool = False,
) -> Partial:
    """Aggregate parsed rows (columns of :mod:`httplog.schema`) into a Partial.

    ``rows`` (a DataFrame or a LazyFrame, such as :func:`httplog.scan_logs`
    gives) needs ``time`` (UTC) and ``status``; the other columns are used when
    present (``bytes``, the :data:`~httplog.schema.DIMENSIONS` and
    :data:`~httplog.schema.LATENCIES`; ``user_agent`` flags bots). The keyword
    arguments describe where the rows came from (the ``chunks`` table);
    ``rejected`` holds the rejected lines (columns of the ``samples`` table).
    ``coded``: group the keys of :data:`CODED_KEYS` by dictionary codes
    (faster where keys repeat, as in consecutive blocks of a real log; a copy
    of every distinct text where they don't).

    >>> import httplog, os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 503 0 "-" "-"\\n'
    ... )
    >>> httplog.aggregate(httplog.scan_logs(p)).counts.select("status", "requests").rows()
    [(503, 1)]
    """
    if isinstance(rows, pl.LazyFrame):
        names = rows.collect_schema().names()
        rows = rows.select([c for c in AGGREGATED if c in names]).collect()
    if rows.schema["time"] != TIME:  # a frame made by hand: naive times are UTC
        rows = rows.with_columns(pl.col("time").cast(TIME))
    cols = rows.columns
    dims = tuple(d for d in (*DIMENSIONS, *PANEL_COLUMNS) if d in cols)
    lats = tuple(m for m in LATENCIES if m in cols)
    bot = is_bot("user_agent").fill_null(False) if "user_agent" in cols else pl.lit(False)
    nbytes = pl.col("bytes").fill_null(0) if "bytes" in cols else pl.lit(0)
    agent = pl.col("user_agent") if "user_agent" in cols else pl.lit(None, pl.String)
    # Only the texts that hold a key too long are cut (a copy of the column):
    # the others are taken as they are (one look at their longest value).
    texts = [d for d in dims if rows.schema[d] == pl.String]
    longest = rows.select(pl.col(texts).str.len_bytes().max()).row(0) if texts else ()
    cut = {d for d, n in zip(texts, longest, strict=True) if n is not None and n > KEY_MAX_BYTES}
    # One pass over the rows for everything the group-bys share (the bot flag
    # above all); then every table is a group-by of this frame, run together.
    # The busiest key columns are dictionary-encoded for the group-bys, with
    # categories of this aggregation's own (freed with it); the tables get
    # their texts back (:func:`~httplog.builders.table_plan` casts them).
    codes = pl.Categorical(pl.Categories(f"httplog-aggregate-{next(_AGGREGATIONS)}"))
    encoded = CODED_KEYS if coded else frozenset()

    def key(d: str) -> pl.Expr:
        return capped(d) if d in cut else pl.col(d)

    visitor = {}
    if "remote_addr" in cols:  # (of the capped texts, as the keys are)
        agent_text = key("user_agent") if "user_agent" in cols else agent
        visitor["_visitor"] = visitor_hash(key("remote_addr"), agent_text)
    base = rows.select(
        *[c for c in (UTC_OFFSET,) if c in cols],
        *(key(d).cast(codes) if d in encoded else key(d) for d in dims),
        *lats,
        "status",
        minute=pl.col("time").dt.truncate("1m"),
        bot=bot,
        _bytes=nbytes.cast(pl.UInt64),
        _kind=pl.col("status") // 100,
        _4xx=pl.col("status") // 100 == 4,
        _5xx=pl.col("status") // 100 == 5,
        **visitor,
    )
    if "remote_addr" in cols:
        # A visitor of a key: GoAccess's (client, agent, UTC date) of requests
        # other than 4xx (as GoAccess counts a panel row's visitors).
        day = pl.col("minute").dt.date().cast(pl.Int32).hash(HASH_SEED + 2)
        keep = pl.col("remote_addr").is_not_null() & ~pl.col("_4xx")
        base = visitor_words(base.lazy(), pl.col("_visitor") ^ day, keep, "_").collect()
    shared = first_group_bys(Rows(base.lazy(), dims, lats))
    queries = {name: build(shared) for name, build in BUILDERS.items()}
    # Each table is one query (its parts cast to its columns and concatenated;
    # a minute table sorted here, where blocks are aggregated side by side, so
    # that merging them needs no sort: see partial_tables.add_up_runs; other tables
    # are sorted when merged anyway), all run together.
    plans = {name: table_plan(TABLES[name], qs) for name, qs in queries.items() if qs}
    # (without the search for common subplans: the plans share only frames
    # already collected, and the search cost 15-25% of the query on a block of
    # all-new keys: 250,000 keys a table)
    done = dict(zip(plans, pl.collect_all(list(plans.values()), optimizations=NO_CSE), strict=True))
    tables = {name: done[name] if name in done else TABLES[name].empty() for name in queries}

    rej = rejected if rejected is not None else pl.DataFrame(schema=REJECTED_SCHEMA)
    tmin, tmax = (rows["time"].min(), rows["time"].max()) if rows.height else (None, None)
    tables["chunks"] = pl.DataFrame(
        {
            "source": [source],
            "chunk_start": [chunk_start],
            "lines": [lines if lines is not None else rows.height + rej.height + directives],
            "parsed": [rows.height],
            "rejected": [rej.height],
            "directives": [directives],
            "bytes_read": [bytes_read],
            "time_min": [tmin],
            "time_max": [tmax],
            "format": [format_label],
            "detection": [detection],
        },
        schema=dict(TABLES["chunks"].columns),
    )
    tables["rejected"] = rej.group_by("source", "reason").agg(count=pl.len().cast(pl.UInt64))
    tables["samples"] = TABLES["samples"].canonical(rej.select(list(REJECTED_SCHEMA)))
    tables["key_hll"] = key_hll(tables["keys"]).select(TABLES["key_hll"].cast())
    # (the error tables of summaries start empty: a block is exact)
    tables |= {name: t.empty() for name, t in TABLES.items() if name not in tables}
    return Partial(**tables)


@dataclass(frozen=True)
class Gathered:
    """What :func:`aggregate_gathered` needs of a parsed block: its rows (the
    filter applied), its rejected lines, its row of ``chunks`` (without the
    block's bytes, which can go as soon as it is parsed) and whether its keys
    repeat (:func:`keys_repeat`)."""

    rows: pl.DataFrame
    rejected: pl.DataFrame
    chunk: pl.DataFrame
    repeats: bool = True

    @classmethod
    def of(
        cls, pb: ParsedBlock, *, keep: pl.Expr | None = None, detection: str | None = None
    ) -> Gathered:
        """The block's rows with ``keep`` applied (its lines stay accounted for)."""
        rows = pb.parsed
        counted = rows.height
        if keep is not None:
            rows = rows.filter(keep)
        block = pb.block
        tmin, tmax = (rows["time"].min(), rows["time"].max()) if rows.height else (None, None)
        row = {
            "source": [block.chunk.source],
            "chunk_start": [block.chunk.start],
            "lines": [pb.lines],
            "parsed": [counted],
            "rejected": [pb.rejected.height],
            "directives": [pb.directives],
            "bytes_read": [block.size],
            "time_min": [tmin],
            "time_max": [tmax],
            "format": [pb.format.label],
            "detection": [detection],
        }
        chunk = pl.DataFrame(row, schema=dict(TABLES["chunks"].columns))
        return cls(rows, pb.rejected, chunk, keys_repeat(rows))


def aggregate_gathered(blocks: list[Gathered]) -> Partial:
    """The partial of several parsed blocks, aggregated as one frame of their
    rows and pruned once (the same tables as :func:`merge` of each block's
    :func:`aggregate_block` while the summaries are within their bounds; one
    aggregation of many rows costs little more than one of few)."""
    if len(blocks) == 1:
        rows, rejected = blocks[0].rows, blocks[0].rejected
    else:
        rows = pl.concat([b.rows for b in blocks], how="diagonal_relaxed")
        rejected = pl.concat([b.rejected for b in blocks])
    # (blocks aggregated together repeat their keys: see keys_repeat)
    part = aggregate(rows, rejected=rejected, coded=len(blocks) > 1)
    chunks = TABLES["chunks"].combine([b.chunk for b in blocks])
    # A merge of blocks: its summaries are pruned to their bound here, where it
    # was parsed, so that many distinct keys never wait whole for a merge (exact
    # while a group has no more keys than the bound), and its texts copied
    # out of the block's (a pruned table would keep them all alive while the
    # partial waits to be merged: 30-40 MB a block of all-new keys).
    return compacted(bounded(part.with_tables(chunks=chunks)))


def aggregate_block(
    pb: ParsedBlock, *, keep: pl.Expr | None = None, detection: str | None = None
) -> Partial:
    """Aggregate one parsed block (rows, rejections, where it came from).

    ``keep`` (a row filter) drops requests before they are counted; the lines
    stay accounted for.

    >>> import os, tempfile
    >>> from httplog.inputs import Chunk, resolve_inputs
    >>> from httplog.engine import iter_parsed
    >>> path = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(path, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "Googlebot/2.1"\\n'
    ... )
    >>> (pb,) = iter_parsed([Chunk(i) for i in resolve_inputs(path)])
    >>> aggregate_block(pb).counts.select("status", "bot", "requests").rows()
    [(200, True, 1)]
    """
    return aggregate_gathered([Gathered.of(pb, keep=keep, detection=detection)])


#: Parsed blocks aggregated together by :func:`aggregate_chunks` (blocks of
#: :data:`httplog.inputs.BLOCK_SIZE`, grouped in reading order: 0 to 5, then
#: 6 to 11 ...). The cost of an aggregation and of its prune is mostly per
#: query, so six blocks' rows cost little more than one's (real 1M-line log,
#: whole process, paired rounds: 8-9% less CPU than three blocks at a time,
#: for 50-100 MiB more peak RSS on 1M-3M lines: the blocks waiting for their
#: group, and the larger aggregation), but the unpruned tables of blocks whose
#: keys are nearly all distinct would raise peak RSS by 160-300 MB a block:
#: such blocks are aggregated one at a time (see :data:`REPEATING_SHARE`).
BLOCKS_PER_AGGREGATE = 6

#: A block is aggregated with the others of its group only while, in its first
#: :data:`REPEATING_SAMPLE` rows, no key column (client, path, agent,
#: referer) has more than this share of distinct values (a real log's busiest
#: column, its clients, has about 0.6; a log of all-new keys has 1.0).
REPEATING_SHARE = 0.8
REPEATING_SAMPLE = 4096

_KEY_COLUMNS = ("remote_addr", "path", "user_agent", "referer")


def keys_repeat(rows: pl.DataFrame) -> bool:
    """Whether the keys of a block's rows repeat enough for it to be
    aggregated with another block (judged from a sample of its first rows).

    >>> keys_repeat(pl.DataFrame({"path": ["/a", "/b", "/a", "/a"]}))
    True
    >>> keys_repeat(pl.DataFrame({"path": ["/a", "/b", "/c", "/d"]}))
    False
    """
    head = rows.head(REPEATING_SAMPLE)
    cols = [c for c in _KEY_COLUMNS if c in head.columns]
    if not cols or head.height == 0:
        return True
    shares = head.select(pl.col(c).n_unique() for c in cols).row(0)
    return bool(max(shares) <= REPEATING_SHARE * head.height)


class _Gatherer:
    """Parsed blocks grouped by their place in reading order (``ordinal //
    per``: 0 with 1, 2 with 3 ...), so that which blocks are aggregated
    together never depends on which thread finishes first. A group is
    aggregated as one only if the keys of all its blocks repeat
    (:func:`keys_repeat`); otherwise each of its blocks on its own, at once."""

    def __init__(self, per: int) -> None:
        self._per = per
        self._lock = threading.Lock()
        # group -> (blocks seen, whether one's keys don't repeat, blocks waiting)
        self._groups: dict[int, tuple[int, bool, list[tuple[int, Gathered]]]] = {}

    def add(self, ordinal: int, g: Gathered, repeats: bool = True) -> list[list[Gathered]]:
        """What to aggregate now, in reading order: ``g``'s group once all of
        it has come, or blocks one by one once one of the group doesn't repeat."""
        key = ordinal // self._per
        with self._lock:
            seen, alone, waiting = self._groups.get(key, (0, False, []))
            seen += 1
            if alone or not repeats:
                out = [[w] for _, w in sorted([*waiting, (ordinal, g)], key=_ordinal)]
                waiting, alone = [], True
            else:
                waiting = [*waiting, (ordinal, g)]
                out = [[w for _, w in sorted(waiting, key=_ordinal)]] if seen == self._per else []
            if seen == self._per:
                self._groups.pop(key, None)  # (a group of one was never stored)
            else:
                self._groups[key] = (seen, alone, waiting)
        return out

    def rest(self) -> list[list[Gathered]]:
        """The blocks of groups left incomplete (the last of a run), in reading order."""
        with self._lock:
            groups, self._groups = self._groups, {}
        out = [[w for _, w in sorted(g[2], key=_ordinal)] for _, g in sorted(groups.items())]
        return [group for group in out if group]


_ordinal = operator.itemgetter(0)

#: A block whose keys don't repeat (:func:`keys_repeat`) is aggregated in
#: pieces of at most this many rows, and one such block at a time whatever
#: the parse threads: the working set of an aggregation of all-new keys is
#: about 2.5 KB a row while it runs (its unpruned keys and cross tables, and
#: their prune), 200-250 MB for a 12 MB block of short lines. All-distinct
#: 1M-line log, whole process: peak RSS 740-780 MiB → 460-505 MiB, for about 20%
#: more wall time (benchmarks/README.md). The pieces' partials merge into the
#: block's (their summaries pruned, as every block's are).
ALONE_ROWS = 50_000


def pieces(g: Gathered, rows: int | None = None) -> list[Gathered]:
    """``g`` cut into consecutive pieces of at most ``rows`` rows (default
    :data:`ALONE_ROWS`), of about equal size; the block's rejected lines and its
    row of ``chunks`` go with the first.

    >>> g = Gathered(pl.DataFrame({"status": range(5)}), pl.DataFrame(), pl.DataFrame())
    >>> [p.rows.height for p in pieces(g, 2)]
    [2, 2, 1]
    >>> [p.rows.height for p in pieces(g, 5)]
    [5]
    """
    n = -(-g.rows.height // (rows or ALONE_ROWS))
    if n <= 1:
        return [g]
    size = -(-g.rows.height // n)
    rejected, chunk = g.rejected.clear(), g.chunk.clear()
    later = [
        replace(g, rows=g.rows.slice(i * size, size), rejected=rejected, chunk=chunk)
        for i in range(1, n)
    ]
    return [replace(g, rows=g.rows.slice(0, size)), *later]


def aggregate_chunks(
    chunks: Iterable[Chunk],
    read: ReadOptions | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Partial:
    """Parse chunks and fold them into one partial aggregate (the map step of a run).

    Chunks may be whole inputs or byte ranges (:func:`httplog.inputs.split`);
    the partials of separate calls merge (:func:`~httplog.partial.merge`)
    into the partial of one call over all the chunks. ``read`` says how to
    parse and which rows to count; ``progress(nbytes, lines)`` is called after
    each block.

    >>> import os, tempfile
    >>> from httplog.inputs import Chunk, resolve_inputs
    >>> p = os.path.join(tempfile.mkdtemp(), "access.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 404 0 "-" "curl/8"\\n'
    ... )
    >>> part = aggregate_chunks([Chunk(i) for i in resolve_inputs(p)])
    >>> part.counts.select("status", "requests").rows()
    [(404, 1)]
    """
    read = read or ReadOptions()
    chunks = [replace(c, max_line=read.max_line_bytes) for c in chunks]
    fmt = compile_format(read.log_format) if read.log_format is not None else None
    detections: list[Detection] = []
    keep = read.filter.expr

    gathered = _Gatherer(BLOCKS_PER_AGGREGATE)
    one_at_a_time = threading.Lock()

    def count(pb: ParsedBlock) -> list[Partial]:
        # Runs where the block was parsed (a pool thread with threads > 1):
        # only the small partials come back, not the parsed rows.
        found = str(detections[0]) if detections else None
        g = Gathered.of(pb, keep=keep, detection=found)
        out: list[Partial] = []
        for group in gathered.add(pb.ordinal, g, g.repeats):
            if len(group) == 1 and not group[0].repeats:
                with one_at_a_time:  # (see ALONE_ROWS)
                    out.extend(aggregate_gathered([piece]) for piece in pieces(group[0]))
            else:
                out.append(aggregate_gathered(group))
        return out

    blocks = map_parsed(
        chunks,
        count,
        fmt,
        threads=read.threads,
        on_detect=detections.append,
        progress=progress,
        columns=AGGREGATED,
    )

    def partials() -> Iterator[Partial]:
        for parts in blocks:
            yield from parts
        for group in gathered.rest():  # (the last blocks, of a group left short)
            yield aggregate_gathered(group)

    with contextlib.closing(blocks):  # stops the reader and pool threads on any error
        merged = fold(partials())
    detection = str(detections[0]) if detections else None
    return _with_empty_chunks(merged, chunks, detection)


def _with_empty_chunks(part: Partial, chunks: list[Chunk], detection: str | None) -> Partial:
    """The partial with a row of zeros in ``chunks`` for each input read from
    its start that had no line (an empty file), so that every input is
    accounted for. (A byte range further in that holds no line start needs
    no row: the range before it reads its lines.)"""
    seen = set(part.chunks.filter(pl.col("chunk_start") == 0)["source"])
    missing = [s for s in dict.fromkeys(c.source for c in chunks if c.start == 0) if s not in seen]
    if not missing:
        return part
    n = len(missing)
    schema = dict(TABLES["chunks"].columns)
    counts = ("chunk_start", "lines", "parsed", "rejected", "directives", "bytes_read")
    row: dict[str, list[object]] = {
        name: [0] * n if name in counts else [None] * n for name in schema
    }
    row |= {"source": list(missing), "detection": [detection] * n}  # as every chunk has it
    empty = pl.DataFrame(row, schema=schema)
    rows = pl.concat([part.chunks, empty])
    return part.with_tables(chunks=rows.sort("source", "chunk_start"))
