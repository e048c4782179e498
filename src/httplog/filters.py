"""Row filters: which parsed requests are counted (time, status, path prefix).

A :class:`RowFilter` is data (it is what ``--state`` pins and what the
summary's ``filters`` report); :attr:`RowFilter.expr` is the polars
expression that keeps its rows, and :func:`row_filter` builds one from the
same fields.

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"status": [200, 404, 503], "path": ["/", "/api/x", "/api/y"]})
>>> f = RowFilter(status=("5xx", "404"), path_prefix="/api")
>>> df.filter(f.expr)["status"].to_list()
[404, 503]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import polars as pl

from httplog.errors import ConflictError, UsageError
from httplog.windows import utc


def row_filter(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    status: tuple[str, ...] | list[str] = (),
    path_prefix: str | None = None,
) -> pl.Expr | None:
    """A filter on parsed rows: time in [since, until), status, path prefix.

    ``status`` items are classes (``5xx``), codes (``404``) or ranges
    (``500-504``); a row is kept when it matches any of them.

    >>> row_filter() is None
    True
    >>> row_filter(status=["5xx", "404"]) is not None
    True
    """
    conds: list[pl.Expr] = []
    if since is not None:
        conds.append(pl.col("time") >= since)
    if until is not None:
        conds.append(pl.col("time") < until)
    if status:
        conds.append(pl.any_horizontal([_status_cond(s) for s in status]))
    if path_prefix:
        conds.append(pl.col("path").str.starts_with(path_prefix).fill_null(False))
    if not conds:
        return None
    return pl.all_horizontal(conds)


def _status_cond(spec: str) -> pl.Expr:
    s = spec.strip().lower()
    st = pl.col("status")
    if len(s) == 3 and s[0] in "12345" and s[1:] == "xx":
        lo = int(s[0]) * 100
        return st.is_between(lo, lo + 99)
    if s == "invalid":
        return ~st.is_between(100, 599)
    if "-" in s:
        a, _, b = s.partition("-")
        if a.isdigit() and b.isdigit():
            return st.is_between(int(a), int(b))
    if s.isdigit():
        return st == int(s)
    msg = f"bad status filter {spec!r}: use a class (5xx), a code (404) or a range (500-504)"
    raise UsageError(msg, option="status", value=spec)


@dataclass(frozen=True)
class RowFilter:
    """Which requests are counted: time in [``since``, ``until``) (UTC; a naive
    time is UTC), ``status`` (classes ``5xx``, codes ``404``, ranges
    ``500-504``: a row is kept when it matches any), and a ``path_prefix``.

    Checked when made: a bad status item or ``since`` not before ``until``
    is a :class:`~httplog.errors.UsageError`.

    >>> RowFilter().expr is None
    True
    >>> RowFilter(status=("6xx",))
    Traceback (most recent call last):
    ...
    httplog.errors.UsageError: bad status filter '6xx': use a class (5xx), a code (404) or a range (500-504)
    """

    since: datetime | None = None
    until: datetime | None = None
    status: tuple[str, ...] = ()
    path_prefix: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", utc(self.since))
        object.__setattr__(self, "until", utc(self.until))
        object.__setattr__(self, "status", tuple(self.status))
        object.__setattr__(self, "path_prefix", self.path_prefix or None)
        if self.since is not None and self.until is not None and self.since >= self.until:
            msg = (
                f"since ({self.since.isoformat()}) must be before until ({self.until.isoformat()})"
            )
            raise ConflictError(
                msg, options=("since", "until"), problem="since must be before until"
            )
        for spec in self.status:
            _status_cond(spec)

    @property
    def expr(self) -> pl.Expr | None:
        """The expression keeping the rows of this filter (None: every row)."""
        return row_filter(
            since=self.since, until=self.until, status=self.status, path_prefix=self.path_prefix
        )

    @property
    def timed(self) -> bool:
        """Whether it narrows time (``since`` or ``until``)."""
        return self.since is not None or self.until is not None

    def narrowed(self, since: datetime | None, until: datetime | None) -> RowFilter:
        """This filter, its time also within [since, until).

        >>> from datetime import datetime, UTC
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> RowFilter(since=t).narrowed(None, datetime(2026, 1, 2, tzinfo=UTC)).until.day
        2
        """
        since, until = utc(since), utc(until)
        lo = max(x for x in (self.since, since) if x is not None) if self.since or since else None
        hi = min(x for x in (self.until, until) if x is not None) if self.until or until else None
        return replace(self, since=lo, until=hi)
