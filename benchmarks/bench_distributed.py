"""Throughput of the analysis on 1 and 2 local Dask workers against the single-process path.

    python benchmarks/genlog.py benchmarks/data/1m.log --lines 1000000
    python benchmarks/bench_distributed.py [benchmarks/data/1m.log] [--repeat 5] [--chunk-mb 64 32]

Every configuration is timed the same way, in this one process: the whole
analysis from the path to the ``Analysis`` (plan, format detection, parse and
aggregate, merge, finalize), wall clock. The local clusters are started
first (their start-up is reported apart) and each configuration gets one
untimed warm-up call (workers import polars and httplog; the file enters the
page cache). Then the configurations take turns, ``--repeat`` rounds, so
that anything else running on the machine slows them alike; the table gives
the best and the median round, in wall-clock time and in CPU time (of this
process, which also runs the local schedulers, plus every worker process:
what the run costs, whatever else the machine is doing). Each distributed
result is checked against the single-process one.

For one more call of each cluster configuration, the Dask task stream gives
the time spent in map tasks (parse + aggregate of a chunk), in merge tasks
and in transfers between workers; the client's own fixed costs (format
detection, finalize) are timed apart.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import distributed
import polars as pl
from polars.testing import assert_frame_equal

import httplog
from httplog import ReadOptions
from httplog.analysis import finalize
from httplog.distributed import analyze_distributed, detect_first, map_chunk, plan
from httplog.inputs import resolve_inputs

DEFAULT = Path(__file__).parent / "data" / "1m.log"
#: Local clusters: workers, and environment of the worker processes.
CLUSTERS: list[tuple[int, dict[str, str]]] = [(1, {}), (2, {}), (2, {"POLARS_MAX_THREADS": "1"})]


def check(single: httplog.Analysis, other: httplog.Analysis) -> None:
    assert (single.lines, single.parsed, single.rejected) == (
        other.lines,
        other.parsed,
        other.rejected,
    )
    for name in ("inputs", "status", "timeline", "top", "spikes", "explanations"):
        assert_frame_equal(getattr(single, name), getattr(other, name))


def task_breakdown(stream: list[dict]) -> dict[str, float]:
    """Seconds of compute per task kind, and of transfers, from a Dask task stream."""
    out: dict[str, float] = {}
    for task in stream:
        key = task["key"][0] if isinstance(task["key"], tuple) else task["key"]
        kind = key.rsplit("-", 5)[0]
        for part in task["startstops"]:
            name = kind if part["action"] == "compute" else part["action"]
            out[name] = out.get(name, 0.0) + part["stop"] - part["start"]
    return out


def clock(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def cpu_seconds() -> float:
    """CPU time (user + system) of this process so far, all threads."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def total_cpu(clients: list[distributed.Client]) -> float:
    """CPU time of this process (client, and the local clusters' schedulers,
    which run in it) plus that of every worker process."""
    return cpu_seconds() + sum(sum(c.run(cpu_seconds).values()) for c in clients)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(DEFAULT))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--chunk-mb", type=int, nargs="+", default=[64, 32])
    a = ap.parse_args()
    if not Path(a.path).exists():
        sys.exit(f"{a.path} is missing: python benchmarks/genlog.py {a.path} --lines 1000000")

    path = a.path
    size = Path(path).stat().st_size
    print(
        f"input {path}: {size / 1e6:.0f} MB; {os.cpu_count()} CPUs; polars {pl.__version__} "
        f"({pl.thread_pool_size()} threads); dask {distributed.__version__}; "
        f"{a.repeat} interleaved rounds after a warm-up\n"
    )
    with contextlib.ExitStack() as stack:
        runs: dict[str, Callable[[], object]] = {
            "single process (httplog.analyze)": lambda: httplog.analyze(path)
        }
        tasks = {"single process (httplog.analyze)": 1}
        starts: dict[str, float] = {}
        clients: dict[str, tuple[distributed.Client, int]] = {}
        for workers, env in CLUSTERS:
            start, cluster = clock(
                lambda workers=workers, env=env: distributed.LocalCluster(
                    n_workers=workers,
                    processes=True,
                    threads_per_worker=1,
                    dashboard_address=":0",
                    env=env,
                )
            )
            stack.enter_context(cluster)  # type: ignore[arg-type]
            client = stack.enter_context(distributed.Client(cluster))
            for mb in a.chunk_mb:
                label = f"{workers} worker{'s' if workers > 1 else ''}, {mb} MiB chunks"
                label += "".join(f", {k}={v}" for k, v in env.items())
                runs[label] = lambda c=client, mb=mb: analyze_distributed(
                    path, client=c, chunk_bytes=mb << 20
                )
                tasks[label] = len(plan(resolve_inputs(path), mb << 20))
                starts[label] = start
                clients[label] = (client, mb)

        results = {label: run() for label, run in runs.items()}  # warm-up
        single = results["single process (httplog.analyze)"]
        for result in results.values():
            check(single, result)  # type: ignore[arg-type]
        times: dict[str, list[float]] = {label: [] for label in runs}
        cpu: dict[str, list[float]] = {label: [] for label in runs}
        every = list({id(c): c for c, _ in clients.values()}.values())
        for _ in range(a.repeat):
            for label, run in runs.items():
                before = total_cpu(every)
                times[label].append(clock(run)[0])
                cpu[label].append(total_cpu(every) - before)

        breakdowns = {}
        for label, (client, mb) in clients.items():
            with distributed.get_task_stream(client) as ts:
                analyze_distributed(path, client=client, chunk_bytes=mb << 20)
            breakdowns[label] = task_breakdown(ts.data)

    lines = single.lines  # type: ignore[attr-defined]
    base = statistics.median(times["single process (httplog.analyze)"])
    base_cpu = statistics.median(cpu["single process (httplog.analyze)"])
    print(
        "| configuration | tasks | cluster start s | wall best s | wall median s "
        "| lines/s (median) | vs single | CPU s (median) | CPU vs single |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, ts_ in times.items():
        best, med = min(ts_), statistics.median(ts_)
        c = statistics.median(cpu[label])
        st = f"{starts[label]:.2f}" if label in starts else "-"
        print(
            f"| {label} | {tasks[label]} | {st} | {best:.2f} | {med:.2f} | "
            f"{lines / med:,.0f} | {base / med:.2f}× | {c:.2f} | {c / base_cpu:.2f}× |"
        )

    print("\nCompute and transfer time of one more call, summed over tasks (seconds):")
    for label, b in breakdowns.items():
        print(f"- {label}: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(b.items())))

    inputs = resolve_inputs(path)
    detect_s = min(clock(lambda: detect_first(inputs))[0] for _ in range(3))
    partial = single.partial  # type: ignore[attr-defined]
    final_s = min(clock(lambda: finalize(partial))[0] for _ in range(3))
    first = plan(inputs, a.chunk_mb[0] << 20)[0]
    part = map_chunk(first, first.source, ReadOptions(log_format="combined"))
    psize = len(pickle.dumps(part))
    rows = ", ".join(
        f"{t} {getattr(part, t).height:,} rows" for t in ("counts", "keys", "error_keys")
    )
    print(
        f"\nOn the client: format detection {detect_s:.2f} s, finalize {final_s:.2f} s.\n"
        f"Pickled partial of a {a.chunk_mb[0]} MiB chunk: {psize / 1e6:.1f} MB "
        f"({psize / ((first.end or size) - first.start):.0%} of its input; {rows})."
    )


if __name__ == "__main__":
    main()
