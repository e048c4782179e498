"""docs/cli.md against the command line itself: every option row names real options,
every option is documented, and every default the docs state is the one in force."""

from __future__ import annotations

import dataclasses
import re
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer

from httplog.cli import app
from httplog.options import SpikeParams

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "cli.md"
_OPTION = re.compile(r"(?:^|,\s*)(--?[a-z][a-z0-9-]*)")
_DEFAULTS = (
    re.compile(r"\[([^\]]+)\](?!\()\.?\s*$"),  # … [48].
    re.compile(r"\(default `([^`]+)`"),  # … (default `50%` …
    re.compile(r"^`([^`]+)` \(default\)"),  # `inline` (default) …
)


@dataclasses.dataclass(frozen=True)
class Row:
    line: int
    names: tuple[str, ...]
    default: str | None  # as the docs state it, None when they state none


def doc_rows() -> list[Row]:
    rows: list[Row] = []
    has_default_column = False
    for n, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), 1):
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if not cells:
            continue
        if cells[0] == "option":
            has_default_column = len(cells) == 3 and cells[1] == "default"
            continue
        if not cells[0].startswith("`-"):
            continue
        names = tuple(_OPTION.findall(cells[0].strip("`")))
        default = None
        if has_default_column:
            m = re.fullmatch(r"`([^`]+)`", cells[1])
            default = m.group(1) if m else None
        else:
            for pattern in _DEFAULTS:
                m = pattern.search(cells[-1])
                if m:
                    default = m.group(1)
                    break
        rows.append(Row(n, names, default))
    return rows


def commands() -> dict[str, Any]:
    """The commands of the app (typer's own click: told apart by what they have)."""
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _is_option(p: Any) -> bool:
    return getattr(p, "param_type_name", None) == "option"


def options() -> dict[str, list[Any]]:
    """Option name → the option in each command that has it."""
    out: dict[str, list[Any]] = {}
    for cmd in commands().values():
        for p in cmd.params:
            if _is_option(p):
                for name in p.opts:
                    out.setdefault(name, []).append(p)
    return out


def in_force(p: Any) -> object:
    """The default a run uses: the flag's, or for spike flags (None: not given) the
    :class:`httplog.SpikeParams` field's."""
    if p.default is None and p.name and p.name.startswith("spike_"):
        value = getattr(SpikeParams(), p.name.removeprefix("spike_"))
        return ",".join(value) if isinstance(value, tuple) else value
    if isinstance(p.default, Enum):
        return p.default.value
    return p.default


def same(doc: str, value: object) -> bool:
    try:
        return float(doc.replace(",", "")) == float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return doc == str(value)


def test_the_docs_have_option_rows():
    rows = doc_rows()
    assert len(rows) > 30
    assert sum(r.default is not None for r in rows) > 15


@pytest.mark.parametrize("row", doc_rows(), ids=lambda r: r.names[-1] if r.names else "?")
def test_every_documented_option_exists_with_its_default(row):
    known = options()
    assert row.names, f"docs/cli.md:{row.line}: no option name"
    for name in row.names:
        assert name in known, f"docs/cli.md:{row.line}: {name} is no option of any command"
    if row.default is None:
        return
    for p in known[row.names[-1]]:
        value = in_force(p)
        if value is None or isinstance(value, bool):
            continue  # a default computed at run time (said in words) or a switch
        assert same(row.default, value), (
            f"docs/cli.md:{row.line}: {row.names[-1]} defaults to {value!r}, "
            f"the docs say {row.default!r}"
        )


def test_every_option_is_documented():
    documented = {n for r in doc_rows() for n in r.names}
    missing = sorted(
        {p.opts[0] for ps in options().values() for p in ps if p.opts[0] not in documented}
        - {"--help", "--version", "--install-completion", "--show-completion"}
    )
    assert not missing, f"docs/cli.md does not document {missing}"


def test_every_default_a_run_uses_is_stated_where_it_is_not_computed():
    """An option with a plain default (a number, a word) says it in the docs."""
    stated = {n: r for r in doc_rows() for n in r.names}
    unstated = []
    for name, ps in options().items():
        if not name.startswith("--") or name not in stated:
            continue
        value = in_force(ps[0])
        if value is None or isinstance(value, bool):
            continue
        if stated[name].default is None:
            unstated.append(name)
    assert not unstated, f"docs/cli.md states no default for {sorted(unstated)}"


def test_spike_help_texts_give_the_defaults_in_force():
    for p in commands()["analyze"].params:
        if _is_option(p) and p.name and p.name.startswith("spike_"):
            m = re.search(r"\(([\d.]+)\)\.?$", p.help or "")
            if m:
                assert same(m.group(1), in_force(p)), (p.opts, p.help, in_force(p))
