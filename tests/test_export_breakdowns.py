"""``--export`` writes every breakdown and, with a host in the log, the host timeline and host spikes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

import httplog
from httplog import dashboard
from httplog.outputs import BREAKDOWN_PANELS, Outputs

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def test_the_export_names_every_breakdown_the_analysis_makes() -> None:
    assert tuple(dashboard.BREAKDOWNS) == BREAKDOWN_PANELS


def test_an_export_writes_each_breakdown_as_the_analysis_has_it(tmp_path: Path) -> None:
    out = tmp_path / "export"
    run = httplog.run(str(SAMPLES / "nginx_access.log"), outputs=Outputs(export=str(out)))
    names = set(run.analysis.breakdowns)
    assert {"requests", "hosts", "not_found"} <= names
    for name in names:
        written = pl.read_parquet(out / f"breakdown_{name}.parquet")
        assert written.equals(run.analysis.breakdowns[name])
        assert pl.read_csv(out / f"breakdown_{name}.csv").height == written.height
    # a path's breakdown by status adds up to no more than the path's requests
    requests = pl.read_parquet(out / "panel_requests.parquet")
    top = requests.row(0, named=True)
    by_status = pl.read_parquet(out / "breakdown_requests.parquet").filter(
        (pl.col("key") == top["path"]) & (pl.col("dimension") == "status")
    )
    assert 0 < by_status["requests"].sum() <= top["requests"]


def test_an_export_of_a_log_with_hosts_writes_the_host_timeline_and_spikes(tmp_path: Path) -> None:
    out = tmp_path / "export"
    run = httplog.run(str(SAMPLES / "apache_vhost_combined.log"), outputs=Outputs(export=str(out)))
    timeline = pl.read_parquet(out / "host_timeline.parquet")
    assert run.analysis.host_timeline is not None
    assert timeline.equals(run.analysis.host_timeline)
    assert set(timeline["host"]) >= {"api.example.org"}
    assert run.analysis.host_spikes is not None
    assert pl.read_parquet(out / "host_spikes.parquet").equals(run.analysis.host_spikes)


def test_an_export_of_a_log_without_hosts_has_no_host_files(tmp_path: Path) -> None:
    out = tmp_path / "export"
    run = httplog.run(str(SAMPLES / "nginx_access.log"), outputs=Outputs(export=str(out)))
    assert run.analysis.host_timeline is None
    assert not (out / "host_timeline.csv").exists()
    assert not (out / "host_spikes.parquet").exists()
    assert (out / "panel_requests.csv").exists()
