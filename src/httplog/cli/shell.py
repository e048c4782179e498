"""The shell around the library: the typer app, exit statuses, and errors as one line.

Every :class:`httplog.HttplogError` becomes one line on stderr,
``httplog: error: ...``, and exit status 2; the library's structured errors
are worded here with the flags a user typed (:func:`worded`). A bug is one
line too (exit 3; ``HTTPLOG_DEBUG=1`` shows the traceback).

>>> import httplog
>>> worded(httplog.OptionError("spikes.min_errors", -1, "must not be negative"))
'bad --spike-min-errors -1: must not be negative'
>>> flag("path_prefix"), flag("max_line_bytes")
('--path', '--max-line-bytes')
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from enum import IntEnum
from typing import Any, NoReturn

import typer

import httplog


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


class _Group(typer.core.TyperGroup):
    """The command group; its usage errors (an unknown option, a value typer can't
    convert, a missing argument) are one line and exit 2, like every other error."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        kwargs = {**kwargs, "standalone_mode": False}
        if not standalone_mode:
            return super().main(*args, **kwargs)
        try:
            status = super().main(*args, **kwargs)
        except typer.TyperException as e:
            message = getattr(e, "format_message", None)
            if message is None:
                raise
            if type(e).__name__ == "NoArgsIsHelpError":  # `httplog` alone: the help
                e.show()  # type: ignore[attr-defined]  # (click's UsageError has show())
                sys.exit(getattr(e, "exit_code", ExitStatus.ERROR))
            error(message())
            sys.exit(ExitStatus.ERROR)
        except typer.Abort:
            error("aborted")
            sys.exit(ExitStatus.ERROR)
        sys.exit(status if isinstance(status, int) else ExitStatus.OK)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # `httplog --help` in click's plain layout: typer's rich layout imports rich,
        # markdown and pygments (0.2-0.35 s, more than the rest of the start-up). The
        # commands' help (`httplog analyze --help`, options in panels) stays rich.
        super(typer.core.TyperGroup, self).format_help(ctx, formatter)


app = typer.Typer(
    cls=_Group,
    name="httplog",
    help="Turn nginx and Apache access logs into answers: status codes by class and time, "
    "error spikes explained, one offline HTML report, a JSON summary for monitoring.",
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# ---------------------------------------------------------------- printing


def one_line(text: str) -> str:
    return httplog.clean(" ".join(str(text).split("\n")))


def error(text: str) -> None:
    print(f"httplog: error: {one_line(text)}", file=sys.stderr, flush=True)


def exit_with(status: ExitStatus) -> NoReturn:
    raise typer.Exit(int(status))


#: Library names of options → their flags (the rest: ``--`` and the name with dashes).
_FLAGS = {
    "sources": "PATH",
    "paths": "PATH",
    "path_prefix": "--path",
    "log_format": "--format/--log-format",
    "report": "-o/--output",
    "partial": "-o/--output",
    "route_rules": "--route-rule",
}


def flag(name: str) -> str:
    """The flag of a library option name (``spikes.z`` is ``--spike-z``)."""
    if name.startswith("spikes."):
        return "--spike-" + name.removeprefix("spikes.").replace("_", "-")
    return _FLAGS.get(name) or "--" + name.replace("_", "-")


def worded(e: httplog.HttplogError, given: Mapping[str, Any] | None = None) -> str:
    """An error's message, naming flags where the library named parameters.

    ``given`` are the flags as typed (for the texts of ``--since`` and ``--until``).
    """
    given = given or {}
    if isinstance(e, httplog.OptionError):
        return e.describe(flag(e.option) if e.option != "log_format" else "--log-format")
    if isinstance(e, httplog.ConflictError):
        return _conflict(e, given)
    if isinstance(e, httplog.OutputError) and e.input is not None and e.output is not None:
        return (
            f"{flag(e.output)} {e.path} would overwrite the input {e.input}: "
            "httplog never writes over what it reads; choose another path"
        )
    if isinstance(e, httplog.RejectedError):
        return (
            f"{e}; name it with --format or --log-format "
            f"(or accept this with --max-rejected {httplog.percent(e.allow)})"
        )
    if isinstance(e, httplog.DetectionError):
        return f"{e}; give one with --format or --log-format"
    if isinstance(e, httplog.SettingsError):
        return (
            f"{e.path}: this state counts with {flag(e.setting)} "
            f"{e.known}, this run asks for {e.asked}; use the same options, another --state "
            "directory, or --state-reset to start over"
        )
    if isinstance(e, httplog.StateError) and e.resettable:
        return f"{e}; --state-reset starts the state over (what it counted is forgotten)"
    return str(e)


def _conflict(e: httplog.ConflictError, given: Mapping[str, Any]) -> str:
    if e.options == ("since", "until"):
        return f"--since ({given.get('since')}) must be before --until ({given.get('until')})"
    if e.options == ("state", "cluster"):
        return (
            "--state can't be combined with --scheduler or --workers: incremental runs "
            "read on this machine only"
        )
    if e.options == ("state", "since"):
        return (
            "with --state, aggregate keeps everything it reads; narrow the time at "
            "report time (httplog report --since/--until)"
        )
    return str(e)


@contextlib.contextmanager
def guard(given: Mapping[str, Any] | None = None) -> Iterator[None]:
    """HttplogError → one line and exit 2; a bug → one line (traceback with HTTPLOG_DEBUG) and 3."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except httplog.HttplogError as e:
        error(worded(e, given))
        raise typer.Exit(ExitStatus.ERROR) from None
    except KeyboardInterrupt:
        say_interrupted()
        raise typer.Exit(ExitStatus.INTERRUPTED) from None
    except BrokenPipeError:
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - quiet the final flush
        raise typer.Exit(ExitStatus.ERROR) from None
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        error(f"{where}{e.strerror or e}")
        raise typer.Exit(ExitStatus.ERROR) from None
    except Exception as e:
        if os.environ.get("HTTPLOG_DEBUG"):
            traceback.print_exc()
        error(
            f"internal error: {type(e).__name__}: {e} "
            "(a bug in httplog; HTTPLOG_DEBUG=1 shows the traceback)"
        )
        raise typer.Exit(ExitStatus.INTERNAL) from None


def interactive(quiet: bool) -> bool:
    return not quiet and sys.stdout.isatty()


# ----------------------------------------------------------- interrupts

#: After Ctrl-C, how long the run may take to end by itself (removing its temporary
#: files) before it is ended at once (seconds).
INTERRUPT_GRACE = 0.8
_interrupted = threading.Event()
_saying = threading.Lock()


def say_interrupted() -> None:
    # Under the lock, so that the watchdog's exit waits for a message being written.
    with _saying:
        if not _interrupted.is_set():
            with contextlib.suppress(OSError):
                os.write(2, b"httplog: interrupted\n")
            _interrupted.set()


def hard_exit() -> None:
    """End now with exit status 130 (the interrupt watchdog): temporary copies removed."""
    httplog.remove_temporary()
    say_interrupted()
    os._exit(ExitStatus.INTERRUPTED)


def watch_interrupts() -> None:
    """Make Ctrl-C end any run within a second, exit status 130.

    Python raises KeyboardInterrupt in the main thread only when it runs
    Python code, which it may not do for a while (inside polars, or while
    threads finish a block). The signal is also written to a pipe that a
    watchdog thread reads at once: it gives the run :data:`INTERRUPT_GRACE`
    seconds to end cleanly, then ends it.
    """
    import signal
    import time

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
                hard_exit()

    threading.Thread(target=watch, name="httplog-interrupt", daemon=True).start()
