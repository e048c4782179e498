r"""Escapes undone the way each server wrote them, as polars expressions.

A *dialect* is how one server escapes the bytes of a logged value:

- ``apache``: ``"`` and ``\`` as ``\"`` and ``\\``; control characters and
  bytes outside printable ASCII as ``\xhh`` (and ``\n``, ``\t``…).
- ``nginx``: ``"``, ``\``, control characters and bytes outside printable
  ASCII as ``\xHH``. nginx never writes ``\"`` itself; a line from another
  writer that has one keeps it as written.
- ``haproxy``: ``#HH`` for ``"``, ``#``, ``{``, ``|``, ``}`` and control
  characters in the request line and captured headers.
- ``percent``: ``%HH`` (CloudFront's header values).
- ``csv``: ``""`` for a quote (Google Cloud Storage's CSV).
- ``json_string``: JSON string escapes (nginx ``escape=json`` in a text
  format), decoded as a JSON reader decodes them.

Escaped runs of bytes that form valid UTF-8 become their characters, so
non-Latin user agents and paths are readable (``\xE4\xB8\xAD`` → ``中``,
``\x22`` → ``"``). Control characters (``\x00``–``\x1f``, ``\x7f``, the C1
controls) and bytes that are not valid UTF-8 stay as written: a parsed value
never holds a raw control character, and a TLS handshake sent to a plain-HTTP
port is still the request ``\x16\x03\x01…``.

The work is vectorised in two steps. Escapes of printable ASCII and the
two-character ones are replaced in one Aho-Corasick pass over every value
(left to right, as the server wrote them). Only values that hold an escaped
byte beyond ASCII (a possible UTF-8 run) take the slower path, fed to it alone
(the others as nulls, which cost nothing): the value is cut into tokens (a run
of escaped characters, a two-character escape, plain text) by one regex, the
tokens are decoded, and joined again.

Examples
--------
>>> import polars as pl
>>> s = pl.Series([r"caf\xC3\xA9 \x22q\x22 \x16\x03", r"\xff\xfe", "plain", None])
>>> s.to_frame("v").select(unescape(pl.col("v"), "nginx")).to_series().to_list()
['café "q" \\x16\\x03', '\\xff\\xfe', 'plain', None]
>>> pl.select(unescape(pl.lit(r"say \"hi\" \\ \xe4\xb8\xad\n"), "apache")).item()
'say "hi" \\ 中\\n'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

_H = "[0-9A-Fa-f]"


def utf8_escaped(prefix: str) -> str:
    r"""Regex of one character that is not a control, written as escaped UTF-8 bytes.

    ``prefix`` is the escape before each byte's two hex digits (``\x``, ``#``,
    ``%``). The alternatives follow RFC 3629: no overlong forms, no surrogates,
    nothing above U+10FFFF.

    >>> rx = utf8_escaped(r"\x")
    >>> [bool(re.fullmatch(rx, s)) for s in (r"\x41", r"\xC3\xA9", r"\xC0\xAF", r"\x0A")]
    [True, True, False, False]
    """
    p = re.escape(prefix)

    def byte(cls: str) -> str:
        return p + cls

    cont = byte("[89ABab]" + _H)
    return (
        "(?:"
        + "|".join(
            [
                byte(f"(?:2{_H}|[3-6]{_H}|7[0-9A-Ea-e])"),  # printable ASCII
                byte("[Cc]2") + byte(f"[AaBb]{_H}"),  # U+00A0–U+00BF (not the C1 controls)
                byte(f"(?:[Cc][3-9A-Fa-f]|[Dd]{_H})") + cont,
                byte("[Ee]0") + byte(f"[AaBb]{_H}") + cont,
                byte("[Ee][1-9A-Ca-cEeFf]") + cont + cont,
                byte("[Ee][Dd]") + byte(f"[89]{_H}") + cont,
                byte("[Ff]0") + byte(f"[9AaBb]{_H}") + cont + cont,
                byte("[Ff][1-3]") + cont + cont + cont,
                byte("[Ff]4") + byte(f"8{_H}") + cont + cont,
            ]
        )
        + ")"
    )


@dataclass(frozen=True, eq=False)
class Dialect:
    """How one server escapes: the escape before hex bytes, and the two-character
    escapes it writes (``{'\\"': '"'}``)."""

    name: str
    prefix: str
    simple: dict[str, str] = field(default_factory=dict)

    @property
    def trigger(self) -> str:
        """A value holding no such character has nothing to undo."""
        return self.prefix[0]

    @functools.cached_property
    def table(self) -> dict[str, str]:
        """Every escape of one printable ASCII character (either case of hex digits),
        and the two-character escapes: what they stand for."""
        out = dict(self.simple)
        for b in range(0x20, 0x7F):
            for spelled in (f"{self.prefix}{b:02x}", f"{self.prefix}{b:02X}"):
                out[spelled] = chr(b)
        return out

    @property
    def token(self) -> str:
        """One regex cutting a value into runs of escaped characters, simple
        escapes, plain text and stray escape characters."""
        lead = re.escape(self.prefix[0])
        parts = [f"(?:{utf8_escaped(self.prefix)})+"]
        parts += [re.escape(s) for s in sorted(self.simple, key=len, reverse=True)]
        parts += [f"[^{lead}]+", lead]
        return "|".join(parts)


DIALECTS: dict[str, Dialect] = {
    "apache": Dialect("apache", r"\x", {'\\"': '"', "\\\\": "\\"}),
    "nginx": Dialect("nginx", r"\x"),
    "haproxy": Dialect("haproxy", "#"),
    "percent": Dialect("percent", "%"),
}

#: Dialects whose escapes httplog undoes; ``json`` (decoded by the JSON reader)
#: and ``none`` have nothing to undo.
NAMES = (*DIALECTS, "csv", "json_string", "json", "none")


def trigger(name: str) -> bytes | None:
    """The byte whose presence in a block means its values may need unescaping.

    >>> trigger("apache"), trigger("csv"), trigger("none")
    (b'\\\\', b'""', None)
    """
    if name == "csv":
        return b'""'
    if name == "json_string":
        return b"\\"
    d = DIALECTS.get(name)
    return d.trigger.encode() if d else None


def unescape(e: pl.Expr, name: str, runs: pl.Expr | bool | None = None) -> pl.Expr:
    """Undo dialect ``name``'s escapes in the strings of ``e`` (see the module docstring).

    ``runs`` says which rows may hold an escaped byte beyond ASCII, the only
    ones given to the slower UTF-8 path: ``None`` (the rows of ``e`` holding
    one), ``False`` (none: the caller knows), or a boolean expression (a mask
    computed once on the lines, see :func:`beyond_ascii`, when several fields
    of the same lines are unescaped).
    """
    if name == "csv":
        return e.str.replace_all('""', '"', literal=True)
    if name == "json_string":
        has = e.str.contains("\\", literal=True)
        quoted = pl.concat_str(pl.lit('"'), pl.when(has).then(e), pl.lit('"'))
        return pl.coalesce(quoted.str.json_decode(pl.String), e)
    d = DIALECTS.get(name)
    if d is None:
        return e
    fast = e.str.replace_many(d.table, leftmost=True)
    if runs is False:
        return fast
    mask = beyond_ascii(e, name) if runs is None or runs is True else runs
    return pl.coalesce(_decode(pl.when(mask).then(e), d), fast)


def beyond_ascii_bytes(name: str) -> re.Pattern[bytes] | None:
    r"""A bytes regex finding an escaped byte beyond ASCII in dialect ``name``'s values.

    >>> beyond_ascii_bytes("nginx").search(rb'"Android \xE5\xB0"') is not None
    True
    """
    d = DIALECTS.get(name)
    if d is None:
        return None
    return re.compile(re.escape(d.prefix.encode()) + b"[89A-Fa-f]")


def beyond_ascii(e: pl.Expr, name: str) -> pl.Expr:
    """Whether each string holds an escaped byte beyond ASCII (a possible UTF-8 run)."""
    d = DIALECTS.get(name)
    if d is None:
        return pl.lit(False)
    return e.str.contains(re.escape(d.prefix) + "[89A-Fa-f]").fill_null(False)


def _decode(e: pl.Expr, d: Dialect) -> pl.Expr:
    el = pl.element()
    # Tokens starting with the escape and longer than one escape's prefix and
    # two digits... are runs of escaped characters (the regex made sure of it).
    is_run = el.str.starts_with(d.prefix) & (el.str.len_bytes() >= len(d.prefix) + 2)
    hex_digits = pl.when(is_run).then(el.str.replace_all(d.prefix, "", literal=True))
    chars = hex_digits.str.decode("hex", strict=False).cast(pl.String)
    out: Then | ChainedThen = pl.when(is_run).then(chars)
    for written, meant in d.simple.items():
        out = out.when(el == written).then(pl.lit(meant))
    return e.str.extract_all(d.token).list.eval(out.otherwise(el)).list.join("")
