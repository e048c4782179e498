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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as the type checker sees them; at run time, `__getattr__`
    from httplog import charts as charts
    from httplog.aggregation import aggregate
    from httplog.alerts import (
        Check,
        Condition,
        check_rejected,
        parse_conditions,
        parse_ratio,
        percent,
    )
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
    from httplog.report import write_report as write_report
    from httplog.scan import ParsedLog, read_logs, scan_logs
    from httplog.spikes import explain_spike, find_spikes
    from httplog.statuscodes import LANGS, describe, status_class, status_table
    from httplog.windows import parse_time, zone

#: Each public name → the module that defines it, imported on first use: `import httplog`
#: (and the command line's `--help`) costs no polars, plotly or jinja2 import.
_WHERE: dict[str, str] = {
    "aggregate": "httplog.aggregation",
    "Check": "httplog.alerts",
    "Condition": "httplog.alerts",
    "check_rejected": "httplog.alerts",
    "parse_conditions": "httplog.alerts",
    "parse_ratio": "httplog.alerts",
    "percent": "httplog.alerts",
    "Analysis": "httplog.analysis",
    "finalize": "httplog.analysis",
    "is_bot": "httplog.bots",
    "clean": "httplog.display",
    "decoded": "httplog.display",
    "visible": "httplog.display",
    "ClusterError": "httplog.errors",
    "ConflictError": "httplog.errors",
    "DetectionError": "httplog.errors",
    "FormatError": "httplog.errors",
    "HttplogError": "httplog.errors",
    "InputError": "httplog.errors",
    "OptionError": "httplog.errors",
    "OutputError": "httplog.errors",
    "RejectedError": "httplog.errors",
    "SettingsError": "httplog.errors",
    "StateError": "httplog.errors",
    "UsageError": "httplog.errors",
    "RowFilter": "httplog.filters",
    "MAX_LINE_BYTES": "httplog.inputs",
    "STDIN": "httplog.inputs",
    "expand_glob": "httplog.inputs",
    "Cluster": "httplog.options",
    "ReadOptions": "httplog.options",
    "SpikeParams": "httplog.options",
    "ViewOptions": "httplog.options",
    "parse_size": "httplog.options",
    "Outputs": "httplog.outputs",
    "expand_path": "httplog.outputs",
    "is_stdout": "httplog.outputs",
    "remove_temporary": "httplog.outputs",
    "Partial": "httplog.partial",
    "empty_partial": "httplog.partial",
    "merge": "httplog.partial",
    "Progress": "httplog.pipeline",
    "Run": "httplog.pipeline",
    "analyze": "httplog.pipeline",
    "collect": "httplog.pipeline",
    "run": "httplog.pipeline",
    "run_partials": "httplog.pipeline",
    "by_class": "httplog.reduce",
    "by_status": "httplog.reduce",
    "by_window": "httplog.reduce",
    "top_n": "httplog.reduce",
    "ParsedLog": "httplog.scan",
    "read_logs": "httplog.scan",
    "scan_logs": "httplog.scan",
    "explain_spike": "httplog.spikes",
    "find_spikes": "httplog.spikes",
    "LANGS": "httplog.statuscodes",
    "describe": "httplog.statuscodes",
    "status_class": "httplog.statuscodes",
    "status_table": "httplog.statuscodes",
    "parse_time": "httplog.windows",
    "zone": "httplog.windows",
    "write_report": "httplog.report",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # importlib.metadata (20 ms): on first use
        from httplog.version import package_version

        return package_version()
    if name == "charts":
        return importlib.import_module("httplog.charts")
    where = _WHERE.get(name)
    if where is None:
        msg = f"module 'httplog' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_WHERE, "charts"})


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
