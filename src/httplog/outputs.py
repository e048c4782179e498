"""Every file a run writes (the report, the summary, an export), and never over an input.

Each is written by :mod:`httplog.atomic` (complete or absent; ``-`` is
standard output; a device is written in place). :class:`Outputs` says where
a run writes; :func:`check_outputs` compares every output with every input
before a run reads anything, so that ``-o access.log`` can't replace the log
it reads; :func:`expand_path` fills a path's strftime fields.

Examples
--------
>>> from datetime import datetime
>>> expand_path("reports/%Y-%m-%d.html", datetime(2026, 11, 26))
'reports/2026-11-26.html'
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from httplog.atomic import (
    STDOUT,
    _cant_write,
    atomic_open,
    atomic_path,
    atomic_write,
    clean_stale,
    fsync_dir,
    is_stdout,
    remove_temporary,
    temporary,
)
from httplog.errors import OutputError

#: The writers, also here for what imports them from this module.
__all__ = [
    "EXPORT_TABLES",
    "PANELS",
    "STDOUT",
    "Outputs",
    "Planned",
    "atomic_open",
    "atomic_path",
    "atomic_write",
    "check_outputs",
    "clean_stale",
    "expand_path",
    "export_files",
    "fsync_dir",
    "is_stdout",
    "remove_temporary",
    "spreadsheet_safe",
    "temporary",
    "write_export",
]

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
#: The tables an export writes when the analysis has them (a log with hosts).
HOST_TABLES: tuple[str, ...] = ("host_timeline", "host_spikes")
#: The panels whose first rows have a breakdown (their make-up by status, method,
#: protocol, path or referer): an export writes them as ``breakdown_<name>``
#: (see :func:`httplog.dashboard.breakdowns`).
BREAKDOWN_PANELS: tuple[str, ...] = ("requests", "routes", "hosts", "not_found")
#: The dashboard's panels in the order the report shows them (GoAccess's, mostly);
#: an export writes those the analysis has as ``panel_<name>.csv`` and ``.parquet``
#: (see :func:`httplog.dashboard.panels`).
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
    "keyphrases",
    "methods",
    "protocols",
    "remote_users",
    "tls_protocols",
    "tls_ciphers",
    "content_types",
    "cache_statuses",
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
            names = (
                *EXPORT_TABLES,
                *HOST_TABLES,
                *(f"panel_{p}" for p in PANELS),
                *(f"breakdown_{p}" for p in BREAKDOWN_PANELS),
            )
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

    >>> import tempfile
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
