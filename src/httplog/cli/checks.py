"""What no flag accepts, checked before anything is read (:func:`check_flags`),
and what a command needs given (:func:`need_paths`, :func:`need_state`).

What a flag's value means is checked by the library's options it maps onto
(:mod:`httplog.cli.mapping`).
"""

from __future__ import annotations

import typer

import httplog

#: Options whose values are comma-separated lists.
_LISTS = ("status", "fail_on", "spike_kinds")


def split(items: list[str] | None) -> tuple[str, ...]:
    """Repeated and comma-separated values, as one tuple."""
    return tuple(p.strip() for item in items or [] for p in item.split(",") if p.strip())


def check_flags(ctx: typer.Context) -> None:
    """What no flag accepts, checked before anything is read: an empty value, a
    NUL character (only a config file can hold one), a list with no value. (What
    a value means is checked by the options it maps onto.)"""
    for p in ctx.command.params:
        name = p.name or ""
        value = ctx.params.get(name)
        if value is None or isinstance(value, bool) or name in ("config", "scheduler"):
            continue
        items = list(value) if isinstance(value, list | tuple) else [value]
        for v in items:
            if isinstance(v, str) and "\x00" in v:
                raise httplog.OptionError(name, v, "holds a NUL character")
            if isinstance(v, str) and not v.strip() and name != "title":
                raise httplog.OptionError(name, v, "empty: give a value or leave the option out")
        if name in _LISTS and items and not split(items):
            raise httplog.OptionError(name, ",".join(items), "holds no value")


def need_paths(paths: list[str] | None, what: str) -> list[str]:
    if not paths:
        msg = f"no {what} given (name them, use '-' for stdin, or set paths in --config)"
        raise httplog.UsageError(msg, option="paths")
    return list(paths)


def need_state(state: str | None, reset: bool) -> None:
    if reset and not state:
        msg = "--state-reset starts a --state directory over: give --state too"
        raise httplog.UsageError(msg, option="state_reset", value=reset)
