"""HTTP status codes as data: classes, reason phrases and descriptions per language.

The texts live in ``en.toml`` and ``zh.toml`` beside this module, one table per
code keyed by the code itself, and are read with :mod:`tomllib` through
:mod:`importlib.resources` (so they work from an installed wheel). Counting
happens on the integer ``status`` column; the texts are joined on at the edge,
onto aggregated frames, with :func:`annotate`.

A code's class follows from the code alone: 100-199 is ``"1xx"`` ... 500-599 is
``"5xx"``, anything else is ``"invalid"``. A code in 100-599 that the tables do
not know still gets its class, an empty reason and the class name as its
description, so an unknown code is described, never dropped or merged.

Every function taking ``lang`` takes one of :data:`LANGS` (default ``"en"``)
and raises :class:`~httplog.errors.UsageError` for any other language.

Examples
--------
>>> describe(404).reason
'Not Found'
>>> describe(404, "zh").description
'请求失败，请求所希望得到的资源未被在服务器上发现'
>>> class_of(499), class_of(600)
('4xx', 'invalid')
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

import polars as pl

from httplog.errors import OptionError, UsageError

__all__ = [
    "CLASSES",
    "LANGS",
    "StatusInfo",
    "annotate",
    "check_lang",
    "class_of",
    "class_table",
    "describe",
    "status_class",
    "status_table",
]

#: Languages with a status-code table (``<lang>.toml`` in this package).
LANGS: tuple[str, ...] = ("en", "zh")

#: Status classes, in display order; ``"invalid"`` is any code outside 100-599.
CLASSES: tuple[str, ...] = ("1xx", "2xx", "3xx", "4xx", "5xx", "invalid")

#: Columns :func:`annotate` adds to a frame.
ANNOTATIONS: tuple[str, ...] = ("class", "reason", "description")

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


@dataclass(frozen=True)
class StatusInfo:
    """What :func:`describe` knows about one status code.

    Attributes
    ----------
    code:
        The status code as given.
    status_class:
        ``"1xx"`` ... ``"5xx"`` or ``"invalid"``.
    reason:
        The reason phrase; ``""`` for a code the table does not know.
    description:
        The description; for an unknown code, the name of its class.
    """

    code: int
    status_class: str
    reason: str
    description: str


def class_of(code: int) -> str:
    """Return the class of a status code: ``"1xx"`` ... ``"5xx"``, else ``"invalid"``.

    Only 100-599 are valid HTTP status codes (RFC 9110 section 15); anything
    else a log may hold (``0`` from an aborted request, ``999``) is ``"invalid"``.

    Parameters
    ----------
    code:
        An integer status code.

    Returns
    -------
    str
        One of :data:`CLASSES`.

    Examples
    --------
    >>> class_of(204), class_of(302), class_of(599)
    ('2xx', '3xx', '5xx')
    >>> class_of(0), class_of(99), class_of(600)
    ('invalid', 'invalid', 'invalid')
    """
    if 100 <= code <= 599:
        return f"{code // 100}xx"
    return "invalid"


def status_class(col: str | pl.Expr = "status") -> pl.Expr:
    """Return an expression giving the class of each status code, as in :func:`class_of`.

    The column is read as an integer (a string column is parsed; text that is
    not a number becomes null). Null stays null.

    Parameters
    ----------
    col:
        Column name or expression holding status codes.

    Returns
    -------
    pl.Expr
        A ``pl.String`` expression: ``"1xx"`` ... ``"5xx"``, ``"invalid"`` or null.

    Examples
    --------
    >>> df = pl.DataFrame({"status": [200, 404, 503, 0, 999, None]}, schema={"status": pl.UInt16})
    >>> df.select(status_class())["status"].to_list()
    ['2xx', '4xx', '5xx', 'invalid', 'invalid', None]
    """
    expr = pl.col(col) if isinstance(col, str) else col
    code = expr.cast(pl.Int64, strict=False)
    valid = (code >= 100) & (code <= 599)
    return (
        pl.when(valid)
        .then((code // 100).cast(pl.String) + pl.lit("xx"))
        .when(code.is_not_null())
        .then(pl.lit("invalid"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def status_table(lang: str = "en") -> pl.DataFrame:
    """Return the known status codes with their texts in ``lang``, one row per code.

    Returns
    -------
    pl.DataFrame
        Columns ``status`` (UInt16), ``class``, ``reason``, ``description`` and
        ``source`` (all String), sorted by ``status``. ``source`` says where a
        text comes from: ``iana``, ``nginx`` or ``de-facto`` in ``en``;
        ``seed`` (verbatim from the seed document) or ``httplog`` in ``zh``.

    Examples
    --------
    >>> table = status_table("en")
    >>> row = table.filter(pl.col("status") == 499).row(0, named=True)
    >>> row["class"], row["reason"], row["source"]
    ('4xx', 'Client Closed Request', 'nginx')
    >>> status_table("zh").filter(pl.col("status") == 302)["reason"].item()
    'Move Temporarily'
    """
    return _status_table(check_lang(lang)).clone()


def class_table(lang: str = "en") -> pl.DataFrame:
    """Return the names of the status classes in ``lang``, in :data:`CLASSES` order.

    Returns
    -------
    pl.DataFrame
        Columns ``class`` and ``name`` (String), one row per class.

    Examples
    --------
    >>> class_table("en")["name"].to_list()[3:]
    ['4xx client error', '5xx server error', 'invalid status']
    >>> class_table("zh").row(3)
    ('4xx', '请求错误')
    """
    names = _load(check_lang(lang))["classes"]
    return pl.DataFrame(
        {"class": list(CLASSES), "name": [names[c]["name"] for c in CLASSES]},
        schema={"class": pl.String, "name": pl.String},
    )


def describe(code: int, lang: str = "en") -> StatusInfo:
    """Describe one status code, falling back to its class for unknown codes.

    Parameters
    ----------
    code:
        An integer status code.
    lang:
        The language of the texts.

    Returns
    -------
    StatusInfo
        For a known code, its reason and description. For an unknown code in
        100-599, reason ``""`` and the class name as description (``"4xx client
        error"``); outside 100-599, class ``"invalid"`` and its name.

    Examples
    --------
    >>> describe(503).reason, describe(503, "zh").description
    ('Service Unavailable', '由于临时的服务器维护或者过载，服务器当前无法处理请求。')
    >>> describe(432)
    StatusInfo(code=432, status_class='4xx', reason='', description='4xx client error')
    >>> describe(999, "zh")
    StatusInfo(code=999, status_class='invalid', reason='', description='无效状态码')
    """
    data = _load(check_lang(lang))
    cls = class_of(code)
    entry = data["codes"].get(str(code)) if cls != "invalid" else None
    if entry is None:
        return StatusInfo(code, cls, "", data["classes"][cls]["name"])
    return StatusInfo(code, cls, entry["reason"], entry["description"])


def annotate(frame: FrameT, lang: str = "en", *, col: str = "status") -> FrameT:
    """Add ``class``, ``reason`` and ``description`` columns to a frame of status codes.

    Meant for aggregated frames (tens of rows, such as counts by status), not
    for millions of parsed lines: it left-joins :func:`status_table` on the
    code. Every row is kept, in its order; unknown codes get the fallbacks of
    :func:`describe`. A null code gets null in all three columns.

    Parameters
    ----------
    frame:
        A DataFrame or LazyFrame with an integer (or numeric string) status column.
    lang:
        The language of the texts.
    col:
        Name of the status column.

    Returns
    -------
    pl.DataFrame or pl.LazyFrame
        The same kind of frame as ``frame``, with the three columns appended.

    Raises
    ------
    UsageError
        If ``lang`` is not one of :data:`LANGS`, or ``frame`` already has one of
        the columns ``class``, ``reason`` or ``description``.

    Examples
    --------
    >>> counts = pl.DataFrame({"status": [404, 200, 432, 0], "n": [7, 90, 1, 2]})
    >>> annotate(counts).select("status", "class", "reason", "description")
    shape: (4, 4)
    ┌────────┬─────────┬───────────┬─────────────────────────────────┐
    │ status ┆ class   ┆ reason    ┆ description                     │
    │ ---    ┆ ---     ┆ ---       ┆ ---                             │
    │ i64    ┆ str     ┆ str       ┆ str                             │
    ╞════════╪═════════╪═══════════╪═════════════════════════════════╡
    │ 404    ┆ 4xx     ┆ Not Found ┆ The server cannot find the req… │
    │ 200    ┆ 2xx     ┆ OK        ┆ The request succeeded.          │
    │ 432    ┆ 4xx     ┆           ┆ 4xx client error                │
    │ 0      ┆ invalid ┆           ┆ invalid status                  │
    └────────┴─────────┴───────────┴─────────────────────────────────┘
    """
    lang = check_lang(lang)
    lf = frame.lazy()
    clash = [c for c in ANNOTATIONS if c in lf.collect_schema().names()]
    if clash:
        msg = f"annotate: the frame already has column(s) {', '.join(clash)}"
        raise UsageError(msg)
    key = "__httplog_status_key"
    name = "__httplog_class_name"
    texts = (
        _status_table(lang)
        .lazy()
        .select(pl.col("status").cast(pl.Int64).alias(key), "reason", "description")
    )
    names = class_table(lang).lazy().rename({"name": name})
    code = pl.col(col)
    out = (
        lf.with_columns(
            code.cast(pl.Int64, strict=False).alias(key),
            status_class(code).alias("class"),
        )
        .join(texts, on=key, how="left", maintain_order="left")
        .join(names, on="class", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("class").is_not_null()).then(pl.col("reason").fill_null("")),
            pl.coalesce("description", name),
        )
        .drop(key, name)
    )
    if isinstance(frame, pl.DataFrame):
        return out.collect()
    return out


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS` (the one language check),
    else raise an :class:`~httplog.errors.OptionError` naming the allowed ones.

    >>> check_lang("zh")
    'zh'
    >>> check_lang("fr")
    Traceback (most recent call last):
    ...
    httplog.errors.OptionError: bad lang 'fr': unknown language (use one of 'en', 'zh')
    """
    if lang not in LANGS:
        allowed = ", ".join(repr(x) for x in LANGS)
        raise OptionError("lang", lang, "unknown language", limit=f"use one of {allowed}")
    return lang


@cache
def _load(lang: str) -> dict[str, Any]:
    """Read and check ``<lang>.toml`` (once per process)."""
    text = files(__name__).joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    missing = [c for c in CLASSES if c not in data.get("classes", {})]
    if missing:  # pragma: no cover - guards the shipped data files
        msg = f"{lang}.toml has no name for class(es) {missing}"
        raise RuntimeError(msg)
    for key, entry in data["codes"].items():
        if not (key.isdigit() and 100 <= int(key) <= 599):  # pragma: no cover
            msg = f"{lang}.toml: {key!r} is not a status code in 100-599"
            raise RuntimeError(msg)
        if not {"reason", "description", "source"} <= entry.keys():  # pragma: no cover
            msg = f"{lang}.toml: code {key} lacks reason, description or source"
            raise RuntimeError(msg)
    return data


@cache
def _status_table(lang: str) -> pl.DataFrame:
    """Build the (cached, never handed out uncloned) table behind :func:`status_table`."""
    codes = _load(lang)["codes"]
    rows = sorted((int(k), v) for k, v in codes.items())
    table = pl.DataFrame(
        {
            "status": [k for k, _ in rows],
            "reason": [v["reason"] for _, v in rows],
            "description": [v["description"] for _, v in rows],
            "source": [v["source"] for _, v in rows],
        },
        schema={
            "status": pl.UInt16,
            "reason": pl.String,
            "description": pl.String,
            "source": pl.String,
        },
    )
    return table.select(
        "status", status_class("status").alias("class"), "reason", "description", "source"
    )
