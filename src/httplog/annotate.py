"""Descriptions meet counts: status texts joined onto *aggregated* frames.

Counting happens on integer codes (:mod:`httplog.aggregate`); texts are
joined here, onto tens of rows, never onto millions.

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"status": pl.Series([404], dtype=pl.UInt16), "requests": [3]})
>>> annotate_status(df, "en").select("status", "class", "reason").row(0)
(404, '4xx', 'Not Found')
"""

from __future__ import annotations

import polars as pl

from httplog.statuscodes import annotate, class_table


def annotate_status(frame: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Add class, reason and description to a frame with a ``status`` column.

    Output columns: status, class, reason, description, then the frame's others.

    >>> df = pl.DataFrame({"status": pl.Series([503, 599], dtype=pl.UInt16), "requests": [2, 1]})
    >>> annotate_status(df, "zh").select("status", "class", "reason", "requests").rows()
    [(503, '5xx', 'Service Unavailable', 2), (599, '5xx', 'Network Connect Timeout Error', 1)]
    """
    out = annotate(frame, lang, col="status")
    first = ["status", "class", "reason", "description"]
    return out.select(first + [c for c in out.columns if c not in first])


def annotate_classes(frame: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Add the class name (in ``lang``) to a frame with a ``class`` column.

    >>> df = pl.DataFrame({"class": ["2xx", "5xx"], "requests": [9, 1]})
    >>> annotate_classes(df, "zh").rows()
    [('2xx', '成功', 9), ('5xx', '服务器错误', 1)]
    """
    names = class_table(lang).select("class", "name")
    out = frame.join(names, on="class", how="left", maintain_order="left")
    first = ["class", "name"]
    return out.select(first + [c for c in out.columns if c not in first])
