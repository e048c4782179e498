"""The TOML config file (``--config``): defaults for a command's options.

Keys are the long option names (``window``, ``max-rejected`` …); top-level
keys apply to every command that has the option (``paths`` only to
``analyze`` and ``aggregate``), tables ``[analyze]``, ``[aggregate]`` and
``[report]`` to one. Paths in the file are relative to the file. Flags on
the command line win.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from typing import Any

import typer

import httplog
from httplog.cli.shell import ExitStatus, error

#: Options whose values are paths: relative ones in a config file are relative to the file.
_PATH_KEYS = ("paths", "output", "json", "export", "state")

_COMMANDS = ("analyze", "aggregate", "report")

#: Config keys that are another name of an option (a list reads better plural).
_ALIASES = {"route-rules": "route-rule"}


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
    keys |= {alias: keys[name] for alias, name in _ALIASES.items() if name in keys}
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
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        msg = f"{path}: no such config file"
        raise httplog.UsageError(msg, option="config", value=path) from None
    except OSError as e:
        msg = f"{path}: {e.strerror or e}"
        raise httplog.UsageError(msg, option="config", value=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        msg = f"{path}: not valid TOML: {e}"
        raise httplog.UsageError(msg, option="config", value=path) from None
    from httplog.cli.shell import app  # (every command registered by now)

    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)  # (the app has several commands)
    per_command = {name: _option_keys(group.commands[name]) for name in _COMMANDS}
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
        raise httplog.UsageError(msg, option="config", value=path)
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
                raise httplog.UsageError(msg, option="config", value=path)
        elif isinstance(v, dict | list):
            msg = f"{path}: {key} must be a single value"
            raise httplog.UsageError(msg, option="config", value=path)
        if key in _PATH_KEYS or p.name in _PATH_KEYS:
            v = _relative_to(base, v)
        check = getattr(p, "process_value", None)
        if ctx is not None and check is not None and p.callback is None:
            try:
                check(ctx, v)  # the same conversion a flag gets, to name the file on error
            except Exception as e:  # typer's BadParameter and kin
                msg = f"{path}: {key} = {v!r}: {getattr(e, 'message', None) or e}"
                raise httplog.UsageError(msg, option="config", value=path) from None
        out[p.name] = v
    return out


def _relative_to(base: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_relative_to(base, v) for v in value]
    if isinstance(value, str) and value != "-" and not os.path.isabs(value):
        return os.path.join(base, os.path.expanduser(value))
    return value


def config_callback(ctx: typer.Context, param: Any, value: str | None) -> str | None:
    if not value:
        return value
    try:
        defaults = load_config(value, ctx.command.name or "", _option_keys(ctx.command), ctx)
    except httplog.HttplogError as e:
        error(str(e))
        raise typer.Exit(ExitStatus.ERROR) from None
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return value
