"""Partial aggregates: the tables a block of requests adds up to, their merge and their file.

A :class:`Partial` is a handful of small tables keyed by minute, status code,
bot flag and key. Partials from any split of the input — blocks, byte ranges
of a file, files on other machines, yesterday's incremental state — merge
with :func:`merge` into exactly the partial of the whole.

Every table is *declared* in :data:`TABLES` (a :class:`Table`): its columns,
its key columns, and how each value column merges (``sum``, ``min``, ``max``,
``first``); a table without keys keeps its rows, and a ``bound`` keeps a table
small after each merge (the first rejected lines per reason). :func:`merge`,
:func:`fold`, :meth:`Partial.view` and the Parquet form read those
declarations, so a new table is one declaration here, one field of
:class:`Partial`, and its map step in :mod:`httplog.aggregation`.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, UTC
>>> t = datetime(2026, 1, 1, 10, tzinfo=UTC)
>>> a = empty_partial().with_tables(
...     counts=pl.DataFrame(
...         {"minute": [t], "status": [503], "bot": [False], "requests": [2], "bytes": [0]}
...     )
... )
>>> merge(a, a).counts.select("status", "requests").rows()
[(503, 4)]
>>> TABLES["counts"].keys
('minute', 'status', 'bot')
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta

import polars as pl

from httplog.bots import bots_filter
from httplog.errors import StateError
from httplog.outputs import atomic_path
from httplog.partial_tables import (
    CROSS_K,
    ERROR_KEYS_K,
    HASHED,
    HOSTS_K,
    KEYS,
    KEYS_K,
    MINUTE,
    MINUTE_TABLES,
    OTHER_HOST,
    SCHEMAS,
    SLICE_ROWS,
    TABLES,
    VISITORS_EXACT,
    Merge,
    Summary,
    Table,
    add_up_runs,
    fold_hosts,
)
from httplog.partial_tables import compacted as compacted_table
from httplog.schema import TIME
from httplog.sketches import (
    VISITORS_P,
    hash_id,
    hll_register,
    misra_gries,
)

__all__ = [
    "CROSS_K",
    "ERROR_KEYS_K",
    "HASHED",
    "HOSTS_K",
    "KEYS",
    "KEYS_K",
    "MINUTE",
    "MINUTE_TABLES",
    "OTHER_HOST",
    "PARTIAL_VERSION",
    "SCHEMAS",
    "SLICE_ROWS",
    "TABLES",
    "VISITORS_EXACT",
    "Merge",
    "Partial",
    "Summary",
    "Table",
    "bounded",
    "compacted",
    "empty_partial",
    "fold",
    "fold_hosts",
    "merge",
]

#: Version of the partial's on-disk form (Parquet). 2: the row of a minute's
#: hosts beyond :data:`HOSTS_K` has a null host (version 1 wrote ``(other)``,
#: which a real host may be named): a file of version 1 is not read. 3: every
#: dimension's keys carry visitor bitmaps (a version 2 file has them for paths
#: only: merged into a run, its other rows' visitors would be too low), so
#: files of versions 1 and 2 are not read.
PARTIAL_VERSION = 3


@dataclass(frozen=True)
class Partial:
    """A mergeable aggregate of requests and of the lines they came from.

    Tables (declared in :data:`TABLES`): ``counts`` (minute × status × bot:
    requests, bytes), ``latency`` (minute × metric × bucket × bot: a histogram
    per latency column, see :mod:`httplog.sketches`), ``keys`` (dimension × key
    × bot: requests, bytes, request times — how many, their sum in whole
    microseconds, the slowest; a :class:`Summary` of :data:`KEYS_K` keys per
    dimension and bot, its error in ``keys_delta``), ``error_keys`` (minute ×
    4xx/5xx × dimension × key × bot; :data:`ERROR_KEYS_K` keys per minute, kind,
    dimension and bot, the error in ``error_keys_delta``), ``visitors`` (hour
    × bot × visitor hash: client and agent of the hour's requests other than
    4xx, exact up to :data:`VISITORS_EXACT` per hour, then registers of
    ``visitors_hll``), ``key_hll`` (dimension × bot × register: distinct keys
    beyond the bound of ``keys``), ``rejected`` (source × reason), ``samples`` (the first rejected
    lines per reason) and ``chunks`` (one row per chunk read: lines, parsed,
    rejected, directives, bytes, first and last time, format), ``offsets``
    (the UTC offsets the requests' times wrote, in minutes: requests),
    ``host_counts`` (minute × virtual host × bot: requests, 4xx, 5xx; at most
    :data:`HOSTS_K` hosts per minute and bot, the rest in one row of null host:
    :func:`fold_hosts`).
    """

    counts: pl.DataFrame
    latency: pl.DataFrame
    keys: pl.DataFrame
    keys_delta: pl.DataFrame
    error_keys: pl.DataFrame
    error_keys_delta: pl.DataFrame
    visitors: pl.DataFrame
    visitors_hll: pl.DataFrame
    key_hll: pl.DataFrame
    rejected: pl.DataFrame
    samples: pl.DataFrame
    chunks: pl.DataFrame
    offsets: pl.DataFrame = field(default_factory=lambda: TABLES["offsets"].empty())
    host_counts: pl.DataFrame = field(default_factory=lambda: TABLES["host_counts"].empty())
    key_latency: pl.DataFrame = field(default_factory=lambda: TABLES["key_latency"].empty())
    cross: pl.DataFrame = field(default_factory=lambda: TABLES["cross"].empty())
    cross_delta: pl.DataFrame = field(default_factory=lambda: TABLES["cross_delta"].empty())

    def table(self, name: str) -> pl.DataFrame:
        """The table ``name`` (one of :data:`TABLES`)."""
        return getattr(self, name)  # type: ignore[no-any-return]  # (a field: a DataFrame)

    def with_tables(self, **tables: pl.DataFrame) -> Partial:
        """This partial with some tables replaced."""
        return replace(self, **tables)

    # ------------------------------------------------------------ views

    def view(
        self,
        *,
        bots: str = "include",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Partial:
        """The requests of bots only, of humans only, or all; within [since, until).

        Time narrows minute tables at minute granularity; the overall ``keys``
        table has no time and is not narrowed (the 4xx/5xx top tables are).

        >>> from httplog.aggregation import aggregate
        >>> rows = pl.DataFrame(
        ...     {
        ...         "time": [datetime(2026, 1, 1, 10, m, tzinfo=UTC) for m in (0, 1, 2, 3)],
        ...         "status": pl.Series([200, 200, 404, 503], dtype=pl.UInt16),
        ...         "user_agent": ["Mozilla/5.0", "Googlebot/2.1", "Mozilla/5.0", "Mozilla/5.0"],
        ...     }
        ... )
        >>> p = aggregate(rows)
        >>> [p.view(bots=b).counts["requests"].sum() for b in ("include", "exclude", "only")]
        [4, 3, 1]
        >>> p.view(since=datetime(2026, 1, 1, 10, 2, tzinfo=UTC)).counts["requests"].sum()
        2
        """
        bot = bots_filter(bots)
        since, until = _utc(since), _utc(until)
        out: dict[str, pl.DataFrame] = {}
        for name, t in TABLES.items():
            df = self.table(name)
            if bot is not None and t.by_bot:
                df = df.filter(pl.col("bot") == bot)
            if t.by_minute and since is not None:
                df = df.filter(pl.col("minute") >= since.replace(second=0, microsecond=0))
            if t.by_minute and until is not None:
                df = df.filter(pl.col("minute") < until)
            if t.by_hour and since is not None:
                df = df.filter(pl.col("hour") >= since.replace(minute=0, second=0, microsecond=0))
            if t.by_hour and until is not None:
                df = df.filter(pl.col("hour") < until)
            out[name] = df
        if since is not None or until is not None:
            lo = pl.lit(since, TIME) if since is not None else pl.col("time_min")
            hi = pl.lit(until, TIME) if until is not None else pl.col("time_max")
            out["chunks"] = self.chunks.with_columns(
                time_min=pl.max_horizontal("time_min", lo),
                time_max=pl.min_horizontal("time_max", hi),
            )
        return replace(self, **out)

    @property
    def minute_span(self) -> tuple[datetime, datetime] | None:
        """The first and the last minute with requests (UTC), or None without requests."""
        if self.counts.is_empty():
            return None
        lo, hi = self.counts["minute"].min(), self.counts["minute"].max()
        return lo, hi  # type: ignore[return-value]  # (a Datetime column's min/max: datetimes)

    @property
    def time_range(self) -> tuple[datetime, datetime] | None:
        """First and last request time (UTC), or None without requests."""
        span = self.minute_span
        if span is None:
            return None
        m_lo, m_hi = span
        # (the min and max of a Datetime column are datetimes; polars types them wider)
        lo: datetime | None = self.chunks["time_min"].min()  # type: ignore[assignment]  # (see above)
        hi: datetime | None = self.chunks["time_max"].max()  # type: ignore[assignment]  # (see above)
        first = max(lo, m_lo) if lo is not None else m_lo
        last = min(hi, m_hi + timedelta(minutes=1)) if hi is not None else m_hi
        return first, last

    @property
    def format_label(self) -> str:
        """The format(s) the chunks were parsed with."""
        names = sorted(set(self.chunks["format"].drop_nulls().to_list()))
        return " + ".join(names) if names else "unknown"

    @property
    def detection(self) -> str | None:
        """How the format was detected (None: it was named)."""
        found = self.chunks["detection"].drop_nulls()
        return found[0] if len(found) else None

    @property
    def lines(self) -> int:
        """Every line read."""
        return int(self.chunks["lines"].sum() or 0)

    @property
    def rejected_lines(self) -> int:
        """Lines that are not requests (see :mod:`httplog.parse` for the reasons)."""
        return int(self.chunks["rejected"].sum() or 0)

    @property
    def requests(self) -> int:
        """Requests counted."""
        return int(self.counts["requests"].sum() or 0)

    def numbered_samples(self) -> pl.DataFrame:
        """Samples with line numbers counted from the start of their source.

        A sample's line is counted from its chunk's start; the lines of the
        source's earlier chunks are added to it.
        """
        before = self.chunks.select(
            "source",
            "chunk_start",
            offset=pl.col("lines").cum_sum().over("source", order_by="chunk_start")
            - pl.col("lines"),
        )
        return (
            self.samples.join(before, on=["source", "chunk_start"], how="left")
            .with_columns(line=pl.col("line") + pl.col("offset").fill_null(0))
            .select("source", "line", "reason", "text")
            .sort("source", "line")
        )

    # ---------------------------------------------------------- on disk

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the partial to ``path`` atomically (complete or not at all:
        :func:`httplog.outputs.atomic_path`; ``-`` is standard output)."""
        with atomic_path(path) as tmp:
            self.to_parquet(tmp)

    def to_parquet(self, path: str | os.PathLike[str]) -> None:
        """Write the partial as one Parquet file (a ``table`` column tells the
        tables apart; :meth:`save` writes it atomically).

        Rows are sorted by each table's keys, so equal partials make equal files.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "state.parquet")
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> counts = {"minute": [t], "status": [500], "bot": [False], "requests": [1], "bytes": [0]}
        >>> empty_partial().with_tables(counts=pl.DataFrame(counts)).to_parquet(path)
        >>> Partial.from_parquet(path).counts.select("status", "requests").rows()
        [(500, 1)]
        """
        frames = [
            self.table(name)
            .sort(list(t.keys or t.columns), nulls_last=True)
            .with_columns(table=pl.lit(name))
            for name, t in TABLES.items()
        ]
        meta = pl.DataFrame(
            {
                "table": ["meta"],
                "version": [PARTIAL_VERSION],
                "kind": ["httplog-partial"],
                "hash_id": [hash_id()],
            }
        )
        pl.concat([meta, *frames], how="diagonal_relaxed").write_parquet(os.fspath(path))

    @classmethod
    def from_parquet(cls, path: str | os.PathLike[str]) -> Partial:
        """Read a partial written by :meth:`to_parquet`; anything else is a StateError.

        Each table is read with its own columns only (the file's are the union
        of every table's, mostly null in any one row): one scan of the file,
        a fraction of the memory of reading it whole.
        """
        path = os.fspath(path)
        unreadable = f"{path}: not a readable httplog partial"
        try:
            lf = pl.scan_parquet(path, glob=False)  # a path, never a pattern
            have = lf.collect_schema()
        except Exception as e:  # polars raises several kinds for a bad file
            msg = f"{unreadable} ({type(e).__name__})"
            raise StateError(msg) from None
        if not {"table", "kind", "version"} <= set(have):
            msg = f"{path}: not an httplog partial"
            raise StateError(msg)
        in_table = {name: lf.filter(pl.col("table") == name) for name in ("meta", *TABLES)}
        meta_columns = [c for c in ("version", "kind", "hash_id") if c in have]
        wanted = [in_table["meta"].select(meta_columns)]
        for name, t in TABLES.items():
            wanted.append(in_table[name].select([c for c in t.columns if c in have]))
        try:
            meta, *parts = pl.collect_all(wanted)
        except Exception as e:  # (as above)
            msg = f"{unreadable} ({type(e).__name__})"
            raise StateError(msg) from None
        if meta.height != 1 or meta["kind"][0] != "httplog-partial":
            msg = f"{path}: not an httplog partial"
            raise StateError(msg)
        version = meta["version"][0]
        if version != PARTIAL_VERSION:
            older = isinstance(version, int) and version < PARTIAL_VERSION
            msg = f"{path}: partial version {version}, this httplog reads {PARTIAL_VERSION} " + (
                "(written by an older httplog: aggregate its logs again, "
                "or start its state over with --state-reset)"
                if older
                else "(written by a newer httplog)"
            )
            raise StateError(msg)
        theirs = meta["hash_id"][0] if "hash_id" in meta.columns else None
        hashed = sum(
            part.height for name, part in zip(TABLES, parts, strict=True) if name in HASHED
        )
        if hashed and theirs != hash_id():
            msg = (
                f"{path}: its visitor and distinct-count sketches were hashed by {theirs}, "
                f"this httplog hashes with {hash_id()}: they cannot be merged "
                "(start a new state, or read it with the polars it was made with)"
            )
            raise StateError(msg)
        tables = {}
        for (name, t), part in zip(TABLES.items(), parts, strict=True):
            for column, value in t.defaults.items():
                if column not in have:
                    part = part.with_columns(pl.lit(value, t.columns[column]).alias(column))
            missing = [c for c in t.columns if c not in part.columns]
            if missing:
                if part.height:
                    msg = f"{path}: table {name} lacks {missing}"
                    raise StateError(msg)
                tables[name] = t.empty()
                continue
            # A file made elsewhere may be unsorted or repeat keys: merge expects neither.
            tables[name] = t.canonical(part.select(t.cast()))
        return cls(**tables)


def empty_partial() -> Partial:
    """The partial of nothing (the identity of :func:`merge`).

    >>> empty_partial().counts.columns
    ['minute', 'status', 'bot', 'requests', 'bytes']
    """
    return Partial(**{name: t.empty() for name, t in TABLES.items()})


def _utc(t: datetime | None) -> datetime | None:
    """A datetime in UTC (a naive one is taken as UTC)."""
    if t is None:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


# -------------------------------------------------------------- merge step


def merge(*partials: Partial) -> Partial:
    """Merge partial aggregates: the result is the partial of all their inputs.

    Merging is associative and commutative, and ``empty_partial()`` is its
    identity: any split of the input, merged in any order, gives the same
    result as the whole. The merged tables are sorted by their keys. Each
    partial's tables must have unique keys, as every partial httplog makes
    has (:func:`httplog.aggregate`, :func:`merge`, :meth:`Partial.from_parquet`).

    >>> from datetime import datetime, UTC
    >>> from httplog.aggregation import aggregate
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> a = aggregate(pl.DataFrame({"time": [t], "status": pl.Series([200], dtype=pl.UInt16)}))
    >>> merge(a, a, empty_partial()).counts.select("status", "requests").rows()
    [(200, 2)]
    """
    return _merge(partials)


def fold(partials: Iterable[Partial], every: int = 8) -> Partial:
    """:func:`merge` of partials that arrive one at a time (the blocks of a run).

    The result equals ``merge(*partials)``. Tables without minutes are merged
    every ``every`` partials, as they shrink when merged; minute tables (where
    the partials of consecutive blocks of a log share only the minutes at their
    edges) are gathered and added up once, at the end, without copies on the way.

    >>> from datetime import datetime, UTC
    >>> from httplog.aggregation import aggregate
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> a = aggregate(pl.DataFrame({"time": [t], "status": pl.Series([200], dtype=pl.UInt16)}))
    >>> fold(iter([a] * 20), every=3).counts.select("status", "requests").rows()
    [(200, 20)]
    """
    runs: dict[str, list[pl.DataFrame]] = {name: [] for name in MINUTE_TABLES}
    no_minutes = {name: TABLES[name].empty() for name in MINUTE_TABLES}
    acc = empty_partial()
    batch: list[Partial] = []
    for p in partials:
        # (minute tables wait for the end: a block's own summaries are bounded now)
        p = bounded(p, MINUTE_TABLES)
        for name in MINUTE_TABLES:
            runs[name].append(p.table(name))
        batch.append(replace(p, **no_minutes))
        if len(batch) >= every:
            # (on the way, tables need no order: only the last merge sorts them)
            acc = _merge([acc, *batch], ordered=False)
            batch = []
    acc = _merge([acc, *batch])
    acc = replace(acc, **{name: add_up_runs(TABLES[name], runs[name]) for name in MINUTE_TABLES})
    return bounded(acc, MINUTE_TABLES)


def _merge(partials: tuple[Partial, ...] | list[Partial], *, ordered: bool = True) -> Partial:
    if not partials:
        return empty_partial()
    out = {
        name: t.combine([p.table(name) for p in partials], ordered=ordered)
        for name, t in TABLES.items()
    }
    return bounded(Partial(**out))


def bounded(p: Partial, names: Iterable[str] | None = None) -> Partial:
    """``p`` with its summary tables (those of ``names``, or all) pruned to
    their bound, the amounts cut added to their error tables (see
    :class:`Summary`). A table within its bound is returned as it is.

    >>> keys = pl.DataFrame(
    ...     {
    ...         "dimension": ["path"] * 3,
    ...         "key": list("abc"),
    ...         "bot": [False] * 3,
    ...         "requests": [5, 1, 1],
    ...         "bytes": [0, 0, 0],
    ...     }
    ... )
    >>> keys = pl.concat([TABLES["keys"].empty(), keys], how="diagonal_relaxed")
    >>> p = empty_partial().with_tables(keys=keys.select(TABLES["keys"].cast()))
    >>> bounded(p) is p  # 3 keys: within the bound
    True
    """
    out: dict[str, pl.DataFrame] = {}
    if names is None:
        out |= _visitors_bounded(p)
    for name in names if names is not None else TABLES:
        t = TABLES[name]
        if t.keys and t.bound is not None:  # (a keyed table's own bound: fold_hosts)
            folded = t.bound(p.table(name))
            if folded is not p.table(name):
                out[name] = folded
        s = t.summary
        if s is None:
            continue
        kept, cut = misra_gries(p.table(name), list(s.groups), s.counter, s.k)
        if cut.height:
            out[name] = kept
            err = TABLES[s.errors]
            out[s.errors] = err.combine(
                [p.table(s.errors).select(err.cast()), cut.select(err.cast())]
            )
            out |= _followers_kept(p, name, kept)
    return replace(p, **out) if out else p


def compacted(p: Partial) -> Partial:
    """``p`` with the texts of every table copied into buffers of their own
    (:func:`~httplog.partial_tables.compacted`): a partial that waits to be
    merged holds only its own texts, not those of the rows it was made of."""
    return replace(p, **{name: compacted_table(p.table(name)) for name in TABLES})


def _followers_kept(p: Partial, name: str, kept: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The tables that follow summary ``name`` (:attr:`Table.follows`), cut to
    the keys it kept (a dropped key's details are dropped with it)."""
    out = {}
    for other, t in TABLES.items():
        if t.follows is None or t.follows[0] != name or p.table(other).is_empty():
            continue
        on = list(t.follows[1])
        out[other] = p.table(other).join(
            kept.select(on), on=on, how="semi", nulls_equal=True, maintain_order="left"
        )
    return out


def _visitors_bounded(p: Partial) -> dict[str, pl.DataFrame]:
    """Hours with more than :data:`VISITORS_EXACT` visitor hashes, or with
    registers already, turned into registers (exact hashes of a scope are
    max-merged into its HyperLogLog: the same registers whatever the split)."""
    v, regs = p.visitors, p.visitors_hll
    if v.height <= VISITORS_EXACT and regs.is_empty():
        return {}
    scope = ["hour", "bot"]
    lens = v.group_by(scope).agg(pl.len())
    big = lens.filter(pl.col("len") > VISITORS_EXACT).select(scope)
    to_sketch = pl.concat([big, regs.select(scope).unique()]).unique()
    if to_sketch.is_empty():
        return {}
    if lens.join(to_sketch, on=scope, how="anti").is_empty():
        # (every scope of the hashes is sketched, as a block's often are: no joins)
        moving, staying = v, v.clear()
    else:
        moving = v.join(to_sketch, on=scope, how="semi")
        staying = v.join(to_sketch, on=scope, how="anti", maintain_order="left")
    t = TABLES["visitors_hll"]
    moved = moving.select(*scope, *hll_register("visitor", VISITORS_P)).select(t.cast())
    # (many hashes fall in one register: added up before they meet the registers)
    hll = (
        t.add_up(moved, sliced=False) if regs.is_empty() else t.combine([regs, t.grouped([moved])])
    )
    return {"visitors": staying, "visitors_hll": hll}


def _check_fields() -> None:
    """Every declared table is a field of Partial, and the other way round."""
    names = [f.name for f in fields(Partial)]
    if names != list(TABLES):  # pragma: no cover - a table declared but not added (or so)
        msg = f"Partial's fields {names} differ from TABLES {list(TABLES)}"
        raise RuntimeError(msg)


_check_fields()
