"""Bot detection by user agent: real agent strings, categories, false positives, nulls."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from httplog.bots import agent_class, bot_category, bot_patterns, is_bot

ROOT = Path(__file__).resolve().parents[1]

#: Real user-agent strings and the category they must get (None: a human's browser).
AGENTS: list[tuple[str, str | None]] = [
    # Browsers: never bots.
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        None,
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", None),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.2 Safari/605.1.15",
        None,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
        None,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
        None,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36",
        None,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
        None,
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
        None,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/442.0.0.38.110;FBBV/540393370]",
        None,
    ),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:27.0) Gecko/20100101 Firefox/27.0", None),
    ("Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; WOW64; Trident/5.0; BOIE9;ENUS)", None),
    # CUBOT phones: "bot" inside the model name is not a bot.
    (
        "Mozilla/5.0 (Linux; Android 9; CUBOT KING KONG 3) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/92.0.4515.131 Mobile Safari/537.36",
        None,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.6099.144 Mobile Safari/537.36",
        None,
    ),
    # Search engines.
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "search"),
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0.6099.71 Mobile Safari/537.36 "
        "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "search",
    ),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "search"),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "search"),
    (
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "search",
    ),
    ("DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", "search"),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        "search",
    ),
    ("Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)", "search"),
    (
        "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile "
        "Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
        "search",
    ),
    (
        "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
        "search",
    ),
    # LLM / AI crawlers.
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.0; "
        "+https://openai.com/gptbot",
        "ai",
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; "
        "+https://openai.com/bot",
        "ai",
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
        "+claudebot@anthropic.com)",
        "ai",
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; "
        "+https://perplexity.ai/perplexitybot)",
        "ai",
    ),
    ("CCBot/2.0 (https://commoncrawl.org/faq/)", "ai"),
    (
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile "
        "Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
        "ai",
    ),
    (
        "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
        "ai",
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amazonbot/0.1; "
        "+https://developer.amazon.com/support/amazonbot) Chrome/119.0.6045.214 Safari/537.36",
        "ai",
    ),
    # SEO crawlers.
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "seo"),
    ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", "seo"),
    ("Mozilla/5.0 (compatible; MJ12bot/v1.4.4; http://www.majestic12.co.uk/bot.php?+)", "seo"),
    (
        "Mozilla/5.0 (compatible; DotBot/1.1; http://www.opensiteexplorer.org/dotbot, "
        "help@moz.com)",
        "seo",
    ),
    ("Barkrowler/0.9 (+http://www.exensa.com/crawl)", "seo"),
    # Link previews.
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "social"),
    ("Twitterbot/1.0", "social"),
    ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "social"),
    ("WhatsApp/2.23.20.0 A", "social"),
    ("TelegramBot (like TwitterBot)", "social"),
    ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "social"),
    (
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "social",
    ),
    # Feeds.
    ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)", "feed"),
    ("UniversalFeedParser/4.2-pre-314-svn +http://feedparser.org/", "feed"),
    # Monitors and health checks.
    ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "monitor"),
    ("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", "monitor"),
    ("kube-probe/1.28", "monitor"),
    ("ELB-HealthChecker/2.0", "monitor"),
    ("GoogleHC/1.0", "monitor"),
    # Scanners.
    ("Mozilla/5.0 zgrab/0.x", "scanner"),
    ("masscan/1.3 (https://github.com/robertdavidgraham/masscan)", "scanner"),
    ("Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "scanner"),
    ("sqlmap/1.7.12#stable (https://sqlmap.org)", "scanner"),
    ("Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", "scanner"),
    ("Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", "scanner"),
    (
        "Expanse, a Palo Alto Networks company, searches across the global IPv4 space multiple "
        "times per day to identify customers' presences on the Internet.",
        "scanner",
    ),
    ("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)", "scanner"),
    # Tools: HTTP libraries and command-line clients, not crawlers.
    ("curl/8.5.0", "tool"),
    ("Wget/1.21.4", "tool"),
    ("python-requests/2.31.0", "tool"),
    ("Python-urllib/3.11", "tool"),
    ("Python/3.11 aiohttp/3.9.1", "tool"),
    ("Go-http-client/1.1", "tool"),
    ("okhttp/4.12.0", "tool"),
    ("Java/1.8.0_391", "tool"),
    ("Apache-HttpClient/4.5.14 (Java/17.0.9)", "tool"),
    ("axios/1.6.2", "tool"),
    ("PostmanRuntime/7.36.0", "tool"),
    ("Scrapy/2.11.0 (+https://scrapy.org)", "tool"),
    ("HTTPie/3.2.2", "tool"),
    ("libwww-perl/6.72", "tool"),
    ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "tool"),
    # Generic tokens: the long tail.
    ("LumiBot 2.0", "generic"),
    ("magpie-crawler/1.1 (U; Linux amd64; en-GB; +http://www.brandwatch.net)", "generic"),
    ("Mozilla/5.0 (compatible; QzxwvCrawler/1.1)", "generic"),
    ("Mozilla/5.0 (compatible; SomeNewSpider/0.3)", "generic"),
    # A generic token outside the false positive still counts.
    ("Mozilla/5.0 (Linux; Android 10; CUBOT_X30) (compatible; QzxwvBot/1.0)", "generic"),
    # Matching ignores ASCII case.
    ("MOZILLA/5.0 (COMPATIBLE; GOOGLEBOT/2.1)", "search"),
    ("CURL/7.68.0", "tool"),
]


@pytest.fixture(scope="module")
def agents() -> pl.DataFrame:
    return pl.DataFrame(
        {"user_agent": [a for a, _ in AGENTS], "expected": [c for _, c in AGENTS]},
        schema={"user_agent": pl.String, "expected": pl.String},
    )


def test_the_table_has_enough_real_agents_of_every_kind():
    assert len(AGENTS) >= 25
    categories = {c for _, c in AGENTS}
    curated = bot_patterns().filter(pl.col("source") == "curated")
    assert categories == {None, *curated["category"]}


@pytest.mark.parametrize(("agent", "category"), AGENTS, ids=[a[:60] for a, _ in AGENTS])
def test_agent_gets_its_bot_flag_and_category(agent, category):
    df = pl.DataFrame({"user_agent": [agent]})
    out = df.select(bot=is_bot(), category=bot_category(), kind=agent_class())
    kind = "human" if category is None else "tool" if category == "tool" else "bot"
    assert out.row(0) == (kind == "bot", category, kind)


def test_the_whole_table_at_once_repeated_and_shuffled_matches_row_by_row(agents):
    shuffled = pl.concat([agents] * 5).sample(fraction=1.0, shuffle=True, seed=7)
    assert shuffled["user_agent"].n_unique() == agents.height  # every agent, repeated
    out = shuffled.select("expected", bot=is_bot(), category=bot_category())
    assert out["category"].to_list() == out["expected"].to_list()
    crawler = out["expected"].is_not_null() & (out["expected"] != "tool")
    assert out["bot"].to_list() == crawler.to_list()


def test_a_null_agent_is_not_a_bot_and_has_no_category():
    df = pl.DataFrame({"user_agent": [None, "curl/8.0", None]}, schema={"user_agent": pl.String})
    out = df.select(bot=is_bot(), category=bot_category())
    assert out.rows() == [(False, None), (False, "tool"), (False, None)]
    assert out.schema == pl.Schema({"bot": pl.Boolean, "category": pl.String})


def test_an_all_null_or_empty_column_is_no_bot():
    nulls = pl.DataFrame({"user_agent": [None, None]}, schema={"user_agent": pl.String})
    assert nulls.select(is_bot())["user_agent"].to_list() == [False, False]
    empty = nulls.clear()
    assert empty.select(is_bot(), c=bot_category()).height == 0


@pytest.mark.parametrize("engine", ["in-memory", "streaming"])
def test_lazy_engines_agree_with_eager(agents, engine):
    lf = agents.lazy().select(bot=is_bot(), category=bot_category())
    assert lf.collect(engine=engine).equals(agents.select(bot=is_bot(), category=bot_category()))


def test_works_inside_group_by_aggregations(agents):
    grouped = (
        agents.with_columns(g=pl.int_range(pl.len()) % 3)
        .group_by("g")
        .agg(
            bots=is_bot().sum(),
            expected=(pl.col("expected").is_not_null() & (pl.col("expected") != "tool")).sum(),
        )
    )
    assert grouped["bots"].to_list() == grouped["expected"].to_list()


def test_takes_an_expression_and_a_categorical_column():
    df = pl.DataFrame({"ua": ["  Googlebot/2.1", "Firefox/121.0"]})
    stripped = pl.col("ua").str.strip_chars()
    assert df.select(bot_category(stripped))["ua"].to_list() == ["search", None]
    cat = df.with_columns(pl.col("ua").cast(pl.Categorical))
    assert cat.select(is_bot("ua"))["ua"].to_list() == [True, False]


def test_bot_patterns_lists_specific_categories_before_the_generic_tokens():
    table = bot_patterns()
    assert table.columns == ["pattern", "category", "class", "source", "match"]
    table = table.filter(pl.col("source") == "curated")
    order = table["category"].unique(maintain_order=True).to_list()
    assert order[-1] == "generic"
    assert set(table.filter(pl.col("category") == "generic")["pattern"]) == {
        "bot",
        "crawler",
        "spider",
        "crawl",
    }
    for name in ["search", "seo", "ai", "social", "monitor", "tool", "scanner"]:
        assert name in order


def test_curated_bot_patterns_are_unique_ignoring_case():
    curated = bot_patterns().filter(pl.col("source") == "curated")
    lowered = curated["pattern"].str.to_lowercase()
    assert lowered.is_duplicated().sum() == 0


def test_the_brief_s_named_bots_are_all_listed():
    patterns = set(bot_patterns()["pattern"])
    named = {
        "Googlebot", "bingbot", "YandexBot", "Baiduspider", "DuckDuckBot", "Applebot",
        "Exabot", "SeznamBot", "PetalBot", "AhrefsBot", "SemrushBot", "MJ12bot", "DotBot",
        "BLEXBot", "GPTBot", "ChatGPT-User", "OAI-SearchBot", "ClaudeBot", "Claude-Web",
        "anthropic-ai", "PerplexityBot", "CCBot", "Bytespider", "Google-Extended", "Amazonbot",
        "meta-externalagent", "facebookexternalhit", "Twitterbot", "Slackbot", "LinkedInBot",
        "Discordbot", "WhatsApp", "TelegramBot", "UptimeRobot", "Pingdom", "StatusCake",
        "Site24x7", "Datadog", "NewRelicPinger", "kube-probe", "ELB-HealthChecker", "GoogleHC",
        "curl/", "Wget", "python-requests", "python-urllib", "aiohttp", "Go-http-client",
        "okhttp", "Java/", "libwww-perl", "Apache-HttpClient", "node-fetch", "HTTPie", "Scrapy",
        "PostmanRuntime", "zgrab", "masscan", "Nmap", "Nikto", "sqlmap", "Nuclei",
        "CensysInspect", "Expanse",
    }  # fmt: skip
    assert named - patterns == set()


# ------------------------------------------------------ the community list


def _community() -> list[dict]:
    import json
    from importlib.resources import files

    text = files("crawleruseragents").joinpath("crawler-user-agents.json").read_text("utf-8")
    return json.loads(text)


def test_the_installed_community_list_is_the_pinned_version():
    import re
    import tomllib
    from importlib.metadata import version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [d for d in project["dependencies"] if re.match(r"crawler-user-agents\b", d)]
    # Pinned exactly in the runtime dependencies: the bot flag is saved in partials.
    assert len(pins) == 1
    assert pins[0] == f"crawler-user-agents=={version('crawler-user-agents')}"


def test_bot_patterns_carry_the_community_patterns():
    table = bot_patterns()
    community = table.filter(pl.col("source") == "community")
    entries = _community()
    # Every community entry is there: as itself (a regex), or expanded to plain matches.
    assert community.height >= len(entries) * 0.9
    rows = set(community.select("pattern", "category", "match").iter_rows())
    assert {
        ("curl", "tool", "prefix"),
        ("GPTBot", "ai", "substring"),
        ("AhrefsBot", "seo", "substring"),
    } <= rows
    regexes = {p for p, _, m in rows if m == "regex"}
    assert regexes <= {e["pattern"] for e in entries}
    assert set(community["match"]) == {"substring", "prefix", "suffix", "regex"}
    assert {"ads", "research"} <= set(community["category"])  # community-only categories
    classes = dict(table.select("category", "class").unique().iter_rows())
    assert (
        community.select(pl.col("category").replace_strict(classes))
        .to_series()
        .equals(community["class"], check_names=False)
    )


def test_every_sample_agent_of_the_community_list_is_a_bot_or_a_tool():
    # Each entry comes with instances: real agents its pattern matches (2,000 and more).
    rows = [(e["tags"][0], ua) for e in _community() for ua in e.get("instances", ())]
    frame = pl.DataFrame(rows, schema=["tag", "user_agent"], orient="row")
    assert frame.height > 2000
    out = frame.with_columns(kind=agent_class())
    assert out.filter(pl.col("kind") == "human").height == 0
    tools = out.filter(pl.col("tag").is_in(["http-library", "browser-automation"]))
    assert tools.height > 50
    # A crawler's agent that also names its HTTP library ("... python-requests ... bot")
    # ranks as the crawler; a plain library agent is a tool.
    assert tools.filter(pl.col("kind") == "tool").height / tools.height > 0.9


@pytest.mark.parametrize(
    ("agent", "category"),
    [
        (
            "Mozilla/5.0 (compatible; FlipboardProxy/1.2; +http://flipboard.com/browserproxy)",
            "social",
        ),
        ("CommaFeed/4.0.0 (https://github.com/Athou/commafeed)", "feed"),
        ("theoldreader.com", "feed"),
        ("Mozilla/5.0 (compatible; Google Web Preview)", "social"),
        ("AppEngine-Google; (+http://code.google.com/appengine; appid: s~x)", "search"),
        ("Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5", "social"),
        ("HeadlessChrome/120.0.0.0", "tool"),
    ],
)
def test_agents_only_the_community_list_knows_get_its_category(agent, category):
    df = pl.DataFrame({"user_agent": [agent]})
    assert df.select(bot_category())["user_agent"].item() == category


def test_the_sample_s_android_app_okhttp_is_kept_by_bots_exclude():
    # sample_logs/nginx_access.log: the shop's Android app (okhttp, 784 lines) and its
    # scripts are real traffic, not crawlers.
    from pathlib import Path

    from httplog import read_logs

    path = Path(__file__).resolve().parents[1] / "sample_logs" / "nginx_access.log"
    rows = read_logs(path, log_format="combined").frame
    flagged = rows.with_columns(bot=is_bot(), kind=agent_class())
    okhttp = flagged.filter(pl.col("user_agent").str.starts_with("okhttp/"))
    assert okhttp.height == 784 and not okhttp["bot"].any()
    assert set(okhttp["kind"]) == {"tool"}
    bots = flagged.filter("bot")["user_agent"].unique().to_list()
    assert not any(a.startswith(("curl/", "python-requests/", "Wget/")) for a in bots)
    assert any("Googlebot" in a for a in bots)
