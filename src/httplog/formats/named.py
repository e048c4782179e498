"""The named formats, and :func:`compile_format`: a name or a format string → a :class:`LogFormat`.

Examples
--------
>>> compile_format("common").string
'%h %l %u %t "%r" %>s %b'
>>> compile_format('$remote_addr [$time_local] "$request" $status').name
'custom'
"""

from __future__ import annotations

from collections.abc import Callable

from httplog.errors import FormatError
from httplog.formats.base import LogFormat

# The named formats of nginx and Apache, as the strings the servers' own configurations use.
NAMED: dict[str, tuple[str, str]] = {
    "common": ("apache", '%h %l %u %t "%r" %>s %b'),
    "combined": ("apache", '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"'),
    "vhost_combined": (
        "apache",
        '%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"',
    ),
    "nginx": (
        "nginx",
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent"',
    ),
    "main": (
        "nginx",
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
        '"$http_referer" "$http_user_agent" "$http_x_forwarded_for"',
    ),
}


def _fixed() -> dict[str, Callable[[], LogFormat]]:
    """The named formats of fixed layout, by name (imported when first needed)."""
    from httplog.formats import aws, caddy, gcs, proxies, w3c

    return {
        "traefik": proxies.traefik,
        "haproxy": proxies.haproxy,
        "squid": proxies.squid,
        "alb": aws.alb,
        "elb": aws.elb,
        "s3": aws.s3,
        "cloudfront": w3c.cloudfront,
        "w3c": w3c.w3c,
        "cloudstorage": gcs.cloudstorage,
        "caddy": caddy.caddy,
    }


#: Names accepted by :func:`compile_format`, in the order autodetection prefers on a tie.
NAMES: tuple[str, ...] = (
    "main",
    "vhost_combined",
    "traefik",
    "combined",
    "nginx",
    "common",
    "alb",
    "elb",
    "s3",
    "cloudfront",
    "w3c",
    "cloudstorage",
    "haproxy",
    "squid",
    "caddy",
    "json",
)


def compile_format(spec: str | LogFormat, *, json_keys: dict[str, str] | None = None) -> LogFormat:
    """Turn a format name or string into a :class:`LogFormat`.

    ``spec`` is a named format (see :data:`NAMES`), ``json:KEY=COLUMN,…``
    (JSON lines with a key mapping), an nginx ``log_format`` string (it has
    ``$variables``), or an Apache ``LogFormat`` string (it has ``%``
    directives). ``json_keys`` maps JSON keys to columns for ``json``.

    >>> compile_format("bogus")
    Traceback (most recent call last):
    ...
    httplog.errors.FormatError: unknown log format 'bogus': not a named format (main, vhost_combined, traefik, combined, nginx, common, alb, elb, s3, cloudfront, w3c, cloudstorage, haproxy, squid, caddy, json) nor an nginx ($var) or Apache (%x) format string
    """
    from httplog.formats import apache, jsonl, nginx

    if isinstance(spec, LogFormat):
        return spec
    if not isinstance(spec, str):
        msg = f"a log format is a name or a format string, not {type(spec).__name__}"
        raise FormatError(msg)
    if spec == "json":
        return jsonl.compile_json(json_keys)
    if spec.startswith("json:"):
        return jsonl.compile_json(jsonl.parse_mapping(spec[5:]))
    if spec in NAMED:
        return _named(spec)
    fixed = _fixed()
    if spec in fixed:
        return fixed[spec]()
    syntax = _syntax(spec)
    if syntax is not None:
        compilers = {"nginx": nginx.compile_nginx, "apache": apache.compile_apache}
        try:
            return compilers[syntax](spec)
        except FormatError:
            # Both dialects' syntax is there (nginx text may hold "%A", Apache
            # text "$x"): the string is the other dialect's if only that compiles.
            other = "apache" if syntax == "nginx" else "nginx"
            if not _has_syntax(spec, other):
                raise
            try:
                return compilers[other](spec)
            except FormatError:
                pass
            raise
    names = ", ".join(NAMES)
    msg = (
        f"unknown log format {spec!r}: not a named format ({names}) "
        "nor an nginx ($var) or Apache (%x) format string"
    )
    raise FormatError(msg)


def _syntax(spec: str) -> str | None:
    """Whether a format string is nginx's (``$variables``) or Apache's (``%`` directives):
    the one it has more of, Apache's on a tie (a ``$`` or ``%`` not followed by a
    name or a directive letter is literal text). When a string has both and
    only the other dialect compiles it, :func:`resolve` takes that one.

    >>> _syntax("$remote_addr 100% $status"), _syntax("%h $0 %>s"), _syntax("plain")
    ('nginx', 'apache', None)
    """
    import re

    from httplog.formats import apache

    variables = len(re.findall(r"\$(?:\{[A-Za-z_]\w*\}|[A-Za-z_]\w*)", spec))
    directives = sum(1 for m in apache._DIRECTIVE.finditer(spec) if m.group(3) != "%")
    if variables and variables > directives:
        return "nginx"
    if directives or "%" in spec:
        return "apache"
    return "nginx" if "$" in spec else None


def _has_syntax(spec: str, syntax: str) -> bool:
    """Whether ``spec`` has a variable (nginx) or a directive (Apache) at all."""
    import re

    from httplog.formats import apache

    if syntax == "nginx":
        return re.search(r"\$(?:\{[A-Za-z_]\w*\}|[A-Za-z_]\w*)", spec) is not None
    return any(m.group(3) != "%" for m in apache._DIRECTIVE.finditer(spec))


def _named(name: str) -> LogFormat:
    from dataclasses import replace

    from httplog.formats import apache, nginx

    syntax, string = NAMED[name]
    compiler = nginx.compile_nginx if syntax == "nginx" else apache.compile_apache
    return replace(compiler(string), name=name)
