"""The report's tables as data: columns with types, rows, optional details per row.

A :class:`Table` is what the page's table script (``templates/tables.js``)
draws: it sorts by any column (numbers as numbers), filters, shows more rows
and expands the rows that have details (:class:`SubTable`). The same table is
also written as plain HTML rows (its first :attr:`Table.show` rows, details
open), so the report reads without JavaScript; :func:`format_cell` gives the
text of a cell exactly as the script formats it.

Every panel of the report is one :class:`Table`; a new panel needs no new
script, only a new table.

Examples
--------
>>> t = Table(
...     id="t-paths",
...     label="Paths",
...     columns=[Column("#", "int", cls="dim"), Column("Path"), Column("Requests", "int")],
...     rows=[[1, "/index.html", 12034], [2, "/api", 977]],
...     show=1,
... )
>>> t.spec()["rows"][0]
[1, '/index.html', 12034]
>>> [[c.text for c in r.cells] for r in t.static_rows()]
[['1', '/index.html', '12,034']]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from httplog.display import visible

__all__ = ["KEY_CHARS", "TITLE_CHARS", "Column", "SubTable", "Table", "format_cell", "text"]

#: Longest key shown in full in a cell; longer ones are cut, with the whole
#: text in the cell's ``title``.
KEY_CHARS = 160
#: Longest text a table holds (and shows in a ``title``).
TITLE_CHARS = 4000

ColumnType = Literal["text", "int", "code", "float", "pct"]


@dataclass(frozen=True)
class Column:
    """One column: its header, how its cells are typed, sorted and shown.

    ``type``: ``text`` (sorted as text, cut past ``cut`` characters), ``int``
    (grouped digits: ``12,034``), ``code`` (an integer as is: ``404``),
    ``float`` (``digits`` decimals, grouped), ``pct`` (a fraction shown in
    percent with ``digits`` decimals, default 2). ``dot``: the index of the
    (usually ``hidden``) column whose value is a status class, drawn as a
    coloured dot (and the colour of the ``bar``, a share bar for ``pct``).
    ``cls``: extra CSS classes of the cells. ``raw``: the index of the (usually
    ``hidden``) column holding the text as written, when the cell shows it
    decoded for people (a percent-decoded path): it is the cell's ``title``
    where the two differ, and the filter finds either.
    """

    name: str
    type: ColumnType = "text"
    digits: int | None = None
    cls: str | None = None
    dot: int | None = None
    bar: bool = False
    cut: int | None = None
    hidden: bool = False
    raw: int | None = None

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        for key in ("digits", "cls", "dot", "cut", "raw"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.bar:
            out["bar"] = True
        if self.hidden:
            out["hidden"] = True
        return out

    @property
    def numeric(self) -> bool:
        return self.type != "text"


@dataclass(frozen=True)
class SubTable:
    """A small plain table shown when a row is expanded (e.g. one per dimension)."""

    label: str
    columns: list[Column]
    rows: list[list[Any]]

    def spec(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "columns": [c.spec() for c in self.columns],
            "rows": compact_rows(self.rows),
        }


def compact_rows(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows for the table script, floats cut to 6 significant digits (more than
    any cell shows, and sorting is unchanged in all but ties of the 7th digit):
    a share written ``0.0018813905930470346`` costs the page 21 bytes, ``0.00188139`` 10.

    >>> compact_rows([["/a", 3, 0.0018813905930470346, None]])
    [['/a', 3, 0.00188139, None]]
    """
    return [[float(f"{v:.6g}") if isinstance(v, float) else v for v in r] for r in rows]


@dataclass(frozen=True)
class Cell:
    """The static HTML of one cell: its text, the full text when cut, classes, dot, bar."""

    text: str
    title: str | None = None
    cls: str = ""
    dot: str | None = None
    bar: float | None = None
    key: bool = False


@dataclass(frozen=True)
class StaticRow:
    cells: list[Cell]
    details: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    """A table of the report (see the module's docstring).

    ``rows`` hold raw values (numbers, texts already made visible with
    :func:`text`); ``show`` rows are shown at first, "show more" adds as
    many. ``details``, when given, has one entry per row: ``None`` or the
    row's :class:`SubTable` s; the first ``open`` rows start expanded.

    Examples
    --------
    A panel of URLs whose rows expand into their status codes (issue 14's
    dashboard panels are tables like this one):

    >>> codes = SubTable(
    ...     "Status codes",
    ...     [Column("Code", "code"), Column("Requests", "int")],
    ...     [[200, 1180], [404, 3]],
    ... )
    >>> t = Table(
    ...     "t-urls",
    ...     "URLs",
    ...     [Column("URL"), Column("Requests", "int")],
    ...     [["/", 1183], ["/x", 2]],
    ...     details=[[codes], None],
    ... )
    >>> t.spec()["details"][0][0]["rows"], t.spec()["details"][1]
    ([[200, 1180], [404, 3]], None)
    >>> [c.text for c in t.static_rows()[0].details[0]["rows"][0]]
    ['200', '1,180']
    """

    id: str
    label: str
    columns: list[Column]
    rows: list[list[Any]]
    show: int = 10
    details: list[list[SubTable] | None] | None = None
    css_class: str = ""
    open: int = 0
    #: Whether the plain HTML rows (the page without JavaScript) hold the details
    #: too; many small breakdown tables per row are left to the script.
    static_details: bool = True

    def spec(self) -> dict[str, Any]:
        """The JSON the table script reads."""
        out: dict[str, Any] = {
            "label": self.label,
            "columns": [c.spec() for c in self.columns],
            "rows": compact_rows(self.rows),
            "show": self.show,
        }
        if self.details is not None and any(self.details):
            # sub-tables of one table share their columns: written once
            specs = [[s.spec() for s in d] if d else None for d in self.details]
            shared = {json.dumps(x["columns"]) for d in specs if d for x in d}
            if len(shared) == 1:
                out["detail_columns"] = json.loads(shared.pop())
                for d in specs:
                    for x in d or []:
                        del x["columns"]
            out["details"] = specs
            out["open"] = self.open
            if not self.static_details:  # nor expanded for print: only what is open
                out["print_details"] = False
        return out

    @property
    def headers(self) -> list[Column]:
        return [c for c in self.columns if not c.hidden]

    def static_rows(self) -> list[StaticRow]:
        """The first ``show`` rows as HTML cells, with their details."""
        out = []
        for i, row in enumerate(self.rows[: self.show]):
            details = []
            if self.static_details and self.details is not None and self.details[i]:
                for sub in self.details[i] or []:
                    details.append(
                        {
                            "label": sub.label,
                            "headers": [c for c in sub.columns if not c.hidden],
                            "rows": [_cells(r, sub.columns) for r in sub.rows],
                        }
                    )
            out.append(StaticRow(_cells(row, self.columns), details))
        return out


def _cells(row: list[Any], columns: list[Column]) -> list[Cell]:
    out = []
    for value, col in zip(row, columns, strict=True):
        if col.hidden:
            continue
        shown = format_cell(value, col)
        title = None
        if col.type == "text":
            cut = col.cut or KEY_CHARS
            written = row[col.raw] if col.raw is not None else None
            if len(shown) > cut:
                shown, title = shown[: cut - 1] + "…", shown
            if isinstance(written, str) and written != value:
                title = written
        kind = row[col.dot] if col.dot is not None else None
        bar = None
        if col.bar and isinstance(value, int | float):
            bar = round(max(0.0, min(100.0, float(value) * 100)), 2)
        cls = " ".join(x for x in ("num" if col.numeric else "", col.cls or "") if x)
        out.append(
            Cell(
                shown, title, cls, kind if isinstance(kind, str) else None, bar, col.type == "text"
            )
        )
    return out


def format_cell(value: Any, column: Column) -> str:
    """The text of a cell, as the table script writes it.

    Examples
    --------
    >>> format_cell(12034, Column("n", "int")), format_cell(0.02171, Column("s", "pct"))
    ('12,034', '2.17%')
    >>> format_cell(1234.5, Column("x", "float", digits=1)), format_cell(None, Column("x", "int"))
    ('1,234.5', '')
    """
    if value is None:
        return ""
    match column.type:
        case "int":
            return f"{round(value):,}"
        case "code":
            return str(value)
        case "float":
            return f"{value:,.{column.digits or 0}f}"
        case "pct":
            digits = 2 if column.digits is None else column.digits
            return f"{value * 100:.{digits}f}%"
        case _:
            return str(value)


def text(value: object) -> str:
    """A log-derived text ready for a table: invisible characters made visible, length bounded.

    Examples
    --------
    >>> text("a\\x00b"), len(text("x" * 10_000))
    ('a␀b', 4000)
    """
    return visible("" if value is None else value)[:TITLE_CHARS]
