"""User agents: browser, system and device families (ua-parser with its Rust
resolver), the agent's class, and the browser and system panels."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Literal

import polars as pl

from httplog.bots import agent_class
from httplog.enrich.tables import _check_column, _choose, _cut, _rollup
from httplog.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    import ua_parser_rs

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
