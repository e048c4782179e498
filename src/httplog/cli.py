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
import math
import os
import re
import shutil
import sys
import tempfile
import threading
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
from httplog.errors import (
    HttplogError,
    OptionError,
    OutputError,
    RejectedError,
    SettingsError,
    StateError,
    UsageError,
)
from httplog.formats import resolve as resolve_format
from httplog.inputs import MAX_LINE_BYTES, STDIN, Chunk, Input, expand_glob, os_errors, resolve
from httplog.outputs import (
    Planned,
    atomic_write,
    check_outputs,
    clean_stale,
    expand_path,
    export_files,
    is_stdout,
    temp_file,
    write_export,
)
from httplog.parse import row_filter
from httplog.spikes import SpikeParams
from httplog.state import Update, counting_settings, load_partials, update, write_partial
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


class _Group(typer.core.TyperGroup):
    """The command group; its usage errors (an unknown option, a value typer can't
    convert, a missing argument) are one line and exit 2, like every other error."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            status = super().main(*args, standalone_mode=False, **kwargs)
        except typer.TyperException as e:
            message = getattr(e, "format_message", None)
            if message is None:
                raise
            if type(e).__name__ == "NoArgsIsHelpError":  # `httplog` alone: the help
                e.show()  # type: ignore[attr-defined]
                sys.exit(getattr(e, "exit_code", ExitStatus.ERROR))
            _error(message())
            sys.exit(ExitStatus.ERROR)
        except typer.Abort:
            _error("aborted")
            sys.exit(ExitStatus.ERROR)
        sys.exit(status if isinstance(status, int) else ExitStatus.OK)


app = typer.Typer(
    cls=_Group,
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
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise OptionError(
            "tz", tz, "unknown time zone", limit="use an IANA name such as UTC or Europe/Paris"
        ) from None


_TIME_FORMS = (
    "use an ISO time (2026-11-20T13:00, 2026-11-20 13:00+01:00), "
    "a date (2026-11-20) or a duration ago (30m, 24h, 7d)"
)


def parse_time(text: str, tz: str, now: datetime, option: str = "since") -> datetime:
    """An absolute time, a date, or a duration ago (``30m``, ``24h``, ``7d``) → aware UTC.

    Times without an offset and dates (midnight) are in ``tz``; ``now``,
    ``today`` and ``yesterday`` work too. A bad or out-of-range value is an
    OptionError naming ``option``.

    >>> parse_time("99999999999999d", "UTC", datetime(2026, 1, 1, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    httplog.errors.OptionError: bad since '99999999999999d': out of range (times from year 1 to 9999)
    """
    s = text.strip()
    zone = _zone(tz)
    try:
        return _parse_time(s, zone, now)
    except OverflowError:
        raise OptionError(option, text, "out of range", limit="times from year 1 to 9999") from None
    except ValueError:
        raise OptionError(option, text, _TIME_FORMS) from None


def _parse_time(s: str, zone: ZoneInfo, now: datetime) -> datetime:
    m = _RELATIVE.match(s)
    if m:
        seconds = float(m.group(1)) * _UNITS[m.group(2).lower()]
        if not seconds < 1e12:  # (also infinity) further back than year 1
            raise OverflowError(s)
        return now - timedelta(seconds=seconds)
    low = s.lower()
    if low == "now":
        return now
    if low in ("today", "yesterday"):
        day = now.astimezone(zone).date() - timedelta(days=low == "yesterday")
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    t = datetime.fromisoformat(s)
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
    """The output and alert flags of a reporting command, checked; paths expanded.

    ``report`` is None with ``--no-report``; ``json`` and ``report`` may be ``-``.
    """

    report: str | None
    plotly_js: str
    title: str | None
    json: str | None
    export: str | None
    quiet: bool
    conditions: list[_alerts.Condition]
    max_rejected: float

    @classmethod
    def of(cls, flags: _Flags, now: datetime) -> _Outputs:
        local = now.astimezone(_zone(flags["tz"]))

        def path(p: str | None) -> str | None:
            return None if p is None else expand_path(p, local)

        return cls(
            None if flags["no_report"] else path(flags["output"] or DEFAULT_REPORT),
            PlotlyJS(flags["plotly_js"]).value,
            flags["title"],
            path(flags["json"]),
            path(flags["export"]),
            flags["quiet"],
            _alerts.parse_conditions(flags["fail_on"] or []),
            _alerts.parse_ratio(flags["max_rejected"]),
        )

    @property
    def to_stdout(self) -> bool:
        """Whether the report or the summary goes to standard output."""
        return is_stdout(self.report) or is_stdout(self.json)

    def planned(self, rows: bool) -> list[Planned]:
        """Every file these outputs write (to compare with the inputs)."""
        out = []
        if self.report is not None:
            out.append(Planned("report", self.report))
        if self.json is not None:
            out.append(Planned("json", self.json))
        if self.export is not None:
            out += [Planned("export", f) for f in export_files(self.export, _TABLES, rows)]
        return out


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
            raise OptionError("spike_kinds", ",".join(bad), "use 5xx and/or 4xx")
        fields["kinds"] = ks
    return SpikeParams(**fields)


#: What each number option may be (both ends included); those not given are not checked.
_RANGES: dict[str, tuple[float, float]] = {
    "top": (1, 100_000),
    "threads": (1, 256),
    "spike_history": (1, 100_000),
    "spike_min_history": (1, 100_000),
    "spike_min_requests": (0, 10**12),
    "spike_min_errors": (0, 10**12),
    "spike_top": (0, 10_000),
    "spike_min_delta": (0, 1),
    "spike_min_ratio": (0, 1e6),
    "spike_z": (0, 1e6),
    "spike_mad_k": (0, 1e6),
}
#: The Dask options, checked once the command line and --config are reconciled (_cluster).
_CLUSTER_RANGES: dict[str, tuple[float, float]] = {"workers": (1, 1024), "chunk_mb": (1, 1 << 20)}
#: Options whose values are comma-separated lists.
_LISTS = ("status", "fail_on", "spike_kinds")
#: Longest window (minutes): a year.
_MAX_WINDOW = 366 * 1440


def _n(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _check_flags(ctx: typer.Context) -> None:
    """What no option accepts, checked before anything is read: an empty value, a
    NUL character (only a config file can hold one), a number out of its range
    (:data:`_RANGES`), NaN or an infinity."""
    for p in ctx.command.params:
        name = p.name or ""
        value = ctx.params.get(name)
        if value is None or isinstance(value, bool) or name in ("config", "scheduler"):
            continue
        items = list(value) if isinstance(value, list | tuple) else [value]
        for v in items:
            if isinstance(v, str) and "\x00" in v:
                raise OptionError(name, v, "holds a NUL character")
            if isinstance(v, str) and not v.strip() and name != "title":
                raise OptionError(name, v, "empty: give a value or leave the option out")
        if name in _LISTS and items and not _split(items):
            raise OptionError(name, ",".join(items), "holds no value")
        if name in _RANGES:
            _check_range(name, value, *_RANGES[name])


def _check_range(name: str, value: object, lo: float, hi: float) -> None:
    if not isinstance(value, int | float):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise OptionError(name, value, "not a finite number", limit=f"{_n(lo)} to {_n(hi)}")
    if not lo <= value <= hi:
        problem = "must not be negative" if value < 0 and lo == 0 else "out of range"
        raise OptionError(name, value, problem, limit=f"{_n(lo)} to {_n(hi)}")


_SIZE = re.compile(r"^(\d+)\s*([kmg]?)(?:i?b)?$", re.IGNORECASE)


def _max_line(text: str | None) -> int:
    """``--max-line-bytes``: bytes, or with a K, M or G suffix (KiB, MiB, GiB)."""
    if text is None:
        return MAX_LINE_BYTES
    m = _SIZE.match(text.strip())
    if not m:
        raise OptionError("max_line_bytes", text, "use bytes, such as 1048576, 512K or 4M")
    n = int(m.group(1)) * 1024 ** " kmg".index(m.group(2).lower() or " ")
    if not 256 <= n <= 1 << 30:
        raise OptionError("max_line_bytes", text, "out of range", limit="256 bytes to 1G")
    return n


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
    if window != "auto" and window_minutes(window) > _MAX_WINDOW:
        raise OptionError("window", window, "out of range", limit="1m to 366d")
    t0 = parse_time(since, tz, now, "since") if since else None
    t1 = parse_time(until, tz, now, "until") if until else None
    if t0 is not None and t1 is not None and t0 >= t1:
        msg = f"--since ({since}) must be before --until ({until})"
        raise UsageError(msg)
    statuses = _split(status)
    row_filter(status=statuses)  # a bad status filter fails now, not after reading
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


#: Library names of options → their flags (the rest: ``--`` and the name with dashes).
_FLAGS = {
    "paths": "PATH",
    "path_prefix": "--path",
    "log_format": "--format/--log-format",
    "max_line": "--max-line-bytes",
    "report": "-o/--output",
    "partial": "-o/--output",
}


def _flag(name: str) -> str:
    return _FLAGS.get(name) or "--" + name.replace("_", "-")


def _worded(e: HttplogError) -> str:
    """An error's message, naming flags where the library named parameters."""
    if isinstance(e, OptionError):
        return e.describe(_flag(e.option) if e.option != "log_format" else "--log-format")
    if isinstance(e, OutputError) and e.input is not None and e.output is not None:
        return (
            f"{_flag(e.output)} {e.path} would overwrite the input {e.input}: "
            "httplog never writes over what it reads; choose another path"
        )
    if isinstance(e, RejectedError):
        return (
            f"{e}; name it with --format or --log-format "
            f"(or accept this with --max-rejected {_alerts.percent(e.allow)})"
        )
    if isinstance(e, SettingsError):
        return (
            f"{e.path}: this state counts with {_flag(e.setting)} "
            f"{e.known}, this run asks for {e.asked}; use the same options, another --state "
            "directory, or --state-reset to start over"
        )
    if isinstance(e, StateError) and e.resettable:
        return f"{e}; --state-reset starts the state over (what it counted is forgotten)"
    return str(e)


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
        _error(_worded(e))
        raise typer.Exit(ExitStatus.ERROR) from None
    except KeyboardInterrupt:
        _say_interrupted()
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


#: Temporary files to remove even on a hard exit (a second Ctrl-C, the interrupt watchdog).
_SPOOLS: set[str] = set()


@contextlib.contextmanager
def _stdin_spooled(paths: list[str], needed: bool) -> Iterator[str | None]:
    """Copy stdin to a temporary file when it must be read twice (``--export``)."""
    if not needed or STDIN not in paths:
        yield None
        return
    tmpdir = tempfile.gettempdir()
    clean_stale(tmpdir)  # copies left by runs that were killed
    fd, tmp = temp_file(tmpdir, "httplog-stdin")
    _SPOOLS.add(tmp)
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
        _SPOOLS.discard(tmp)


def _write_report(analysis: Analysis, path: str, out: _Outputs) -> None:
    try:
        from httplog.report import write_report
    except ImportError:
        msg = "the HTML report is not available in this installation (httplog.report); use --no-report"
        raise HttplogError(msg) from None
    write_report(analysis, path, plotly_js=out.plotly_js, title=out.title)  # atomic itself


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
    summary = to_summary(analysis, breached, checks=checks or None, extra=extra, generated_at=now)
    text_json = dumps(summary)
    written: list[tuple[str, str]] = []
    if out.report is not None:
        _write_report(analysis, out.report, out)
        if not is_stdout(out.report):
            written.append(("Report", out.report))
    if out.json is not None and not is_stdout(out.json):
        atomic_write(out.json, text_json)
        written.append(("Summary", out.json))
    if out.export is not None:
        tables = {name: getattr(analysis, name) for name in _TABLES}
        write_export(out.export, tables, text_json, rows)
        written.append(("Export", out.export))

    if is_stdout(out.json):
        sys.stdout.write(text_json)
        sys.stdout.flush()
    elif out.to_stdout:
        pass  # the report went there
    elif _interactive(out.quiet):
        print(to_text(summary, width=shutil.get_terminal_size().columns), end="")
        for what, path in written:
            print(f"{what}: {path}")
    elif not out.quiet:
        for _, path in written:
            print(path)
    if _interactive(out.quiet) and out.to_stdout:
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
MaxLineBytes = Annotated[
    str | None,
    typer.Option(
        "--max-line-bytes",
        metavar="BYTES",
        help="A longer line is rejected as too_long, never held in memory whole "
        "(default 1M; K, M, G suffixes).",
        rich_help_panel=_IN,
        show_default=False,
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
    int,
    typer.Option("--top", help="Entries per top table (1 to 100,000).", rich_help_panel=_VIEW),
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
Verbose = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Also print Dask's own log lines (warnings about lost workers …) on stderr.",
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
StateReset = Annotated[
    bool,
    typer.Option(
        "--state-reset",
        help="Start the --state directory over: forget what it holds (even if it is damaged) "
        "and read the inputs in full.",
        rich_help_panel=_SCHED,
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
    max_line: int,
    reset: bool,
) -> Update:
    """An incremental run (:func:`httplog.state.update`) with a progress bar and the rejected check."""

    def collect(chunks: list[Chunk], log_format: str | None) -> Partial:
        run_options = replace(options, since=None, until=None, log_format=log_format)
        chunks = [replace(c, max_line=max_line) for c in chunks]
        with _progress(_total_bytes(chunks), progress) as bar:
            return collect_partial(chunks, run_options, progress=bar)

    def check(merged: Partial) -> None:
        _check_rejected(merged, max_rejected)

    settings = counting_settings(
        options.log_format if isinstance(options.log_format, str) else None,
        options.status,
        options.path_prefix,
    )
    return update(state_dir, inputs, collect, settings=settings, check=check, reset=reset)


@dataclass(frozen=True)
class _Cluster:
    """A run on Dask (``--scheduler`` or ``--workers``): :mod:`httplog.distributed`."""

    scheduler: str | None
    workers: int | None
    chunk_bytes: int | None
    verbose: bool = False

    def collect(
        self,
        inputs: list[Input],
        options: AnalyzeOptions,
        progress: Callable[[int, int], None],
        max_line: int,
    ) -> Partial:
        """The merged partial of the inputs, computed on the cluster (Dask's log
        lines kept off stderr unless ``--verbose``)."""
        from httplog import distributed  # imports dask only now: it is an optional extra

        extra = {} if self.chunk_bytes is None else {"chunk_bytes": self.chunk_bytes}
        with distributed.dask_logs(self.verbose):
            return distributed.collect_distributed(
                [i.path for i in inputs],
                options,
                scheduler=self.scheduler,
                workers=self.workers,
                progress=progress,
                max_line=max_line,
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
    verbose: bool = False,
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
    if scheduler is not None and "\x00" in scheduler:
        raise OptionError("scheduler", scheduler, "holds a NUL character")
    for name, value in (("workers", workers), ("chunk_mb", chunk_mb)):
        if value is not None:
            _check_range(name, value, *_CLUSTER_RANGES[name])
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
        verbose,
    )


def _inputs(
    ctx: typer.Context,
    paths: list[str] | None,
    scheduler: str | None,
    workers: int | None,
    chunk_mb: int | None,
    state: str | None,
    verbose: bool = False,
) -> tuple[list[str], list[Input], _Cluster | None]:
    """The paths as given, the inputs they name, and where to read them (None: here)."""
    cluster = _cluster(ctx, scheduler, workers, chunk_mb, state, verbose)
    sources = _need_paths(paths, "input")
    inputs = resolve(sources)
    if cluster is not None:
        _shareable(inputs)
    return sources, inputs, cluster


def _collect(
    inputs: list[Input],
    options: AnalyzeOptions,
    cluster: _Cluster | None,
    show: bool,
    max_line: int,
) -> Partial:
    """The partial of whole inputs, read here or on the cluster, with a progress bar."""
    chunks = [Chunk(i, max_line=max_line) for i in inputs]
    with _progress(_total_bytes(chunks), show) as bar:
        if cluster is None:
            return collect_partial(chunks, options, progress=bar)
        return cluster.collect(inputs, options, bar, max_line)


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
    max_line_bytes: MaxLineBytes = None,
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
    verbose: Verbose = False,
    fail_on: FailOn = None,
    max_rejected: MaxRejected = "50%",
    state: StateDir = None,
    state_reset: StateReset = False,
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
        _check_flags(ctx)
        options = _report_options(
            flags,
            now,
            log_format=_pick_format(format, log_format),
            status=status,
            path=path,
            threads=threads,
        )
        out = _Outputs.of(flags, now)
        max_line = _max_line(max_line_bytes)
        _need_state(state, state_reset)
        sources, inputs, cluster = _inputs(ctx, paths, scheduler, workers, chunk_mb, state, verbose)
        planned = out.planned(rows=True) + ([Planned("state", state, tree=True)] if state else [])
        check_outputs(planned, [i.path for i in inputs])
        show = _interactive(quiet) or (not quiet and out.to_stdout and sys.stderr.isatty())
        if state:
            upd = _read_with_state(
                state,
                inputs,
                options,
                max_rejected=out.max_rejected,
                progress=show,
                max_line=max_line,
                reset=state_reset,
            )
            analysis = finalize(upd.merged, options)
            _exit(_finish(analysis, out=out, now=now, extra={"incremental": upd.info}))
        with _stdin_spooled(sources, bool(export)) as spooled:
            partial = _collect(inputs, options, cluster, show, max_line)
            analysis = _finalize(partial, options, out.max_rejected)
            rows = _rows_writer(sources, spooled, options, _format_of(analysis)) if export else None
            status_ = _finish(analysis, out=out, now=now, rows=rows)
    _exit(status_)


def _need_state(state: str | None, reset: bool) -> None:
    if reset and not state:
        msg = "--state-reset starts a --state directory over: give --state too"
        raise UsageError(msg)


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
    max_line_bytes: MaxLineBytes = None,
    since: Since = None,
    until: Until = None,
    status: Status = None,
    path: PathPrefix = None,
    tz: Tz = "UTC",
    quiet: Quiet = False,
    verbose: Verbose = False,
    max_rejected: MaxRejected = "50%",
    state: StateDir = None,
    state_reset: StateReset = False,
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
        _check_flags(ctx)
        if not output:
            msg = "aggregate needs -o/--output (the partial's Parquet file)"
            raise UsageError(msg)
        if state and (since or until):
            msg = (
                "with --state, aggregate keeps everything it reads; narrow the time at "
                "report time (httplog report --since/--until)"
            )
            raise UsageError(msg)
        _need_state(state, state_reset)
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
        max_line = _max_line(max_line_bytes)
        target = expand_path(output, now.astimezone(_zone(tz)))
        _, inputs, cluster = _inputs(ctx, paths, scheduler, workers, chunk_mb, state, verbose)
        planned = [Planned("partial", target)] + (
            [Planned("state", state, tree=True)] if state else []
        )
        check_outputs(planned, [i.path for i in inputs])
        show = _interactive(quiet) and not is_stdout(target)
        if state:
            partial = _read_with_state(
                state,
                inputs,
                options,
                max_rejected=limit,
                progress=show,
                max_line=max_line,
                reset=state_reset,
            ).merged
        else:
            partial = _collect(inputs, options, cluster, show, max_line)
            _check_rejected(partial, limit)
        write_partial(partial, target)
        if is_stdout(target):
            pass  # the partial itself went to stdout
        elif _interactive(quiet):
            lines = int(partial.chunks["lines"].sum() or 0)
            requests = int(partial.counts["requests"].sum() or 0)
            print(f"{lines:,} lines, {requests:,} requests ({clean(partial.format_label)})")
            print(f"Partial: {target}")
        elif not quiet:
            print(target)
    _exit(ExitStatus.OK)


@app.command()
def report(
    ctx: typer.Context,
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
        _check_flags(ctx)
        options = _report_options(flags, now)
        out = _Outputs.of(flags, now)
        sources = _need_paths(paths, "partial")
        check_outputs(out.planned(rows=False), [f for p in sources for f in expand_glob(p)])
        merged = merge(*load_partials(sources))
        status_ = _finish(_finalize(merged, options, out.max_rejected), out=out, now=now)
    _exit(status_)


#: After Ctrl-C, how long the run may take to end by itself (removing its temporary
#: files) before it is ended at once (seconds).
INTERRUPT_GRACE = 0.8
_interrupted = threading.Event()
_saying = threading.Lock()


def _say_interrupted() -> None:
    # Under the lock, so that the watchdog's exit waits for a message being written.
    with _saying:
        if not _interrupted.is_set():
            with contextlib.suppress(OSError):
                os.write(2, b"httplog: interrupted\n")
            _interrupted.set()


def _hard_exit() -> None:
    """End now with exit status 130 (the interrupt watchdog): temporary copies removed."""
    for tmp in list(_SPOOLS):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _say_interrupted()
    os._exit(ExitStatus.INTERRUPTED)


def _watch_interrupts() -> None:
    """Make Ctrl-C end any run within a second, exit status 130.

    Python raises KeyboardInterrupt in the main thread only when it runs
    Python code, which it may not do for a while (inside polars, or while
    threads finish a block). The signal is also written to a pipe that a
    watchdog thread reads at once: it gives the run :data:`INTERRUPT_GRACE`
    seconds to end cleanly, then ends it.
    """
    import signal

    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    except ValueError:  # not the main thread: nothing to watch from here
        os.close(r)
        os.close(w)
        return

    def watch() -> None:
        while True:
            try:
                data = os.read(r, 64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data:
                time.sleep(INTERRUPT_GRACE)
                _hard_exit()

    threading.Thread(target=watch, name="httplog-interrupt", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    """The ``httplog`` console script."""
    import signal

    if hasattr(signal, "SIGPIPE"):
        # `httplog analyze --json - | head`: end quietly like other Unix tools.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _watch_interrupts()
    app(args=argv, prog_name="httplog")
