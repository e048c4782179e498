"""Enrichment of small tables of distinct keys: browsers, systems, devices, places.

GoAccess's "Browsers", "Operating Systems" and "Geo Location" panels come from
the distinct user agents and client addresses. Classifying one costs
microseconds (a few dozen regexes, a database lookup), so it runs on a table
of *distinct* keys, such as the bounded per-agent and per-client summaries of
an analysis at the end, never per line or per block. Each function takes a
polars DataFrame with a key column (and any count columns), adds columns, and
keeps every row and column it was given; the rollups then sum count columns.

- :func:`agents`: browser family and version, operating system family and
  version, device class, and the agent's class (``human``, ``bot``, ``tool``;
  :func:`httplog.bots.agent_class`), from `ua-parser
  <https://github.com/ua-parser/uap-python>`_ (its maintained rules,
  ``ua-parser-builtins``, resolved by its Rust extension ``ua-parser-rs``).
  Each distinct agent is parsed once per process (an LRU cache of
  :data:`CACHE_SIZE` agents).
- :func:`browsers` and :func:`operating_systems`: the panels, by family or by
  family and major version (GoAccess nests the two levels).
- :func:`geo`: country, continent, and city or autonomous system when the
  databases have them, from MaxMind DB files (``.mmdb``: GeoLite2 or DB-IP,
  country, city or ASN) read with ``maxminddb``; never downloaded.
- :func:`countries` and :func:`networks`: the geo panels.
- :func:`keyphrases` and :func:`keyphrase_panel`: what visitors searched for,
  from search engines' referers (``data/search_engines.toml``).

Every text these add comes from the log (a family is often a captured part of
the agent) and is as untrusted as the agent itself; each is cut to
:data:`MAX_TEXT` characters.

Examples
--------
>>> table = pl.DataFrame(
...     {
...         "user_agent": [
...             "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
...             "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
...             "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
...             "(KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
...             "okhttp/4.12.0",
...         ],
...         "requests": [10, 5, 7],
...     }
... )
>>> browsers(agents(table)).rows()
[('human', 'Chrome', 15), ('tool', 'okhttp', 7)]
>>> operating_systems(agents(table), by="version").rows()
[('human', 'Windows', '10', 15), ('tool', 'Other', None, 7)]
"""

from __future__ import annotations

import polars as pl  # noqa: F401  (the examples' pl)

from httplog.enrich.agents import (
    AGENT_COLUMNS,
    CACHE_SIZE,
    _parse,
    agents,
    browsers,
    operating_systems,
)
from httplog.enrich.geoip import GEO_COLUMNS, check_db, countries, geo, networks
from httplog.enrich.keyphrases import KEYPHRASE_COLUMNS, engines, keyphrase_panel, keyphrases
from httplog.enrich.tables import MAX_TEXT

__all__ = [
    "AGENT_COLUMNS",
    "CACHE_SIZE",
    "GEO_COLUMNS",
    "KEYPHRASE_COLUMNS",
    "MAX_TEXT",
    "_parse",
    "agents",
    "browsers",
    "check_db",
    "countries",
    "engines",
    "geo",
    "keyphrase_panel",
    "keyphrases",
    "networks",
    "operating_systems",
]
