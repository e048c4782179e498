"""The flags: each declared once (typer), and how the commands share them.

Each flag is declared once; a command takes the ones it has by name
(:func:`takes`: the reporting commands ``analyze`` and ``report`` share the
view, spike, output and alert flags; ``analyze`` and ``aggregate`` the input,
filter, state and Dask flags). :mod:`httplog.cli.checks` checks what no flag
accepts; :mod:`httplog.cli.mapping` maps a command's flags, one mapping by
parameter name (:data:`Flags`), onto the library's options. What a flag's
value means is the library's: :class:`httplog.ReadOptions`,
:class:`httplog.ViewOptions`, :class:`httplog.Outputs` and
:class:`httplog.Cluster` check them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer

from httplog.cli.config import config_callback

DEFAULT_REPORT = "httplog-report.html"


class Bots(StrEnum):
    include = "include"
    exclude = "exclude"
    only = "only"


class PlotlyJS(StrEnum):
    inline = "inline"
    cdn = "cdn"


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
        callback=config_callback,
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

LogFormatOpt = Annotated[
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
        help="Clock of windows and times shown: log (the UTC offset the lines write), "
        "an IANA name, local, UTC or an offset (+05:30, -08:00, Z); also expands %Y… in paths "
        "(log: UTC there).",
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

GeoipDb = Annotated[
    str | None,
    typer.Option(
        "--geoip-db",
        metavar="PATH",
        help="A MaxMind DB file (.mmdb: GeoLite2 or DB-IP country, city or ASN): "
        "the countries (and networks) panels. Never downloaded.",
        rich_help_panel=_VIEW,
        show_default=False,
    ),
]

RouteRuleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--route-rule",
        metavar="NAME=REGEX",
        help="Fold path segments matching REGEX whole into {NAME} in routes, "
        "before the built-in rules (repeatable).",
        rich_help_panel=_VIEW,
        show_default=False,
    ),
]

SpikeKinds = Annotated[
    list[str] | None,
    typer.Option(
        "--spike-kinds", help="Kinds of spikes to find: 5xx, 4xx.", rich_help_panel=_SPIKE
    ),
]


def _spike_opt(name: str, help_: str) -> Any:
    return typer.Option(f"--spike-{name}", help=help_, rich_help_panel=_SPIKE, show_default=False)


SpikeHistory = Annotated[
    int | None, _spike_opt("history", "Windows before a window that make its baseline (48).")
]

SpikeMinHistory = Annotated[
    int | None,
    _spike_opt("min-history", "Fewer usable earlier windows: use the whole span's median (8)."),
]

SpikeMinRequests = Annotated[
    int | None, _spike_opt("min-requests", "Requests a window needs to be judged (20).")
]

SpikeMinErrors = Annotated[
    int | None, _spike_opt("min-errors", "Errors a spike window needs at least (5).")
]

SpikeMinDelta = Annotated[
    float | None, _spike_opt("min-delta", "Rate must exceed the baseline by this much (0.02).")
]

SpikeMinRatio = Annotated[
    float | None, _spike_opt("min-ratio", "Rate must be this many times the baseline (2.0).")
]

SpikeZ = Annotated[
    float | None, _spike_opt("z", "Noise-test score the excess errors must pass (5).")
]

SpikeMadK = Annotated[
    float | None, _spike_opt("mad-k", "Robust deviations (MAD) above the baseline (5).")
]

SpikeTop = Annotated[int | None, _spike_opt("top", "Keys per dimension that explain a spike (5).")]

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
    str,
    typer.Option(
        "--plotly-js",
        metavar="inline|cdn|PATH",
        help="Embed plotly.js (inline: works offline), load it from a CDN (smaller), "
        "or embed the plotly.js bundle at PATH (a partial bundle you trust).",
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


# ------------------------------------------------------------ shared by commands


def _every_flag(
    config: Config = None,
    format: Format = None,
    log_format: LogFormatOpt = None,
    threads: Threads = None,
    max_line_bytes: MaxLineBytes = None,
    since: Since = None,
    until: Until = None,
    status: Status = None,
    path: PathPrefix = None,
    bots: BotsOpt = Bots.include,
    window: Window = "auto",
    tz: Tz = "log",
    lang: Lang = None,
    top: Top = 10,
    geoip_db: GeoipDb = None,
    route_rule: RouteRuleOpt = None,
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
    plotly_js: PlotlyOpt = "inline",
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
    """Every flag the commands share, declared once: its type, option and default
    (:func:`takes` gives a command the ones it names)."""


#: What is read and counted (``analyze``, ``aggregate``), in ``--help``'s order.
READING = ("format", "log_format", "threads", "max_line_bytes", "since", "until", "status", "path")
#: How the counts are shown (``analyze``, ``report``).
VIEWING = (
    "bots",
    "window",
    "tz",
    "lang",
    "top",
    "geoip_db",
    "route_rule",
    "spike_kinds",
    "spike_history",
    "spike_min_history",
    "spike_min_requests",
    "spike_min_errors",
    "spike_min_delta",
    "spike_min_ratio",
    "spike_z",
    "spike_mad_k",
    "spike_top",
)
#: What a reporting run writes (``analyze``, ``report``).
WRITING = ("output", "no_report", "plotly_js", "title", "json", "export")
#: Where a collecting run keeps its state and runs (``analyze``, ``aggregate``).
RUNNING = ("state", "state_reset", "scheduler", "workers", "chunk_mb")


Command = TypeVar("Command", bound=Callable[..., None])


def takes(*names: str) -> Callable[[Command], Command]:
    """A decorator: the flags ``names`` (declared once, in :func:`_every_flag`) added
    to a command's signature after its own parameters, as sqlite-utils shares its
    click options between commands. typer reads a command's options from its
    signature and calls it with each by keyword (into the command's ``**flags``).

    >>> import inspect
    >>> @takes("quiet", "top")
    ... def command(paths: list[str] | None = None, **flags: Any) -> None: ...
    >>> list(inspect.signature(command).parameters)
    ['paths', 'quiet', 'top']
    >>> inspect.signature(command).parameters["top"].default
    10
    """
    every = inspect.signature(_every_flag, eval_str=True).parameters
    shared = [every[name] for name in names]

    def add(command: Command) -> Command:
        own = inspect.signature(command, eval_str=True).parameters.values()
        mine = [p for p in own if p.kind is not inspect.Parameter.VAR_KEYWORD]
        setattr(command, "__signature__", inspect.Signature([*mine, *shared]))  # noqa: B010
        return command

    return add


#: The flags of a command, by parameter name (``dict(locals())`` of the command).
Flags = Mapping[str, Any]
