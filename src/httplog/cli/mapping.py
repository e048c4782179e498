"""A command's flags (:data:`~httplog.cli.flags.Flags`) mapped onto the library's
options: :class:`httplog.ReadOptions`, :class:`httplog.ViewOptions`,
:class:`httplog.Outputs` and :class:`httplog.Cluster`, which check what each
value means.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import typer

import httplog
from httplog.cli.checks import split
from httplog.cli.flags import DEFAULT_REPORT, Bots, Flags, PlotlyJS

#: The Dask flags' ranges (a flag's own units: MiB).
_CLUSTER_RANGES: dict[str, tuple[int, int]] = {"workers": (1, 1024), "chunk_mb": (1, 1 << 20)}


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """``zh`` when the locale (LC_ALL, else LC_MESSAGES, else LANG) is Chinese, else ``en``.

    >>> default_lang({"LANG": "zh_CN.UTF-8"}), default_lang({"LC_ALL": "C", "LANG": "zh_TW"})
    ('zh', 'en')
    """
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def plotly_js(value: str) -> str:
    """``inline``, ``cdn``, or the path of a readable file (a bundle; checked when embedded)."""
    if value in (PlotlyJS.inline, PlotlyJS.cdn):
        return value
    if not os.path.isfile(value) or not os.access(value, os.R_OK):
        problem = "no such file" if not os.path.exists(value) else "not a readable file"
        msg = f"bad plotly-js {httplog.clean(value, 200)!r}: {problem} (use inline, cdn or the path of a plotly.js bundle)"
        raise httplog.UsageError(msg, option="plotly-js", value=value)
    return value


def log_format(fmt: str | None, string: str | None) -> str | None:
    """``--format`` or ``--log-format`` (not both); ``auto``: detect."""
    if fmt and string:
        msg = "give --format (a named format) or --log-format (a format string), not both"
        raise httplog.UsageError(msg, option="log_format", value=fmt)
    if fmt in ("auto", ""):
        return None
    return fmt or string


def read_options(flags: Flags, now: datetime | None = None) -> httplog.ReadOptions:
    """The input and filter flags; ``now`` (for ``--since`` and ``--until`` as a
    row filter: ``aggregate``'s) or None (a reporting command: they are a view)."""
    since = until = None
    if now is not None:
        since, until = _times(flags, now)
    size = flags.get("max_line_bytes")
    return httplog.ReadOptions(
        log_format=log_format(flags.get("format"), flags.get("log_format")),
        filter=httplog.RowFilter(
            since=since,
            until=until,
            status=split(flags.get("status")),
            path_prefix=flags.get("path") or None,
        ),
        threads=flags.get("threads"),
        max_line_bytes=httplog.MAX_LINE_BYTES if size is None else httplog.parse_size(size),
    )


def view_options(flags: Flags, now: datetime) -> httplog.ViewOptions:
    """The view and spike flags of a reporting command."""
    since, until = _times(flags, now)
    spikes: dict[str, Any] = {
        k: flags[f"spike_{k}"]
        for k in (*httplog.SpikeParams.__dataclass_fields__,)
        if k != "kinds" and flags.get(f"spike_{k}") is not None
    }
    if flags.get("spike_kinds"):
        spikes["kinds"] = split(flags["spike_kinds"])
    return httplog.ViewOptions(
        window=flags["window"],
        tz=flags["tz"],
        lang=flags["lang"] or default_lang(),
        top=flags["top"],
        bots=str(flags["bots"].value if isinstance(flags["bots"], Bots) else flags["bots"]),
        since=since,
        until=until,
        spikes=httplog.SpikeParams(**spikes),
        geoip_db=flags.get("geoip_db"),
        route_rules=tuple(flags.get("route_rule") or ()),
    )


def _times(flags: Flags, now: datetime) -> tuple[datetime | None, datetime | None]:
    tz = flags["tz"]
    since, until = flags.get("since"), flags.get("until")
    t0 = httplog.parse_time(since, tz, now, "since") if since else None
    t1 = httplog.parse_time(until, tz, now, "until") if until else None
    return t0, t1


def outputs(flags: Flags, now: datetime) -> httplog.Outputs:
    """The output flags of a reporting command, paths expanded (strftime, in ``--tz``)."""
    local = now.astimezone(httplog.zone(flags["tz"]))

    def path(p: str | None) -> str | None:
        return None if p is None else httplog.expand_path(p, local)

    return httplog.Outputs(
        report=None if flags["no_report"] else path(flags["output"] or DEFAULT_REPORT),
        json=path(flags["json"]),
        export=path(flags["export"]),
        plotly_js=plotly_js(flags["plotly_js"]),
        title=flags["title"],
    )


def _from_command_line(ctx: typer.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def cluster(ctx: typer.Context, flags: Flags) -> httplog.Cluster | None:
    """``--scheduler``/``--workers``/``--chunk-mb`` → where to run (None: in this process)."""
    scheduler, workers, chunk_mb = flags["scheduler"], flags["workers"], flags["chunk_mb"]
    if scheduler is not None and workers is not None:
        # One from the command line, the other from --config: the command line wins.
        if _from_command_line(ctx, "scheduler") and not _from_command_line(ctx, "workers"):
            workers = None
        elif _from_command_line(ctx, "workers") and not _from_command_line(ctx, "scheduler"):
            scheduler = None
        else:
            msg = "give --scheduler (a running Dask cluster) or --workers (a local one), not both"
            raise httplog.UsageError(msg, option="scheduler", value=scheduler)
    if scheduler is not None and not scheduler.strip():
        msg = "--scheduler needs an address, such as tcp://host:8786"
        raise httplog.UsageError(msg, option="scheduler", value=scheduler)
    if scheduler is not None and "\x00" in scheduler:
        raise httplog.OptionError("scheduler", scheduler, "holds a NUL character")
    for name, value in (("workers", workers), ("chunk_mb", chunk_mb)):
        lo, hi = _CLUSTER_RANGES[name]
        if value is not None and not lo <= value <= hi:
            problem = "must not be negative" if value < 0 else "out of range"
            raise httplog.OptionError(name, value, problem, limit=f"{lo:,} to {hi:,}")
    if scheduler is None and workers is None:
        if chunk_mb is not None and _from_command_line(ctx, "chunk_mb"):
            msg = "--chunk-mb is for Dask runs: give --scheduler or --workers too"
            raise httplog.UsageError(msg, option="chunk_mb", value=chunk_mb)
        return None
    kept = {} if chunk_mb is None else {"chunk_bytes": chunk_mb * 1024 * 1024}
    return httplog.Cluster(
        scheduler=scheduler.strip() if scheduler is not None else None,
        workers=workers,
        quiet=not flags.get("verbose"),
        **kept,
    )
