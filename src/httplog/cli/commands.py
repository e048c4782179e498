"""The commands: ``httplog analyze``, ``aggregate`` and ``report``.

Each takes its flags (:mod:`httplog.cli.flags`), checks them
(:mod:`httplog.cli.checks`), maps them onto the library's options
(:mod:`httplog.cli.mapping`), calls the library (:func:`httplog.run`,
:func:`httplog.collect`, :func:`httplog.run_partials`), prints, and picks the
exit status.
"""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

import httplog
from httplog.cli.checks import check_flags, need_paths, need_state, split
from httplog.cli.flags import _OUT, READING, RUNNING, VIEWING, WRITING, takes
from httplog.cli.mapping import cluster, outputs, read_options, view_options
from httplog.cli.progress import Bar
from httplog.cli.shell import ExitStatus, app, exit_with, guard, interactive, one_line
from httplog.cli.terminal import to_text

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


def _version_callback(value: bool) -> None:
    if value:
        print(f"httplog {httplog.__version__}")
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


@app.command(epilog=EPILOG_ANALYZE)
@takes(
    "config", *READING, *VIEWING, *WRITING, "quiet", "verbose", "fail_on", "max_rejected", *RUNNING
)
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
    **flags: Any,
) -> None:
    """Analyse access logs: a report, a summary, alerts.

    Reads nginx or Apache access logs (plain or compressed, rotated sets,
    stdin), counts status codes by class and time window, finds error spikes
    and what explains them, and writes one self-contained HTML report
    (./httplog-report.html unless -o or --no-report), a JSON summary (--json)
    and tables (--export).
    """
    flags = {"ctx": ctx, "paths": paths, **flags}
    now, quiet, state, state_reset = datetime.now(UTC), *_of(flags, "quiet state state_reset")
    with guard(flags):
        check_flags(ctx)
        read, view, out = read_options(flags), view_options(flags, now), outputs(flags, now)
        need_state(state, state_reset)
        where = cluster(ctx, flags)
        sources = need_paths(paths, "input")
        show = interactive(quiet) or (not quiet and out.to_stdout and sys.stderr.isatty())
        done = httplog.run(
            sources,
            read=read,
            view=view,
            state=state,
            state_reset=state_reset,
            cluster=where,
            max_rejected=flags["max_rejected"],
            fail_on=split(flags["fail_on"]),
            outputs=out,
            progress=Bar(show),
            now=now,
        )
        status_ = _shown(done, out, quiet)
    exit_with(status_)


@app.command()
@takes("config", *READING, "tz", "quiet", "verbose", "max_rejected", *RUNNING)
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
    **flags: Any,
) -> None:
    """Aggregate logs into a partial (Parquet) for `httplog report` to merge.

    For fleets: each host writes its partial (with --state, of everything it
    has seen, reading only new lines each run); `httplog report` merges them
    into one report. Partials merge exactly: counts add up.

    Example: httplog aggregate /var/log/nginx/access.log* -o /shared/$(hostname).parquet
    """
    flags = {"ctx": ctx, "paths": paths, "output": output, **flags}
    now, quiet, state, state_reset = datetime.now(UTC), *_of(flags, "quiet state state_reset")
    with guard(flags):
        check_flags(ctx)
        if not output:
            msg = "aggregate needs -o/--output (the partial's Parquet file)"
            raise httplog.UsageError(msg, option="output")
        read = read_options(flags, now)
        need_state(state, state_reset)
        target = httplog.expand_path(output, now.astimezone(httplog.zone(flags["tz"])))
        where = cluster(ctx, flags)
        sources = need_paths(paths, "input")
        done = httplog.collect(
            sources,
            read=read,
            state=state,
            state_reset=state_reset,
            cluster=where,
            max_rejected=flags["max_rejected"],
            output=target,
            progress=Bar(interactive(quiet) and not httplog.is_stdout(target)),
        )
        p = done.partial
        if httplog.is_stdout(target):
            pass  # the partial itself went to stdout
        elif interactive(quiet):
            print(f"{p.lines:,} lines, {p.requests:,} requests ({httplog.clean(p.format_label)})")
            print(f"Partial: {target}")
        elif not quiet:
            print(target)
    exit_with(ExitStatus.OK)


@app.command()
@takes("config", "since", "until", *VIEWING, *WRITING, "quiet", "fail_on", "max_rejected")
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
    **flags: Any,
) -> None:
    """Merge partials (from `httplog aggregate`) into one report and summary.

    Example: httplog report /shared/*.parquet -o fleet.html --json fleet.json
    """
    flags = {"ctx": ctx, "paths": paths, **flags}
    now = datetime.now(UTC)
    with guard(flags):
        check_flags(ctx)
        view, out = view_options(flags, now), outputs(flags, now)
        sources = need_paths(paths, "partial")
        done = httplog.run_partials(
            sources,
            view=view,
            max_rejected=flags["max_rejected"],
            fail_on=split(flags["fail_on"]),
            outputs=out,
            now=now,
        )
        status_ = _shown(done, out, flags["quiet"])
    exit_with(status_)


def _of(flags: dict[str, Any], names: str) -> list[Any]:
    """The values of the flags ``names`` (space-separated)."""
    return [flags[name] for name in names.split()]


def _shown(done: httplog.Run, out: httplog.Outputs, quiet: bool) -> ExitStatus:
    """Print what a run found and wrote (unless an output went to stdout), and
    any alert; the exit status."""
    if httplog.is_stdout(out.json) or out.to_stdout:
        pass  # the summary or the report went there
    elif interactive(quiet):
        assert done.summary is not None
        print(to_text(done.summary, width=shutil.get_terminal_size().columns), end="")
        for what, path in done.written:
            print(f"{what}: {path}")
    elif not quiet:
        for _, path in done.written:
            print(path)
    if interactive(quiet) and out.to_stdout:
        for what, path in done.written:
            print(f"{what}: {path}", file=sys.stderr)
    if done.breached:
        msg = "; ".join(b.message for b in done.breached)
        print(f"httplog: alert: {one_line(msg)}", file=sys.stderr, flush=True)
        return ExitStatus.ALERT
    return ExitStatus.OK
