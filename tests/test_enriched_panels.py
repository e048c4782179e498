"""Panels enriched at finalize: browsers and systems of the agents, countries and
networks of the clients (``--geoip-db``), in the analysis, the summary and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from mmdb_writer import MmdbU32, MMDBWriter
from netaddr import IPSet
from typer.testing import CliRunner

import httplog
from httplog.analysis import enriched_panels
from httplog.cli import app
from httplog.errors import InputError
from httplog.options import ViewOptions
from httplog.summary import to_summary, validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"
runner = CliRunner()


def _country_db(path: Path) -> Path:
    w = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country")
    w.insert_network(
        IPSet(["192.0.2.0/24"]),
        {
            "continent": {"code": "EU", "names": {"en": "Europe"}},
            "country": {"iso_code": "FR", "names": {"en": "France"}},
        },
    )
    w.to_db_file(str(path))
    return path


def _asn_db(path: Path) -> Path:
    w = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN")
    w.insert_network(
        IPSet(["192.0.2.0/24"]),
        {"autonomous_system_number": MmdbU32(64496), "autonomous_system_organization": "Doc"},
    )
    w.to_db_file(str(path))
    return path


@pytest.fixture(scope="module")
def sample() -> httplog.Analysis:
    return httplog.analyze([str(SAMPLE)])


def test_browser_and_os_families_sum_to_the_requests_of_the_user_agents(sample) -> None:
    agents = sample.panels["user_agents"]
    for name, key in (("browsers", "browser"), ("operating_systems", "os")):
        panel = sample.panels[name]
        assert panel.columns == [
            *("agent_class", key, "requests", "share", "visitors", "bytes", "delta"),
            "visitors_error",
        ]
        assert panel["requests"].sum() == agents["requests"].sum()
        assert panel["bytes"].sum() == agents["bytes"].sum()
        assert panel["share"].sum() == pytest.approx(agents["share"].sum())
        assert panel["requests"].to_list() == sorted(panel["requests"], reverse=True)
        assert panel.select(pl.col("agent_class", key).is_null().any()).row(0) == (False, False)
    browsers = dict(
        sample.panels["browsers"].select(pl.concat_str("agent_class", "browser"), "requests").rows()
    )
    assert browsers["humanChrome"] > 0


def test_the_families_carry_the_delta_of_the_user_agents_panel() -> None:
    rows = pl.DataFrame(
        {
            "user_agent": ["curl/8.5.0", "curl/8.4.0", "Wget/1.21"],
            "requests": pl.Series([5, 2, 1], dtype=pl.UInt64),
            "bytes": pl.Series([50, 20, 10], dtype=pl.UInt64),
            "delta": pl.Series([3, 3, 3], dtype=pl.UInt64),
        }
    )
    out = enriched_panels({"user_agents": rows}, 8)
    expected = [("tool", "curl", 7, 0.875, 70, 3), ("tool", "Wget", 1, 0.125, 10, 3)]
    assert out["browsers"].rows() == expected
    assert "countries" not in out


def test_no_geoip_db_no_geo_panels(sample) -> None:
    assert "countries" not in sample.panels and "networks" not in sample.panels


def test_countries_and_networks_from_the_clients_of_hosts(tmp_path) -> None:
    db = _country_db(tmp_path / "c.mmdb")
    a = httplog.analyze([str(SAMPLE)], view=ViewOptions(geoip_db=str(db)))
    hosts = a.panels["hosts"]
    doc = hosts.filter(pl.col("remote_addr").str.starts_with("192.0.2."))["requests"].sum()
    c = a.panels["countries"]
    assert c.columns == [
        "continent",
        "country_code",
        "country",
        "requests",
        "share",
        "visitors",
        "bytes",
        "delta",
        "visitors_error",
    ]
    assert c.filter(pl.col("country_code") == "FR")["requests"].to_list() == [doc]
    assert (
        c.filter(pl.col("country") == "Unknown")["requests"].sum() == hosts["requests"].sum() - doc
    )
    assert "networks" not in a.panels
    s = to_summary(a)
    assert validate(s) == []
    assert s["panels"]["countries"]["total_rows"] == c.height
    assert s["panels"]["browsers"]["rows"][0]["requests"] == a.panels["browsers"]["requests"][0]


def test_an_asn_database_adds_networks(tmp_path) -> None:
    db = _asn_db(tmp_path / "asn.mmdb")
    a = httplog.analyze([str(SAMPLE)], view=ViewOptions(geoip_db=str(db)))
    n = a.panels["networks"]
    assert n.columns == [
        *("asn", "as_org", "requests", "share", "visitors", "bytes", "delta"),
        "visitors_error",
    ]
    doc = a.panels["hosts"].filter(pl.col("remote_addr").str.starts_with("192.0.2."))
    assert n.filter(pl.col("asn") == 64496)["requests"].to_list() == [doc["requests"].sum()]
    assert "countries" not in a.panels
    assert validate(to_summary(a)) == []


def test_a_missing_or_broken_geoip_db_is_an_input_error_when_the_view_is_made(tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        ViewOptions(geoip_db=str(tmp_path / "none.mmdb"))
    broken = tmp_path / "broken.mmdb"
    broken.write_bytes(b"not a database\n" * 10)
    with pytest.raises(InputError, match=r"not a MaxMind DB \(\.mmdb\) file"):
        ViewOptions(geoip_db=str(broken))


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_the_geoip_db_flag_stops_a_run_on_a_broken_file_with_one_line(command, tmp_path) -> None:
    broken = tmp_path / "broken.mmdb"
    broken.write_bytes(b"\x00garbage" * 64)
    source = str(SAMPLE) if command == "analyze" else str(tmp_path / "p.parquet")
    r = runner.invoke(app, [command, source, "--geoip-db", str(broken), "--no-report", "-q"])
    assert r.exit_code == 2
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "GeoIP database" in lines[0] and "not a MaxMind DB" in lines[0]
    assert "Traceback" not in r.output


def test_the_geoip_db_flag_writes_the_countries_panel_in_the_json_summary(tmp_path) -> None:
    db = _country_db(tmp_path / "c.mmdb")
    r = runner.invoke(
        app, ["analyze", str(SAMPLE), "--geoip-db", str(db), "--no-report", "--json", "-"]
    )
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert validate(s) == []
    assert {"browsers", "operating_systems", "countries"} <= set(s["panels"])
    assert "FR" in [row["country_code"] for row in s["panels"]["countries"]["rows"]]
