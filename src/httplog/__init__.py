"""httplog: nginx and Apache access logs → status codes by class and time, spikes explained.

The public API is a few names; every function takes and returns polars frames
or small frozen dataclasses of them.

- :func:`read_logs` / :func:`scan_logs`: parse logs (eager with accounting / lazy).
- :func:`analyze` → :class:`Analysis`: every aggregate, spikes and explanations.
- :func:`by_status`, :func:`timeline`, :func:`top_n`, :func:`find_spikes`,
  :func:`explain_spike`: the pieces of an analysis, on a :class:`Partial`.
- :func:`status_table`, :func:`describe`: the status-code registry.
- :func:`write_report`: the HTML report; :mod:`httplog.charts`: its figures.

Examples
--------
>>> import httplog, os, tempfile
>>> p = os.path.join(tempfile.mkdtemp(), "access.log")
>>> _ = open(p, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 502 0 "-" "-"\\n'
... )
>>> httplog.analyze(p).status.select("status", "reason", "requests").rows()
[(502, 'Bad Gateway', 1)]
"""

from __future__ import annotations

from httplog import analysis as _analysis
from httplog.aggregate import Partial, by_status, merge, timeline, top_n
from httplog.analysis import Analysis, AnalyzeOptions, finalize
from httplog.errors import (
    ClusterError,
    FormatError,
    HttplogError,
    InputError,
    StateError,
    UsageError,
)
from httplog.parse import ParsedLog, read_logs, scan_logs
from httplog.spikes import SpikeParams, explain_spike, find_spikes
from httplog.statuscodes import describe, status_table


def analyze(
    source: object,
    options: AnalyzeOptions | None = None,
    *,
    client: object = None,
    progress: object = None,
    **kwargs: object,
) -> Analysis:
    """Analyse logs; with a ``dask.distributed`` ``client``, on its cluster.

    The single-machine path is :func:`httplog.analysis.analyze`; with a client,
    :func:`httplog.distributed.analyze_distributed` runs the same map step
    (parse + aggregate per chunk) on the workers and merges the partials.

    >>> import os, tempfile
    >>> import polars as pl
    >>> p = os.path.join(tempfile.mkdtemp(), "a.log")
    >>> _ = open(p, "w").write(
    ...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 404 0 "-" "-"\\n'
    ... )
    >>> analyze(p).classes.filter(pl.col("requests") > 0)["class"].to_list()
    ['4xx']
    """
    if client is not None:
        from httplog.distributed import analyze_distributed

        return analyze_distributed(source, options, client=client, progress=progress, **kwargs)  # type: ignore[arg-type]
    return _analysis.analyze(source, options, progress=progress, **kwargs)  # type: ignore[arg-type]


def __getattr__(name: str) -> object:
    # The report and charts pull in plotly and jinja2, and the version
    # importlib.metadata (20 ms): import them on first use.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("httplog")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0+unknown"
    if name == "write_report":
        from httplog.report import write_report

        return write_report
    if name == "charts":
        import importlib

        return importlib.import_module("httplog.charts")
    msg = f"module 'httplog' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "Analysis",
    "AnalyzeOptions",
    "ClusterError",
    "FormatError",
    "HttplogError",
    "InputError",
    "ParsedLog",
    "Partial",
    "SpikeParams",
    "StateError",
    "UsageError",
    "__version__",
    "analyze",
    "by_status",
    "describe",
    "explain_spike",
    "finalize",
    "find_spikes",
    "merge",
    "read_logs",
    "scan_logs",
    "status_table",
    "timeline",
    "top_n",
]
