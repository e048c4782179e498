"""The tables of a :class:`~httplog.partial.Partial`, declared: each one's columns,
key columns and merge rules (:class:`Table`), the bounded summaries
(:class:`Summary`) and their bounds, and the virtual hosts' fold.

:mod:`httplog.partial` merges, folds, views and stores partials by reading
these declarations; :mod:`httplog.aggregation` fills the tables.

Examples
--------
>>> TABLES["counts"].keys
('minute', 'status', 'bot')
>>> TABLES["keys"].summary.k == KEYS_K
True
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from httplog.parse import REJECTED_SCHEMA, first_samples
from httplog.schema import TIME
from httplog.sketches import (
    KEY_LATENCY_BUCKET,
    VISITOR_WORDS,
    VISITORS_P,
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


def compacted(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with its text columns copied into buffers of their own.

    A polars text column is a column of views into shared buffers: a table
    filtered from a bigger one (a summary pruned to its bound) keeps every
    buffer of the bigger one alive, though it shows few of its texts. A
    block's pruned tables would hold their block's texts (tens of MB) while
    they wait to be merged; compacted, they hold their own.

    >>> big = pl.DataFrame({"s": [f"a text longer than twelve bytes {i}" for i in range(9999)]})
    >>> small = compacted(big.head(3))
    >>> small.equals(big.head(3))
    True
    """
    texts = [c for c, t in df.schema.items() if t == pl.String]
    if not texts or df.is_empty():
        return df
    # (a concatenation makes new texts, where a cast or a copy shares the views)
    return df.with_columns(pl.col(texts) + pl.lit(""))


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
            return add_up_runs(self, frames)
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

    >>> from datetime import UTC, datetime
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


def add_up_runs(t: Table, frames: list[pl.DataFrame]) -> pl.DataFrame:
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
