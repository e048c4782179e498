"""The analysis on a Dask cluster equals the single-process one, exactly; per-host
Parquet partials merge into exactly the counts of one run over all the hosts' logs."""

from __future__ import annotations

import dataclasses
import gzip
import pickle
import sys
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from logfactory import lines, mixed
from logfactory.writers import TIMED_FORMAT
from polars.testing import assert_frame_equal

import httplog
from httplog import ReadOptions, RowFilter, ViewOptions
from httplog import distributed as hd
from httplog.aggregation import aggregate_chunks
from httplog.analysis import Analysis, finalize
from httplog.errors import ClusterError, InputError, UsageError
from httplog.inputs import iter_blocks, resolve_inputs
from httplog.partial import SCHEMAS, Partial, merge

distributed = pytest.importorskip("distributed")

TIMED = TIMED_FORMAT
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
]
PATHS = ["/", "/api/orders/{n}", "/search?q=x{n}", "/static/app.js", "/login"]
SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
#: Small byte ranges, an odd size so that the cuts fall inside lines.
CHUNK = 20_011


def _lines(n: int, seed: int, start: datetime, *, timed: bool = False) -> list[str]:
    """``n`` combined (or timed) lines, one every ~3 s, with a 5xx burst in the middle."""
    records = mixed(
        n, seed, start=start, step=3, jitter=2, burst=(0.45, 0.5), paths=PATHS, agents=AGENTS,
        timed=timed,
    )  # fmt: skip
    return [x + "\n" for x in lines(records, "timed" if timed else "nginx")]


def _spoil(lines: list[str], every: int) -> list[str]:
    """Malformed lines of every kind, spread through the file (more than 5 of each)."""
    bad = [
        "",  # empty
        "2026/11/20 03:12:45 [error] 1234#0: *1 upstream timed out",  # error_log
        "\x00\x01 garbage \x02",  # binary
        "this is not an access log line",  # no_match
        '192.0.2.9 - - [31/Feb/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',  # bad_time
        '192.0.2.9 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 99999 1 "-" "x"',  # bad_status
    ]
    out = list(lines)
    for k, i in enumerate(range(every // 2, len(out), every)):
        out[i] = bad[k % len(bad)] + "\n"
    # A line longer than a byte range: some range then holds no line start at all.
    out[len(out) // 3] = "x" * (3 * CHUNK) + "\n"
    return out


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """A rotated set: a plain file split into many ranges, two .gz members, an
    empty file and a file whose last line has no newline."""
    d = tmp_path_factory.mktemp("logs")
    day = datetime(2026, 11, 20, tzinfo=UTC)
    plain = _spoil(_lines(4000, 1, day), 97)
    (d / "access.log").write_text("".join(plain))
    for k, seed in ((1, 2), (2, 3)):
        older = _spoil(_lines(1500, seed, day - timedelta(days=k)), 131)
        with gzip.open(d / f"access.log.{k}.gz", "wt") as f:
            f.write("".join(older))
    (d / "empty.log").write_text("")
    (d / "tail.log").write_text("".join(_lines(40, 4, day + timedelta(days=1)))[:-1])
    timed = _spoil(_lines(3000, 5, day, timed=True), 89)
    (d / "timed.log").write_text("".join(timed))
    (d / "timed.log.1.gz").write_bytes(
        gzip.compress("".join(_lines(800, 6, day - timedelta(days=1), timed=True)).encode())
    )
    return {
        "combined": [str(d / n) for n in ("access.log", "access.log.1.gz", "access.log.2.gz")]
        + [str(d / "empty.log"), str(d / "tail.log")],
        "timed": [str(d / "timed.log"), str(d / "timed.log.1.gz")],
    }


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def assert_same_analysis(a: Analysis, b: Analysis, *, same_detection: bool = True) -> None:
    """Every field equal; the partial's tables too. Chunks are compared per source
    and samples by their line in the source: a distributed run has one chunk per
    byte range where a single-process run has one per file. Partials made apart
    (``same_detection=False``) each record their own format detection."""
    for f in dataclasses.fields(Analysis):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pl.DataFrame):
            _equal(x, y, f.name)
        elif f.name == "partial":
            for table in SCHEMAS:
                if table not in ("chunks", "samples"):
                    _equal(getattr(x, table), getattr(y, table), table)
            drop = [] if same_detection else ["detection"]
            _equal(_per_source(x.chunks).drop(drop), _per_source(y.chunks).drop(drop), "chunks")
            _equal(x.numbered_samples(), y.numbered_samples(), "samples")
        else:
            assert x == y, f.name


def _equal(x: pl.DataFrame, y: pl.DataFrame, name: str) -> None:
    try:
        assert_frame_equal(x, y)
    except AssertionError as e:
        raise AssertionError(f"{name}: {e}") from None


def _per_source(chunks: pl.DataFrame) -> pl.DataFrame:
    return (
        chunks.group_by("source")
        .agg(
            pl.col("lines", "parsed", "rejected", "bytes_read").sum(),
            pl.col("time_min").min(),
            pl.col("time_max").max(),
            pl.col("format").unique().sort(),
            pl.col("detection").unique().sort(),
        )
        .sort("source")
    )


def _text(path: str) -> str:
    if path.endswith(".gz"):
        with gzip.open(path, "rt") as f:
            return f.read()
    return Path(path).read_text()


def _cuts_inside_lines(path: str) -> int:
    data = Path(path).read_bytes()
    chunks = hd.plan(resolve_inputs(path), CHUNK)
    return sum(1 for c in chunks[1:] if data[c.start - 1 : c.start] != b"\n")


# --------------------------------------------------------------------- plan


def test_plan_cuts_plain_files_inside_lines_and_keeps_compressed_files_whole(logs):
    chunks = hd.plan(resolve_inputs(logs["combined"]), CHUNK)
    by_file: dict[str, list] = {}
    for c in chunks:
        by_file.setdefault(Path(c.source).name, []).append(c)
    plain = Path(logs["combined"][0])
    assert len(by_file["access.log"]) == -(-plain.stat().st_size // CHUNK) > 20
    assert [(c.start, c.end) for c in by_file["access.log.1.gz"]] == [(0, None)]
    assert [(c.start, c.end) for c in by_file["empty.log"]] == [(0, None)]
    assert _cuts_inside_lines(str(plain)) > 20
    # Every line is read once: by the range holding its first byte.
    read = b"".join(b.data for c in by_file["access.log"] for b in iter_blocks(c))
    assert read == plain.read_bytes()
    # The over-long line leaves at least one range without a line start.
    assert any(not list(iter_blocks(c)) for c in by_file["access.log"])


def test_plan_refuses_stdin_and_nonsense_sizes(logs):
    with pytest.raises(UsageError, match="standard input"):
        hd.plan(resolve_inputs("-"))
    with pytest.raises(UsageError, match="chunk_bytes"):
        hd.plan(resolve_inputs(logs["combined"]), 0)


# ------------------------------------------------------------- equivalence


def test_distributed_run_equals_the_single_process_run_exactly(logs, client):
    single = httplog.analyze(logs["combined"])
    progress: list[tuple[int, int]] = []
    dist = hd.analyze_distributed(
        logs["combined"], client=client, chunk_bytes=CHUNK, progress=lambda *a: progress.append(a)
    )
    assert_same_analysis(single, dist)
    # The comparison is not vacuous: every rejection kind, spikes, many ranges.
    assert set(single.rejected_by_reason) == {
        "empty", "error_log", "binary", "no_match", "bad_time", "bad_status"
    }  # fmt: skip
    assert single.rejected_samples.height == 5 * 6
    assert single.spikes.height > 0 and single.explanations.height > 0
    assert single.detection and single.detection.startswith("combined")
    assert dist.partial.chunks.height > 20
    # Progress saw every chunk that held lines, and every byte and line once.
    assert len(progress) == len(hd.plan(resolve_inputs(logs["combined"]), CHUNK))
    assert sum(n for n, _ in progress) == int(single.inputs["bytes_read"].sum())
    assert sum(n for _, n in progress) == single.lines


def test_rejected_samples_carry_line_numbers_counted_from_the_start_of_each_file(logs, client):
    dist = hd.analyze_distributed(logs["combined"], client=client, chunk_bytes=CHUNK)
    texts = {Path(p).name: _text(p) for p in logs["combined"]}
    for source, line, reason, text in dist.rejected_samples.iter_rows():
        actual = texts[Path(source).name].split("\n")[line - 1]
        assert actual[:300] == text, (source, line, reason)
    # Samples come from late ranges of the split file too, not only from its first one.
    late = dist.rejected_samples.filter(pl.col("source").str.ends_with("access.log"))
    assert late["line"].max() > 1000


def test_distributed_equals_single_process_with_a_given_format_filters_and_views(logs, client):
    read = ReadOptions(log_format=TIMED, filter=RowFilter(status=("2xx", "5xx"), path_prefix="/"))
    view = ViewOptions(
        window="5m",
        tz="Europe/Paris",
        lang="zh",
        top=3,
        bots="exclude",
        since=datetime(2026, 11, 19, 12, tzinfo=UTC),
    )
    single = httplog.analyze(logs["timed"], read, view)
    dist = hd.analyze_distributed(logs["timed"], read, view, client=client, chunk_bytes=CHUNK)
    assert_same_analysis(single, dist)
    assert dist.latencies == ["request_time", "upstream_response_time"]
    assert dist.detection is None


@pytest.mark.parametrize(
    "names",
    [["nginx_json.log"], ["apache_common.log", "apache_vhost_combined.log"]],
    ids=["json-lines", "apache-crlf"],
)
def test_sample_logs_json_lines_and_crlf_line_ends_too(names, client):
    paths = [str(SAMPLES / n) for n in names]
    single = httplog.analyze(paths)
    dist = hd.analyze_distributed(paths, client=client, chunk_bytes=CHUNK)
    assert_same_analysis(single, dist)
    assert dist.partial.chunks.height > 10


def test_option_fields_by_keyword_as_for_analyze(logs, client):
    single = httplog.analyze(logs["timed"], log_format=TIMED, window="1h")
    dist = hd.analyze_distributed(
        logs["timed"], client=client, chunk_bytes=CHUNK, log_format=TIMED, window="1h"
    )
    assert_same_analysis(single, dist)


def test_relative_paths_keep_their_names_in_the_result(logs, client, monkeypatch):
    d = Path(logs["timed"][0]).parent
    monkeypatch.chdir(d)
    single = httplog.analyze(["timed.log", "timed.log.1.gz"], log_format=TIMED)
    dist = hd.analyze_distributed(
        ["timed.log", "timed.log.1.gz"], client=client, chunk_bytes=CHUNK, log_format=TIMED
    )
    assert_same_analysis(single, dist)
    assert dist.inputs["source"].to_list() == ["timed.log", "timed.log.1.gz"]


def test_the_current_default_client_is_used_when_none_is_given(logs, client, monkeypatch):
    def no_new_cluster(*a, **k):
        raise AssertionError("started a cluster although a client was there")

    monkeypatch.setattr(distributed, "LocalCluster", no_new_cluster)
    one_file = logs["timed"][0]  # with the default chunk size: one task, no merge task
    assert len(hd.plan(resolve_inputs(one_file))) == 1
    with client.as_current():
        dist = hd.analyze_distributed(one_file, log_format=TIMED)
    assert_same_analysis(httplog.analyze(one_file, log_format=TIMED), dist)


def test_a_scheduler_address_is_connected_to_and_let_go(logs, client):
    def clients() -> int:
        return client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.clients))

    before = clients()
    address = client.scheduler.address
    dist = hd.analyze_distributed(logs["timed"], scheduler=address, log_format=TIMED)
    assert_same_analysis(httplog.analyze(logs["timed"], log_format=TIMED), dist)
    assert clients() == before  # our connection is closed


def test_an_unreachable_scheduler_is_a_usage_error_after_the_configured_timeout(logs):
    import dask

    t0 = time.monotonic()
    with (
        dask.config.set({"httplog.connect-timeout": 1}),
        pytest.raises(
            UsageError, match=r"can't connect to the Dask scheduler at tcp://127\.0\.0\.1:9"
        ) as e,
    ):
        hd.analyze_distributed(logs["timed"], scheduler="tcp://127.0.0.1:9", log_format=TIMED)
    # 1 s, not the default: a refused port is retried until the timeout ends
    assert time.monotonic() - t0 < hd.CONNECT_TIMEOUT
    assert "after 1 s" in str(e.value) and "httplog[dask]" not in str(e.value)


def test_a_scheduler_without_workers_is_a_usage_error_not_a_hang(logs):
    import dask

    with (
        dask.config.set({"httplog.workers-timeout": 1}),
        distributed.LocalCluster(n_workers=0, dashboard_address=":0") as empty,
        pytest.raises(UsageError, match=r"Dask scheduler at tcp://\S+ has no worker"),
    ):
        hd.analyze_distributed(logs["timed"], scheduler=empty.scheduler_address, log_format=TIMED)


def test_a_scheduler_address_of_an_unknown_kind_is_a_usage_error(logs):
    with pytest.raises(UsageError, match=r"can't connect to the Dask scheduler at nope://"):
        hd.analyze_distributed(logs["timed"], scheduler="nope://127.0.0.1:1", log_format=TIMED)


def test_a_worker_lost_mid_run_is_a_cluster_error_not_a_crash(logs, monkeypatch):
    """What the cluster raises (here KilledWorker, as when a worker runs out of
    memory) becomes a ClusterError: one line and exit 2 in the CLI, not exit 3."""

    def killed(*args, **kwargs):
        last = types.SimpleNamespace(address="tcp://127.0.0.1:1")
        raise distributed.KilledWorker("map_chunk-1", last, 3)

    monkeypatch.setattr(hd, "map_chunk", killed)  # threads: the workers see the patch
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as lc,
        distributed.Client(lc) as c,
        pytest.raises(ClusterError, match=r"the run on Dask failed: KilledWorker"),
    ):
        hd.analyze_distributed(logs["timed"], client=c, log_format=TIMED)


def test_workers_starts_a_local_cluster_and_closes_it(logs, monkeypatch):
    started = []

    def local_cluster(**kwargs):
        started.append((kwargs, distributed.LocalCluster(**kwargs)))
        return started[-1][1]

    monkeypatch.setattr(hd, "_import_distributed", lambda: _Dist(local_cluster))
    single = httplog.analyze(logs["combined"][1:])
    dist = hd.analyze_distributed(logs["combined"][1:], workers=1, chunk_bytes=CHUNK)
    assert_same_analysis(single, dist)
    [(kwargs, cluster)] = started
    assert kwargs["n_workers"] == 1 and kwargs["processes"] is True
    assert cluster.status.name == "closed"


class _Dist:
    """``distributed`` with another LocalCluster."""

    def __init__(self, local_cluster):
        self.LocalCluster = local_cluster

    def __getattr__(self, name):
        return getattr(distributed, name)


# ------------------------------------------------------------------ partials


def test_a_chunk_partial_pickles_unchanged(logs):
    chunk = hd.plan(resolve_inputs(logs["timed"][0]), 10**9)[0]
    part = hd.map_chunk(chunk, chunk.source, ReadOptions(log_format=TIMED))
    blob = pickle.dumps(part)
    back = pickle.loads(blob)
    for table in SCHEMAS:
        assert_frame_equal(getattr(part, table), getattr(back, table))


def test_a_worker_that_cannot_read_an_input_says_so(logs, client, tmp_path):
    gone = tmp_path / "gone.log"
    gone.write_text("x\n")
    chunk = hd.plan(resolve_inputs(str(gone)))[0]
    gone.unlink()
    fut = client.submit(hd.map_chunk, chunk, chunk.source, ReadOptions(), pure=False)
    with pytest.raises(InputError, match=r"(?i)gone\.log: no such file.*Dask worker tcp://"):
        fut.result()


def test_per_host_parquet_partials_merge_to_exactly_one_run_over_all_logs(logs, client, tmp_path):
    hosts = {
        "host1": logs["combined"][0:1],
        "host2": logs["combined"][1:3],
        "host3": logs["combined"][3:],
    }
    files = []
    for i, (host, paths) in enumerate(hosts.items()):
        out = tmp_path / f"{host}.parquet"
        if i == 2:  # one host aggregated on the cluster, the others alone
            part = hd.collect_distributed(paths, client=client, chunk_bytes=CHUNK)
        else:
            part = httplog.analyze(paths).partial
        part.to_parquet(str(out))
        back = Partial.from_parquet(str(out))
        for table in SCHEMAS:
            _equal(getattr(part, table), getattr(back, table), table)
        files.append(out)
    fleet = finalize(merge(*(Partial.from_parquet(str(f)) for f in sorted(files))))
    one_run = httplog.analyze(logs["combined"])
    assert (fleet.lines, fleet.parsed, fleet.rejected) == (
        one_run.lines,
        one_run.parsed,
        one_run.rejected,
    )
    assert fleet.rejected_by_reason == one_run.rejected_by_reason
    assert_same_analysis(one_run, fleet, same_detection=False)


def test_the_map_step_is_collect_partial_itself(logs):
    chunk = hd.plan(resolve_inputs(logs["timed"][1]))[0]
    options = ReadOptions(log_format=TIMED)
    a, b = hd.map_chunk(chunk, chunk.source, options), aggregate_chunks([chunk], options)
    for table in SCHEMAS:
        assert_frame_equal(getattr(a, table), getattr(b, table))


# --------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": 2, "scheduler": "tcp://127.0.0.1:1"}, "one of client, workers and scheduler"),
        ({"workers": 0}, "workers must be at least 1"),
        ({"workers": 1, "chunk_bytes": 0}, "chunk_bytes"),
    ],
)
def test_bad_arguments_are_usage_errors(logs, kwargs, message):
    with pytest.raises(UsageError, match=message):
        hd.analyze_distributed(logs["timed"], **kwargs)


def test_stdin_is_refused_before_any_cluster_starts():
    with pytest.raises(UsageError, match="standard input"):
        hd.analyze_distributed("-", workers=1)


def test_without_dask_the_error_says_what_to_install(logs, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(UsageError, match=r"pip install 'httplog\[dask\]'"):
        hd.analyze_distributed(logs["timed"], workers=1)
