"""The notebooks run headless from a fresh clone: the sample log's spike, the dashboard's panels."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import polars as pl
import pytest
from nbclient import NotebookClient

import httplog

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "error_spikes.ipynb"
TRAFFIC = ROOT / "notebooks" / "traffic.ipynb"


@pytest.mark.parametrize("path", [NOTEBOOK, TRAFFIC], ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


def executed(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    return nb


def test_error_spikes_notebook_runs_and_finds_the_checkout_spike():
    nb = executed(NOTEBOOK)
    last = nb.cells[-1].outputs[0]["data"]["text/plain"]
    result = json.loads(last.replace("'", '"'))
    manifest = json.loads((ROOT / "sample_logs" / "manifest.json").read_text())
    bursts = [b for b in manifest["files"]["nginx_access.log"]["bursts"] if b["kind"] == "5xx"]
    biggest = max(bursts, key=lambda b: b["error_lines"])
    assert result["spike_path"] == biggest["path"]
    assert int(result["spike_code"]) in biggest["codes"]
    assert result["spike_start"][:13] == biggest["start"][:13].replace("T", " ")


def test_traffic_notebook_runs_and_its_panels_agree_with_the_rows():
    nb = executed(TRAFFIC)
    result = ast.literal_eval(nb.cells[-1].outputs[0]["data"]["text/plain"])
    rows = httplog.read_logs(ROOT / "sample_logs" / "nginx_access.log").frame
    # GoAccess's visitors, counted from the rows: day, client and agent of non-4xx requests
    visitors = rows.filter(pl.col("status") // 100 != 4).select(
        pl.col("time").dt.date(), "remote_addr", "user_agent"
    )
    assert result["visitors"] == visitors.unique().height
    assert result["hours_requests"] == rows.height
    assert result["api_requests"] == rows.filter(pl.col("path").str.starts_with("/api/")).height
    assert result["top_route"] == "/healthz"
    assert "{version}" in result["versioned_route"] and "/v1/" not in result["versioned_route"]
    vhosts = httplog.read_logs(ROOT / "sample_logs" / "apache_vhost_combined.log").frame
    assert result["vhosts"] == dict(vhosts.group_by("host").len().iter_rows())
    # the first cell's summary is the notebook's HTML repr
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "text/html" in first.outputs[-1]["data"]
