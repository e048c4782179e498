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

import itertools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

import polars as pl

from httplog.bots import bots_filter
from httplog.errors import StateError
from httplog.outputs import atomic_path
from httplog.parse import REJECTED_SCHEMA, first_samples
from httplog.schema import TIME
from httplog.sketches import (
    KEY_LATENCY_BUCKET,
    VISITOR_WORDS,
    VISITORS_P,
    hash_id,
    hll_register,
    misra_gries,
)

#: How a value column of a keyed table merges: rows with equal keys become one,
#: the column summed, its min or max, or its first non-null value (for a value
#: every partial has the same, such as a label: ``first`` is not commutative),
#: or the bitwise or of its values (the words of a bitmap sketch).
Merge = Literal["sum", "min", "max", "first", "or"]

_MERGES: dict[str, Callable[[str], pl.Expr]] = {
    "sum": lambda c: pl.col(c).sum(),
    "min": lambda c: pl.col(c).min(),
    "max": lambda c: pl.col(c).max(),
    "first": lambda c: pl.col(c).drop_nulls().first(),
    "or": lambda c: pl.col(c).bitwise_or(),
}

#: Version of the partial's on-disk form (Parquet). 2: the row of a minute's
#: hosts beyond :data:`HOSTS_K` has a null host (version 1 wrote ``(other)``,
#: which a real host may be named): a file of version 1 is not read.
PARTIAL_VERSION = 2
#: A UTC minute, the time key of the minute tables.
MINUTE = pl.Datetime("us", "UTC")
#: Minute tables longer than this are added up a slice of minutes at a time.
SLICE_ROWS = 250_000
#: Keys kept per (dimension, bot) in ``keys``: exact while a dimension never
#: had more distinct keys than this (see :class:`Summary`).
KEYS_K = 10_000
#: Keys kept per (minute, 4xx/5xx, dimension, bot) in ``error_keys``.
ERROR_KEYS_K = 100
#: Pairs kept per (pair, bot) in ``cross`` (what a panel's row is made of).
CROSS_K = 10_000
#: Visitor hashes kept exactly per (hour, bot); beyond, the hour's visitors are
#: a HyperLogLog of ``2**VISITORS_P`` registers (as many rows at most).
VISITORS_EXACT = 1 << VISITORS_P
#: Virtual hosts kept per (minute, bot) in ``host_counts``; the others of that
#: minute are added up in one row of host :data:`OTHER_HOST` (see :func:`fold_hosts`).
HOSTS_K = 64
#: The host of the row that holds a minute's hosts beyond :data:`HOSTS_K`:
#: null, which no counted request has (``host_counts`` counts the requests
#: with a host), so that a virtual host named ``(other)`` stays a host of its own.
OTHER_HOST: None = None


@dataclass(frozen=True)
class Summary:
    """A keyed table kept as a Misra–Gries summary: at most ``k`` keys per
    group (rows with equal ``groups``), the error in table ``errors``.

    Merging adds counters up; where a group then has more than ``k`` keys,
    :func:`httplog.sketches.misra_gries` subtracts the (k+1)-th largest
    counter from the group and drops what reaches 0, adding that amount to the
    group's ``delta`` in ``errors``. A key's true count is within ``[counter,
    counter + delta]``; a key not kept had at most ``delta``. A group that never
    had more than ``k`` keys is exact (``delta`` 0). Partials are pruned only
    where they merge (:func:`merge`, :func:`fold`: blocks, ``--state``, Dask).
    """

    groups: tuple[str, ...]
    k: int
    errors: str
    counter: str = "requests"


@dataclass(frozen=True)
class Table:
    """One table of a :class:`Partial`, declared.

    ``columns`` (name → dtype, in order); ``keys``, the columns rows are
    grouped by when partials merge (none: rows are kept as they are); ``merge``,
    how each other column merges. ``bound`` runs after every merge, to keep the
    table small (for a table without keys it must commute with merging: the
    first rows of a union are the first of the firsts; a keyed table's runs
    where summaries are pruned, :func:`bounded`, and says what it loses). ``defaults`` are columns an older file may lack,
    with the value they stand for there. ``summary`` bounds a keyed table to
    ``k`` keys per group (a :class:`Summary`; its error goes to another table).
    ``follows`` (a table's name and columns) keeps the rows of a table of
    per-key details (a key's latency histogram, its visitor registers) to the
    keys that summary keeps: when it drops a key, the key's rows here go too.
    """

    columns: Mapping[str, pl.DataType]
    keys: tuple[str, ...] = ()
    merge: Mapping[str, Merge] = field(default_factory=dict)
    bound: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    defaults: Mapping[str, object] = field(default_factory=dict)
    summary: Summary | None = None
    follows: tuple[str, tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        values = [c for c in self.columns if c not in self.keys]
        if self.keys and sorted(values) != sorted(
            self.merge
        ):  # pragma: no cover - a bad declaration
            msg = f"a keyed table must say how each value column merges: {values} vs {list(self.merge)}"
            raise ValueError(msg)

    @property
    def by_minute(self) -> bool:
        """Keyed by minute first: a *minute table* (blocks of a log share only edge minutes)."""
        return bool(self.keys) and self.keys[0] == "minute"

    @property
    def by_hour(self) -> bool:
        """Keyed by hour first (a view narrows it at hour granularity)."""
        return bool(self.keys) and self.keys[0] == "hour"

    @property
    def by_bot(self) -> bool:
        """Has a ``bot`` column, so a view of bots or humans narrows it."""
        return "bot" in self.columns

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=dict(self.columns))

    def cast(self) -> list[pl.Expr]:
        """The columns in order, cast to their dtypes."""
        return [pl.col(c).cast(t) for c, t in self.columns.items()]

    def sorted(self, df: pl.DataFrame) -> pl.DataFrame:
        """The table sorted by its keys (as it is, if it is sorted already)."""
        keys = list(self.keys)
        if df.height < 2 or self.in_order(df, strict=False):
            return df
        if df.select(pl.struct(keys).is_sorted()).item():  # (with nulls in the keys)
            return df
        return df.sort(keys)

    def in_order(self, df: pl.DataFrame, *, strict: bool = True) -> bool:
        """Whether each row's keys come before the next row's (``strict``: and
        differ from them), compared column by column as a sort by the keys
        orders them; False where a key is null (not shown in order).

        The comparison of neighbouring rows needs no copy of the keys (a check
        of a struct of them encodes every row first).

        >>> t = TABLES["rejected"]
        >>> df = pl.DataFrame({"source": ["a", "a", "b"], "reason": ["x", "y", "x"]})
        >>> t.in_order(df), t.in_order(df.reverse()), t.in_order(pl.concat([df[:1], df]))
        (True, False, False)
        >>> t.in_order(pl.concat([df[:1], df]), strict=False)
        True
        """
        if df.height < 2:
            return True
        before = pl.lit(not strict)
        for c in reversed(self.keys):
            key, following = pl.col(c), pl.col(c).shift(-1)
            before = (key < following) | ((key == following) & before)
        ok = before.slice(0, df.height - 1).fill_null(False).all()
        return bool(df.select(ok).item())

    def add_up(self, df: pl.DataFrame, *, sliced: bool = True) -> pl.DataFrame:
        """Rows with equal keys merged into one, sorted by the keys.

        A long minute table is done in slices of minutes: the result is the same
        (minutes come first in the keys), and the copies made on the way stay small.
        """
        if self.by_minute and sliced and df.height > SLICE_ROWS:
            minutes = df["minute"].unique().sort()
            if minutes.len() > 1:
                step = max(1, minutes.len() * SLICE_ROWS // df.height)
                cuts = minutes.gather_every(step).to_list()[1:]
                pieces = []
                for lo, hi in itertools.pairwise([None, *cuts, None]):
                    m = pl.col("minute")
                    cond = (m >= lo if lo is not None else pl.lit(True)) & (
                        m < hi if hi is not None else pl.lit(True)
                    )
                    pieces.append(self.add_up(df.filter(cond), sliced=False))
                return pl.concat(pieces)
        # Key columns are never null: no need for nulls_last (slower).
        return self._grouped(df).sort(list(self.keys)).collect(engine=self._engine)

    def grouped(self, frames: list[pl.DataFrame]) -> pl.DataFrame:
        """Rows of ``frames`` with equal keys merged into one, in no particular order."""
        if not frames:
            return self.empty()
        df = pl.concat([f.select(self.cast()) for f in frames])
        return self._grouped(df).collect(engine=self._engine)

    def _grouped(self, df: pl.DataFrame) -> pl.LazyFrame:
        aggs = [_MERGES[how](c).cast(self.columns[c]) for c, how in self.merge.items()]
        return df.lazy().group_by(list(self.keys)).agg(aggs).select(self.cast())

    @property
    def _engine(self) -> Literal["streaming", "in-memory"]:
        """How a merge's group-by runs: the streaming engine (several times
        cheaper on these text keys) unless a value merges as ``first``, whose
        order of rows the in-memory engine keeps."""
        return "in-memory" if "first" in self.merge.values() else "streaming"

    def canonical(self, df: pl.DataFrame) -> pl.DataFrame:
        """Sorted by the keys, repeated keys merged (cheap when it is already so:
        a sort check and a comparison of neighbouring rows)."""
        if not self.keys:
            return self.bound(df) if self.bound is not None else df
        if self.in_order(df):  # sorted, no key twice
            return df
        df = self.sorted(df)
        key = pl.struct(list(self.keys))
        if df.height > 1 and df.select((key == key.shift()).any()).item():
            return self.add_up(df)
        return df

    def combine(self, frames: list[pl.DataFrame], *, ordered: bool = True) -> pl.DataFrame:
        """The merge of several of this table's frames (each with unique keys).

        ``ordered=False`` (a merge on the way, whose result is merged again):
        the rows come in no particular order, and a table whose values merge
        without ``first`` is one group-by of all the rows, without a sort.
        """
        if not self.keys:
            df = pl.concat(frames) if frames else self.empty()
            return self.bound(df) if self.bound is not None else df
        if self.by_minute:
            return _add_up_runs(self, frames)
        if not ordered and "first" not in self.merge.values():
            return self.grouped([f for f in frames if f.height])
        frames = sorted((f for f in frames if f.height), key=lambda f: -f.height)
        if not frames:
            return self.empty()
        # (canonical: sorted, and a frame built with repeated keys, such as registers
        # from hashes, added up; a check of neighbouring rows when it is so already)
        if len(frames) == 1:
            return self.canonical(frames[0].select(self.cast()))
        small = pl.concat([f.select(self.cast()) for f in frames[1:]])
        if small.height * 8 > frames[0].height:
            # (add_up sorts and merges repeated keys: no need for canonical first)
            return self.add_up(pl.concat([frames[0].select(self.cast()), small]))
        big = self.canonical(frames[0].select(self.cast()))
        # A big table and small ones (a state and a run's delta): only the big
        # table's rows whose keys the small ones have are added up anew, and one
        # sort of mostly sorted rows puts them back in place.
        keys = list(self.keys)
        have = small.select(keys).unique()
        touched = big.join(have, on=keys, how="semi", nulls_equal=True)
        added = self.add_up(pl.concat([touched, small]), sliced=False)
        rest = big.join(have, on=keys, how="anti", nulls_equal=True, maintain_order="left")
        return pl.concat([rest, added]).sort(keys, maintain_order=True)


_COUNT = pl.UInt64()


def fold_hosts(df: pl.DataFrame, k: int | None = None) -> pl.DataFrame:
    """The bound of ``host_counts``: in each (minute, bot) with more than ``k``
    (:data:`HOSTS_K`) hosts, the ``k`` with most requests (ties: by name) are
    kept and the others are added up into one row of null host (:data:`OTHER_HOST`).

    A minute's totals (requests, 4xx, 5xx over its rows) are exact whatever
    the split; a host's own counts are exact while its minute never had more
    than ``k`` hosts in any partial merged, and else a lower bound (what a
    partial folded into the null host stays there). A table within its bound is
    returned as it is.

    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> df = pl.DataFrame(
    ...     {
    ...         "minute": [t] * 3,
    ...         "host": ["a", "b", "c"],
    ...         "bot": [False] * 3,
    ...         "requests": [5, 1, 2],
    ...         "4xx": [0, 1, 0],
    ...         "5xx": [1, 0, 2],
    ...     }
    ... )
    >>> fold_hosts(df, k=1).select("host", "requests", "5xx").rows()
    [(None, 3, 2), ('a', 5, 1)]
    """
    k = HOSTS_K if k is None else k
    if df.height <= k:
        return df
    scope = ["minute", "bot"]
    real = pl.col("host").is_not_null()
    order = pl.struct(pl.col("requests").cast(pl.Int64).neg(), "host")
    hosts = df.filter(real).with_columns(_rank=order.rank("ordinal").over(scope))
    if not hosts.select((pl.col("_rank") > k).any()).item():
        return df
    t = TABLES["host_counts"]
    rest = pl.concat([hosts.filter(pl.col("_rank") > k).drop("_rank"), df.filter(~real)])
    folded = (
        rest.group_by(scope)
        .agg(pl.col("requests", "4xx", "5xx").sum())
        .with_columns(host=pl.lit(OTHER_HOST, pl.String))
    )
    kept = hosts.filter(pl.col("_rank") <= k).drop("_rank")
    return pl.concat([kept.select(t.cast()), folded.select(t.cast())]).sort(list(t.keys))


#: Every table of a partial. See :class:`Partial` for what each holds.
TABLES: dict[str, Table] = {
    "counts": Table(
        {
            "minute": MINUTE,
            "status": pl.UInt16(),
            "bot": pl.Boolean(),
            "requests": _COUNT,
            "bytes": _COUNT,
        },
        keys=("minute", "status", "bot"),
        merge={"requests": "sum", "bytes": "sum"},
    ),
    "latency": Table(
        {
            "minute": MINUTE,
            "metric": pl.String(),
            "bucket": pl.Int32(),
            "bot": pl.Boolean(),
            "n": _COUNT,
        },
        keys=("minute", "metric", "bucket", "bot"),
        merge={"n": "sum"},
    ),
    "keys": Table(
        {
            "dimension": pl.String(),
            "key": pl.String(),
            "bot": pl.Boolean(),
            "requests": _COUNT,
            "bytes": _COUNT,
            "timed": _COUNT,
            "time_us": _COUNT,
            "time_max": pl.Float64(),
            "seen": _COUNT,
            "4xx": _COUNT,
            "5xx": _COUNT,
            **{w: pl.UInt64() for w in VISITOR_WORDS},
        },
        keys=("dimension", "key", "bot"),
        merge={
            "requests": "sum",
            "bytes": "sum",
            "timed": "sum",
            "time_us": "sum",
            "time_max": "max",
            "seen": "sum",
            "4xx": "sum",
            "5xx": "sum",
            **dict.fromkeys(VISITOR_WORDS, "or"),
        },
        defaults={
            "timed": 0,
            "time_us": 0,
            "time_max": None,
            "seen": 0,
            "4xx": 0,
            "5xx": 0,
            **dict.fromkeys(VISITOR_WORDS),
        },
        summary=Summary(("dimension", "bot"), KEYS_K, "keys_delta"),
    ),
    "keys_delta": Table(
        {"dimension": pl.String(), "bot": pl.Boolean(), "delta": _COUNT},
        keys=("dimension", "bot"),
        merge={"delta": "sum"},
    ),
    "error_keys": Table(
        {
            "minute": MINUTE,
            "kind": pl.String(),
            "dimension": pl.String(),
            "key": pl.String(),
            "bot": pl.Boolean(),
            "requests": _COUNT,
        },
        keys=("minute", "kind", "dimension", "key", "bot"),
        merge={"requests": "sum"},
        summary=Summary(("minute", "kind", "dimension", "bot"), ERROR_KEYS_K, "error_keys_delta"),
    ),
    "error_keys_delta": Table(
        {
            "minute": MINUTE,
            "kind": pl.String(),
            "dimension": pl.String(),
            "bot": pl.Boolean(),
            "delta": _COUNT,
        },
        keys=("minute", "kind", "dimension", "bot"),
        merge={"delta": "sum"},
    ),
    "visitors": Table(
        {"hour": MINUTE, "bot": pl.Boolean(), "visitor": pl.UInt64()},
        keys=("hour", "bot", "visitor"),
    ),
    "visitors_hll": Table(
        {"hour": MINUTE, "bot": pl.Boolean(), "reg": pl.UInt16(), "rank": pl.UInt8()},
        keys=("hour", "bot", "reg"),
        merge={"rank": "max"},
    ),
    "key_hll": Table(
        {"dimension": pl.String(), "bot": pl.Boolean(), "reg": pl.UInt16(), "rank": pl.UInt8()},
        keys=("dimension", "bot", "reg"),
        merge={"rank": "max"},
    ),
    "rejected": Table(
        {"source": pl.String(), "reason": pl.String(), "count": _COUNT},
        keys=("source", "reason"),
        merge={"count": "sum"},
    ),
    "samples": Table(REJECTED_SCHEMA, bound=first_samples),
    "chunks": Table(
        {
            "source": pl.String(),
            "chunk_start": pl.UInt64(),
            "lines": _COUNT,
            "parsed": _COUNT,
            "rejected": _COUNT,
            "directives": _COUNT,
            "bytes_read": _COUNT,
            "time_min": TIME,
            "time_max": TIME,
            "format": pl.String(),
            "detection": pl.String(),
        },
        keys=("source", "chunk_start"),
        merge={
            "lines": "sum",
            "parsed": "sum",
            "rejected": "sum",
            "directives": "sum",
            "bytes_read": "sum",
            "time_min": "min",
            "time_max": "max",
            "format": "first",
            "detection": "first",
        },
        # (written before directive lines were counted apart: none then)
        defaults={"directives": 0},
    ),
    # The UTC offsets the lines wrote (minutes → requests): the log's own clock.
    # (A file written before it has none: the clock is unknown, shown in UTC.)
    "offsets": Table(
        {"offset": pl.Int16(), "lines": _COUNT},
        keys=("offset",),
        merge={"lines": "sum"},
    ),
    # Requests per minute and virtual host (logs with a host: %v, $host…),
    # for the hosts' own timelines and spikes; bounded by fold_hosts.
    "host_counts": Table(
        {
            "minute": MINUTE,
            "host": pl.String(),
            "bot": pl.Boolean(),
            "requests": _COUNT,
            "4xx": _COUNT,
            "5xx": _COUNT,
        },
        keys=("minute", "host", "bot"),
        merge={"requests": "sum", "4xx": "sum", "5xx": "sum"},
        bound=fold_hosts,
    ),
    # Per-key details of ``keys`` (each follows its keys) and the cross tables of breakdowns.
    "key_latency": Table(
        {
            "dimension": pl.String(),
            "key": pl.String(),
            "bot": pl.Boolean(),
            "bucket": KEY_LATENCY_BUCKET,
            "n": _COUNT,
        },
        keys=("dimension", "key", "bot", "bucket"),
        merge={"n": "sum"},
        follows=("keys", ("dimension", "key", "bot")),
    ),
    "cross": Table(
        {
            "pair": pl.String(),
            "key": pl.String(),
            "value": pl.String(),
            "bot": pl.Boolean(),
            "requests": _COUNT,
        },
        keys=("pair", "key", "value", "bot"),
        merge={"requests": "sum"},
        summary=Summary(("pair", "bot"), CROSS_K, "cross_delta"),
    ),
    "cross_delta": Table(
        {"pair": pl.String(), "bot": pl.Boolean(), "delta": _COUNT},
        keys=("pair", "bot"),
        merge={"delta": "sum"},
    ),
}

#: Tables of hashes (hash_id() must match to merge them).
HASHED: tuple[str, ...] = ("visitors", "visitors_hll", "key_hll", "keys")

#: Columns of each table (name → dtype).
SCHEMAS: dict[str, dict[str, pl.DataType]] = {n: dict(t.columns) for n, t in TABLES.items()}
#: Key columns of each keyed table.
KEYS: dict[str, tuple[str, ...]] = {n: t.keys for n, t in TABLES.items() if t.keys}
#: The minute tables (see :meth:`Table.by_minute`).
MINUTE_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if t.by_minute)


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
    acc = replace(acc, **{name: _add_up_runs(TABLES[name], runs[name]) for name in MINUTE_TABLES})
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


def _add_up_runs(t: Table, frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One minute table from several, equal keys added up, sorted by its keys.

    Each table has unique keys (as every partial's table has: see
    :func:`merge`). A minute whose rows all come from one table is taken as
    it is: once that table is sorted, its rows are in order and added up
    already. Only the minutes that several tables share (where one block ends
    and the next begins, in a log written in time order) are added up anew; a
    stable sort on the minute alone then puts everything in the order of the
    keys. Tables that are not sorted (partials made by hand) are sorted first.
    """
    frames = [t.sorted(f.select(t.cast())) for f in frames if f.height]
    if not frames:
        return t.empty()
    if len(frames) == 1:
        return frames[0]
    minutes = pl.concat([f.select(pl.col("minute").unique()) for f in frames])
    shared = minutes.filter(pl.col("minute").is_duplicated())["minute"].unique()
    df = pl.concat(frames)
    if shared.len():
        in_shared = pl.col("minute").is_in(shared.implode(), nulls_equal=True)
        df = pl.concat([df.filter(~in_shared), t.add_up(df.filter(in_shared))])
    return df.sort("minute", maintain_order=True)


def _check_fields() -> None:
    """Every declared table is a field of Partial, and the other way round."""
    names = [f.name for f in fields(Partial)]
    if names != list(TABLES):  # pragma: no cover - a table declared but not added (or so)
        msg = f"Partial's fields {names} differ from TABLES {list(TABLES)}"
        raise RuntimeError(msg)


_check_fields()
