"""What a run counts, and how its result is shown: :class:`ReadOptions` and :class:`ViewOptions`.

- :class:`ReadOptions` decide what a partial aggregate *contains*: the format,
  the row filter (:class:`~httplog.filters.RowFilter`), how lines are read.
  An incremental state pins them (``--state``): counts made otherwise can't merge.
- :class:`ViewOptions` shape a (merged) partial into an analysis: window,
  time zone, language, top-N, bots, spike detection (:class:`SpikeParams`),
  and ``since``/``until`` as a view. One partial can be viewed many ways:
  ``httplog report --bots exclude`` works on per-host partials because every
  partial keeps the bot flag of its requests.

A run reads with ``since``/``until`` exactly once: as an exact row filter when
it reads logs without a state (:func:`httplog.run` moves the view's bounds
into the read), as a view over the minute tables when it reads a state or
merges partials.

Every option is checked when the options are made (a
:class:`~httplog.errors.UsageError` naming the option), before anything is read.

Examples
--------
>>> ViewOptions(window="5m", tz="Europe/Paris").window
'5m'
>>> ViewOptions(top=0)
Traceback (most recent call last):
...
httplog.errors.OptionError: bad top 0: out of range (1 to 100,000)
>>> ReadOptions(log_format="common", filter=RowFilter(status=("5xx",))).filter.status
('5xx',)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypedDict

from httplog.bots import bots_filter
from httplog.enrich import check_db
from httplog.errors import ConflictError, OptionError, UsageError
from httplog.filters import RowFilter
from httplog.formats import LogFormat, compile_format
from httplog.inputs import MAX_LINE_BYTES
from httplog.routes import RouteRule, parse_rule
from httplog.statuscodes import check_lang
from httplog.windows import check_tz, check_window, utc

__all__ = [
    "CHUNK_BYTES",
    "Cluster",
    "Fields",
    "ReadOptions",
    "RowFilter",
    "SpikeParams",
    "ViewOptions",
    "check_range",
    "for_reading",
    "options_from",
    "parse_size",
]


def _n(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def check_range(option: str, value: object, lo: float, hi: float) -> None:
    """An :class:`~httplog.errors.OptionError` unless ``value`` is a finite number in [lo, hi]
    (anything else than a number is left to its own check).

    >>> check_range("top", 5, 1, 10)
    >>> check_range("z", float("nan"), 0, 1)
    Traceback (most recent call last):
    ...
    httplog.errors.OptionError: bad z nan: not a finite number (0 to 1)
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise OptionError(option, value, "not a finite number", limit=f"{_n(lo)} to {_n(hi)}")
    if not lo <= value <= hi:
        problem = "must not be negative" if value < 0 and lo == 0 else "out of range"
        raise OptionError(option, value, problem, limit=f"{_n(lo)} to {_n(hi)}")


_SIZE = re.compile(r"^(\d+)\s*([kmg]?)(?:i?b)?$", re.IGNORECASE)


def parse_size(text: str | int, option: str = "max_line_bytes") -> int:
    """Bytes, or with a K, M or G suffix (KiB, MiB, GiB): ``512K`` → 524288.

    >>> parse_size("4M"), parse_size(300)
    (4194304, 300)
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    m = _SIZE.match(str(text).strip())
    if not m:
        raise OptionError(option, text, "use bytes, such as 1048576, 512K or 4M")
    return int(m.group(1)) << (10 * " kmg".index(m.group(2).lower() or " "))


@dataclass(frozen=True)
class SpikeParams:
    """Parameters of spike detection (:mod:`httplog.spikes` says how they are used).

    Defaults were tuned on generated traffic (a week of 5-minute windows,
    diurnal volume from a few to a few hundred requests per window, error
    rates drifting ±30% hour to hour and errors in clusters): no spike on
    steady weeks, every injected burst found (see ``tests/test_spikes.py``).
    Each is checked against :data:`SPIKE_RANGES` (an error names it ``spikes.<name>``).
    """

    #: Earlier windows the baseline is computed over (48 five-minute windows: 4 hours).
    history: int = 48
    #: Normal earlier windows (with requests) the baseline needs (else: see the method).
    min_history: int = 8
    #: Requests a window needs to be judged (and for its rate to count in the MAD).
    min_requests: int = 20
    #: Errors a window needs to be anomalous.
    min_errors: int = 5
    #: Robust z-score: the rate must exceed the baseline by ``mad_k`` × 1.4826 × MAD.
    mad_k: float = 5.0
    #: Counting noise: the Freeman-Tukey deviate of the errors against the
    #: expected ``baseline × requests``, over the square root of the
    #: baseline's dispersion, must reach ``z``.
    z: float = 5.0
    #: The rate must exceed the baseline by at least this much (absolute).
    min_delta: float = 0.02
    #: ... and be at least this many times the baseline.
    min_ratio: float = 2.0
    #: Kinds of errors to look at.
    kinds: tuple[str, ...] = ("5xx", "4xx")
    #: Keys per dimension in an explanation.
    top: int = 5

    def __post_init__(self) -> None:
        for name, (lo, hi) in SPIKE_RANGES.items():
            check_range(f"spikes.{name}", getattr(self, name), lo, hi)
        object.__setattr__(self, "kinds", tuple(self.kinds))
        bad = [k for k in self.kinds if k not in ("4xx", "5xx")]
        if bad:
            raise OptionError("spikes.kinds", ",".join(bad), "use 5xx and/or 4xx")


#: What each spike parameter may be (both ends included).
SPIKE_RANGES: dict[str, tuple[float, float]] = {
    "history": (1, 100_000),
    "min_history": (1, 100_000),
    "min_requests": (0, 10**12),
    "min_errors": (0, 10**12),
    "top": (0, 10_000),
    "min_delta": (0, 1),
    "min_ratio": (0, 1e6),
    "z": (0, 1e6),
    "mad_k": (0, 1e6),
}
#: Entries per top table.
TOP_RANGE = (1, 100_000)
#: Blocks parsed at a time.
THREADS_RANGE = (1, 256)
#: The longest line read (bytes).
MAX_LINE_RANGE = (256, 1 << 30)
#: Default size of the byte ranges plain files are cut into on Dask (one task each).
CHUNK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ReadOptions:
    """How logs are read, and which of their requests a partial counts.

    ``log_format``: a named format, an nginx ``log_format`` or Apache
    ``LogFormat`` string, a compiled format, or None to detect it from the
    first lines. ``filter``: the requests counted (see
    :class:`~httplog.filters.RowFilter`). ``threads``: blocks parsed at a time
    (None: :data:`httplog.engine.THREADS`). ``max_line_bytes``: a longer line is
    rejected as ``too_long``, never held whole (bytes: :func:`parse_size` reads ``4M``).
    """

    log_format: str | LogFormat | None = None
    filter: RowFilter = field(default_factory=RowFilter)
    threads: int | None = None
    max_line_bytes: int = MAX_LINE_BYTES

    def __post_init__(self) -> None:
        if self.log_format is not None:
            compile_format(self.log_format)  # a bad format fails now, not after reading
        if self.threads is not None:
            check_range("threads", self.threads, *THREADS_RANGE)
        lo, hi = MAX_LINE_RANGE
        if not lo <= self.max_line_bytes <= hi:
            raise OptionError(
                "max_line_bytes", self.max_line_bytes, "out of range", limit="256 bytes to 1G"
            )

    @property
    def format_label(self) -> str | None:
        """The label of the format named (None: detected)."""
        if self.log_format is None:
            return None
        return compile_format(self.log_format).label

    def counting(self) -> dict[str, object]:
        """The options that change what is counted, normalised: what an
        incremental state pins (:meth:`httplog.state.State.check_settings`).

        >>> ReadOptions("combined", RowFilter(status=("5xx", "404"))).counting()
        {'log_format': 'combined', 'status': ['404', '5xx'], 'path_prefix': None}
        """
        f = self.filter
        return {
            "log_format": self.format_label,
            "status": sorted(f.status),
            "path_prefix": f.path_prefix,
        }

    def narrowed(self, since: datetime | None, until: datetime | None) -> ReadOptions:
        """These options, counting only requests in [since, until) too."""
        if since is None and until is None:
            return self
        return replace(self, filter=self.filter.narrowed(since, until))


@dataclass(frozen=True)
class ViewOptions:
    """How a (merged) partial is shown: the options of :func:`httplog.finalize`.

    ``window`` (``auto``, or ``1m`` … ``1d``, ``1w``), ``tz`` (``log``: the UTC
    offset most lines wrote; an IANA zone, ``local``, or an offset such as
    ``+05:30``: windows align on its clock, times are shown in it), ``lang`` (``en``,
    ``zh``: the descriptions), ``top`` (entries per top table), ``bots``
    (``include``, ``exclude``, ``only``), ``spikes`` (:class:`SpikeParams`),
    and ``since``/``until``: the requests shown, to the minute (a run moves
    them into the read, exactly, when it can: see the module docstring).
    ``geoip_db``: a MaxMind DB file (``.mmdb``: country, city or ASN) for the
    ``countries`` (and ``networks``) panels, opened when the options are made
    (missing or broken: an :class:`~httplog.errors.InputError`); None: no
    geo panels. ``route_rules``: extra rules folding path segments into routes,
    ``NAME=REGEX`` each (``--route-rule``; checked when made: a bad one is an
    :class:`~httplog.errors.OptionError`), tried before those of
    ``data/routes.toml``: the ``routes`` panel and the spikes' route
    explanations.

    >>> [r.name for r in ViewOptions(route_rules=("sku=SKU-[0-9]+",)).rules]
    ['sku']
    """

    window: str = "auto"
    tz: str = "log"
    lang: str = "en"
    top: int = 10
    bots: str = "include"
    since: datetime | None = None
    until: datetime | None = None
    spikes: SpikeParams = field(default_factory=SpikeParams)
    geoip_db: str | None = None
    route_rules: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_lang(self.lang)
        if isinstance(self.route_rules, str):
            raise OptionError("route_rules", self.route_rules, "must be a list of NAME=REGEX")
        object.__setattr__(self, "route_rules", tuple(self.route_rules))
        for spec in self.route_rules:
            parse_rule(spec)
        if self.geoip_db is not None:
            if not isinstance(self.geoip_db, str) or not self.geoip_db.strip():
                raise OptionError("geoip_db", self.geoip_db, "must be the path of a .mmdb file")
            check_db(self.geoip_db)
        bots_filter(self.bots)
        check_range("top", self.top, *TOP_RANGE)
        check_window(self.window)
        check_tz(self.tz)
        object.__setattr__(self, "since", utc(self.since))
        object.__setattr__(self, "until", utc(self.until))
        if self.since is not None and self.until is not None and self.since >= self.until:
            msg = (
                f"since ({self.since.isoformat()}) must be before until ({self.until.isoformat()})"
            )
            raise ConflictError(
                msg, options=("since", "until"), problem="since must be before until"
            )

    @property
    def timed(self) -> bool:
        """Whether the view narrows time."""
        return self.since is not None or self.until is not None

    @property
    def rules(self) -> tuple[RouteRule, ...]:
        """The extra route rules (:attr:`route_rules` parsed)."""
        return tuple(parse_rule(spec) for spec in self.route_rules)

    def untimed(self) -> ViewOptions:
        """This view without its ``since``/``until`` (once they were applied as a row filter)."""
        return replace(self, since=None, until=None) if self.timed else self


def for_reading(read: ReadOptions, view: ViewOptions) -> tuple[ReadOptions, ViewOptions]:
    """The options of a run that reads logs (no state): the view's ``since`` and
    ``until`` become an exact row filter of the read, and leave the view.

    >>> from datetime import datetime, UTC
    >>> r, v = for_reading(ReadOptions(), ViewOptions(since=datetime(2026, 1, 1, tzinfo=UTC)))
    >>> r.filter.since.year, v.since
    (2026, None)
    """
    if not view.timed:
        return read, view
    return read.narrowed(view.since, view.until), view.untimed()


class Fields(TypedDict, total=False):
    """The single option fields :func:`options_from` takes by keyword."""

    log_format: str | LogFormat | None
    since: datetime | None
    until: datetime | None
    status: tuple[str, ...] | list[str] | None
    path_prefix: str | None
    threads: int | None
    window: str | None
    tz: str | None
    lang: str | None
    top: int | None
    bots: str | None
    spikes: SpikeParams | None


def options_from(
    read: ReadOptions | None = None,
    view: ViewOptions | None = None,
    *,
    log_format: str | LogFormat | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: tuple[str, ...] | list[str] | None = None,
    path_prefix: str | None = None,
    threads: int | None = None,
    window: str | None = None,
    tz: str | None = None,
    lang: str | None = None,
    top: int | None = None,
    bots: str | None = None,
    spikes: SpikeParams | None = None,
) -> tuple[ReadOptions, ViewOptions]:
    """Options from ``read``/``view`` (default: the defaults) and single fields
    given by keyword (they win), as :func:`httplog.analyze` takes them.

    >>> r, v = options_from(status=["5xx"], window="5m")
    >>> r.filter.status, v.window
    (('5xx',), '5m')
    """
    read = read or ReadOptions()
    view = view or ViewOptions()
    r: dict[str, object] = {"log_format": log_format, "threads": threads}
    f: dict[str, object] = {
        "status": tuple(status) if status is not None else None,
        "path_prefix": path_prefix,
    }
    v: dict[str, object] = {
        "window": window,
        "tz": tz,
        "lang": lang,
        "top": top,
        "bots": bots,
        "since": since,
        "until": until,
        "spikes": spikes,
    }
    given_f = {k: x for k, x in f.items() if x is not None}
    if given_f:
        r["filter"] = replace(read.filter, **given_f)  # type: ignore[arg-type]  # (checked by RowFilter)
    # (each value has its field's type, as the signature says; the options check them again)
    read = replace(read, **{k: x for k, x in r.items() if x is not None})  # type: ignore[arg-type]  # (see above)
    view = replace(view, **{k: x for k, x in v.items() if x is not None})  # type: ignore[arg-type]  # (see above)
    return read, view


@dataclass(frozen=True)
class Cluster:
    """Where a run reads on Dask (:mod:`httplog.distributed`): a ``client``
    (a ``dask.distributed.Client``, left open), a ``scheduler`` address
    (``tcp://host:8786``), or a local cluster of ``workers`` processes — at most
    one of the three; none: the current default client, else a local cluster
    with one worker per CPU. Plain files are cut into tasks of about
    ``chunk_bytes``; ``quiet`` keeps Dask's own log lines (a worker lost and
    restarted …) off stderr while the run lasts.

    >>> Cluster(workers=2, scheduler="tcp://h:8786")
    Traceback (most recent call last):
    ...
    httplog.errors.ConflictError: give one of client, workers and scheduler, not workers and scheduler
    """

    client: object = None
    scheduler: str | None = None
    workers: int | None = None
    chunk_bytes: int = CHUNK_BYTES
    quiet: bool = False

    def __post_init__(self) -> None:
        given = tuple(
            n
            for n, v in (
                ("client", self.client),
                ("workers", self.workers),
                ("scheduler", self.scheduler),
            )
            if v is not None
        )
        if len(given) > 1:
            msg = f"give one of client, workers and scheduler, not {' and '.join(given)}"
            raise ConflictError(msg, options=given, problem="one of client, workers and scheduler")
        if self.workers is not None and self.workers < 1:
            msg = f"workers must be at least 1, not {self.workers}"
            raise UsageError(msg, option="workers", value=self.workers)
        if self.chunk_bytes < 1:
            msg = f"chunk_bytes must be at least 1, not {self.chunk_bytes}"
            raise UsageError(msg, option="chunk_bytes", value=self.chunk_bytes)
