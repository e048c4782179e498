"""Dashboard panels on hand-made lines whose answer is known; visitors and
distinct counts exact while small and estimates within their error beyond;
the sketches' hash id; routes; the panels in the JSON, export and terminal."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

import httplog
import httplog.partial as partials
from httplog.aggregation import aggregate
from httplog.analysis import finalize
from httplog.cli.terminal import to_text
from httplog.dashboard import distinct_keys, panels, visitors_per_day
from httplog.errors import StateError
from httplog.options import ViewOptions
from httplog.partial import Partial, empty_partial, fold, merge
from httplog.routes import parse_rule, route
from httplog.sketches import HASH_SEED, VISITORS_P, hash_id, standard_error, visitor_hash
from httplog.summary import to_summary, validate

LINE = '{ip} - {user} [20/Nov/2026:{hh}:00:00 +0100] "{method} {path} {proto}" {status} {size} "{ref}" "{ua}"'
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def line(**kw) -> str:
    base = {
        "ip": "192.0.2.1", "user": "-", "hh": "10", "method": "GET", "path": "/",
        "proto": "HTTP/1.1", "status": 200, "size": 100, "ref": "-", "ua": FIREFOX,
    }  # fmt: skip
    return LINE.format(**{**base, **kw})


LINES = [
    line(path="/a", size=10),
    line(path="/a", size=20, ip="192.0.2.2", user="alice"),
    line(path="/a", ua=BOT, ref="https://www.example.org/x?q=1"),
    line(path="/app.js", size=5000, proto="HTTP/2.0"),
    line(path="/app.js?v=2", size=5000, ref="https://www.example.org/"),
    line(path="/IMG/logo.PNG", size=700, method="HEAD"),
    line(path="/missing", status=404, size=0, ip="198.51.100.7", ref="https://other.test/page"),
    line(path="/missing", status=404, size=0, ip="198.51.100.8"),
    line(path="/users/42/orders/7", hh="23", method="POST"),
    line(path="/users/43/orders/8", hh="23"),
]


@pytest.fixture
def analysis(write_log):
    return httplog.analyze(str(write_log(LINES)))


def rows(frame: pl.DataFrame, *cols: str) -> dict:
    return {r[0]: r[1:] for r in frame.select(*cols).rows()}


def test_requested_static_and_not_found_files(analysis):
    p = analysis.panels
    assert rows(p["requests"], "path", "requests", "bytes") == {
        "/a": (3, 130),  # (a bot's request counts: --bots include)
        "/users/42/orders/7": (1, 100),
        "/users/43/orders/8": (1, 100),
    }
    # static on the path alone, any case; the query string is not part of the path
    assert rows(p["static_requests"], "path", "requests", "bytes") == {
        "/app.js": (2, 10_000),
        "/IMG/logo.PNG": (1, 700),
    }
    assert rows(p["not_found"], "path", "requests") == {"/missing": (2,)}
    assert p["requests"]["delta"].max() == 0
    assert "mean_time" not in p["requests"].columns  # the log has no request times


def test_hosts_methods_protocols_users_referring_sites_and_routes(analysis):
    p = analysis.panels
    assert rows(p["hosts"], "remote_addr", "requests")["192.0.2.1"] == (7,)
    assert rows(p["methods"], "method", "requests") == {"GET": (8,), "HEAD": (1,), "POST": (1,)}
    assert rows(p["protocols"], "protocol", "requests") == {"HTTP/1.1": (9,), "HTTP/2.0": (1,)}
    assert rows(p["remote_users"], "remote_user", "requests") == {"alice": (1,)}
    assert rows(p["referring_sites"], "site", "requests") == {
        "www.example.org": (2,),
        "other.test": (1,),
    }
    assert rows(p["routes"], "route", "requests")["/users/{id}/orders/{id}"] == (2,)
    assert "vhosts" not in p  # the combined format has no virtual host: the panel is absent


def test_visitors_per_day_follow_goaccess_and_the_time_zone(analysis):
    # client + agent per day, 4xx left out: (192.0.2.1, Firefox), (192.0.2.1, bot),
    # (192.0.2.2, Firefox); the 404s' clients are no visitors.
    v = analysis.panels["visitors"]
    assert v.select("day", "requests", "visitors").rows() == [(date(2026, 11, 20), 10, 3)]
    assert analysis.visitors == 3
    # In UTC the 23:00 (+01:00) requests are at 22:00, still the 20th; in Tokyo the
    # morning requests are on the 20th and the evening ones on the 21st.
    tokyo = finalize(analysis.partial, ViewOptions(tz="Asia/Tokyo")).panels["visitors"]
    assert tokyo.select("day", "visitors").rows() == [
        (date(2026, 11, 20), 3),
        (date(2026, 11, 21), 1),
    ]


def test_time_distribution_is_by_hour_of_the_view(analysis):
    td = analysis.panels["time_distribution"]  # by default on the log's clock (+0100)
    assert td.height == 24
    assert rows(td.filter(pl.col("requests") > 0), "hour", "requests", "4xx") == {
        10: (8, 2),
        23: (2, 0),
    }
    utc = finalize(analysis.partial, ViewOptions(tz="UTC")).panels["time_distribution"]
    assert set(utc.filter(pl.col("requests") > 0)["hour"]) == {9, 22}
    tehran = finalize(analysis.partial, ViewOptions(tz="+03:30")).panels["time_distribution"]
    assert set(tehran.filter(pl.col("requests") > 0)["hour"]) == {12, 1}
    paris = finalize(analysis.partial, ViewOptions(tz="Europe/Paris")).panels["time_distribution"]
    assert set(paris.filter(pl.col("requests") > 0)["hour"]) == {10, 23}


def test_bots_view_applies_to_every_panel(analysis):
    humans = finalize(analysis.partial, ViewOptions(bots="exclude"))
    assert rows(humans.panels["requests"], "path", "requests")["/a"] == (2,)
    assert humans.visitors == 2
    only = finalize(analysis.partial, ViewOptions(bots="only"))
    assert set(only.panels) >= {"requests", "visitors"}
    assert only.panels["hosts"]["requests"].sum() == 1


def test_vhosts_panel_with_a_virtual_host_format(write_log):
    log = write_log(
        [
            'shop.example:443 192.0.2.1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x"',
            'api.example:443 192.0.2.1 - - [20/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "x"',
            'api.example:443 192.0.2.1 - - [20/Nov/2026:10:00:02 +0000] "GET / HTTP/1.1" 500 5 "-" "x"',
        ]
    )
    a = httplog.analyze(str(log))
    assert rows(a.panels["vhosts"], "host", "requests") == {
        "api.example": (2,),
        "shop.example": (1,),
    }


def test_request_times_give_mean_and_max_per_file():
    t = datetime(2026, 1, 1, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "time": [t] * 3,
            "status": pl.Series([200] * 3, dtype=pl.UInt16),
            "path": ["/slow", "/slow", "/fast"],
            "request_time": [1.0, 3.0, 0.5],
        }
    )
    got = panels(aggregate(frame))["requests"]
    assert rows(got, "path", "mean_time", "max_time") == {"/slow": (2.0, 3.0), "/fast": (0.5, 0.5)}


# ------------------------------------------------------------ visitors, HLL


def visitor_frame(n: int, *, hours: int = 1, seed: int = 1) -> pl.DataFrame:
    rng = random.Random(seed)
    t = datetime(2026, 1, 1, tzinfo=UTC)
    return pl.DataFrame(
        {
            "time": [t + timedelta(minutes=rng.randrange(60 * hours)) for _ in range(n)],
            "status": pl.Series([200] * n, dtype=pl.UInt16),
            "remote_addr": [f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in range(n)],
            "user_agent": [f"agent-{i % 7}" for i in range(n)],
        }
    )


def test_visitors_are_exact_up_to_the_bound_then_an_estimate_within_its_error():
    small = aggregate(visitor_frame(partials.VISITORS_EXACT))
    merged = merge(small, empty_partial())
    assert merged.visitors_hll.is_empty()
    assert visitors_per_day(merged)["visitors"].to_list() == [partials.VISITORS_EXACT]
    n = 30_000
    frame = visitor_frame(n, seed=2)
    blocks = [aggregate(frame.slice(i, 4_000)) for i in range(0, n, 4_000)]
    got = fold(iter(blocks), every=3)
    assert got.visitors.is_empty() and got.visitors_hll.height <= 1 << VISITORS_P
    day = visitors_per_day(got)
    assert day["estimate"].to_list() == [True]
    assert abs(day["visitors"][0] / n - 1) < 4 * standard_error(VISITORS_P)


def test_visitor_sketches_of_any_split_and_order_are_equal():
    frame = visitor_frame(12_000, hours=3, seed=3)
    whole = merge(aggregate(frame), empty_partial())
    rng = random.Random(4)
    for _ in range(3):
        cuts = sorted(rng.sample(range(1, frame.height), 4))
        parts = [
            aggregate(frame[a:b]) for a, b in zip([0, *cuts], [*cuts, frame.height], strict=True)
        ]
        rng.shuffle(parts)
        got = merge(merge(*parts[:2]), merge(*parts[2:]))
        for name in ("visitors", "visitors_hll"):
            assert (
                got.table(name)
                .sort(list(partials.KEYS[name]))
                .equals(whole.table(name).sort(list(partials.KEYS[name])))
            ), name


def test_distinct_keys_are_exact_below_the_bound_and_estimated_beyond(monkeypatch):
    frame = visitor_frame(20_000, seed=5).with_columns(
        path=pl.format("/item/{}", pl.int_range(pl.len()))
    )
    exact = distinct_keys(merge(aggregate(frame[:8_000]), aggregate(frame[8_000:9_000])))
    assert rows(exact, "dimension", "distinct", "estimate")["path"] == (9_000, False)
    t = partials.TABLES["keys"]
    monkeypatch.setitem(partials.TABLES, "keys", replace(t, summary=replace(t.summary, k=1_000)))
    bounded = merge(aggregate(frame[:10_000]), aggregate(frame[10_000:]))
    got = rows(distinct_keys(bounded), "dimension", "distinct", "estimate", "error")["path"]
    assert got[1] is True and abs(got[0] / 20_000 - 1) < 4 * got[2]


def test_hashes_are_pinned_so_that_a_change_of_hash_fails_here():
    """If polars changes its hash (its docs promise stability within one version
    only), this fails: a new polars must also bump what hash_id() says, so that
    sketches of files made before are refused rather than double-counted."""
    visitor = pl.DataFrame({"remote_addr": ["192.0.2.1"], "user_agent": ["x"]})
    got = visitor.select(visitor_hash(pl.col("remote_addr"), pl.col("user_agent"))).item()
    key = pl.DataFrame({"key": ["/index.html"]}).select(pl.col("key").hash(HASH_SEED)).item()
    assert (got, key) == (7542432497738113098, 6205083135026340882)
    assert hash_id() == f"polars-{pl.__version__}-seed{HASH_SEED}-xor"


def test_a_partial_hashed_by_another_polars_is_refused(tmp_path):
    p = merge(aggregate(visitor_frame(50)), empty_partial())
    path = tmp_path / "state.parquet"
    p.to_parquet(path)
    assert Partial.from_parquet(path).visitors.height == 50
    df = pl.read_parquet(path).with_columns(
        hash_id=pl.when(pl.col("table") == "meta").then(pl.lit("polars-0.0.1-seed1"))
    )
    df.write_parquet(path)
    with pytest.raises(StateError, match=r"hashed by polars-0\.0\.1"):
        Partial.from_parquet(path)


# ------------------------------------------------------------------- routes


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/users/123", "/api/v1/users/{id}"),
        ("/api/v2/users/123", "/api/v2/users/{id}"),
        ("/en/about", "/en/about"),
        ("/fr/about", "/fr/about"),
        ("/files/550e8400-e29b-41d4-a716-446655440000", "/files/{uuid}"),
        ("/commit/9fceb02d0ae598e95dc970b74767f19372d61af8", "/commit/{hex}"),
        ("/blog/2026-11-20/post", "/blog/{date}/post"),
        ("/u/alice@example.com", "/u/{email}"),
        ("/t/AbCdEfGhIjKlMnOpQrSt12Uv", "/t/{token}"),
        ("/img/123.jpg", "/img/{id}.jpg"),
        ("/1/2/3", "/{id}/{id}/{id}"),
        ("/page12", "/page12"),
        ("/french-press-1l", "/french-press-1l"),
        ("/search?q=123", "/search"),
        ("/", "/"),
    ],
)
def test_routes_fold_whole_identifier_segments_only(path, expected):
    assert pl.DataFrame({"p": [path]}).select(route("p"))["p"][0] == expected


def test_a_route_rule_of_the_user_comes_first():
    rule = parse_rule("sku=SKU-[0-9]+")
    got = pl.DataFrame({"p": ["/p/SKU-991/x"]}).select(route("p", (rule,)))["p"][0]
    assert got == "/p/{sku}/x"
    with pytest.raises(httplog.errors.UsageError):
        parse_rule("no equals sign")


# ------------------------------------------------------ JSON, export, terminal


def test_summary_version_2_has_every_panel_and_validates(analysis):
    s = to_summary(analysis)
    assert validate(s) == []
    assert s["version"] == 2 and s["visitors"] == 3
    assert set(s["panels"]) == set(analysis.panels)
    row = s["panels"]["not_found"]["rows"][0]
    assert {k: row[k] for k in ("path", "requests", "share", "bytes", "delta", "4xx", "5xx")} == {
        "path": "/missing", "requests": 2, "share": 0.2, "bytes": 0, "delta": 0, "4xx": 2, "5xx": 0,
    }  # fmt: skip
    assert s["panels"]["visitors"]["rows"][0]["day"] == "2026-11-20"
    assert s["distinct"]["file"] == {"count": 5, "estimate": False, "error": 0.0}
    assert all("delta" in e for e in s["top"]["path"]["all"])
    text = to_text(s)
    assert "3 unique visitors" in text and "Not found:" in text and "/missing" in text


def test_export_writes_every_panel(write_log, tmp_path):
    out = tmp_path / "export"
    r = httplog.run(str(write_log(LINES)), outputs=httplog.Outputs(export=str(out)))
    for name in r.analysis.panels:
        back = pl.read_parquet(out / f"panel_{name}.parquet")
        assert back.equals(r.analysis.panels[name]), name
        assert (out / f"panel_{name}.csv").exists()
    assert json.loads((out / "summary.json").read_text())["version"] == 2
