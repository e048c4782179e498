"""The notebook runs headless from a fresh clone and finds the sample log's spike."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "error_spikes.ipynb"


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


def test_error_spikes_notebook_runs_and_finds_the_checkout_spike():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    last = nb.cells[-1].outputs[0]["data"]["text/plain"]
    result = json.loads(last.replace("'", '"'))
    manifest = json.loads((ROOT / "sample_logs" / "manifest.json").read_text())
    bursts = [b for b in manifest["files"]["nginx_access.log"]["bursts"] if b["kind"] == "5xx"]
    biggest = max(bursts, key=lambda b: b["error_lines"])
    assert result["spike_path"] == biggest["path"]
    assert int(result["spike_code"]) in biggest["codes"]
    assert result["spike_start"][:13] == biggest["start"][:13].replace("T", " ")
