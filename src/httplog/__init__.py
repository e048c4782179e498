"""httplog: nginx and Apache access logs → status codes by class and time, spikes explained.

The public API is these names; every function takes and returns polars frames
or small frozen dataclasses of them (``docs/architecture.md`` maps the modules).

- :func:`read_logs` / :func:`scan_logs`: parse logs (eager with accounting / lazy).
- :func:`analyze` → :class:`Analysis`: every aggregate, spikes and explanations;
  :func:`run` does a whole ``httplog analyze`` (state, Dask, alerts, outputs),
  :func:`collect` stops at the :class:`Partial`, :func:`run_partials` merges them.
- :func:`aggregate` (rows → :class:`Partial`), :func:`merge`, :func:`finalize`;
  :func:`by_status`, :func:`by_window`, :func:`top_n` on a frame or a partial;
  :func:`find_spikes`, :func:`explain_spike`; the expressions :func:`status_class`
  and :func:`is_bot`.
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

from typing import Any

from httplog.aggregation import aggregate
from httplog.alerts import Check, Condition, check_rejected, parse_conditions, parse_ratio, percent
from httplog.analysis import Analysis, finalize
from httplog.bots import is_bot
from httplog.display import clean, decoded, visible
from httplog.errors import (
    ClusterError,
    ConflictError,
    DetectionError,
    FormatError,
    HttplogError,
    InputError,
    OptionError,
    OutputError,
    RejectedError,
    SettingsError,
    StateError,
    UsageError,
)
from httplog.filters import RowFilter
from httplog.inputs import MAX_LINE_BYTES, STDIN, expand_glob
from httplog.options import Cluster, ReadOptions, SpikeParams, ViewOptions, parse_size
from httplog.outputs import Outputs, expand_path, is_stdout, remove_temporary
from httplog.partial import Partial, empty_partial, merge
from httplog.pipeline import Progress, Run, analyze, collect, run, run_partials
from httplog.reduce import by_class, by_status, by_window, top_n
from httplog.scan import ParsedLog, read_logs, scan_logs
from httplog.spikes import explain_spike, find_spikes
from httplog.statuscodes import LANGS, describe, status_class, status_table
from httplog.windows import parse_time, zone

_LAZY = ("__version__", "charts", "write_report")


def __getattr__(name: str) -> Any:
    # The report and charts pull in plotly and jinja2, and the version
    # importlib.metadata (20 ms): import them on first use.
    if name == "__version__":
        from httplog.version import package_version

        return package_version()
    if name == "write_report":
        from httplog.report import write_report

        return write_report
    if name == "charts":
        import importlib

        return importlib.import_module("httplog.charts")
    msg = f"module 'httplog' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "LANGS",
    "MAX_LINE_BYTES",
    "STDIN",
    "Analysis",
    "Check",
    "Cluster",
    "ClusterError",
    "Condition",
    "ConflictError",
    "DetectionError",
    "FormatError",
    "HttplogError",
    "InputError",
    "OptionError",
    "OutputError",
    "Outputs",
    "ParsedLog",
    "Partial",
    "Progress",
    "ReadOptions",
    "RejectedError",
    "RowFilter",
    "Run",
    "SettingsError",
    "SpikeParams",
    "StateError",
    "UsageError",
    "ViewOptions",
    "__version__",
    "aggregate",
    "analyze",
    "by_class",
    "by_status",
    "by_window",
    "check_rejected",
    "clean",
    "collect",
    "decoded",
    "describe",
    "empty_partial",
    "expand_glob",
    "expand_path",
    "explain_spike",
    "finalize",
    "find_spikes",
    "is_bot",
    "is_stdout",
    "merge",
    "parse_conditions",
    "parse_ratio",
    "parse_size",
    "parse_time",
    "percent",
    "read_logs",
    "remove_temporary",
    "run",
    "run_partials",
    "scan_logs",
    "status_class",
    "status_table",
    "top_n",
    "visible",
    "zone",
]
