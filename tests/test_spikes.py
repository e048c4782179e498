"""Spikes on generated traffic: injected bursts are found and explained; steady weeks are quiet."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

import httplog
from httplog.aggregation import aggregate
from httplog.reduce import by_window
from httplog.spikes import SpikeParams, explain_spikes, find_spikes, flag_windows

SAMPLE = Path(__file__).resolve().parents[1] / "sample_logs" / "nginx_access.log"

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)
PATHS = [f"/product/{i}" for i in range(40)] + [
    "/",
    "/search",
    "/cart",
    "/api/v1/orders",
    "/api/v1/search",
    "/api/v1/checkout",
    "/static/app.js",
    "/static/app.css",
    "/login",
    "/favicon.ico",
]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
]
CODES_4XX = [404, 404, 404, 404, 403, 401, 429, 400]
CODES_5XX = [500, 502, 503, 504]


@dataclass(frozen=True)
class Burst:
    """Errors injected on one path: ``per_minute`` extra requests failing with ``codes``."""

    start: datetime
    end: datetime
    codes: tuple[int, ...]
    path: str
    per_minute: float
    client: str | None = None

    @property
    def kind(self) -> str:
        return f"{self.codes[0] // 100}xx"


def poisson(rnd: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth's method; fine for the small means used here)."""
    if lam > 30:
        return max(0, round(rnd.gauss(lam, math.sqrt(lam))))
    limit, k, prod = math.exp(-lam), 0, rnd.random()
    while prod > limit:
        k += 1
        prod *= rnd.random()
    return k


def traffic(
    seed: int,
    *,
    days: float = 7,
    start: datetime = MONDAY,
    peak_per_minute: float = 60.0,
    rate_5xx: float = 0.004,
    rate_4xx: float = 0.03,
    bursts: tuple[Burst, ...] = (),
) -> pl.DataFrame:
    """Parsed-like rows of a small site: diurnal volume, weekend dip, noisy errors.

    Volume follows the day (trough at 04:00, peak at 16:00 UTC, nights at
    about 8% of the peak, weekends at 70%), drawn per minute from a Poisson
    law. Errors are noisier than binomial: the 4xx rate is up to twice as
    high at night (bots and scanners), 4xx come in clusters of 1-3 (a page
    with missing assets), 5xx in clusters of 1-2 (a client retrying), and
    both rates drift by ±30% from hour to hour.
    """
    rnd = random.Random(seed)
    minutes = int(days * 1440)
    drift = [rnd.uniform(0.7, 1.3) for _ in range(minutes // 60 + 1)]
    weights = [1 / (i + 1) ** 1.4 for i in range(len(PATHS))]
    cols: dict[str, list] = {k: [] for k in ("minute", "status", "path", "remote_addr", "ua")}

    def emit(minute: int, status: int, path: str, ip: str, ua: str, times: int = 1) -> None:
        for _ in range(times):
            cols["minute"].append(minute)
            cols["status"].append(status)
            cols["path"].append(path)
            cols["remote_addr"].append(ip)
            cols["ua"].append(ua)

    for t in range(minutes):
        hour = (t % 1440) / 60
        weekday = (start.weekday() + t // 1440) % 7 < 5
        shape = 0.08 + 0.92 * (1 - math.cos(2 * math.pi * (hour - 4) / 24)) / 2
        n = poisson(rnd, peak_per_minute * shape * (1.0 if weekday else 0.7))
        if not n:
            continue
        night = 1 + (math.cos(2 * math.pi * (hour - 4) / 24) + 1) / 2
        p4 = rate_4xx * drift[t // 60] * night / 2  # clusters of 2 on average
        p5 = rate_5xx * drift[t // 60] / 1.5  # clusters of 1.5 on average
        paths = rnd.choices(PATHS, weights, k=n)
        agents = rnd.choices(AGENTS, [0.4, 0.3, 0.15, 0.1, 0.05], k=n)
        for path, ua in zip(paths, agents, strict=True):
            ip = f"198.51.100.{rnd.randrange(256)}"
            u = rnd.random()
            if u < p4:
                emit(t, rnd.choice(CODES_4XX), path, ip, ua, rnd.randint(1, 3))
            elif u < p4 + p5:
                emit(t, rnd.choice(CODES_5XX), path, ip, ua, rnd.randint(1, 2))
            else:
                emit(t, 304 if rnd.random() < 0.08 else 200, path, ip, ua)
    for b in bursts:
        m0 = int((b.start - start).total_seconds() // 60)
        m1 = int((b.end - start).total_seconds() // 60)
        for t in range(m0, m1):
            for _ in range(poisson(rnd, b.per_minute)):
                ip = b.client or f"198.51.100.{rnd.randrange(256)}"
                emit(t, rnd.choice(b.codes), b.path, ip, AGENTS[0])
    size = len(cols["minute"])
    us = [(m * 60 + rnd.random() * 60) * 1_000_000 for m in cols["minute"]]
    return (
        pl.DataFrame(
            {
                "time": pl.Series(us, dtype=pl.Float64).cast(pl.Int64),
                "status": pl.Series(cols["status"], dtype=pl.UInt16),
                "path": cols["path"],
                "remote_addr": cols["remote_addr"],
                "user_agent": cols["ua"],
            },
            schema_overrides={"path": pl.String},
        )
        .with_columns(
            time=(pl.lit(start) + pl.duration(microseconds=pl.col("time"))).cast(
                pl.Datetime("us", "UTC")
            )
        )
        .sort("time")
        if size
        else pl.DataFrame()
    )


def spikes_of(rows: pl.DataFrame, every: str = "5m", params: SpikeParams | None = None):
    p = aggregate(rows)
    tl = by_window(p, every=every)
    spikes = find_spikes(tl, params)
    return p, tl, spikes, explain_spikes(p, spikes, params=params)


# ------------------------------------------------------------- steady traffic


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_steady_week_has_no_spike_in_5_minute_nor_in_hour_windows(seed):
    rows = traffic(seed)
    assert rows.height > 200_000
    p, tl, spikes, _ = spikes_of(rows)
    assert tl.height == 7 * 288
    assert spikes.is_empty(), spikes
    # the same week's partial through hour windows (a week of its own each cost seconds)
    hourly = find_spikes(by_window(p, every="1h"), None)
    assert hourly.is_empty(), hourly


@pytest.mark.parametrize("seed", [8, 9])
def test_steady_low_volume_week_has_no_spike(seed):
    _, _, spikes, _ = spikes_of(traffic(seed, peak_per_minute=8))
    assert spikes.is_empty(), spikes


# -------------------------------------------------------------- injected bursts


def at(day: int, hh: int, mm: int) -> datetime:
    return MONDAY + timedelta(days=day, hours=hh, minutes=mm)


BURSTS = (
    # A strong 5xx burst at the daily peak, starting mid-window.
    Burst(at(1, 14, 7), at(1, 14, 31), (502, 503), "/api/v1/checkout", per_minute=15),
    # A modest one (about 15% of the traffic) in the morning, on window bounds.
    Burst(at(2, 9, 0), at(2, 9, 20), (504,), "/api/v1/search", per_minute=5),
    # A scanner at night: 404s from one client.
    Burst(
        at(3, 3, 12),
        at(3, 3, 19),
        (404,),
        "/wp-login.php",
        per_minute=40,
        client="203.0.113.195",
    ),
    # A long outage of an endpoint: 2 hours of 500s.
    Burst(at(4, 11, 0), at(4, 13, 0), (500,), "/api/v1/orders", per_minute=6),
    # A short, sharp one in the evening, 5 minutes inside one window... almost.
    Burst(at(5, 20, 41), at(5, 20, 47), (503,), "/cart", per_minute=25),
)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_injected_bursts_are_found_and_explained(seed):
    rows = traffic(seed, bursts=BURSTS)
    _, _, spikes, why = spikes_of(rows)
    window = timedelta(minutes=5)
    assert spikes.height == len(BURSTS), spikes
    for b in BURSTS:
        hit = spikes.filter(
            (pl.col("kind") == b.kind) & (pl.col("start") < b.end) & (pl.col("end") > b.start)
        )
        assert hit.height == 1, (b, spikes)
        s = hit.row(0, named=True)
        assert abs(s["start"] - b.start) <= window, (b, s)
        assert abs(s["end"] - b.end) <= window, (b, s)
        assert s["peak_rate"] > s["baseline_rate"]
        assert s["excess"] > 0
        top = why.filter((pl.col("spike") == s["spike"]) & (pl.col("rank") == 1))
        first = dict(zip(top["dimension"], top["key"], strict=True))
        assert int(first["status"]) in b.codes, (b, first)
        assert first["path"] == b.path, (b, first)
        if b.client:
            assert first["remote_addr"] == b.client
        row = why.filter(
            (pl.col("spike") == s["spike"])
            & (pl.col("dimension") == "path")
            & (pl.col("rank") == 1)
        ).row(0, named=True)
        assert row["lift"] > 2 and row["share"] > row["baseline_share"]


# ----------------------------------------------------------- guards and shape


def window_frame(requests: list[int], errors: list[int], kind: str = "5xx") -> pl.DataFrame:
    start = [MONDAY + timedelta(minutes=5 * i) for i in range(len(requests))]
    other = "4xx" if kind == "5xx" else "5xx"
    return pl.DataFrame(
        {
            "start": pl.Series(start, dtype=pl.Datetime("us", "UTC")),
            "end": pl.Series(
                [s + timedelta(minutes=5) for s in start], dtype=pl.Datetime("us", "UTC")
            ),
            "requests": requests,
            kind: errors,
            other: [0] * len(requests),
        }
    )


def test_quiet_night_with_one_error_in_two_requests_is_not_a_spike():
    requests = [400] * 30 + [2, 2, 3, 1] + [400] * 10
    errors = [1] * 30 + [1, 0, 1, 1] + [1] * 10
    assert find_spikes(window_frame(requests, errors)).is_empty()
    flagged = flag_windows(window_frame(requests, errors), "5xx")
    assert not flagged["anomalous"].any()


def test_few_errors_never_make_a_spike():
    # 4 errors out of 20 requests, after a spotless history: below min_errors.
    requests = [300] * 40 + [20] + [300] * 5
    errors = [0] * 40 + [4] + [0] * 5
    assert find_spikes(window_frame(requests, errors)).is_empty()
    errors[40] = 12
    assert find_spikes(window_frame(requests, errors)).height == 1


def test_adjacent_windows_merge_into_one_spike():
    requests = [500] * 60
    errors = [2] * 30 + [60, 90, 70] + [2] * 5 + [80] + [2] * 21
    s = find_spikes(window_frame(requests, errors))
    assert s.select("windows", "requests", "errors").rows() == [(3, 1500, 220), (1, 500, 80)]
    first = s.row(0, named=True)
    assert first["start"] == MONDAY + timedelta(minutes=150)
    assert first["end"] == MONDAY + timedelta(minutes=165)
    assert first["peak_rate"] == pytest.approx(0.18)
    assert first["baseline_rate"] == pytest.approx(0.004)
    assert first["excess"] == round(220 - 0.004 * 1500)
    assert s["spike"].to_list() == [1, 2]


def test_4xx_spikes_are_found_separately():
    s = find_spikes(window_frame([500] * 50, [10] * 40 + [150] + [10] * 9, kind="4xx"))
    assert s.select("kind", "errors").rows() == [("4xx", 150)]
    only5 = find_spikes(
        window_frame([500] * 50, [10] * 40 + [150] + [10] * 9, kind="4xx"),
        SpikeParams(kinds=("5xx",)),
    )
    assert only5.is_empty()


def test_spikes_keep_the_timeline_time_zone():
    tl = window_frame([500] * 50, [1] * 40 + [100] + [1] * 9).with_columns(
        pl.col("start", "end").dt.convert_time_zone("Asia/Kolkata")
    )
    s = find_spikes(tl)
    assert str(s.schema["start"].time_zone) == "Asia/Kolkata"
    assert s.height == 1


def test_empty_timeline_has_no_spikes():
    s = find_spikes(window_frame([], []))
    assert s.is_empty() and "peak_rate" in s.columns


def test_burst_at_the_very_start_of_a_log_is_found():
    start = MONDAY + timedelta(hours=12)
    burst = Burst(start + timedelta(minutes=5), start + timedelta(minutes=20), (502,), "/cart", 10)
    rows = traffic(21, days=1, start=start, bursts=(burst,))
    _, _, spikes, why = spikes_of(rows)
    assert spikes.select("kind", "start", "end").rows() == [("5xx", burst.start, burst.end)]
    top = why.filter(pl.col("rank") == 1)
    assert dict(zip(top["dimension"], top["key"], strict=True))["path"] == "/cart"


def test_two_bursts_on_one_path_are_each_explained_against_normal_errors():
    first = Burst(at(1, 10, 0), at(1, 10, 20), (502,), "/api/v1/orders", per_minute=10)
    second = Burst(at(2, 15, 0), at(2, 15, 20), (502,), "/api/v1/orders", per_minute=10)
    _, _, spikes, why = spikes_of(traffic(31, days=3, bursts=(first, second)))
    assert spikes.height == 2
    rows = why.filter((pl.col("dimension") == "path") & (pl.col("rank") == 1))
    assert rows["key"].to_list() == ["/api/v1/orders"] * 2
    # The baseline leaves both bursts out: only the path's usual errors remain.
    assert rows["baseline_count"].max() < 0.2 * rows["count"].min()
    assert rows["lift"].min() > 10


# --- what explains a spike, ranked across dimensions -------------------------------------


def test_the_scanner_burst_is_explained_by_its_client_first_everywhere(sample_log_analysis):
    from httplog.cli.terminal import to_text
    from httplog.spikes import ranked_explanations
    from httplog.summary import to_summary

    a = sample_log_analysis
    burst = a.spikes.filter(pl.col("kind") == "4xx")["spike"][0]
    ranked = ranked_explanations(a.explanations).filter(pl.col("spike") == burst)
    top = ranked.row(0, named=True)
    assert (top["dimension"], top["key"], top["excess_share"]) == (
        "remote_addr",
        "203.0.113.195",
        1.0,
    )
    # /radio.php is 7 of 596 errors: a negligible share, no explanation
    assert "/radio.php" not in ranked["key"].to_list()
    s = to_summary(a)
    spike = next(sp for sp in s["spikes"] if sp["id"] == burst)
    assert spike["explained_by"][0]["key"] == "203.0.113.195"
    assert [e["key"] for e in spike["explained_by"]] == ranked["key"].to_list()
    assert "explained by client 203.0.113.195 (100% of the excess)" in to_text(s)


def test_no_key_with_a_negative_excess_or_a_negligible_share_explains(sample_log_analysis):
    from httplog.spikes import MIN_EXCESS_SHARE, ranked_explanations

    a = sample_log_analysis
    ex = a.explanations
    # the checkout burst's 502s are fewer than usual (negative excess): listed, not explaining
    assert ex.filter((pl.col("key") == "502") & (pl.col("excess") < 0)).height
    ranked = ranked_explanations(ex)
    assert ranked.height
    assert ranked.filter(pl.col("excess") <= 0).is_empty()
    assert ranked.filter(pl.col("excess_share") < MIN_EXCESS_SHARE).is_empty()
    assert "502" not in ranked["key"].to_list()
    # ranked by the share of the excess, the first accounting for most
    for _, g in ranked.group_by("spike"):
        assert g["excess_share"].to_list() == sorted(g["excess_share"].to_list(), reverse=True)


def test_the_shares_of_the_excess_of_a_dimension_add_up_to_the_whole():
    a = httplog.analyze(SAMPLE, spikes=SpikeParams(top=10_000))
    sums = (
        a.explanations.filter(pl.col("dimension") == "status")
        .group_by("spike")
        .agg(pl.col("excess_share").sum())
    )
    # every key of the status dimension is kept here: their shares make the excess
    assert all(abs(x - 1) < 0.02 for x in sums["excess_share"].to_list()), sums
