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

import ipaddress
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from httplog.bots import agent_class
from httplog.errors import InputError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    import maxminddb.reader
    import ua_parser_rs

__all__ = [
    "AGENT_COLUMNS",
    "CACHE_SIZE",
    "MAX_TEXT",
    "agents",
    "browsers",
    "check_db",
    "countries",
    "geo",
    "networks",
    "operating_systems",
]

#: The columns :func:`agents` adds (String, except as noted in its docstring).
AGENT_COLUMNS: tuple[str, ...] = (
    "browser",
    "browser_major",
    "browser_version",
    "os",
    "os_major",
    "os_version",
    "device",
    "agent_class",
)

#: Distinct agents whose parse is kept between calls (an LRU cache).
CACHE_SIZE = 65_536

#: The longest text an enrichment adds (a family, a version, a city, an organisation).
MAX_TEXT = 64

#: Family of a null or empty agent (GoAccess says "Unknown" too); ua-parser's
#: own "Other" stays for an agent its rules don't know.
UNKNOWN = "Unknown"

#: Operating-system families of desktop computers (ua-parser's names).
_DESKTOP_OS = [
    "Windows",
    "Mac OS X",
    "Linux",
    "Ubuntu",
    "Chrome OS",
    "Fedora",
    "Debian",
    "FreeBSD",
    "OpenBSD",
    "NetBSD",
    "Solaris",
    "Red Hat",
    "SUSE",
    "Mint",
    "Arch Linux",
    "Gentoo",
    "CentOS",
    "Kubuntu",
    "Xubuntu",
    "Mandriva",
    "Slackware",
]
#: Operating-system families of phones (besides iOS and Android, told apart below).
_MOBILE_OS = [
    "Windows Phone",
    "BlackBerry OS",
    "BlackBerry Tablet OS",
    "KaiOS",
    "Symbian OS",
    "Firefox OS",
    "Tizen",
    "Sailfish",
    "webOS",
    "Windows Mobile",
    "Bada",
    "MeeGo",
    "HarmonyOS",
]


# --------------------------------------------------------------- user agents


@cache
def _extractors() -> tuple[ua_parser_rs.UserAgentExtractor, ua_parser_rs.OSExtractor]:
    """ua-parser's rules compiled by its Rust resolver (once per process: ~0.3 s)."""
    import ua_parser_rs
    from ua_parser import load_lazy_builtins

    ua_rules, os_rules, _ = load_lazy_builtins()
    fields = attrgetter("regex", "family", "major", "minor", "patch", "patch_minor")
    return (
        ua_parser_rs.UserAgentExtractor(map(fields, ua_rules)),
        ua_parser_rs.OSExtractor(map(fields, os_rules)),
    )


def _cut(text: str | None) -> str | None:
    return None if text is None else text[:MAX_TEXT]


def _version(major: str | None, minor: str | None) -> str | None:
    if major is None:
        return None
    return _cut(f"{major}.{minor}" if minor else major)


@lru_cache(maxsize=CACHE_SIZE)
def _parse(agent: str) -> tuple[str, str | None, str | None, str, str | None, str | None]:
    """(browser, major, version, os, major, version) of one agent."""
    if not agent:
        return (UNKNOWN, None, None, UNKNOWN, None, None)
    browser_rules, os_rules = _extractors()
    b = browser_rules.extract(agent)
    o = os_rules.extract(agent)
    return (
        _cut(b.family) or "Other" if b else "Other",
        _cut(b.major) if b else None,
        _version(b.major, b.minor) if b else None,
        _cut(o.family) or "Other" if o else "Other",
        _cut(o.major) if o else None,
        _version(o.major, o.minor) if o else None,
    )


def agents(frame: pl.DataFrame, column: str = "user_agent") -> pl.DataFrame:
    """Add browser, system, device and class columns to a table of user agents.

    Parameters
    ----------
    frame:
        Any frame with a String (or Categorical) column of user agents, such
        as a per-agent table with count columns; it should hold few distinct
        agents (thousands: each new one costs about 15 µs).
    column:
        The user-agent column.

    Returns
    -------
    pl.DataFrame
        ``frame``, every row and column in order, with :data:`AGENT_COLUMNS`:

        - ``browser``: ua-parser's family ("Chrome", "Mobile Safari", "Edge",
          "Firefox", "Googlebot", "curl", ...); "Other" for an agent its
          rules don't know, "Unknown" for a null or empty one;
        - ``browser_major``, ``browser_version``: "120", "120.0" (null when
          unknown);
        - ``os``, ``os_major``, ``os_version``: "Windows", "10"; "iOS",
          "17", "17.2"; "Mac OS X", "10", "10.15"; "Other" / "Unknown" as above;
        - ``device``: ``desktop``, ``mobile``, ``tablet``, ``bot``, ``tool``
          or ``other`` (from the class and the system; ``mobile`` also for an
          unknown system whose agent says "Mobi");
        - ``agent_class``: ``human``, ``bot`` or ``tool``, as
          :func:`httplog.bots.agent_class` (the same lists that decide
          ``bots=``): HTTP client libraries and command-line clients (curl,
          okhttp, python-requests, Go-http-client, Wget) are tools, not bots.

    Examples
    --------
    >>> table = pl.DataFrame(
    ...     {
    ...         "user_agent": [
    ...             "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    ...             "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    ...             "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ...             "curl/8.5.0",
    ...             None,
    ...         ]
    ...     }
    ... )
    >>> for row in agents(table).drop("user_agent").rows():
    ...     print(row)
    ('Mobile Safari', '17', '17.2', 'iOS', '17', '17.2', 'mobile', 'human')
    ('Googlebot', '2', '2.1', 'Other', None, None, 'bot', 'bot')
    ('curl', '8', '8.5', 'Other', None, None, 'tool', 'tool')
    ('Unknown', None, None, 'Unknown', None, None, 'other', 'human')
    """
    _check_column(frame, column)
    clash = [c for c in AGENT_COLUMNS if c in frame.columns]
    if clash:
        raise UsageError(f"agents: the frame already has {', '.join(clash)}")
    agent = pl.col(column).cast(pl.String)
    keys = frame.select(agent.drop_nulls().unique()).to_series()
    parsed = pl.DataFrame(
        [(k, *_parse(k)) for k in keys],
        schema={"_key": pl.String, **dict.fromkeys(AGENT_COLUMNS[:6], pl.String)},
        orient="row",
    )
    out = (
        frame.with_columns(_key=agent)
        .join(parsed, on="_key", how="left", maintain_order="left", nulls_equal=False)
        .with_columns(pl.col(c).fill_null(UNKNOWN) for c in ("browser", "os"))  # a null agent
        .with_columns(agent_class=agent_class("_key"))
    )
    return (
        out.with_columns(device=_device(pl.col("_key")))
        .drop("_key")
        .select(*frame.columns, *AGENT_COLUMNS)
    )


def _device(agent: pl.Expr) -> pl.Expr:
    """The device class, from the agent's class, its system and two tokens."""
    os = pl.col("os")
    return (
        pl.when(pl.col("agent_class") != "human")
        .then(pl.col("agent_class"))
        .when(os == "iOS")
        .then(
            pl.when(agent.str.contains("iPad", literal=True))
            .then(pl.lit("tablet"))
            .otherwise(pl.lit("mobile"))
        )
        .when(os == "Android")
        .then(
            pl.when(agent.str.contains("Mobile", literal=True))
            .then(pl.lit("mobile"))
            .otherwise(pl.lit("tablet"))
        )
        .when(os.is_in(_MOBILE_OS))
        .then(pl.lit("mobile"))
        .when(os.is_in(_DESKTOP_OS))
        .then(pl.lit("desktop"))
        .when(agent.str.contains("Mobi", literal=True))
        .then(pl.lit("mobile"))
        .otherwise(pl.lit("other"))
    )


def browsers(
    enriched: pl.DataFrame,
    *,
    by: Literal["family", "version"] = "family",
    counts: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The browsers panel: the count columns summed by browser family (and major version).

    Parameters
    ----------
    enriched:
        A frame from :func:`agents`.
    by:
        ``"family"``: one row per (``agent_class``, ``browser``);
        ``"version"``: per (``agent_class``, ``browser``, ``browser_major``),
        GoAccess's nested rows.
    counts:
        The columns to sum (default: every integer column that :func:`agents`
        didn't add: requests, bytes, 4xx, ...; shares, averages and
        percentiles don't add up and are left out).

    Returns
    -------
    pl.DataFrame
        The keys, then the sums; the largest first count first, ties by key.
        A crawler's family stays its own ("Googlebot") with class ``bot``:
        GoAccess's "Crawlers" root is ``agent_class == "bot"``.

    Examples
    --------
    >>> table = pl.DataFrame(
    ...     {
    ...         "user_agent": [
    ...             "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    ...             "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    ...             "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    ...         ],
    ...         "requests": [3, 4, 9],
    ...         "bytes": [300, 400, 900],
    ...     }
    ... )
    >>> browsers(agents(table), by="version").rows()
    [('bot', 'bingbot', '2', 9, 900), ('human', 'Firefox', '128', 4, 400), ('human', 'Firefox', '127', 3, 300)]
    """
    keys = {
        "family": ["agent_class", "browser"],
        "version": ["agent_class", "browser", "browser_major"],
    }
    return _rollup(enriched, _choose(by, keys), counts, AGENT_COLUMNS)


def operating_systems(
    enriched: pl.DataFrame,
    *,
    by: Literal["family", "version"] = "family",
    counts: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The operating-systems panel: counts summed by system family (and major version).

    As :func:`browsers`, with keys (``agent_class``, ``os``) or
    (``agent_class``, ``os``, ``os_major``).

    Examples
    --------
    >>> table = pl.DataFrame(
    ...     {
    ...         "user_agent": [
    ...             "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 "
    ...             "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    ...             "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    ...             "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    ...         ],
    ...         "requests": [2, 5],
    ...     }
    ... )
    >>> operating_systems(agents(table)).rows()
    [('human', 'Android', 7)]
    """
    keys = {"family": ["agent_class", "os"], "version": ["agent_class", "os", "os_major"]}
    return _rollup(enriched, _choose(by, keys), counts, AGENT_COLUMNS)


# ---------------------------------------------------------------------- geo

#: The columns :func:`geo` may add, in order; which ones depends on the databases.
GEO_COLUMNS: tuple[str, ...] = (
    "ip_version",
    "country_code",
    "country",
    "continent_code",
    "continent",
    "city",
    "asn",
    "as_org",
)


def _open(path: str | Path) -> maxminddb.reader.Reader:
    """One database, opened; a missing or broken file is an :class:`InputError`."""
    import maxminddb

    shown = str(path)
    try:
        return maxminddb.open_database(shown, mode=maxminddb.MODE_AUTO)
    except FileNotFoundError:
        raise InputError(f"GeoIP database {shown}: no such file", path=shown) from None
    except maxminddb.InvalidDatabaseError:
        msg = f"GeoIP database {shown}: not a MaxMind DB (.mmdb) file"
        raise InputError(msg, path=shown) from None
    except OSError as e:
        raise InputError(f"GeoIP database {shown}: {e.strerror or e}", path=shown) from None


def check_db(db: str | Path | Sequence[str | Path]) -> tuple[str, ...]:
    """What each database holds (``country``, ``city`` or ``asn``), once opened and closed:
    a missing, unreadable or broken file is an :class:`InputError` now, not
    after a whole log was read.

    >>> check_db("/no/such.mmdb")
    Traceback (most recent call last):
    ...
    httplog.errors.InputError: GeoIP database /no/such.mmdb: no such file
    """
    paths = [db] if isinstance(db, str | Path) else list(db)
    if not paths:
        raise UsageError("geo: no GeoIP database given", option="db")
    kinds = []
    for p in paths:
        reader = _open(p)
        try:
            kinds.append(_kind(reader))
        finally:
            reader.close()
    return tuple(kinds)


def _address(text: str) -> str | None:
    """The address to look up: IPv4-mapped IPv6 as IPv4, brackets off; None if not one."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def _name(record: dict[str, Any], key: str) -> str | None:
    place = record.get(key)
    if not isinstance(place, dict):
        return None
    names = place.get("names")
    name = names.get("en") if isinstance(names, dict) else None
    return _cut(name) if isinstance(name, str) else None


def _code(record: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        place = record.get(key)
        code = place.get("iso_code") if isinstance(place, dict) else None
        if isinstance(code, str):
            return _cut(code)
    flat = record.get("country_code")  # the flat layout of ip-location-db builds
    return _cut(flat) if isinstance(flat, str) else None


def geo(
    frame: pl.DataFrame,
    column: str = "remote_addr",
    *,
    db: str | Path | Sequence[str | Path],
) -> pl.DataFrame:
    """Add country, continent, city and network columns to a table of client addresses.

    Parameters
    ----------
    frame:
        Any frame with a String column of client addresses (a per-client
        table); each distinct address is looked up once (about 10 µs).
    column:
        The address column: IPv4, IPv6, IPv4-mapped IPv6 (``::ffff:192.0.2.7``,
        as dual-stack servers log them, looked up as ``192.0.2.7``), or
        ``[IPv6]``.
    db:
        One or more MaxMind DB files (the ``--geoip-db`` flag): a country or
        city database (GeoLite2-Country/City, DB-IP Country/City Lite) and/or
        an ASN database. For each field the first database that has it wins.

    Returns
    -------
    pl.DataFrame
        ``frame`` with, of :data:`GEO_COLUMNS`, those its databases can fill:

        - ``ip_version`` (UInt8): 4 or 6; null for text that isn't an address
          (a host name in ``%h``, garbage);
        - with a country or city database: ``country_code`` (ISO 3166, null
          when unknown), ``country`` (English name, else the code; "Unknown" for an address
          the database doesn't have, a private one, or no address at all),
          ``continent_code`` and ``continent`` (likewise);
        - with a city database: ``city`` (null when unknown);
        - with an ASN database: ``asn`` (UInt32) and ``as_org``.

    Raises
    ------
    InputError
        A database is missing, unreadable or not a MaxMind DB file.

    Examples
    --------
    A tiny database written on the spot (with ``mmdb-writer``, a test dependency):

    >>> import tempfile
    >>> from mmdb_writer import MMDBWriter
    >>> from netaddr import IPSet
    >>> w = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    >>> w.insert_network(
    ...     IPSet(["192.0.2.0/24"]), {"country": {"iso_code": "FR", "names": {"en": "France"}}}
    ... )
    >>> path = Path(tempfile.mkdtemp()) / "country.mmdb"
    >>> w.to_db_file(str(path))
    >>> clients = pl.DataFrame({"remote_addr": ["192.0.2.7", "::ffff:192.0.2.8", "10.0.0.1", "-"]})
    >>> geo(clients, db=path).select("remote_addr", "ip_version", "country_code", "country").rows()
    [('192.0.2.7', 4, 'FR', 'France'), ('::ffff:192.0.2.8', 4, 'FR', 'France'), ('10.0.0.1', 4, None, 'Unknown'), ('-', None, None, 'Unknown')]
    """
    _check_column(frame, column)
    paths = [db] if isinstance(db, str | Path) else list(db)
    if not paths:
        raise UsageError("geo: no GeoIP database given", option="db")
    readers = [_open(p) for p in paths]
    try:
        kinds = [_kind(r) for r in readers]
        columns = ["ip_version"]
        if any(k != "asn" for k in kinds):
            columns += ["country_code", "country", "continent_code", "continent"]
        if "city" in kinds:
            columns.append("city")
        if "asn" in kinds:
            columns += ["asn", "as_org"]
        clash = [c for c in columns if c in frame.columns]
        if clash:
            raise UsageError(f"geo: the frame already has {', '.join(clash)}")
        keys = frame.select(pl.col(column).cast(pl.String).drop_nulls().unique()).to_series()
        rows = [(k, *_lookup(k, readers, paths)) for k in keys]
    finally:
        for r in readers:
            r.close()
    looked = pl.DataFrame(
        rows,
        schema={
            "_key": pl.String,
            "ip_version": pl.UInt8,
            **dict.fromkeys(GEO_COLUMNS[1:6], pl.String),
            "asn": pl.UInt32,
            "as_org": pl.String,
        },
        orient="row",
    ).select("_key", *columns)
    out = frame.with_columns(_key=pl.col(column).cast(pl.String)).join(
        looked, on="_key", how="left", maintain_order="left"
    )
    fills = [pl.col(c).fill_null("Unknown") for c in ("country", "continent") if c in columns]
    return out.with_columns(fills).drop("_key").select(*frame.columns, *columns)


def _kind(reader: maxminddb.reader.Reader) -> str:
    """``asn``, ``city`` or ``country``: what a database holds, from its type."""
    kind = reader.metadata().database_type.lower()
    return "asn" if "asn" in kind else "city" if "city" in kind else "country"


def _lookup(
    text: str, readers: Iterable[maxminddb.reader.Reader], paths: Sequence[str | Path]
) -> tuple[Any, ...]:
    """(ip_version, country_code, country, continent_code, continent, city, asn, as_org)."""
    import maxminddb

    address = _address(text)
    if address is None:
        return (None,) * 8
    found: dict[str, Any] = {}
    for reader, path in zip(readers, paths, strict=True):
        try:
            record = reader.get(address)
        except ValueError:  # an IPv6 address in an IPv4-only database
            continue
        except maxminddb.InvalidDatabaseError:
            shown = str(path)
            msg = f"GeoIP database {shown}: corrupt (a lookup failed)"
            raise InputError(msg, path=shown) from None
        if not isinstance(record, dict):
            continue
        values = {
            "country_code": _code(record, "country", "registered_country"),
            "country": _name(record, "country")
            or _name(record, "registered_country")
            or _code(record, "country", "registered_country"),
            "continent_code": _code(record, "continent") or _cut(_get(record, "continent", "code")),
            "continent": _name(record, "continent"),
            "city": _name(record, "city"),
            "asn": _int(record.get("autonomous_system_number")),
            "as_org": _text(record.get("autonomous_system_organization")),
        }
        for key, value in values.items():
            if value is not None:
                found.setdefault(key, value)
    version = 6 if ":" in address else 4
    return (
        version,
        *(found.get(k) for k in ("country_code", "country", "continent_code", "continent")),
        found.get("city"),
        found.get("asn"),
        found.get("as_org"),
    )


def _get(record: dict[str, Any], key: str, field: str) -> str | None:
    place = record.get(key)
    value = place.get(field) if isinstance(place, dict) else None
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and 0 <= value < 2**32 else None


def _text(value: object) -> str | None:
    return _cut(value) if isinstance(value, str) else None


def countries(enriched: pl.DataFrame, *, counts: Sequence[str] | None = None) -> pl.DataFrame:
    """The geo-location panel: counts summed by continent and country (GoAccess nests them).

    Keys ``continent``, ``country_code``, ``country`` (an unknown place is
    one row, "Unknown"); ``counts`` as in :func:`browsers`.

    Examples
    --------
    >>> enriched = pl.DataFrame(
    ...     {
    ...         "continent": ["Europe", "Europe", "Unknown"],
    ...         "country_code": ["FR", "FR", None],
    ...         "country": ["France", "France", "Unknown"],
    ...         "requests": [1, 2, 5],
    ...     }
    ... )
    >>> countries(enriched).rows()
    [('Unknown', None, 'Unknown', 5), ('Europe', 'FR', 'France', 3)]
    """
    return _rollup(enriched, ["continent", "country_code", "country"], counts, GEO_COLUMNS)


def networks(enriched: pl.DataFrame, *, counts: Sequence[str] | None = None) -> pl.DataFrame:
    """The ASN panel: counts summed by autonomous system (``asn``, ``as_org``).

    Examples
    --------
    >>> enriched = pl.DataFrame(
    ...     {
    ...         "asn": [64496, 64496, None],
    ...         "as_org": ["Example", "Example", None],
    ...         "requests": [1, 2, 3],
    ...     }
    ... )
    >>> networks(enriched).rows()
    [(64496, 'Example', 3), (None, None, 3)]
    """
    return _rollup(enriched, ["asn", "as_org"], counts, GEO_COLUMNS)


# ------------------------------------------------------------------- shared


def _check_column(frame: pl.DataFrame, column: str) -> None:
    if column not in frame.columns:
        raise UsageError(f"no column {column!r} in the frame ({', '.join(frame.columns)})")


def _choose(by: str, keys: dict[str, list[str]]) -> list[str]:
    if by not in keys:
        raise UsageError(f"bad by {by!r}: use family or version", option="by", value=by)
    return keys[by]


def _rollup(
    frame: pl.DataFrame, keys: list[str], counts: Sequence[str] | None, added: Sequence[str]
) -> pl.DataFrame:
    """Sum ``counts`` by ``keys``; largest first count first, then by key (nulls last)."""
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise UsageError(f"no column {', '.join(map(repr, missing))}: enrich the frame first")
    if counts is None:
        counts = [
            name
            for name, dtype in frame.schema.items()
            if dtype.is_integer() and name not in added and name not in keys
        ]
    else:
        counts = list(counts)
        for c in counts:
            _check_column(frame, c)
    out = frame.group_by(keys).agg(pl.col(c).sum() for c in counts)
    order = [*counts[:1], *keys]
    return out.sort(
        order, descending=[True] * len(counts[:1]) + [False] * len(keys), nulls_last=True
    )
