"""Visitors on every key panel's rows (GoAccess's "Visitors" column: the same
client, agent and date is one visitor; 4xx requests are none): known answers
on hand-made lines, the panels folded from others (browsers, systems,
countries, networks, keyphrases), any split merging into the whole, the JSON
summary, the export and the report."""

from __future__ import annotations

import itertools
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mmdb_writer import MmdbU32, MMDBWriter
from netaddr import IPSet

import httplog
from httplog.aggregation import aggregate
from httplog.analysis import finalize
from httplog.dashboard import KEY_PANELS, panels
from httplog.options import ViewOptions
from httplog.partial import merge
from httplog.sketches import BITMAP_ERROR
from httplog.summary import to_summary, validate

T0 = datetime(2026, 3, 1, 10, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
#: Three clients (in France, Germany, nowhere), each with two agents, on two days.
CLIENTS = {"192.0.2.1": "alice", "198.51.100.2": "bob", "203.0.113.3": None}
COLUMNS = (
    "path",
    "method",
    "protocol",
    "remote_addr",
    "user_agent",
    "referer",
    "host",
    "remote_user",
    "ssl_protocol",
    "content_type",
    "upstream_cache_status",
)


def frame(lines: list[dict]) -> pl.DataFrame:
    """A parsed frame from dicts (``day``: days after T0; missing columns null)."""
    return pl.DataFrame(
        {
            "time": pl.Series(
                [T0 + timedelta(days=r.get("day", 0), seconds=i) for i, r in enumerate(lines)],
                dtype=pl.Datetime("us", "UTC"),
            ),
            "status": pl.Series([r.get("status", 200) for r in lines], dtype=pl.UInt16),
            **{c: pl.Series([r.get(c) for r in lines], dtype=pl.String) for c in COLUMNS},
            "bytes": pl.Series([10] * len(lines), dtype=pl.UInt64),
        }
    )


def visit(client: str, agent: str, day: int, **more: object) -> dict:
    return {
        "path": "/",
        "method": "GET",
        "protocol": "HTTP/1.1",
        "remote_addr": client,
        "user_agent": agent,
        "referer": f"https://r.example/{'firefox' if agent == FIREFOX else 'chrome'}",
        "host": "a.example" if day == 0 else "b.example",
        "remote_user": CLIENTS.get(client),
        "ssl_protocol": "TLSv1.3",
        "content_type": "text/html",
        "upstream_cache_status": "HIT" if day == 0 else "MISS",
        "day": day,
        **more,
    }


#: 3 clients x 2 agents x 2 days = 12 visitors, each seen twice; then a
#: client's 4xx requests, which are no visit (its agent, host and referer are
#: those of the others: they gain requests, not visitors).
LINES = [
    visit(c, a, d) for c in CLIENTS for a in (FIREFOX, CHROME) for d in (0, 1) for _ in range(2)
] + [visit("203.0.113.9", FIREFOX, 0, status=404, path="/missing") for _ in range(3)]


def by_key(frame: pl.DataFrame) -> dict[object, int]:
    key = frame.columns[0] if frame.columns[0] != "agent_class" else frame.columns[1]
    return dict(frame.select(key, "visitors").rows())


@pytest.fixture(scope="module")
def analysis() -> httplog.Analysis:
    return finalize(aggregate(frame(LINES)))


def test_visitors_per_client_are_its_agents_and_days(analysis):
    assert by_key(analysis.panels["hosts"]) == {
        "192.0.2.1": 4,
        "198.51.100.2": 4,
        "203.0.113.3": 4,
        "203.0.113.9": 0,  # (4xx only: no visitor)
    }


def test_visitors_per_agent_vhost_referrer_and_the_other_panels(analysis):
    p = analysis.panels
    # (the hashes are fixed by hash_id(): these six fall in six bits of each bitmap)
    assert by_key(p["user_agents"]) == {FIREFOX: 6, CHROME: 6}
    assert by_key(p["vhosts"]) == {"a.example": 6, "b.example": 6}
    assert by_key(p["referrers"]) == {"https://r.example/firefox": 6, "https://r.example/chrome": 6}
    assert by_key(p["remote_users"]) == {"alice": 4, "bob": 4}
    assert by_key(p["cache_statuses"]) == {"HIT": 6, "MISS": 6}
    assert by_key(p["not_found"]) == {"/missing": 0}
    # Twelve visitors in one row: an estimate within its stated error.
    for name in ("referring_sites", "methods", "protocols", "tls_protocols", "content_types"):
        (got,) = p[name]["visitors"].to_list()
        assert abs(got - 12) <= BITMAP_ERROR * 12, name
        assert (p[name]["visitors_error"] == BITMAP_ERROR).all()
    # A referring site ors its referers' bitmaps: no visitor counted twice.
    assert p["referring_sites"]["visitors"].item() == p["requests"]["visitors"].item()


def test_every_key_panel_of_a_log_with_clients_has_visitors(analysis):
    for name in KEY_PANELS:
        if name in analysis.panels:
            frame = analysis.panels[name]
            assert {"visitors", "visitors_error"} <= set(frame.columns), name
            assert frame.columns.index("visitors") == frame.columns.index("share") + 1, name


def test_no_clients_no_visitors_column():
    found = panels(frame(LINES).drop("remote_addr"))
    assert "hosts" not in found
    for name, f in found.items():
        assert "visitors_error" not in f.columns, name
        if name != "time_distribution":
            assert "visitors" not in f.columns, name


def test_browsers_and_systems_or_the_bitmaps_of_their_agents(analysis):
    firefox_128 = FIREFOX.replace("133.0", "128.0")
    lines = [*LINES, visit("192.0.2.1", firefox_128, 0), visit("192.0.2.1", firefox_128, 0)]
    p = finalize(aggregate(frame(lines))).panels
    # One more agent of the family from a known client on a known day: one
    # more visitor (GoAccess's visitor is of one agent).
    assert by_key(p["browsers"]) == {"Firefox": 7, "Chrome": 6}
    assert by_key(p["operating_systems"]) == {"Linux": 7, "Windows": 6}
    assert (p["browsers"]["visitors_error"] == BITMAP_ERROR).all()
    assert by_key(analysis.panels["browsers"]) == {"Firefox": 6, "Chrome": 6}


def test_keyphrases_or_the_bitmaps_of_their_referers():
    lines = [
        visit(c, FIREFOX, 0, referer=f"https://www.google.com/search?q=cafe&n={c}") for c in CLIENTS
    ] + [visit("192.0.2.1", FIREFOX, 0, referer="https://www.google.fr/search?q=cafe")]
    phrases = finalize(aggregate(frame(lines))).panels["keyphrases"]
    # four referers, three visitors: 192.0.2.1 came from two of them
    assert phrases.select("keyphrase", "requests", "visitors").rows() == [("cafe", 4, 3)]


def _geo_dbs(tmp: Path) -> str:
    country = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    for net, code, name in (("192.0.2.0/24", "FR", "France"), ("198.51.100.0/24", "DE", "Germany")):
        country.insert_network(
            IPSet([net]),
            {
                "continent": {"code": "EU", "names": {"en": "Europe"}},
                "country": {"iso_code": code, "names": {"en": name}},
            },
        )
    country.to_db_file(str(tmp / "country.mmdb"))
    asn = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN")
    asn.insert_network(
        IPSet(["192.0.2.0/24", "198.51.100.0/24"]),
        {"autonomous_system_number": MmdbU32(64496), "autonomous_system_organization": "Doc"},
    )
    asn.to_db_file(str(tmp / "asn.mmdb"))
    return str(tmp / "country.mmdb")


def test_countries_and_networks_or_the_bitmaps_of_their_clients(tmp_path):
    db = _geo_dbs(tmp_path)
    p = finalize(aggregate(frame(LINES)), ViewOptions(geoip_db=db)).panels
    assert dict(p["countries"].select("country", "visitors").rows()) == {
        "France": 4,
        "Germany": 4,
        "Unknown": 4,  # 203.0.113.3's; 203.0.113.9 made no visit
    }
    nets = finalize(aggregate(frame(LINES)), ViewOptions(geoip_db=str(tmp_path / "asn.mmdb")))
    got = dict(nets.panels["networks"].select("asn", "visitors").rows())
    assert abs(got[64496] - 8) <= 1 and got[None] == 4


def test_bots_view_applies_to_the_visitors_of_every_panel():
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    lines = [*LINES, visit("192.0.2.1", bot, 0), visit("192.0.2.1", bot, 1)]
    p = aggregate(frame(lines))
    with_bots = finalize(p).panels
    humans = finalize(p, ViewOptions(bots="exclude")).panels
    assert by_key(with_bots["hosts"])["192.0.2.1"] == 6
    assert by_key(humans["hosts"])["192.0.2.1"] == 4
    assert by_key(humans["vhosts"]) == {"a.example": 6, "b.example": 6}
    assert "Googlebot" not in by_key(humans["browsers"])


# ------------------------------------------------------------- any split


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, len(LINES)), max_size=4), st.randoms(use_true_random=False))
def test_visitors_of_every_panel_of_any_split_equal_the_whole(analysis, cuts, rnd):
    # The whole is the lines in their own order (the module's analysis, made once):
    # the lines shuffled and split anywhere, the parts merged in any order, give it;
    # with no cut, the one part is the whole of the lines shuffled.
    lines = list(LINES)
    rnd.shuffle(lines)
    bounds = [0, *sorted(cuts), len(lines)]
    parts = [aggregate(frame(lines[lo:hi])) for lo, hi in itertools.pairwise(bounds)]
    rnd.shuffle(parts)
    got, whole = finalize(merge(*parts)).panels, analysis.panels
    assert set(got) == set(whole)
    for name, f in whole.items():
        if "visitors" in f.columns and name != "visitors":
            key = [c for c in f.columns if f.schema[c] == pl.String][:2]
            cols = [*key, "visitors"]
            assert got[name].select(cols).sort(key).equals(f.select(cols).sort(key)), name


# ------------------------------------------------- summary, export, report


def _log(tmp_path: Path) -> Path:
    log = tmp_path / "access.log"
    out = []
    for r in LINES:
        when = (T0 + timedelta(days=r["day"])).strftime("%d/%b/%Y:%H:%M:%S +0000")
        out.append(
            f'{r["remote_addr"]} - - [{when}] "GET {r["path"]} HTTP/1.1" {r.get("status", 200)} 10 '
            f'"{r["referer"]}" "{r["user_agent"]}"\n'
        )
    out.append(
        f'192.0.2.1 - - [{T0.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "GET / HTTP/1.1" 200 10 '
        '"https://r.example/<b>x</b>" "<script>alert(1)</script>"\n'
    )
    log.write_text("".join(out), encoding="utf-8")
    return log


def test_the_summary_writes_the_visitors_of_every_panel_row(tmp_path):
    a = httplog.analyze(str(_log(tmp_path)))
    s = to_summary(a)
    assert validate(s) == []
    for name in ("hosts", "user_agents", "referrers", "referring_sites", "browsers"):
        rows = s["panels"][name]["rows"]
        assert rows and all(isinstance(r["visitors"], int) for r in rows), name
        assert all(r["visitors_error"] == BITMAP_ERROR for r in rows), name
    hosts = {r["remote_addr"]: r["visitors"] for r in s["panels"]["hosts"]["rows"]}
    assert hosts["203.0.113.3"] == 4 and hosts["203.0.113.9"] == 0
    # (the schema says so: a panel row's visitors is a count, its error a fraction)
    bad = json.loads(json.dumps(s))
    bad["panels"]["hosts"]["rows"][0]["visitors"] = -1
    assert validate(bad)


def test_the_export_has_the_visitors_of_every_panel(tmp_path):
    out = tmp_path / "export"
    httplog.run(str(_log(tmp_path)), outputs=httplog.Outputs(export=str(out)))
    for name in ("hosts", "user_agents", "referrers", "browsers", "operating_systems"):
        csv = pl.read_csv(out / f"panel_{name}.csv")
        assert "visitors" in csv.columns, name
        assert "visitors" in pl.read_parquet(out / f"panel_{name}.parquet").columns, name
    hosts = pl.read_csv(out / "panel_hosts.csv")
    assert dict(hosts.select("remote_addr", "visitors").rows())["203.0.113.3"] == 4


def test_the_report_shows_the_visitors_column_of_every_panel_escaped(tmp_path):
    from httplog.report import write_report

    page = tmp_path / "r.html"
    write_report(httplog.analyze(str(_log(tmp_path))), str(page))
    html = page.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
    for name in ("hosts", "user_agents", "referrers", "browsers", "operating_systems"):
        table = html.split(f'id="t-panel-{name}"', 1)[1].split("</table>", 1)[0]
        assert "Visitors" in table, name


# ------------------------------------------------------ against GoAccess 1.7

ROOT = Path(__file__).resolve().parents[1]


def _goaccess_json(exe: str, log: Path, fmt: str, out: Path) -> dict:
    cmd = [exe, f"--log-format={fmt}", "--max-items=1000000", "--no-global-config"]
    r = subprocess.run([*cmd, "-o", str(out), str(log)], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    return json.loads(out.read_bytes().decode("utf-8", "replace"))


def _theirs(report: dict, panel: str) -> dict[str, int]:
    return {row["data"]: row["visitors"]["count"] for row in report[panel]["data"]}


def _close(ours: int, theirs: int) -> bool:
    """Within three of the bitmap's stated standard errors (and 2 for tiny counts)."""
    return abs(ours - theirs) <= 3 * BITMAP_ERROR * theirs + 2


@pytest.fixture(scope="module")
def nginx_goaccess(goaccess, tmp_path_factory) -> tuple[httplog.Analysis, dict]:
    log = ROOT / "sample_logs" / "nginx_access.log"
    report = _goaccess_json(goaccess, log, "COMBINED", tmp_path_factory.mktemp("ga") / "o.json")
    return httplog.analyze(str(log)), report


def test_visitors_per_client_agree_with_goaccess_but_for_utc_days(nginx_goaccess):
    """GoAccess's visitors per client (its "Visitor hostnames and IPs"). Ours
    are by UTC date, GoAccess's by the log's own date (+0100 here): a client
    seen on both sides of 23:00 local, UTC midnight, is one more visitor of
    ours (the health checker 10.0.0.5, all day long; GoAccess is right by its
    definition, ours are made where blocks are counted, before any view's
    time zone); a client of few visitors whose two hashes share a bit of the
    bitmap is one fewer (1 chance in 64 per pair). Each differs by one at
    most, and few differ."""
    a, report = nginx_goaccess
    theirs = _theirs(report, "hosts")
    ours = dict(a.panels["hosts"].select("remote_addr", "visitors").rows())
    both = set(ours) & set(theirs)
    assert len(both) >= 600
    differ = {h: (ours[h], theirs[h]) for h in both if ours[h] != theirs[h]}
    assert differ["10.0.0.5"] == (2, 1)
    assert all(abs(o - t) == 1 for o, t in differ.values()), differ
    assert len(differ) <= 0.02 * len(both), differ
    total_ours, total_theirs = sum(ours[h] for h in both), sum(theirs[h] for h in both)
    assert abs(total_ours - total_theirs) <= 0.01 * total_theirs


#: GoAccess's browser and system roots of ua-parser's families (tests/test_enrich.py).
def _roots(kind: str) -> dict[str, str]:
    from test_enrich import GOACCESS_BROWSER, GOACCESS_OS

    return GOACCESS_BROWSER if kind == "browser" else GOACCESS_OS


@pytest.mark.parametrize(
    ("panel", "key", "theirs_panel"),
    [("browsers", "browser", "browsers"), ("operating_systems", "os", "os")],
)
def test_visitors_per_browser_and_system_agree_with_goaccess(
    nginx_goaccess, panel, key, theirs_panel
):
    """GoAccess's visitors per browser and system root (Chrome, Safari …;
    Windows, iOS …) against ours of the human families under that root,
    summed (a visitor is of one agent, so families never share one). Each
    root within three standard errors of the bitmap estimate, their total
    within one: a root's visitors are tens to hundreds, where the bitmap is
    off by 10–25% (Android, 58 exactly: ours 48)."""
    a, report = nginx_goaccess
    mapping = _roots(key)
    humans = a.panels[panel].filter(pl.col("agent_class") == "human")
    ours: dict[str, int] = {}
    for family, n in humans.select(key, "visitors").rows():
        if family in mapping:
            ours[mapping[family]] = ours.get(mapping[family], 0) + n
    theirs = _theirs(report, theirs_panel)
    compared = [r for r in ours if theirs.get(r, 0) >= 20]
    assert len(compared) >= 4, (ours, theirs)
    for root in compared:
        assert _close(ours[root], theirs[root]), (root, ours[root], theirs[root])
    total_ours, total_theirs = sum(ours[r] for r in compared), sum(theirs[r] for r in compared)
    assert abs(total_ours - total_theirs) <= BITMAP_ERROR * total_theirs


def test_visitors_per_referring_site_agree_with_goaccess(nginx_goaccess):
    a, report = nginx_goaccess
    theirs = _theirs(report, "referring_sites")
    ours = dict(a.panels["referring_sites"].select("site", "visitors").rows())
    compared = [s for s in theirs if s in ours]
    assert len(compared) >= 8
    for site in compared:
        assert _close(ours[site], theirs[site]), (site, ours[site], theirs[site])


def test_visitors_per_virtual_host_agree_with_goaccess(goaccess, tmp_path):
    """GoAccess's visitors per virtual host on the sample vhost log: 109 each
    (exactly: 109 and 108, one line of www's httplog rejects); ours 126 each,
    the bitmap's estimate (level 0 with 9 of 64 bits left), 16% over: within
    the stated error."""
    log = ROOT / "sample_logs" / "apache_vhost_combined.log"
    report = _goaccess_json(goaccess, log, "VCOMBINED", tmp_path / "o.json")
    theirs = _theirs(report, "vhosts")
    ours = dict(httplog.analyze(str(log)).panels["vhosts"].select("host", "visitors").rows())
    assert set(ours) == set(theirs) == {"www.example.org", "api.example.org"}
    for host in ours:
        assert abs(ours[host] - theirs[host]) <= BITMAP_ERROR * theirs[host], host
