"""Routes: paths with their identifier segments folded (``/users/42`` → ``/users/{id}``).

An access log has no route template (a framework's router knows it, the log
does not), so this one is *inferred*: every path segment that matches one of
the rules of ``data/routes.toml`` whole is replaced by the rule's name in
braces — numbers, UUIDs, dates, e-mail addresses, long hex hashes, base64-ish
tokens. Segments that merely contain digits (``v1``, ``page12``,
``french-press-1l``) stay, so ``/v1/`` and ``/v2/`` stay apart. Rules are data;
:func:`route_rules` reads them, extra ones (``--route-rule NAME=REGEX``,
:func:`parse_rule`; ``ViewOptions.route_rules``) come first. A path's route depends
on the path alone, so routes of blocks merge exactly.

Examples
--------
>>> paths = pl.DataFrame({"path": ["/api/v1/users/123/orders/456", "/v2/img/77.jpg", "/en/about"]})
>>> paths.select(route("path"))["path"].to_list()
['/api/v1/users/{id}/orders/{id}', '/v2/img/{id}.jpg', '/en/about']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import polars as pl

from httplog.errors import OptionError

#: Routes longer than this are cut (a hostile path cannot make a huge key).
ROUTE_MAX = 512


@dataclass(frozen=True)
class RouteRule:
    """Segments matching ``regex`` whole become ``{name}`` (``suffix``: a
    trailing ``.ext`` is kept; ``min_length``: shorter segments don't match)."""

    name: str
    regex: str
    suffix: bool = False
    min_length: int = 0


@cache
def route_rules() -> tuple[RouteRule, ...]:
    """The rules of ``data/routes.toml``, in order.

    >>> [r.name for r in route_rules()]
    ['uuid', 'date', 'email', 'id', 'hex', 'token']
    """
    text = files("httplog").joinpath("data", "routes.toml").read_text(encoding="utf-8")
    return tuple(RouteRule(**r) for r in tomllib.loads(text)["rule"])


def parse_rule(spec: str) -> RouteRule:
    """A rule from ``NAME=REGEX`` (as ``--route-rule`` gives it): segments that
    match REGEX whole become ``{NAME}``. A bad one is an
    :class:`~httplog.errors.OptionError` of ``route_rules``.

    >>> parse_rule("sku=SKU-[0-9]+")
    RouteRule(name='sku', regex='SKU-[0-9]+', suffix=False, min_length=0)
    >>> parse_rule("sku")
    Traceback (most recent call last):
    httplog.errors.OptionError: bad route_rules 'sku': expected NAME=REGEX (NAME of letters, digits and _)
    """
    if not isinstance(spec, str):
        raise OptionError("route_rules", spec, "expected NAME=REGEX, a string")
    name, sep, regex = spec.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or not regex:
        raise OptionError(
            "route_rules", spec, "expected NAME=REGEX (NAME of letters, digits and _)"
        )
    rule = RouteRule(name, regex)
    try:  # (compiled as route() uses it: one segment, whole)
        pl.select(pl.lit("/x/").str.replace_all(f"/{_segment(rule)}/", "/"))
    except pl.exceptions.PolarsError:
        raise OptionError("route_rules", spec, "not a valid regular expression") from None
    return rule


def _segment(rule: RouteRule) -> str:
    ext = r"(?P<ext>\.[A-Za-z0-9]{1,5})?" if rule.suffix else "(?P<ext>)"
    return f"(?:{rule.regex}){ext}"


def route(col: str | pl.Expr = "path", extra: tuple[RouteRule, ...] = ()) -> pl.Expr:
    """The route of each path (its query string dropped, identifier segments
    folded, at most :data:`ROUTE_MAX` characters); ``extra`` rules go first.

    >>> df = pl.DataFrame({"p": ["/1/2", "/files/550e8400-e29b-41d4-a716-446655440000?x=1"]})
    >>> df.select(route("p"))["p"].to_list()
    ['/{id}/{id}', '/files/{uuid}']
    """
    x = pl.col(col) if isinstance(col, str) else col
    # Every "/" doubled and one added at the end: each segment is then "/" + text
    # + "/" of its own, so one pass of each rule folds neighbouring segments too.
    p = x.str.split_exact("?", 1).struct.field("field_0").str.replace_all("/", "//", literal=True)
    p = p + "/"
    for rule in (*extra, *route_rules()):
        seg = _segment(rule)
        if rule.min_length:
            # (Rust regexes have no look-ahead: long segments are marked first.)
            p = p.str.replace_all(f"/([^/]{{{rule.min_length},}})/", "/\x00$1\x00/")
            p = p.str.replace_all(f"/\x00{seg}\x00/", f"/{{{rule.name}}}${{ext}}/")
            p = p.str.replace_all("\x00", "", literal=True)
        else:
            p = p.str.replace_all(f"/{seg}/", f"/{{{rule.name}}}${{ext}}/")
    out = p.str.strip_suffix("/").str.replace_all("//", "/", literal=True)
    return out.str.slice(0, ROUTE_MAX).alias(x.meta.output_name())
