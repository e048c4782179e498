"""--route-rule (and the route-rules config key), and spikes explained by routes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from cli_runner import SAMPLE, err, invoke, out

import httplog
from httplog.spikes import ranked_explanations

T0 = datetime(2026, 11, 20, tzinfo=UTC)


def spread_burst_log(path: Path) -> Path:
    """Steady traffic on a few pages; in one 15-minute stretch, 502s on
    /api/users/<n>/orders for 60 different users: no path stands out, the route does."""
    lines = []
    n = 0
    for m in range(240):
        t = T0 + timedelta(minutes=m)
        for i in range(40):
            stamp = (t + timedelta(seconds=i)).strftime("%d/%b/%Y:%H:%M:%S +0000")
            if 120 <= m < 135 and i < 8:
                n += 1
                req, status = f"/api/users/{n}/orders", 502
            else:
                req, status = f"/page/{i % 5}", 500 if (m * 40 + i) % 211 == 0 else 200
            lines.append(f'192.0.2.{i} - - [{stamp}] "GET {req} HTTP/1.1" {status} 10 "-" "x"\n')
    path.write_text("".join(lines))
    return path


def test_a_burst_spread_over_one_routes_paths_is_explained_by_the_route(tmp_path: Path) -> None:
    a = httplog.analyze(str(spread_burst_log(tmp_path / "a.log")), window="5m")
    (spike,) = a.spikes.filter(pl.col("kind") == "5xx").iter_rows(named=True)
    ex = a.explanations.filter(pl.col("spike") == spike["spike"])
    route = ex.filter(pl.col("dimension") == "route").row(0, named=True)
    assert (route["key"], route["count"], route["explains"]) == (
        "/api/users/{id}/orders",
        120,
        True,
    )
    # no single path explains it: each of them failed twice
    paths = ex.filter(pl.col("dimension") == "path")
    assert paths["count"].max() <= 2 and not paths["explains"].any()
    ranked = ranked_explanations(ex)
    assert ("route", "/api/users/{id}/orders") in ranked.select("dimension", "key").rows()


def test_a_route_that_is_a_path_as_it_is_is_left_to_the_path_in_the_ranking() -> None:
    ex = pl.DataFrame(
        {
            "spike": [1, 1],
            "dimension": ["path", "route"],
            "key": ["/pay", "/pay"],
            "count": [9, 9],
            "lift": [5.0, 5.0],
            "excess_share": [1.0, 1.0],
            "explains": [True, True],
        }
    )
    assert ranked_explanations(ex).select("dimension", "key").rows() == [("path", "/pay")]


def test_route_rules_fold_segments_into_their_name_before_the_built_in_rules() -> None:
    view = httplog.ViewOptions(route_rules=("sku=SKU-[0-9]+",))
    rows = pl.DataFrame(
        {
            "time": [T0] * 3,
            "status": pl.Series([200] * 3, dtype=pl.UInt16),
            "path": ["/p/SKU-1", "/p/SKU-22", "/p/7"],
        }
    )
    a = httplog.finalize(httplog.aggregate(rows), view)
    assert a.panels["routes"].select("route", "requests").rows() == [
        ("/p/{sku}", 2),
        ("/p/{id}", 1),
    ]


@pytest.mark.parametrize("bad", ["sku", "=x", "1a=x", "a=", "a=(", "a=(?P<ext>x)"])
def test_a_bad_route_rule_is_an_option_error(bad: str) -> None:
    with pytest.raises(httplog.OptionError) as e:
        httplog.ViewOptions(route_rules=(bad,))
    assert e.value.option == "route_rules"


def test_route_rules_must_be_a_list_not_one_string() -> None:
    with pytest.raises(httplog.OptionError):
        httplog.ViewOptions(route_rules="sku=SKU-[0-9]+")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["sku", "a=("])
def test_a_bad_route_rule_on_the_command_line_is_one_line_and_exit_2(bad: str) -> None:
    r = invoke("analyze", SAMPLE, "--no-report", "--route-rule", bad)
    assert r.returncode == 2
    assert err(r).strip().count("\n") == 0
    assert err(r).startswith(f"httplog: error: bad --route-rule '{bad}': ")
    assert "Traceback" not in err(r)


def test_the_route_rule_flag_and_the_config_key_fold_routes(tmp_path: Path) -> None:
    r = invoke("analyze", SAMPLE, "--no-report", "--route-rule", "v=v[0-9]+", "--json", "-")
    assert r.returncode == 0, err(r)
    routes = [row["route"] for row in json.loads(out(r))["panels"]["routes"]["rows"]]
    assert "/api/{v}/cart" in routes and "/api/v1/cart" not in routes
    cfg = tmp_path / "httplog.toml"
    cfg.write_text('route-rules = ["v=v[0-9]+"]\n')
    r = invoke("analyze", SAMPLE, "--no-report", "-c", cfg, "--json", "-")
    assert r.returncode == 0, err(r)
    assert routes == [row["route"] for row in json.loads(out(r))["panels"]["routes"]["rows"]]


def test_report_takes_route_rules_for_saved_partials(tmp_path: Path) -> None:
    part = tmp_path / "p.parquet"
    assert invoke("aggregate", SAMPLE, "-o", part).returncode == 0
    r = invoke("report", part, "--no-report", "--route-rule", "v=v[0-9]+", "--json", "-")
    assert r.returncode == 0, err(r)
    spikes = json.loads(out(r))["spikes"]
    keys = {e["key"] for s in spikes for e in s["explanations"].get("route", [])}
    assert "/api/{v}/checkout" in keys
