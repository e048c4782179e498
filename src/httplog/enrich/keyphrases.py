"""What visitors searched for: the keyphrases of search engines' referers.

GoAccess's "Keyphrases" panel, from the distinct referers of an analysis (the
bounded ``referrers`` panel), never per line. The engines are data
(``data/search_engines.toml``: a host pattern and the query parameter).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from urllib.parse import unquote_plus

import polars as pl

from httplog.enrich.tables import MAX_TEXT, _check_column, _rollup

#: The columns :func:`keyphrases` adds.
KEYPHRASE_COLUMNS = ("engine", "keyphrase")
#: The longest keyphrase kept (a longer one is cut, with "…").
MAX_KEYPHRASE = 2 * MAX_TEXT


@dataclass(frozen=True)
class Engine:
    """A search engine: its ``name``, a ``host`` pattern, the query ``param``."""

    name: str
    host: str
    param: str


@functools.cache
def engines() -> tuple[Engine, ...]:
    """The search engines of ``data/search_engines.toml``, first match first.

    >>> engines()[0].name, engines()[0].param
    ('Google', 'q')
    """
    text = files("httplog").joinpath("data", "search_engines.toml").read_text(encoding="utf-8")
    return tuple(Engine(**e) for e in tomllib.loads(text)["engine"])


def _decode(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = " ".join(unquote_plus(raw, errors="replace").split())
    if not text:
        return None
    return text if len(text) <= MAX_KEYPHRASE else text[: MAX_KEYPHRASE - 1] + "…"


def keyphrases(frame: pl.DataFrame, column: str = "referer") -> pl.DataFrame:
    """``frame`` with ``engine`` and ``keyphrase``: the search engine a referer
    URL in ``column`` comes from and what was searched (percent-decoded, ``+``
    as a space, spaces collapsed); both null for any other referer and for an
    engine's referer without a query (``/url?q=&…``). Every row and column is kept.

    >>> refs = pl.DataFrame(
    ...     {
    ...         "referer": [
    ...             "https://www.google.com/search?q=rage+face&ie=utf-8",
    ...             "http://www.google.fr/url?sa=t&q=&url=http%3A%2F%2Fexample.org",
    ...             "https://www.bing.com/search?form=X&q=caf%C3%A9",
    ...             "https://example.org/?q=not+a+search",
    ...         ]
    ...     }
    ... )
    >>> keyphrases(refs).select(KEYPHRASE_COLUMNS).rows()
    [('Google', 'rage face'), (None, None), ('Bing', 'café'), (None, None)]
    """
    _check_column(frame, column)
    host = (
        pl.col(column)
        .str.extract(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)", 1)
        .str.to_lowercase()
    )
    engine = pl.lit(None, pl.String)
    raw = pl.lit(None, pl.String)
    for e in reversed(engines()):
        hit = host.str.contains(e.host)
        engine = pl.when(hit).then(pl.lit(e.name)).otherwise(engine)
        value = pl.col(column).str.extract(rf"[?&]{e.param}=([^&#]*)", 1)
        raw = pl.when(hit).then(value).otherwise(raw)
    out = frame.with_columns(engine.alias("engine"), raw.alias("keyphrase"))
    decoded = {r: _decode(r) for r in out["keyphrase"].unique().to_list()}
    phrase = pl.col("keyphrase").replace_strict(decoded, default=None, return_dtype=pl.String)
    return out.with_columns(phrase).with_columns(
        pl.when(pl.col("keyphrase").is_not_null()).then("engine").alias("engine")
    )


def keyphrase_panel(enriched: pl.DataFrame, *, counts: Sequence[str] | None = None) -> pl.DataFrame:
    """The keyphrases panel: counts of the referers with a keyphrase, summed
    by engine and keyphrase (largest first).

    >>> refs = pl.DataFrame(
    ...     {
    ...         "referer": [
    ...             "https://www.google.com/search?q=rage+face",
    ...             "https://www.google.de/search?hl=de&q=rage%20face",
    ...             "https://example.org/",
    ...         ],
    ...         "requests": [3, 2, 9],
    ...     }
    ... )
    >>> keyphrase_panel(keyphrases(refs)).rows()
    [('Google', 'rage face', 5)]
    """
    found = enriched.filter(pl.col("keyphrase").is_not_null())
    return _rollup(found, ["engine", "keyphrase"], counts, KEYPHRASE_COLUMNS)
