"""The command line: ``httplog analyze | aggregate | report`` (see ``docs/cli.md``).

A shell over the library's public API (``import httplog``): :mod:`~httplog.cli.flags`
declares the flags, :mod:`~httplog.cli.checks` checks them, :mod:`~httplog.cli.mapping`
maps them (and :mod:`~httplog.cli.config`, a TOML file) onto
:class:`httplog.ReadOptions`, :class:`httplog.ViewOptions` and
:class:`httplog.Outputs`; :mod:`~httplog.cli.commands` calls :func:`httplog.run`
and prints (:mod:`~httplog.cli.terminal`, :mod:`~httplog.cli.progress`);
:mod:`~httplog.cli.shell` turns every :class:`httplog.HttplogError` into one
line on stderr, ``httplog: error: ...``, and exit status 2 (:class:`ExitStatus`).

Examples
--------
>>> default_lang({"LANG": "zh_CN.UTF-8"}), default_lang({"LC_ALL": "C", "LANG": "zh_TW"})
('zh', 'en')
"""

from __future__ import annotations

from httplog.cli import commands as _commands  # registers the commands on app
from httplog.cli.mapping import default_lang
from httplog.cli.shell import ExitStatus, app, watch_interrupts

__all__ = ["ExitStatus", "app", "default_lang", "main"]

del _commands


def main(argv: list[str] | None = None) -> None:
    """The ``httplog`` console script."""
    import signal

    if hasattr(signal, "SIGPIPE"):
        # `httplog analyze --json - | head`: end quietly like other Unix tools.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    watch_interrupts()
    app(args=argv, prog_name="httplog")
