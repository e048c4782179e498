"""The ``httplog`` command on Dask (``--workers``, ``--scheduler``, ``--chunk-mb``):
the same counts as a run in one process (the installed command on Dask, as a
subprocess, against the same command in this process), config keys, and one-line refusals (exit 2) for what can't run on
Dask (in-process: a subprocess adds nothing to them)."""

from __future__ import annotations

import json
import os

import distributed  # the test extra installs it: no skipping
import polars as pl
import pytest
from cli_runner import SAMPLE, SAMPLE_GZ, err, invoke, run
from polars.testing import assert_frame_equal

from httplog.partial import SCHEMAS, Partial

INPUTS = [SAMPLE, SAMPLE_GZ]


def ok(r) -> None:
    assert r.returncode == 0, err(r)
    assert err(r) == ""  # not a word from Dask either


def one_line_error(r, needle: str) -> str:
    """Exit 2 and a single ``httplog: error:`` line naming the problem."""
    text = err(r)
    assert r.returncode == 2, text
    assert "Traceback" not in text
    lines = text.splitlines()
    assert len(lines) == 1 and lines[0].startswith("httplog: error: "), text
    assert needle in lines[0], text
    return lines[0]


def counts(summary: dict) -> dict:
    """The summary without the time it was written: everything else must be equal."""
    return {k: v for k, v in summary.items() if k != "generated_at"}


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The summary of a run in one process, over a plain file and a .gz (in this
    process: the reference the Dask runs, as subprocesses, are compared with)."""
    out = tmp_path_factory.mktemp("single") / "single.json"
    ok(invoke("analyze", *INPUTS, "--json", out, "--no-report"))
    s = json.loads(out.read_text())
    # Not a vacuous comparison: errors, rejected lines and spikes to get right.
    assert s["requests"] > 16_000 and s["classes"]["5xx"] > 100
    assert s["lines"]["rejected"] > 0 and len(s["spikes"]) > 0
    return s


@pytest.fixture(scope="module")
def scheduler():
    """A running two-worker cluster that the commands connect to. Its workers are
    threads of this process (no interpreter of their own to start): the command is
    another process, so its tasks and their results still cross a process boundary
    and are serialized as on any cluster; ``--workers`` starts worker processes."""
    with distributed.LocalCluster(
        n_workers=2,
        processes=False,
        protocol="tcp",  # not inproc: the commands connect from other processes
        threads_per_worker=1,
        dashboard_address=":0",
    ) as cluster:
        yield cluster


def _map_tasks_done(cluster) -> int:
    prefix = cluster.scheduler.task_prefixes.get("map_chunk")
    return 0 if prefix is None else prefix.state_counts["memory"]


# ------------------------------------------------------------ equivalence


def test_analyze_on_local_workers_equals_the_single_process_run(single, tmp_path):
    out = tmp_path / "dist.json"
    export = tmp_path / "export"
    r = run(
        "analyze", "--workers", "2", "--chunk-mb", "1", *INPUTS,
        "--json", out, "--no-report", "--export", export,
    )  # fmt: skip
    ok(r)
    dist = json.loads(out.read_text())
    assert counts(dist) == counts(single)
    for key in ("classes", "status_codes", "windows", "spikes", "lines", "inputs"):
        assert dist[key] == single[key], key
    # --export works too: the client re-reads the inputs for the rows.
    rows = pl.read_parquet(export / "rows.parquet")
    assert rows.height == single["requests"]
    assert sorted(rows["source"].unique()) == sorted(str(p) for p in INPUTS)


def _same_partial(a: Partial, b: Partial) -> None:
    for table in SCHEMAS:
        if table not in ("chunks", "samples"):
            try:
                assert_frame_equal(getattr(a, table), getattr(b, table))
            except AssertionError as e:
                raise AssertionError(f"{table}: {e}") from None
    keep = ["source", "lines", "parsed", "rejected", "bytes_read"]
    per_source = [
        p.chunks.group_by("source").agg(pl.col(keep[1:]).sum()).sort("source") for p in (a, b)
    ]
    assert_frame_equal(*per_source)
    assert_frame_equal(a.numbered_samples(), b.numbered_samples())


def test_aggregate_on_a_running_scheduler_equals_the_single_process_partial(scheduler, tmp_path):
    """(``--workers`` starting a cluster of its own is ``analyze``'s test above: the same code.)"""
    ok(invoke("aggregate", *INPUTS, "-o", tmp_path / "single.parquet", "-q"))  # the reference
    dist = tmp_path / "dist.parquet"
    address = scheduler.scheduler_address
    ok(run("aggregate", "--scheduler", address, "--chunk-mb", "1", *INPUTS, "-o", dist, "-q"))
    a = Partial.from_parquet(str(tmp_path / "single.parquet"))
    b = Partial.from_parquet(str(dist))
    assert int(a.counts["requests"].sum()) > 16_000
    _same_partial(a, b)
    # It did run on Dask: one chunk per MiB of the plain file (one per file in one process).
    assert a.chunks.height == 2
    assert b.chunks.height == -(-SAMPLE.stat().st_size // 2**20) + 1 > 2


def test_analyze_on_a_running_scheduler(single, scheduler, tmp_path):
    before = _map_tasks_done(scheduler)
    out = tmp_path / "dist.json"
    r = run(
        "analyze", "--scheduler", scheduler.scheduler_address, *INPUTS,
        "--json", out, "--no-report", "--chunk-mb", "1",
    )  # fmt: skip
    ok(r)
    assert counts(json.loads(out.read_text())) == counts(single)
    # It ran there, one task per MiB of the plain file plus one for the .gz.
    assert _map_tasks_done(scheduler) - before == -(-SAMPLE.stat().st_size // 2**20) + 1
    # The scheduler outlives the run: the command only connected to it.
    assert scheduler.scheduler.status.name == "running"


def test_config_keys_and_the_command_line_wins(single, scheduler, tmp_path):
    address = scheduler.scheduler_address
    cfg = tmp_path / "h.toml"
    cfg.write_text(
        f'paths = {json.dumps([str(p) for p in INPUTS])}\nno-report = true\njson = "out.json"\n'
        f'scheduler = "{address}"\nchunk-mb = 2\n'
    )
    before = _map_tasks_done(scheduler)
    ok(invoke("analyze", "--config", cfg))
    assert counts(json.loads((tmp_path / "out.json").read_text())) == counts(single)
    assert _map_tasks_done(scheduler) - before == -(-SAMPLE.stat().st_size // 2**21) + 1

    # --workers from the file, --scheduler on the command line: the command line wins
    # (workers = 0 would be refused if it were used).
    cfg.write_text(f"workers = 0\n[aggregate]\npaths = {json.dumps(str(SAMPLE_GZ))}\n")
    ok(invoke("aggregate", "--config", cfg, "--scheduler", address, "-o", tmp_path / "p.parquet"))
    assert Partial.from_parquet(str(tmp_path / "p.parquet")).counts.height > 0
    # Both in the file: refused.
    cfg.write_text(f'workers = 2\nscheduler = "{address}"\n')
    one_line_error(invoke("analyze", "--config", cfg, SAMPLE_GZ, "--no-report"), "not both")


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"], "not both"),
        (["--workers", "0"], "bad --workers 0: out of range (1 to 1,024)"),
        (["--workers", "2", "--state", "{tmp}/state"], "--state"),
        (["--workers", "2", "--chunk-mb", "0"], "bad --chunk-mb 0: out of range"),
        (["--chunk-mb", "8"], "--chunk-mb is for Dask runs"),
        (["--scheduler", " "], "--scheduler needs an address"),
        (["--scheduler", "http://127.0.0.1:8786"], "unknown address scheme 'http'"),
    ],
    ids=["both", "no-workers", "state", "chunk-0", "chunk-alone", "blank", "scheme"],
)
@pytest.mark.parametrize("command", ["analyze", "aggregate"])
def test_refusals_are_one_line(command, args, needle, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    out = ["--no-report"] if command == "analyze" else ["-o", tmp_path / "p.parquet"]
    one_line_error(invoke(command, SAMPLE_GZ, *out, *args), needle)
    assert not (tmp_path / "state").exists() and not (tmp_path / "p.parquet").exists()


def test_stdin_and_pipes_are_refused(tmp_path):
    r = invoke("analyze", "--workers", "2", "-", "--no-report", stdin=SAMPLE.read_bytes()[:10_000])
    one_line_error(r, "standard input can't be read by Dask workers")
    # ... with --export too, before stdin is copied anywhere
    r = invoke("analyze", "--workers", "2", "-", "--no-report", "--export", tmp_path / "x")
    one_line_error(r, "standard input")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # never opened: refused from its stat alone, so this can't block
    one_line_error(
        invoke("aggregate", "--workers", "2", fifo, "-o", tmp_path / "p"), "not a regular"
    )
    assert not (tmp_path / "x").exists()


def test_without_dask_a_dask_run_says_what_to_install(tmp_path):
    fake = tmp_path / "site" / "distributed"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("No module named distributed")\n')
    # (before this checkout's src on the path, which stays: the checkout is what runs)
    path = os.pathsep.join(filter(None, [str(fake.parent), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    for args in (["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:8786"]):
        r = run("analyze", SAMPLE_GZ, "--no-report", *args, env=env)
        one_line_error(r, "pip install 'httplog[dask]'")
    # Runs in one process don't need Dask.
    r = run("analyze", SAMPLE_GZ, "--no-report", "--json", "-", env=env)
    assert r.returncode == 0, err(r)
    assert json.loads(r.stdout)["requests"] > 0
