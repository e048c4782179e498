"""Bots by user agent: a curated list and the community list, by category and class.

Two lists of patterns, both data:

- ``data/bots.toml``, curated, matched case-insensitively: by category, in
  priority order: ``ai`` (LLM crawlers), ``search``, ``seo``, ``social`` (link
  previews), ``feed``, ``monitor``, ``scanner``, ``ads``, ``research``,
  ``tool`` (HTTP libraries, command-line clients, browser automation), and
  last ``generic``: the bare tokens "bot", "crawler", "spider" and "crawl",
  which catch the long tail of self-declared bots.
- the community list `crawler-user-agents
  <https://github.com/monperrus/crawler-user-agents>`_ (MIT). The community list
  comes from the pinned ``crawler-user-agents`` package, read when first needed.
  Its tags map onto the categories above (``community_tags`` in ``bots.toml``),
  and its patterns match case-sensitively, as that list is written.

Why pinned exactly (``crawler-user-agents==1.67.0`` in the dependencies): the
bot flag is computed when lines are counted and saved in partials (``--state``,
per-host partials merged later); a list that changed with whatever version is
installed would split one log's bots differently from run to run. Upgrading
the pin is a reviewed change (a test checks the installed version is the
pinned one).

A user agent's category is the best-ranked category among the matches of both
lists. Each category has a **class**: ``bot`` or ``tool``. Tools are programs
a person or an app drives (``curl``, ``python-requests``, an Android app's
``okhttp``): they are not crawlers, so :func:`is_bot` is False for them and
``bots="exclude"`` keeps them, as GoAccess does. :func:`agent_class` gives
``human``, ``bot`` or ``tool``.

The generic token "bot" also occurs inside a few real browsers' user agents,
such as CUBOT Android phones (``... Android 10; CUBOT_X30) ...``). Such known
false positives are listed in the curated data, and a generic token that lies
inside one of them does not count.

How it matches: one Aho-Corasick pass (``str.extract_many``, leftmost-first,
non-overlapping) over the curated false positives followed by every category's
patterns in priority order. A false positive therefore consumes the "bot"
inside it ("CUBOT" starts before its "bot"), and of two patterns starting at
the same place the higher-priority one wins ("Applebot-Extended" is ``ai``, not
``search``). Then one case-sensitive overlapping pass over the community
literals, and one regex per category for the few community patterns that are
real regexes.

Speed: the matching runs on the *distinct* agents of the column and the result
is mapped back to the rows with a hash lookup, so the cost grows with the number
of distinct agents, not of rows.

Examples
--------
>>> df = pl.DataFrame(
...     {
...         "user_agent": [
...             "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
...             "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
...             "curl/8.5.0",
...             None,
...         ]
...     }
... )
>>> df.select(bot=is_bot(), kind=agent_class(), category=bot_category()).rows()
[(True, 'bot', 'search'), (False, 'human', None), (False, 'tool', 'tool'), (False, 'human', None)]
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import polars as pl

from httplog.errors import OptionError

__all__ = [
    "BOTS",
    "CLASSES",
    "agent_class",
    "bot_category",
    "bot_patterns",
    "bots_filter",
    "is_bot",
]

#: The last-resort category of bare tokens ("bot", "crawler", ...); it must come last.
GENERIC = "generic"

#: What a view keeps of crawlers and bots (``bots=``): all requests, humans' only, bots' only.
BOTS: tuple[str, ...] = ("include", "exclude", "only")

#: The classes of :func:`agent_class`: a person's browser, a crawler, a tool.
CLASSES: tuple[str, ...] = ("human", "bot", "tool")

#: The community list: the package and its data file (read when first needed).
COMMUNITY_PACKAGE = "crawleruseragents"
COMMUNITY_FILE = "crawler-user-agents.json"


def bots_filter(bots: str) -> bool | None:
    """The one check of a ``bots`` choice: the bot flag it keeps (None: both).

    >>> bots_filter("include"), bots_filter("exclude"), bots_filter("only")
    (None, False, True)
    >>> bots_filter("some")
    Traceback (most recent call last):
    ...
    httplog.errors.OptionError: bad bots 'some': use include, exclude or only
    """
    if bots not in BOTS:
        raise OptionError("bots", bots, "use include, exclude or only")
    return {"include": None, "exclude": False, "only": True}[bots]


@dataclass(frozen=True)
class _Category:
    name: str
    kind: str  # "bot" or "tool"
    tags: tuple[str, ...]  # the community list's tags that map here
    patterns: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class _BotList:
    """Both lists parsed: categories in priority order, exclusions, community patterns."""

    categories: tuple[_Category, ...]
    false_positives: tuple[str, ...]
    #: community patterns by kind (literal, prefix, suffix, regex), each with its category index
    community: dict[str, tuple[tuple[str, int], ...]]

    @property
    def automaton(self) -> tuple[str, ...]:
        """Every curated pattern to search for: false positives first, then by priority."""
        return (*self.false_positives, *(p for c in self.categories for p in c.patterns))

    @property
    def rank_of(self) -> dict[str, int | None]:
        """Lower-cased curated pattern -> index of its category (None for false positives)."""
        ranks: dict[str, int | None] = {p.lower(): None for p in self.false_positives}
        for rank, category in enumerate(self.categories):
            for p in category.patterns:
                ranks.setdefault(p.lower(), rank)
        return ranks

    @property
    def literal_rank(self) -> dict[str, int]:
        """Community literal (case kept) -> category index; the first entry wins.

        A literal that contains, ignoring case, a curated pattern of the same
        class ("AhrefsBot/" holds "bot") can't change whether an agent is a
        bot or a tool, and is left out: it would make the automaton twice as
        big (the matching cost per distinct agent, block after block) for no
        change of class; such an agent's category is the curated one.
        """
        return _community_literals(self)


@cache
def _community_literals(bots: _BotList) -> dict[str, int]:
    kinds = [c.kind for c in bots.categories]
    literals = pl.DataFrame(
        bots.community["literal"], schema={"text": pl.String, "rank": pl.UInt8}, orient="row"
    ).unique("text", keep="first", maintain_order=True)
    lowered = pl.col("text").str.to_lowercase()
    covered = pl.lit(False)
    for kind in ("bot", "tool"):
        curated = [p for c in bots.categories if c.kind == kind for p in c.patterns]
        of_kind = pl.col("rank").is_in([i for i, k in enumerate(kinds) if k == kind])
        covered = covered | (
            of_kind & lowered.str.contains_any(curated, ascii_case_insensitive=True)
        )
    kept = literals.filter(~covered)
    return dict(zip(kept["text"], kept["rank"], strict=True))


def _read_data(name: str) -> dict[str, Any]:
    text = files("httplog").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def _bot_list() -> _BotList:
    """Read and check ``data/bots.toml`` and the community list (once per process)."""
    data = _read_data("bots.toml")
    categories = tuple(
        _Category(c["name"], c["class"], tuple(c.get("community_tags", ())), tuple(c["patterns"]))
        for c in data["category"]
    )
    names = [c.name for c in categories]
    if len(set(names)) != len(names) or names[-1] != GENERIC:  # pragma: no cover
        msg = f"bots.toml: categories must be unique and end with {GENERIC!r}, got {names}"
        raise RuntimeError(msg)
    if any(c.kind not in ("bot", "tool") for c in categories):  # pragma: no cover
        raise RuntimeError("bots.toml: a category's class is 'bot' or 'tool'")
    patterns = [p for c in categories for p in c.patterns]
    if not all(p.isascii() and p for p in patterns):  # pragma: no cover
        msg = "bots.toml: patterns must be non-empty ASCII (matching folds ASCII case only)"
        raise RuntimeError(msg)
    community = _community_patterns(_community_entries(), categories)
    return _BotList(categories, tuple(data["false_positives"]["patterns"]), community)


def bot_patterns() -> pl.DataFrame:
    """Return the bot user-agent patterns of both lists, with category and class.

    Returns
    -------
    pl.DataFrame
        Columns ``pattern``, ``category``, ``class``, ``source`` and
        ``match`` (String). The curated patterns come first (``source``
        ``curated``, ``match`` ``substring``): they match as substrings,
        ignoring case, and the first category from the top with a matching
        pattern wins. The community list's follow (``source`` ``community``),
        case-sensitive, as ``substring``, ``prefix`` (at the agent's start),
        ``suffix`` (at its end) or ``regex``. An agent's category is the
        best-ranked one among the matches of both.

    Examples
    --------
    >>> table = bot_patterns()
    >>> curated = table.filter(pl.col("source") == "curated")
    >>> curated.filter(pl.col("pattern").is_in(["GPTBot", "okhttp"])).rows()
    [('GPTBot', 'ai', 'bot', 'curated', 'substring'), ('okhttp', 'tool', 'tool', 'curated', 'substring')]
    >>> curated["category"].unique(maintain_order=True).to_list()
    ['ai', 'search', 'seo', 'social', 'feed', 'monitor', 'scanner', 'tool', 'generic']
    >>> table.filter(pl.col("pattern") == "curl", pl.col("source") == "community").rows()
    [('curl', 'tool', 'tool', 'community', 'prefix')]
    """
    categories = _bot_list().categories
    rows = [(p, c.name, c.kind, "curated", "substring") for c in categories for p in c.patterns]
    for kind in _KINDS:
        rows += [
            (p, categories[rank].name, categories[rank].kind, "community", _MATCH[kind])
            for p, rank in _bot_list().community[kind]
        ]
    schema = dict.fromkeys(["pattern", "category", "class", "source", "match"], pl.String)
    return pl.DataFrame(rows, schema=schema, orient="row")


def is_bot(col: str | pl.Expr = "user_agent") -> pl.Expr:
    """Return a Boolean expression: is the user agent a bot (a crawler, not a tool)?

    Parameters
    ----------
    col:
        Column name or expression holding user-agent strings.

    Returns
    -------
    pl.Expr
        ``True`` when the agent's best category (:func:`bot_category`) is of
        class ``bot``; ``False`` for a human's browser, for a tool such as
        ``curl`` or ``okhttp`` (:func:`agent_class`), and for a null agent.

    Examples
    --------
    >>> df = pl.DataFrame(
    ...     {
    ...         "ua": [
    ...             "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    ...             "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 "
    ...             "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    ...             "SomeNewCrawler/0.1",
    ...             "okhttp/4.12.0",
    ...             None,
    ...         ]
    ...     }
    ... )
    >>> df.select(is_bot("ua"))["ua"].to_list()
    [True, False, True, False, False]
    """
    return _cached(_is_bot, col)


def _is_bot(col: str | pl.Expr) -> pl.Expr:
    bots = _bot_list()
    crawlers = [i for i, c in enumerate(bots.categories) if c.kind == "bot"]
    agent, distinct, rank = _ranked(col)
    return agent.is_in(distinct.filter(rank.is_in(crawlers)).implode()).fill_null(False)


def agent_class(col: str | pl.Expr = "user_agent") -> pl.Expr:
    """Return the class of each user agent: ``human``, ``bot`` or ``tool``.

    ``bot`` is what :func:`is_bot` flags; ``tool`` is an HTTP client library,
    command-line client or browser automation (the ``tool`` category);
    everything else, a null agent included, is ``human``.

    Examples
    --------
    >>> df = pl.DataFrame(
    ...     {
    ...         "user_agent": [
    ...             "python-requests/2.31.0",
    ...             "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    ...             "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    ...         ]
    ...     }
    ... )
    >>> df.select(agent_class())["user_agent"].to_list()
    ['tool', 'bot', 'human']
    """
    return _cached(_agent_class, col)


def _agent_class(col: str | pl.Expr) -> pl.Expr:
    kinds = {i: c.kind for i, c in enumerate(_bot_list().categories)}
    agent, distinct, rank = _ranked(col)
    kind = rank.replace_strict(kinds, default="human", return_dtype=pl.String)
    return agent.replace_strict(distinct, kind, default="human", return_dtype=pl.String)


def bot_category(col: str | pl.Expr = "user_agent") -> pl.Expr:
    """Return the category of each user agent in ``col`` (as for :func:`is_bot`).

    Returns
    -------
    pl.Expr
        A ``pl.String`` expression: the best-ranked category, in the order of
        :func:`bot_patterns`, with a pattern in the agent (``tool`` for tools,
        which :func:`is_bot` does not call bots); null for a human's browser
        and for null agents.

    Examples
    --------
    >>> df = pl.DataFrame(
    ...     {
    ...         "user_agent": [
    ...             "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
    ...             "GPTBot/1.2; +https://openai.com/gptbot)",
    ...             "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    ...             "Mozilla/5.0 zgrab/0.x",
    ...             "MyLittleBot/1.0",
    ...             "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    ...             "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    ...         ]
    ...     }
    ... )
    >>> df.select(bot_category())["user_agent"].to_list()
    ['ai', 'social', 'scanner', 'generic', None]
    """
    return _cached(_bot_category, col)


def _bot_category(col: str | pl.Expr) -> pl.Expr:
    names = {i: c.name for i, c in enumerate(_bot_list().categories)}
    agent, distinct, rank = _ranked(col)
    category = rank.replace_strict(names, default=None, return_dtype=pl.String)
    return agent.replace_strict(distinct, category, default=None, return_dtype=pl.String)


def _cached(build: Callable[[str | pl.Expr], pl.Expr], col: str | pl.Expr) -> pl.Expr:
    """``build(col)``, built once per column name (building costs milliseconds:
    the automata's patterns go from Python to polars; a block's counting calls
    it every block)."""
    return _built(build, col) if isinstance(col, str) else build(col)


@cache
def _built(build: Callable[[str | pl.Expr], pl.Expr], col: str) -> pl.Expr:
    return build(col)


def _ranked(col: str | pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """The agents (``col`` as String), the distinct non-null ones, and their category index.

    The distinct agents keep their order of first appearance
    (``maintain_order``) because the callers use them twice, once for the
    values and once for what is computed from them (the rank, null for no
    bot), and the two evaluations must line up.
    """
    expr = pl.col(col) if isinstance(col, str) else col
    agent = expr.cast(pl.String)
    distinct = agent.drop_nulls().unique(maintain_order=True)
    # Evaluated inside one list.eval so that ``distinct`` is computed once: the
    # rank's many branches would each recompute it otherwise.
    rank = distinct.implode().list.eval(_row_rank(pl.element())).explode(empty_as_null=False)
    return agent, distinct, rank


def _row_rank(agent: pl.Expr) -> pl.Expr:
    """Row-wise category index: the best-ranked match of either list.

    Curated: one Aho-Corasick pass whose automaton holds the false positives
    first, then every category's patterns in priority order. Leftmost-first,
    non-overlapping matching makes a false positive consume the generic token
    inside it ("CUBOT" starts before its "bot"), and among patterns that start
    at the same place the higher-priority one wins. Each match is mapped to its
    category index (false positives to null).

    Community: one case-sensitive, overlapping pass over its literals, and one
    regex per category for its few real regexes. The smallest index of all is
    the category.
    """
    bots = _bot_list()
    matches = agent.str.extract_many(
        list(bots.automaton), ascii_case_insensitive=True, leftmost=True
    )
    ranks = (
        pl.element()
        .str.to_lowercase()
        .replace_strict(bots.rank_of, default=None, return_dtype=pl.UInt8)
    )
    curated = matches.list.eval(ranks).list.min()
    literal_rank = bots.literal_rank
    listed = (
        agent.str.extract_many(list(literal_rank), overlapping=True)
        .list.eval(pl.element().replace_strict(literal_rank, return_dtype=pl.UInt8))
        .list.min()
    )
    tests: dict[str, Callable[[str], pl.Expr]] = {
        "prefix": agent.str.starts_with,
        "suffix": agent.str.ends_with,
        "regex": agent.str.contains,
    }
    others = []
    for kind, test in tests.items():
        by_rank: dict[int, list[str]] = {}
        for pattern, rank in bots.community[kind]:
            by_rank.setdefault(rank, []).append(pattern)
        others += [
            pl.when(pl.any_horizontal(test(p) for p in pats))
            .then(pl.lit(rank, pl.UInt8))
            .otherwise(pl.lit(None, pl.UInt8))
            for rank, pats in sorted(by_rank.items())
        ]
    return pl.min_horizontal(curated, listed, *others)


# ------------------------------------------------------- the community list


def _as_literal(pattern: str) -> str | None:
    r"""The text a community pattern stands for, or None if it uses regex syntax.

    >>> _as_literal(r"Googlebot\/"), _as_literal("^curl"), _as_literal("[wW]get")
    ('Googlebot/', None, None)
    """
    if _LITERAL.fullmatch(pattern) is None:
        return None
    return _ESCAPED.sub(r"\1", pattern) if "\\" in pattern else pattern


#: Plain text: no regex syntax but escaped punctuation (``\/``, ``\.``); and an escape.
_LITERAL = re.compile(r"(?:[^\[\]()^$.*+?{}|\\]|\\[\W_])*")
_ESCAPED = re.compile(r"\\([\W_])")
#: What :func:`_expand` expands: a letter in both cases ``[sS]``, a group ``(a|b)``.
_EXPANDED = re.compile(r"(\[[a-zA-Z]{2}\]|\([^()|]*(?:\|[^()|]*)+\))")


def _expand(pattern: str) -> list[tuple[str, str]] | None:
    r"""A community pattern as plain matches, or None when it needs a regex.

    Each match is ``(kind, text)``: ``literal`` (anywhere), ``prefix`` (at the
    start) or ``suffix`` (at the end). Handled: a top-level ``a|b``, a group
    of literal alternatives ``(a|b)``, a letter in both cases ``[sS]``, and
    the anchors ``^``, ``$`` and ``(^| )``.

    >>> _expand("S[eE]Bot"), _expand("^curl"), _expand(r"(^| )PTST\/")
    ([('literal', 'SeBot'), ('literal', 'SEBot')], [('prefix', 'curl')], [('prefix', 'PTST/'), ('literal', ' PTST/')])
    >>> _expand("Ahrefs(Bot|SiteAudit)"), _expand(r"Spider[\s\S]*spider\.com")
    ([('literal', 'AhrefsBot'), ('literal', 'AhrefsSiteAudit')], None)
    """
    if "|" in pattern and "(" not in pattern:
        parts = [_expand(p) for p in pattern.split("|")]
        return None if None in parts else [m for part in parts if part for m in part]
    if pattern.startswith("(^| )"):
        rest = _expand(pattern[5:])
        if rest is None or any(kind != "literal" for kind, _ in rest):
            return None
        return [m for _, text in rest for m in (("prefix", text), ("literal", " " + text))]
    kind = "literal"
    if pattern.startswith("^"):
        kind, pattern = "prefix", pattern[1:]
    elif pattern.endswith("$") and not pattern.endswith("\\$"):
        kind, pattern = "suffix", pattern[:-1]
    if (text := _as_literal(pattern)) is not None:  # most patterns: plain text
        return [(kind, text)] if text else []
    variants = [""]
    for piece in _EXPANDED.split(pattern):
        if piece.startswith("[") and len(piece) == 4 and piece[1].lower() == piece[2].lower():
            options = [piece[1], piece[2]]
        elif piece.startswith("("):
            options = piece[1:-1].split("|")
        else:
            options = [piece]
        texts = [_as_literal(o) for o in options]
        if None in texts:
            return None
        variants = [v + str(o) for v in variants for o in texts]
    return [(kind, v) for v in variants if v]


#: How each kind of community pattern matches, and its name in :func:`bot_patterns`.
_KINDS = ("literal", "prefix", "suffix", "regex")
_MATCH = {"literal": "substring", "prefix": "prefix", "suffix": "suffix", "regex": "regex"}


def _community_patterns(
    entries: list[dict[str, Any]], categories: tuple[_Category, ...]
) -> dict[str, tuple[tuple[str, int], ...]]:
    r"""The community list's patterns by kind, each with its category index.

    Each entry's first tag that a category lists in its ``community_tags``
    decides its category (``generic`` if none does). A pattern that is plain
    text once ``\/`` and the like are unescaped is a ``literal``; one of the
    simple forms :func:`_expand` knows goes, expanded, to ``literal``,
    ``prefix`` or ``suffix``; the rest to ``regex``. Within a kind, patterns
    are in category order, then in the list's order, without repeats.

    >>> categories = (
    ...     _Category("ai", "bot", ("ai-crawler",), ()),
    ...     _Category("tool", "tool", ("http-library",), ()),
    ...     _Category(GENERIC, "bot", (), ()),
    ... )
    >>> out = _community_patterns(
    ...     [
    ...         {"pattern": r"okhttp", "tags": ["http-library"]},
    ...         {"pattern": "^curl", "tags": ["http-library"]},
    ...         {"pattern": r"Spider[\s\S]*spider\.com", "tags": ["ai-crawler"]},
    ...         {"pattern": "SomeBot", "tags": []},
    ...     ],
    ...     categories,
    ... )
    >>> out["literal"], out["prefix"], out["regex"]
    ((('okhttp', 1), ('SomeBot', 2)), (('curl', 1),), (('Spider[\\s\\S]*spider\\.com', 0),))
    """
    tag_to = {tag: i for i, c in enumerate(categories) for tag in c.tags}
    generic = len(categories) - 1
    tables: dict[str, list[dict[str, None]]] = {k: [{} for _ in categories] for k in _KINDS}
    for entry in entries:
        rank = next((tag_to[t] for t in entry.get("tags", ()) if t in tag_to), generic)
        matches = _expand(entry["pattern"])
        if matches is None:
            tables["regex"][rank][entry["pattern"]] = None
        for kind, text in matches or ():
            tables[kind][rank][text] = None
    return {
        kind: tuple((p, rank) for rank, table in enumerate(tables[kind]) for p in table)
        for kind in _KINDS
    }


def _community_entries() -> list[dict[str, Any]]:
    """The installed crawler-user-agents package's entries (its JSON data file).

    The file is found without importing the package, whose import parses the
    same file again.
    """
    spec = find_spec(COMMUNITY_PACKAGE)
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        raise RuntimeError("the crawler-user-agents package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / COMMUNITY_FILE
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return entries
