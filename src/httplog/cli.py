"""The command line: ``httplog analyze | aggregate | report`` (see ``docs/cli.md``).

A thin shell over the library: flags become an
:class:`~httplog.analysis.AnalyzeOptions`, the library does the work
(:func:`~httplog.analysis.collect_partial`, :func:`~httplog.analysis.finalize`,
:mod:`httplog.state`, :mod:`httplog.summary`, :mod:`httplog.alerts`), and this
module prints and picks the exit status (:class:`ExitStatus`). Every
:class:`~httplog.errors.HttplogError` becomes one line on stderr,
``httplog: error: ...``, and exit status 2.

Examples
--------
>>> default_lang({"LANG": "zh_CN.UTF-8"}), default_lang({"LC_ALL": "C", "LANG": "zh_TW"})
('zh', 'en')
>>> from datetime import datetime, UTC
>>> now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
>>> parse_time("24h", "UTC", now).isoformat()
'2026-11-19T12:00:00+00:00'
>>> parse_time("2026-11-20", "Europe/Paris", now).isoformat()
'2026-11-19T23:00:00+00:00'
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

import httplog as _httplog
from httplog import alerts as _alerts
from httplog.aggregate import Partial, merge, window_minutes
from httplog.analysis import Analysis, AnalyzeOptions, collect_partial, finalize
from httplog.errors import HttplogError, UsageError
from httplog.formats import resolve as resolve_format
from httplog.inputs import STDIN, Chunk, Input, os_errors, resolve
from httplog.outputs import atomic_open, atomic_write, expand_path
from httplog.parse import row_filter
from httplog.spikes import SpikeParams
from httplog.state import (
    Update,
    atomic_path,
    counting_settings,
    load_partials,
    update,
    write_partial,
)
from httplog.summary import clean, dumps, to_summary, to_text


class ExitStatus(IntEnum):
    """Exit statuses of every command."""

    #: Done; no ``--fail-on`` condition holds.
    OK = 0
    #: Done, outputs written, and a ``--fail-on`` condition holds.
    ALERT = 1
    #: Usage, input, format or state error (or too many rejected lines); nothing half-written.
    ERROR = 2
    #: A bug in httplog (an unexpected exception); ``HTTPLOG_DEBUG=1`` shows the traceback.
    INTERNAL = 3
    #: Interrupted (Ctrl-C).
    INTERRUPTED = 130


DEFAULT_REPORT = "httplog-report.html"
#: Show the progress bar only for runs longer than this (seconds).
PROGRESS_DELAY = 0.5

EPILOG_ANALYZE = """\
Examples:

  httplog analyze /var/log/nginx/access.log*

  httplog analyze access.log --window 5m --tz Europe/Paris --lang zh -o report.html

  httplog analyze access.log --json - --no-report --fail-on '5xx-rate>2%'

  zcat access.log.*.gz | httplog analyze - -o report.html

  httplog analyze app.log --log-format '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent'

  httplog analyze --config /etc/httplog.toml --state /var/lib/httplog -o 'reports/%Y-%m-%d.html'

  httplog analyze --scheduler tcp://scheduler:8786 '/shared/logs/access.log*'

Exit status: 0 done, 1 a --fail-on condition holds, 2 usage/input/format/state error.
"""

app = typer.Typer(
    name="httplog",
    help="Turn nginx and Apache access logs into answers: status codes by class and time, "
    "error spikes explained, one offline HTML report, a JSON summary for monitoring.",
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Bots(StrEnum):
    include = "include"
    exclude = "exclude"
    only = "only"


class PlotlyJS(StrEnum):
    inline = "inline"
    cdn = "cdn"


# ------------------------------------------------------------- config file

#: Options whose values are paths: relative ones in a config file are relative to the file.
_PATH_KEYS = ("paths", "output", "json", "export", "state")
_COMMANDS = ("analyze", "aggregate", "report")


def _option_keys(command: Any) -> dict[str, Any]:
    """Config keys of a command → its parameters (long option names, and param names)."""
    keys: dict[str, Any] = {}
    for p in command.params:
        if p.name in ("config", "help"):
            continue
        keys[p.name.replace("_", "-")] = p
        for opt in (*p.opts, *p.secondary_opts):
            if opt.startswith("--"):
                keys[opt[2:]] = p
    return keys


def load_config(
    path: str, command: str, params: Mapping[str, Any], ctx: Any = None
) -> dict[str, Any]:
    """Read a TOML config file into the defaults of ``command`` (param name → value).

    Top-level keys apply to every command that has the option (``paths``
    only to ``analyze`` and ``aggregate``); tables ``[analyze]``,
    ``[aggregate]`` and ``[report]`` apply to one command. Unknown keys are a
    UsageError naming them; so is a value of the wrong type.
    """
    try:
        with os_errors(path, UsageError, "no such config file"), open(path, "rb") as f:
            data = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        msg = f"{path}: not valid TOML: {e}"
        raise UsageError(msg) from None
    group = typer.main.get_command(app)
    per_command = {
        name: _option_keys(group.commands[name])  # type: ignore[attr-defined]
        for name in _COMMANDS
    }
    known = set().union(*per_command.values())
    base = os.path.dirname(os.path.abspath(path))
    top = {k.replace("_", "-"): v for k, v in data.items() if not isinstance(v, dict)}
    tables = {
        k: {kk.replace("_", "-"): vv for kk, vv in v.items()}
        for k, v in data.items()
        if isinstance(v, dict)
    }
    unknown = [k for k in top if k not in known]
    for name, table in tables.items():
        if name not in _COMMANDS:
            unknown.append(f"[{name}]")
            continue
        unknown += [f"{name}.{k}" for k in table if k not in per_command[name]]
    if unknown:
        msg = f"{path}: unknown key{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"
        raise UsageError(msg)
    picked = {k: v for k, v in top.items() if k in params}
    if command == "report":
        picked.pop("paths", None)
    picked.update(tables.get(command, {}))
    out: dict[str, Any] = {}
    for key, value in picked.items():
        p = params[key]
        v = value
        if getattr(p, "multiple", False) or getattr(p, "nargs", 1) == -1:
            v = [value] if isinstance(value, str) else value
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                msg = f"{path}: {key} must be a string or a list of strings"
                raise UsageError(msg)
        elif isinstance(v, dict | list):
            msg = f"{path}: {key} must be a single value"
            raise UsageError(msg)
        if key in _PATH_KEYS or p.name in _PATH_KEYS:
            v = _relative_to(base, v)
        check = getattr(p, "process_value", None)
        if ctx is not None and check is not None and p.callback is None:
            try:
                check(ctx, v)  # the same conversion a flag gets, to name the file on error
            except Exception as e:  # typer's BadParameter and kin
                msg = f"{path}: {key} = {v!r}: {getattr(e, 'message', None) or e}"
                raise UsageError(msg) from None
        out[p.name] = v
    return out


def _relative_to(base: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_relative_to(base, v) for v in value]
    if isinstance(value, str) and value != "-" and not os.path.isabs(value):
        return os.path.join(base, os.path.expanduser(value))
    return value


def _config_callback(ctx: typer.Context, param: Any, value: str | None) -> str | None:
    if not value:
        return value
    try:
        defaults = load_config(value, ctx.command.name or "", _option_keys(ctx.command), ctx)
    except HttplogError as e:
        _error(str(e))
        raise typer.Exit(ExitStatus.ERROR) from None
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return value


# ------------------------------------------------------------ flag parsing


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """``zh`` when the locale (LC_ALL, else LC_MESSAGES, else LANG) is Chinese, else ``en``."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"unknown time zone {tz!r} (use an IANA name such as UTC or Europe/Paris)"
        raise UsageError(msg) from None


def parse_time(text: str, tz: str, now: datetime, option: str = "--since") -> datetime:
    """An absolute time, a date, or a duration ago (``30m``, ``24h``, ``7d``) → aware UTC.

    Times without an offset and dates (midnight) are in ``tz``; ``now``,
    ``today`` and ``yesterday`` work too.
    """
    s = text.strip()
    zone = _zone(tz)
    m = _RELATIVE.match(s)
    if m:
        return now - timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2).lower()])
    low = s.lower()
    if low == "now":
        return now
    if low in ("today", "yesterday"):
        day = now.astimezone(zone).date() - timedelta(days=low == "yesterday")
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    try:
        t = datetime.fromisoformat(s)
    except ValueError:
        msg = (
            f"bad {option} {text!r}: use an ISO time (2026-11-20T13:00, 2026-11-20 13:00+01:00), "
            "a date (2026-11-20) or a duration ago (30m, 24h, 7d)"
        )
        raise UsageError(msg) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=zone)
    return t.astimezone(UTC)


def _split(items: list[str] | None) -> tuple[str, ...]:
    return tuple(p.strip() for item in items or [] for p in item.split(",") if p.strip())


#: The commands that report (``analyze``, ``report``) share their view, spike, output
#: and alert flags; their helpers below take the command's parameters by name
#: (``dict(locals())`` at the top of the command) rather than each flag again.
_Flags = Mapping[str, Any]


@dataclass(frozen=True)
class _Outputs:
    """The output and alert flags of a reporting command, checked."""

    output: str | None
    no_report: bool
    plotly_js: str
    title: str | None
    json: str | None
    export: str | None
    quiet: bool
    conditions: list[_alerts.Condition]
    max_rejected: float

    @classmethod
    def of(cls, flags: _Flags) -> _Outputs:
        return cls(
            flags["output"],
            flags["no_report"],
            PlotlyJS(flags["plotly_js"]).value,
            flags["title"],
            flags["json"],
            flags["export"],
            flags["quiet"],
            _alerts.parse_conditions(flags["fail_on"] or []),
            _alerts.parse_ratio(flags["max_rejected"]),
        )


#: SpikeParams fields with a flag ``--spike-<field>`` (parameter ``spike_<field>``).
_SPIKE_FIELDS = (
    "history",
    "min_history",
    "min_requests",
    "min_errors",
    "min_delta",
    "min_ratio",
    "z",
    "mad_k",
    "top",
)


def _spike_params(flags: _Flags) -> SpikeParams:
    """The ``--spike-*`` flags → SpikeParams (those not given keep its defaults)."""
    given = {k: flags[f"spike_{k}"] for k in _SPIKE_FIELDS}
    fields: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    kinds = flags["spike_kinds"]
    if kinds:
        ks = _split(kinds)
        bad = [k for k in ks if k not in ("4xx", "5xx")]
        if bad:
            msg = f"bad --spike-kinds {', '.join(bad)}: use 5xx and/or 4xx"
            raise UsageError(msg)
        fields["kinds"] = ks
    for k, v in fields.items():
        if k != "kinds" and v < 0:
            msg = f"--spike-{k.replace('_', '-')} must not be negative"
            raise UsageError(msg)
    return SpikeParams(**fields)


def _options(
    *,
    log_format: str | None,
    window: str,
    tz: str,
    lang: str | None,
    top: int,
    bots: Bots | str,
    since: str | None,
    until: str | None,
    status: list[str] | None,
    path: str | None,
    spikes: SpikeParams,
    threads: int | None,
    now: datetime,
) -> AnalyzeOptions:
    """Flags → AnalyzeOptions, checking everything that can be checked before reading."""
    _zone(tz)
    if window != "auto":
        window_minutes(window)
    t0 = parse_time(since, tz, now, "--since") if since else None
    t1 = parse_time(until, tz, now, "--until") if until else None
    if t0 is not None and t1 is not None and t0 >= t1:
        msg = f"--since ({since}) must be before --until ({until})"
        raise UsageError(msg)
    statuses = _split(status)
    row_filter(status=statuses)  # a bad status filter fails now, not after reading
    if threads is not None and threads < 1:
        msg = f"--threads must be at least 1, not {threads}"
        raise UsageError(msg)
    fmt = log_format
    if fmt is not None:
        resolve_format(fmt)  # a bad format fails now
    return AnalyzeOptions(
        log_format=fmt,
        window=window,
        tz=tz,
        lang=lang or default_lang(),
        top=top,
        bots=bots.value if isinstance(bots, Bots) else str(bots),
        since=t0,
        until=t1,
        status=statuses,
        path_prefix=path or None,
        spikes=spikes,
        threads=threads,
    )


def _report_options(
    flags: _Flags,
    now: datetime,
    *,
    log_format: str | None = None,
    status: list[str] | None = None,
    path: str | None = None,
    threads: int | None = None,
) -> AnalyzeOptions:
    """:func:`_options` of a reporting command: view and spike flags from ``flags``."""
    return _options(
        log_format=log_format,
        window=flags["window"],
        tz=flags["tz"],
        lang=flags["lang"],
        top=flags["top"],
        bots=flags["bots"],
        since=flags["since"],
        until=flags["until"],
        status=status,
        path=path,
        spikes=_spike_params(flags),
        threads=threads,
        now=now,
    )


def _pick_format(fmt: str | None, log_format: str | None) -> str | None:
    if fmt and log_format:
        msg = "give --format (a named format) or --log-format (a format string), not both"
        raise UsageError(msg)
    if fmt in ("auto", ""):
        return None
    return fmt or log_format


# ---------------------------------------------------------------- printing


def _one_line(text: str) -> str:
    return clean(" ".join(str(text).split("\n")))


def _error(text: str) -> None:
    print(f"httplog: error: {_one_line(text)}", file=sys.stderr, flush=True)


def _interactive(quiet: bool) -> bool:
    return not quiet and sys.stdout.isatty()


@contextlib.contextmanager
def _guard() -> Iterator[None]:
    """HttplogError → one line and exit 2; a bug → one line (traceback with HTTPLOG_DEBUG) and 3."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except HttplogError as e:
        _error(str(e))
        raise typer.Exit(ExitStatus.ERROR) from None
    except KeyboardInterrupt:
        print("httplog: interrupted", file=sys.stderr)
        raise typer.Exit(ExitStatus.INTERRUPTED) from None
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - quiet the final flush
        raise typer.Exit(ExitStatus.ERROR) from None
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        _error(f"{where}{e.strerror or e}")
        raise typer.Exit(ExitStatus.ERROR) from None
    except Exception as e:
        if os.environ.get("HTTPLOG_DEBUG"):
            traceback.print_exc()
        _error(
            f"internal error: {type(e).__name__}: {e} "
            "(a bug in httplog; HTTPLOG_DEBUG=1 shows the traceback)"
        )
        raise typer.Exit(ExitStatus.INTERNAL) from None


class _Progress:
    """A progress bar on stderr (bytes read of total, lines/s), shown after a moment."""

    def __init__(self, total: int | None, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and sys.stderr.isatty()
        self.t0 = time.monotonic()
        self.read = 0
        self.lines = 0
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, nbytes: int, lines: int) -> None:
        self.read += nbytes
        self.lines += lines
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self.t0 < PROGRESS_DELAY:
                return
            self._start()
        if self._bar is not None:
            self._bar.update(self._task, completed=self.read, lines=self.lines)

    def _start(self) -> None:
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                ProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )
            from rich.text import Text
        except ImportError:  # pragma: no cover - rich comes with typer
            self.enabled = False
            return

        class LinesPerSecond(ProgressColumn):
            def render(self, task: Any) -> Text:
                elapsed = task.elapsed or 0
                rate = task.fields.get("lines", 0) / elapsed if elapsed else 0
                return Text(f"{rate:,.0f} lines/s")

        self._bar = Progress(
            TextColumn("reading"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            LinesPerSecond(),
            TimeElapsedColumn() if self.total is None else TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("read", total=self.total, lines=0)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@contextlib.contextmanager
def _progress(total: int | None, enabled: bool) -> Iterator[_Progress]:
    bar = _Progress(total, enabled)
    try:
        yield bar
    finally:
        bar.close()


def _total_bytes(chunks: list[Chunk]) -> int | None:
    total = 0
    for c in chunks:
        inp = c.input
        if inp.path == STDIN or inp.compression is not None or inp.size is None:
            return None
        total += max(0, inp.size - c.start)
    return total


# ----------------------------------------------------------------- outputs


@contextlib.contextmanager
def _stdin_spooled(paths: list[str], needed: bool) -> Iterator[str | None]:
    """Copy stdin to a temporary file when it must be read twice (``--export``)."""
    if not needed or STDIN not in paths:
        yield None
        return
    fd, tmp = tempfile.mkstemp(prefix="httplog-stdin-", suffix=".log")
    saved = sys.stdin
    try:
        with os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(sys.stdin.buffer, f, 1 << 20)
        sys.stdin = io.TextIOWrapper(open(tmp, "rb"))  # noqa: SIM115 - closed below
        yield tmp
    finally:
        if sys.stdin is not saved:
            with contextlib.suppress(OSError):
                sys.stdin.close()
        sys.stdin = saved
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _write_report(analysis: Analysis, path: str, out: _Outputs) -> None:
    try:
        from httplog.report import write_report
    except ImportError:
        msg = "the HTML report is not available in this installation (httplog.report); use --no-report"
        raise HttplogError(msg) from None
    with atomic_path(path) as tmp:
        write_report(analysis, tmp, plotly_js=out.plotly_js, title=out.title)


_TABLES = (
    "classes",
    "status",
    "timeline",
    "top",
    "spikes",
    "explanations",
    "inputs",
    "rejected_samples",
)


def _export(
    analysis: Analysis,
    directory: str,
    summary_json: str,
    rows: Callable[[str], None] | None,
) -> None:
    """Every aggregated table as CSV and Parquet, the summary, and the parsed rows."""
    os.makedirs(directory, exist_ok=True)
    for name in _TABLES:
        df = getattr(analysis, name)
        with atomic_open(os.path.join(directory, f"{name}.csv"), "wb") as f:
            df.write_csv(f)
        with atomic_open(os.path.join(directory, f"{name}.parquet"), "wb") as f:
            df.write_parquet(f)
    atomic_write(os.path.join(directory, "summary.json"), summary_json)
    if rows is not None:
        with atomic_path(os.path.join(directory, "rows.parquet")) as tmp:
            rows(tmp)


def _rows_writer(
    paths: list[str], spooled: str | None, options: AnalyzeOptions, fmt: str | None
) -> Callable[[str], None]:
    """Stream the parsed rows (same format and row filters as the counts) to Parquet."""

    def write(target: str) -> None:
        import polars as pl

        from httplog.parse import scan_logs

        sources = [spooled if (p == STDIN and spooled) else p for p in paths]
        lf = scan_logs(sources, log_format=fmt)
        if spooled:
            lf = lf.with_columns(
                source=pl.when(pl.col("source") == spooled)
                .then(pl.lit(STDIN))
                .otherwise(pl.col("source"))
            )
        keep = row_filter(
            since=options.since,
            until=options.until,
            status=options.status,
            path_prefix=options.path_prefix,
        )
        if keep is not None:
            lf = lf.filter(keep)
        lf.sink_parquet(target)

    return write


def _format_of(analysis: Analysis) -> str | None:
    f = analysis.format
    return None if f == "unknown" or " + " in f else f


def _finalize(partial: Partial, options: AnalyzeOptions, max_rejected: float) -> Analysis:
    """:func:`~httplog.analysis.finalize`, then the ``--max-rejected`` check."""
    analysis = finalize(partial, options)
    _alerts.check_rejected(
        analysis.lines, analysis.rejected, max_rejected, format_label=analysis.format
    )
    return analysis


def _check_rejected(partial: Partial, max_rejected: float) -> None:
    """The ``--max-rejected`` check on a partial (before it is written or saved)."""
    lines = int(partial.chunks["lines"].sum() or 0)
    rejected = int(partial.chunks["rejected"].sum() or 0)
    _alerts.check_rejected(lines, rejected, max_rejected, format_label=partial.format_label)


def _finish(
    analysis: Analysis,
    *,
    out: _Outputs,
    now: datetime,
    rows: Callable[[str], None] | None = None,
    extra: dict[str, Any] | None = None,
) -> ExitStatus:
    """Evaluate alerts, write the outputs, print; the exit status."""
    checks = _alerts.evaluate(out.conditions, analysis)
    breached = [c for c in checks if c.breached]
    local_now = now.astimezone(ZoneInfo(analysis.options.tz))
    summary = to_summary(analysis, breached, checks=checks or None, extra=extra, generated_at=now)
    text_json = dumps(summary)
    written: list[tuple[str, str]] = []
    if not out.no_report:
        report = expand_path(out.output or DEFAULT_REPORT, local_now)
        _write_report(analysis, report, out)
        written.append(("Report", report))
    if out.json and out.json != "-":
        path = expand_path(out.json, local_now)
        atomic_write(path, text_json)
        written.append(("Summary", path))
    if out.export:
        directory = expand_path(out.export, local_now)
        _export(analysis, directory, text_json, rows)
        written.append(("Export", directory))

    if out.json == "-":
        sys.stdout.write(text_json)
        sys.stdout.flush()
    elif _interactive(out.quiet):
        print(to_text(summary, width=shutil.get_terminal_size().columns), end="")
        for what, path in written:
            print(f"{what}: {path}")
    elif not out.quiet:
        for _, path in written:
            print(path)
    if _interactive(out.quiet) and out.json == "-":
        for what, path in written:
            print(f"{what}: {path}", file=sys.stderr)
    if breached:
        msg = "; ".join(b.message for b in breached)
        print(f"httplog: alert: {_one_line(msg)}", file=sys.stderr, flush=True)
        return ExitStatus.ALERT
    return ExitStatus.OK


def _exit(status: ExitStatus) -> NoReturn:
    raise typer.Exit(int(status))


# ---------------------------------------------------------------- options

_IN = "Input"
_FILTER = "Filters (what is counted)"
_VIEW = "View"
_SPIKE = "Spike detection"
_OUT = "Outputs"
_ALERT = "Alerts"
_SCHED = "Scheduled runs"
_DASK = "Dask cluster"

Config = Annotated[
    str | None,
    typer.Option(
        "--config",
        "-c",
        help="TOML file with any of these options (keys are the long option names); "
        "flags on the command line win.",
        is_eager=True,
        callback=_config_callback,
        rich_help_panel=_IN,
        show_default=False,
    ),
]
Format = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="Named format: combined, common, vhost_combined, nginx, main, json "
        "(or json:KEY=COLUMN,…), alb, elb, s3, cloudfront, w3c, cloudstorage, caddy, "
        "traefik, haproxy, squid; default: detected from the first lines.",
        rich_help_panel=_IN,
        show_default=False,
    ),
]
LogFormat = Annotated[
    str | None,
    typer.Option(
        "--log-format",
        help="An nginx log_format ($remote_addr …) or Apache LogFormat (%h …) string.",
        rich_help_panel=_IN,
        show_default=False,
    ),
]
Threads = Annotated[
    int | None,
    typer.Option(
        "--threads",
        help="Blocks parsed at a time (default 2; 1 on a one-CPU machine).",
        rich_help_panel=_IN,
    ),
]
Since = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Only requests at or after: ISO time or date (in --tz unless it has an offset), "
        "or a duration ago (30m, 24h, 7d).",
        rich_help_panel=_FILTER,
        show_default=False,
    ),
]
Until = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Only requests before (exclusive); same forms as --since.",
        rich_help_panel=_FILTER,
        show_default=False,
    ),
]
Status = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        help="Only these statuses: class (5xx), code (404) or range (500-504); repeatable "
        "or comma-separated.",
        rich_help_panel=_FILTER,
        show_default=False,
    ),
]
PathPrefix = Annotated[
    str | None,
    typer.Option(
        "--path",
        help="Only requests whose path starts with this prefix.",
        rich_help_panel=_FILTER,
        show_default=False,
    ),
]
BotsOpt = Annotated[
    Bots,
    typer.Option(
        "--bots", help="Crawlers and bots: include, exclude or only.", rich_help_panel=_VIEW
    ),
]
Window = Annotated[
    str,
    typer.Option(
        "--window", "-w", help="Time window: 1m, 5m, 1h, 1d … or auto.", rich_help_panel=_VIEW
    ),
]
Tz = Annotated[
    str,
    typer.Option(
        "--tz",
        help="Time zone of windows and times shown (IANA name); also expands %Y… in paths.",
        rich_help_panel=_VIEW,
    ),
]
Lang = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of descriptions: en or zh (default: from LC_ALL/LC_MESSAGES/LANG).",
        rich_help_panel=_VIEW,
        show_default=False,
    ),
]
Top = Annotated[
    int, typer.Option("--top", help="Entries per top table.", min=1, rich_help_panel=_VIEW)
]
SpikeKinds = Annotated[
    list[str] | None,
    typer.Option(
        "--spike-kinds", help="Kinds of spikes to find: 5xx, 4xx.", rich_help_panel=_SPIKE
    ),
]


def _spike_opt(name: str, help_: str, kind: type = int) -> Any:
    return Annotated[
        kind | None,
        typer.Option(f"--spike-{name}", help=help_, rich_help_panel=_SPIKE, show_default=False),
    ]


SpikeHistory = _spike_opt("history", "Windows before a window that make its baseline (48).")
SpikeMinHistory = _spike_opt(
    "min-history", "Fewer usable earlier windows: use the whole span's median (8)."
)
SpikeMinRequests = _spike_opt("min-requests", "Requests a window needs to be judged (20).")
SpikeMinErrors = _spike_opt("min-errors", "Errors a spike window needs at least (5).")
SpikeMinDelta = _spike_opt("min-delta", "Rate must exceed the baseline by this much (0.02).", float)
SpikeMinRatio = _spike_opt("min-ratio", "Rate must be this many times the baseline (2.0).", float)
SpikeZ = _spike_opt("z", "Noise-test score the excess errors must pass (5).", float)
SpikeMadK = _spike_opt("mad-k", "Robust deviations (MAD) above the baseline (5).", float)
SpikeTop = _spike_opt("top", "Keys per dimension that explain a spike (5).")

Output = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help=f"HTML report path (strftime fields expanded); default ./{DEFAULT_REPORT}.",
        rich_help_panel=_OUT,
        show_default=False,
    ),
]
NoReport = Annotated[
    bool, typer.Option("--no-report", help="Write no HTML report.", rich_help_panel=_OUT)
]
PlotlyOpt = Annotated[
    PlotlyJS,
    typer.Option(
        "--plotly-js",
        help="Embed plotly.js (inline: works offline) or load it from a CDN (smaller).",
        rich_help_panel=_OUT,
    ),
]
Title = Annotated[
    str | None,
    typer.Option("--title", help="Title of the report.", rich_help_panel=_OUT, show_default=False),
]
Json = Annotated[
    str | None,
    typer.Option(
        "--json",
        help="Write the JSON summary here ('-' for stdout; strftime fields expanded).",
        rich_help_panel=_OUT,
        show_default=False,
    ),
]
Export = Annotated[
    str | None,
    typer.Option(
        "--export",
        help="Directory for every table as CSV and Parquet, the summary, and the parsed rows "
        "(rows.parquet).",
        rich_help_panel=_OUT,
        show_default=False,
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print nothing but errors and alerts (and --json -).",
        rich_help_panel=_OUT,
    ),
]
FailOn = Annotated[
    list[str] | None,
    typer.Option(
        "--fail-on",
        help="Exit 1 when a condition holds: 5xx-rate>2%, 4xx-rate>10%, spikes>0, rejected>1%, "
        "requests<100, 5xx>50 … (repeatable or comma-separated).",
        rich_help_panel=_ALERT,
        show_default=False,
    ),
]
MaxRejected = Annotated[
    str,
    typer.Option(
        "--max-rejected",
        help="More rejected lines than this is an error (exit 2): the format is probably wrong.",
        rich_help_panel=_ALERT,
    ),
]
StateDir = Annotated[
    str | None,
    typer.Option(
        "--state",
        help="Directory remembering what was read: each run reads only new lines (log "
        "rotation included) and reports over everything seen.",
        rich_help_panel=_SCHED,
        show_default=False,
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on this Dask cluster (tcp://host:8786); every worker must read the inputs "
        "at the same path. Needs the dask extra.",
        rich_help_panel=_DASK,
        show_default=False,
    ),
]
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        metavar="N",
        help="Run on a local Dask cluster of N worker processes. Needs the dask extra.",
        rich_help_panel=_DASK,
        show_default=False,
    ),
]
ChunkMB = Annotated[
    int | None,
    typer.Option(
        "--chunk-mb",
        metavar="MIB",
        help="With --scheduler or --workers: cut plain files into tasks of about this many "
        "MiB (64).",
        rich_help_panel=_DASK,
        show_default=False,
    ),
]


def _version_callback(value: bool) -> None:
    if value:
        print(f"httplog {_httplog.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and exit.",
            callback=_version_callback,
            is_eager=True,
        ),
    ] = None,
) -> None:
    """Turn nginx and Apache access logs into answers.

    Status codes by class and time, error spikes explained, one offline HTML
    report, a JSON summary for monitoring. See `httplog analyze --help`.
    """


def _need_paths(paths: list[str] | None, what: str) -> list[str]:
    if not paths:
        msg = f"no {what} given (name them, use '-' for stdin, or set paths in --config)"
        raise UsageError(msg)
    return list(paths)


def _read_with_state(
    state_dir: str,
    inputs: list[Input],
    options: AnalyzeOptions,
    *,
    max_rejected: float,
    progress: bool,
) -> Update:
    """An incremental run (:func:`httplog.state.update`) with a progress bar and the rejected check."""

    def collect(chunks: list[Chunk], log_format: str | None) -> Partial:
        run_options = replace(options, since=None, until=None, log_format=log_format)
        with _progress(_total_bytes(chunks), progress) as bar:
            return collect_partial(chunks, run_options, progress=bar)

    def check(merged: Partial) -> None:
        _check_rejected(merged, max_rejected)

    settings = counting_settings(
        options.log_format if isinstance(options.log_format, str) else None,
        options.status,
        options.path_prefix,
    )
    return update(state_dir, inputs, collect, settings=settings, check=check)


@dataclass(frozen=True)
class _Cluster:
    """A run on Dask (``--scheduler`` or ``--workers``): :mod:`httplog.distributed`."""

    scheduler: str | None
    workers: int | None
    chunk_bytes: int | None

    def collect(
        self, inputs: list[Input], options: AnalyzeOptions, progress: Callable[[int, int], None]
    ) -> Partial:
        """The merged partial of the inputs, computed on the cluster."""
        from httplog import distributed  # imports dask only now: it is an optional extra

        extra = {} if self.chunk_bytes is None else {"chunk_bytes": self.chunk_bytes}
        return distributed.collect_distributed(
            [i.path for i in inputs],
            options,
            scheduler=self.scheduler,
            workers=self.workers,
            progress=progress,
            **extra,
        )


def _from_command_line(ctx: typer.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def _cluster(
    ctx: typer.Context,
    scheduler: str | None,
    workers: int | None,
    chunk_mb: int | None,
    state: str | None,
) -> _Cluster | None:
    """``--scheduler``/``--workers``/``--chunk-mb`` → where to run (None: in this process)."""
    if scheduler is not None and workers is not None:
        # One from the command line, the other from --config: the command line wins.
        if _from_command_line(ctx, "scheduler") and not _from_command_line(ctx, "workers"):
            workers = None
        elif _from_command_line(ctx, "workers") and not _from_command_line(ctx, "scheduler"):
            scheduler = None
        else:
            msg = "give --scheduler (a running Dask cluster) or --workers (a local one), not both"
            raise UsageError(msg)
    if scheduler is not None and not scheduler.strip():
        msg = "--scheduler needs an address, such as tcp://host:8786"
        raise UsageError(msg)
    if workers is not None and workers < 1:
        msg = f"--workers must be at least 1, not {workers}"
        raise UsageError(msg)
    if chunk_mb is not None and chunk_mb < 1:
        msg = f"--chunk-mb must be at least 1, not {chunk_mb}"
        raise UsageError(msg)
    if scheduler is None and workers is None:
        if chunk_mb is not None and _from_command_line(ctx, "chunk_mb"):
            msg = "--chunk-mb is for Dask runs: give --scheduler or --workers too"
            raise UsageError(msg)
        return None
    if state:
        msg = (
            "--state can't be combined with --scheduler or --workers: incremental runs "
            "read on this machine only"
        )
        raise UsageError(msg)
    return _Cluster(
        scheduler.strip() if scheduler is not None else None,
        workers,
        None if chunk_mb is None else chunk_mb * 1024 * 1024,
    )


def _inputs(
    ctx: typer.Context,
    paths: list[str] | None,
    scheduler: str | None,
    workers: int | None,
    chunk_mb: int | None,
    state: str | None,
) -> tuple[list[str], list[Input], _Cluster | None]:
    """The paths as given, the inputs they name, and where to read them (None: here)."""
    cluster = _cluster(ctx, scheduler, workers, chunk_mb, state)
    sources = _need_paths(paths, "input")
    inputs = resolve(sources)
    if cluster is not None:
        _shareable(inputs)
    return sources, inputs, cluster


def _collect(
    inputs: list[Input], options: AnalyzeOptions, cluster: _Cluster | None, show: bool
) -> Partial:
    """The partial of whole inputs, read here or on the cluster, with a progress bar."""
    chunks = [Chunk(i) for i in inputs]
    with _progress(_total_bytes(chunks), show) as bar:
        if cluster is None:
            return collect_partial(chunks, options, progress=bar)
        return cluster.collect(inputs, options, bar)


def _shareable(inputs: list[Input]) -> None:
    """Dask workers open the inputs themselves: stdin and pipes can't be shared."""
    for inp in inputs:
        if inp.path == STDIN:
            msg = "standard input can't be read by Dask workers: give paths the workers can read"
            raise UsageError(msg)
        if inp.inode is None:
            msg = f"{inp.path}: not a regular file (a pipe?): Dask workers can't read it"
            raise UsageError(msg)


# ---------------------------------------------------------------- commands


@app.command(epilog=EPILOG_ANALYZE)
def analyze(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Log files, globs, or '-' for stdin; .gz .bz2 .xz .zst are decompressed.",
            metavar="PATH",
            show_default=False,
        ),
    ] = None,
    config: Config = None,
    format: Format = None,
    log_format: LogFormat = None,
    threads: Threads = None,
    since: Since = None,
    until: Until = None,
    status: Status = None,
    path: PathPrefix = None,
    bots: BotsOpt = Bots.include,
    window: Window = "auto",
    tz: Tz = "UTC",
    lang: Lang = None,
    top: Top = 10,
    spike_kinds: SpikeKinds = None,
    spike_history: SpikeHistory = None,
    spike_min_history: SpikeMinHistory = None,
    spike_min_requests: SpikeMinRequests = None,
    spike_min_errors: SpikeMinErrors = None,
    spike_min_delta: SpikeMinDelta = None,
    spike_min_ratio: SpikeMinRatio = None,
    spike_z: SpikeZ = None,
    spike_mad_k: SpikeMadK = None,
    spike_top: SpikeTop = None,
    output: Output = None,
    no_report: NoReport = False,
    plotly_js: PlotlyOpt = PlotlyJS.inline,
    title: Title = None,
    json: Json = None,
    export: Export = None,
    quiet: Quiet = False,
    fail_on: FailOn = None,
    max_rejected: MaxRejected = "50%",
    state: StateDir = None,
    scheduler: Scheduler = None,
    workers: Workers = None,
    chunk_mb: ChunkMB = None,
) -> None:
    """Analyse access logs: a report, a summary, alerts.

    Reads nginx or Apache access logs (plain or compressed, rotated sets,
    stdin), counts status codes by class and time window, finds error spikes
    and what explains them, and writes one self-contained HTML report
    (./httplog-report.html unless -o or --no-report), a JSON summary (--json)
    and tables (--export).
    """
    flags = dict(locals())
    now = datetime.now(UTC)
    with _guard():
        options = _report_options(
            flags,
            now,
            log_format=_pick_format(format, log_format),
            status=status,
            path=path,
            threads=threads,
        )
        out = _Outputs.of(flags)
        sources, inputs, cluster = _inputs(ctx, paths, scheduler, workers, chunk_mb, state)
        show = _interactive(quiet) or (not quiet and json == "-" and sys.stderr.isatty())
        if state:
            upd = _read_with_state(
                state, inputs, options, max_rejected=out.max_rejected, progress=show
            )
            analysis = finalize(upd.merged, options)
            _exit(_finish(analysis, out=out, now=now, extra={"incremental": upd.info}))
        with _stdin_spooled(sources, bool(export)) as spooled:
            partial = _collect(inputs, options, cluster, show)
            analysis = _finalize(partial, options, out.max_rejected)
            rows = _rows_writer(sources, spooled, options, _format_of(analysis)) if export else None
            status_ = _finish(analysis, out=out, now=now, rows=rows)
    _exit(status_)


@app.command()
def aggregate(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Log files, globs, or '-' for stdin.", metavar="PATH", show_default=False
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Partial aggregate to write (Parquet; strftime fields expanded).",
            rich_help_panel=_OUT,
            show_default=False,
        ),
    ] = None,
    config: Config = None,
    format: Format = None,
    log_format: LogFormat = None,
    threads: Threads = None,
    since: Since = None,
    until: Until = None,
    status: Status = None,
    path: PathPrefix = None,
    tz: Tz = "UTC",
    quiet: Quiet = False,
    max_rejected: MaxRejected = "50%",
    state: StateDir = None,
    scheduler: Scheduler = None,
    workers: Workers = None,
    chunk_mb: ChunkMB = None,
) -> None:
    """Aggregate logs into a partial (Parquet) for `httplog report` to merge.

    For fleets: each host writes its partial (with --state, of everything it
    has seen, reading only new lines each run); `httplog report` merges them
    into one report. Partials merge exactly: counts add up.

    Example: httplog aggregate /var/log/nginx/access.log* -o /shared/$(hostname).parquet
    """
    now = datetime.now(UTC)
    with _guard():
        if not output:
            msg = "aggregate needs -o/--output (the partial's Parquet file)"
            raise UsageError(msg)
        if state and (since or until):
            msg = (
                "with --state, aggregate keeps everything it reads; narrow the time at "
                "report time (httplog report --since/--until)"
            )
            raise UsageError(msg)
        options = _options(
            log_format=_pick_format(format, log_format),
            window="auto",
            tz=tz,
            lang="en",
            top=10,
            bots="include",
            since=since,
            until=until,
            status=status,
            path=path,
            spikes=SpikeParams(),
            threads=threads,
            now=now,
        )
        limit = _alerts.parse_ratio(max_rejected)
        _, inputs, cluster = _inputs(ctx, paths, scheduler, workers, chunk_mb, state)
        show = _interactive(quiet)
        if state:
            partial = _read_with_state(
                state, inputs, options, max_rejected=limit, progress=show
            ).merged
        else:
            partial = _collect(inputs, options, cluster, show)
            _check_rejected(partial, limit)
        target = expand_path(output, now.astimezone(ZoneInfo(tz)))
        write_partial(partial, target)
        if _interactive(quiet):
            lines = int(partial.chunks["lines"].sum() or 0)
            requests = int(partial.counts["requests"].sum() or 0)
            print(f"{lines:,} lines, {requests:,} requests ({clean(partial.format_label)})")
            print(f"Partial: {target}")
        elif not quiet:
            print(target)
    _exit(ExitStatus.OK)


@app.command()
def report(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Partials written by `httplog aggregate` (or --state directories).",
            metavar="PARTIAL",
            show_default=False,
        ),
    ] = None,
    config: Config = None,
    since: Since = None,
    until: Until = None,
    bots: BotsOpt = Bots.include,
    window: Window = "auto",
    tz: Tz = "UTC",
    lang: Lang = None,
    top: Top = 10,
    spike_kinds: SpikeKinds = None,
    spike_history: SpikeHistory = None,
    spike_min_history: SpikeMinHistory = None,
    spike_min_requests: SpikeMinRequests = None,
    spike_min_errors: SpikeMinErrors = None,
    spike_min_delta: SpikeMinDelta = None,
    spike_min_ratio: SpikeMinRatio = None,
    spike_z: SpikeZ = None,
    spike_mad_k: SpikeMadK = None,
    spike_top: SpikeTop = None,
    output: Output = None,
    no_report: NoReport = False,
    plotly_js: PlotlyOpt = PlotlyJS.inline,
    title: Title = None,
    json: Json = None,
    export: Export = None,
    quiet: Quiet = False,
    fail_on: FailOn = None,
    max_rejected: MaxRejected = "50%",
) -> None:
    """Merge partials (from `httplog aggregate`) into one report and summary.

    Example: httplog report /shared/*.parquet -o fleet.html --json fleet.json
    """
    flags = dict(locals())
    now = datetime.now(UTC)
    with _guard():
        options = _report_options(flags, now)
        out = _Outputs.of(flags)
        merged = merge(*load_partials(_need_paths(paths, "partial")))
        status_ = _finish(_finalize(merged, options, out.max_rejected), out=out, now=now)
    _exit(status_)


def main(argv: list[str] | None = None) -> None:
    """The ``httplog`` console script."""
    import signal

    if hasattr(signal, "SIGPIPE"):
        # `httplog analyze --json - | head`: end quietly like other Unix tools.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app(args=argv, prog_name="httplog")
