"""Log text made safe to show: what is invisible, or moves other text, is shown instead.

Text from logs (paths, user agents, referers, rejected lines, file names) may
hold characters that a terminal obeys (ESC starts a colour or a cursor move),
that a browser renders as nothing (zero-width spaces, tag characters, Hangul
fillers) or that reorder what is around them on screen (bidi controls, the
Arabic letter mark). :func:`visible` replaces each by a visible stand-in, by
Unicode property rather than by a hand list: the general categories ``Cc``
(controls), ``Cf`` (format characters: bidi controls, zero-width characters,
tags), ``Zl`` and ``Zp`` (line and paragraph separators), ``Cs`` (lone
surrogates, which can't even be printed), and every *default-ignorable* code
point (``Default_Ignorable_Code_Point``: variation selectors, the combining
grapheme joiner, Hangul fillers, the Mongolian vowel separator …).

C0 controls become their Unicode control pictures (NUL → ``␀``, ESC → ``␛``),
DEL becomes ``␡``, everything else ``<U+XXXX>``. The report, the terminal
summary and error messages all use it; the JSON summary and the exports keep
the real text.

Examples
--------
>>> visible("a\\x00b\\x1b[31mc")
'a␀b␛[31mc'
>>> visible("ALM\\u061c 456-123 ok"), visible("tag\\U000e0041s")
('ALM<U+061C> 456-123 ok', 'tag<U+E0041>s')
>>> visible("請求 /ok?q=é ☃")  # printable text, wide or not, is left alone
'請求 /ok?q=é ☃'
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # polars on first use: the terminal text needs none of it
    import polars as pl
    import regex

__all__ = ["clean", "decoded", "percent_decoded", "visible"]

#: Every character :func:`visible` replaces (see the module docstring).
HIDDEN_CLASS = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]"


@functools.cache
def _hidden() -> regex.Pattern[str]:
    """:data:`HIDDEN_CLASS` compiled, on first use: ``regex`` takes a tenth of a
    second to import, and printable ASCII text never needs it."""
    import regex

    return regex.compile(HIDDEN_CLASS)


def _stand_in(ch: str) -> str:
    c = ord(ch)
    if c < 0x20:
        return chr(0x2400 + c)
    if c == 0x7F:
        return "\u2421"
    return f"<U+{c:04X}>"


def visible(text: object) -> str:
    """``text`` as a string with invisible, control and reordering characters made visible.

    >>> visible("abc\\u202edef\\u2028"), visible("\\u3164x\\u034f\\u180e\\u200e")
    ('abc<U+202E>def<U+2028>', '<U+3164>x<U+034F><U+180E><U+200E>')
    """
    s = str(text)
    if s.isascii() and s.isprintable():  # no control and nothing invisible
        return s
    hidden = _hidden()
    if hidden.search(s) is None:
        return s
    return str(hidden.sub(lambda m: _stand_in(m.group()), s))


def clean(text: object, limit: int | None = None) -> str:
    """Text from a log made safe for a terminal (:func:`visible`).

    With ``limit``, cut to that many terminal cells (wide CJK characters
    take two) and end with "…".

    >>> clean("/a\\x1b[31mred\\u202e")
    '/a␛[31mred<U+202E>'
    >>> clean("请求已成功完成", 9)
    '请求已成…'
    """
    s = visible(text)
    if limit is None or cells(s) <= limit:
        return s
    out, used = [], 0
    for ch in s:
        w = cells(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def cells(s: str) -> int:
    """Terminal cells ``s`` takes (wide and full-width characters take two).

    >>> cells("ab"), cells("请求")
    (2, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


# ------------------------------------------------------- percent-decoding

#: A run of percent-escapes that is well-formed UTF-8 (by its lead and
#: continuation bytes), a run of text without ``%``, or a lone ``%``.
_TOKENS = (
    r"(?:%[0-7][0-9A-Fa-f]|%[CDcd][0-9A-Fa-f]%[89ABab][0-9A-Fa-f]"
    r"|%[Ee][0-9A-Fa-f](?:%[89ABab][0-9A-Fa-f]){2}"
    r"|%[Ff][0-4](?:%[89ABab][0-9A-Fa-f]){3})+|[^%]+|%"
)


def percent_decoded(e: pl.Expr, *, plus: bool = False) -> pl.Expr:
    """Percent-escapes decoded as UTF-8, for people to read (``plus``: ``+`` is a
    space, as in a query). A text whose escapes are not UTF-8 (``%ff``, an
    overlong or surrogate sequence) stays as written, and so does a ``%`` that
    starts no escape. The result is text like any other: show it through
    :func:`visible` (``%00`` decodes to a NUL, ``%0a`` to a line feed).

    >>> import polars as pl
    >>> df = pl.DataFrame({"p": ["/a%20b", "/%D8%A7%D9%84", "/%ff%fe", "/50%", None]})
    >>> df.select(percent_decoded(pl.col("p")))["p"].to_list()
    ['/a b', '/ال', '/%ff%fe', '/50%', None]
    >>> pl.select(percent_decoded(pl.lit("q=a+b%2Bc"), plus=True)).item()
    'q=a b+c'
    """
    import polars as pl

    text = e.str.replace_all("+", " ", literal=True) if plus else e
    el = pl.element()
    escape = el.str.starts_with("%") & (el.str.len_bytes() > 1)
    hexed = (
        text.str.extract_all(_TOKENS)
        .list.eval(
            pl.when(escape)
            .then(el.str.replace_all("%", "", literal=True))
            .otherwise(el.str.encode("hex"))
        )
        .list.join("")
    )
    out = hexed.str.decode("hex").cast(pl.String, strict=False)
    has = e.str.contains("%", literal=True)
    if plus:
        has = has | e.str.contains("+", literal=True)
    return pl.when(has).then(out.fill_null(e)).otherwise(e)


def decoded(texts: Sequence[str | None], *, plus: bool = False) -> list[str | None]:
    """:func:`percent_decoded` on a list of texts.

    >>> decoded(["/caf%C3%A9", "/%E2%82%AC%"])
    ['/café', '/€%']
    """
    import polars as pl

    s = pl.Series("t", list(texts), dtype=pl.String)
    return s.to_frame().select(percent_decoded(pl.col("t"), plus=plus))["t"].to_list()
