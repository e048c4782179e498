"""JSON-lines access logs (nginx ``escape=json`` style) → :class:`LogFormat`.

Each known column has a list of usual key names; the first one present in a
sample of the log wins. A key mapping ``{"json key": "column"}`` overrides it.

Examples
--------
>>> fmt = compile_json({"ts": "time", "code": "status"})
>>> [(f.group, f.column, f.kind) for f in fmt.fields]
[('ts', 'time', 'time_any'), ('code', 'status', 'status')]
>>> specialize(compile_json(), ['{"time_iso8601": "x", "status": 200, "uri": "/"}']).fields[0]
Field(group='time_iso8601', column='time', kind='time_any', arg=None, quoted=False, optional=False)
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from httplog.errors import FormatError
from httplog.formats.base import Field, LogFormat

#: column → (kind, usual keys in order of preference).
ALIASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "time": (
        "time_any",
        ("time_iso8601", "time", "@timestamp", "timestamp", "time_local", "msec", "ts"),
    ),
    "remote_addr": ("text", ("remote_addr", "client_ip", "clientip", "remote_ip", "ip", "client")),
    "remote_user": ("text", ("remote_user", "user")),
    "request": ("request", ("request",)),
    "method": ("text", ("request_method", "method")),
    "uri": ("uri", ("request_uri", "url")),
    "path": ("text", ("uri", "path", "document_uri")),
    "query": ("query", ("args", "query_string", "query")),
    "protocol": ("text", ("server_protocol", "protocol")),
    "status": ("status", ("status", "status_code", "response", "code")),
    "bytes": ("uint", ("body_bytes_sent", "bytes", "bytes_sent", "size", "response_size")),
    "request_length": ("uint", ("request_length",)),
    "request_time": ("seconds", ("request_time", "duration", "response_time")),
    "upstream_response_time": ("upstream_seconds", ("upstream_response_time",)),
    "upstream_addr": ("upstream_list", ("upstream_addr", "upstream")),
    "upstream_status": ("upstream_list", ("upstream_status",)),
    "referer": ("text", ("http_referer", "referer", "referrer")),
    "user_agent": ("text", ("http_user_agent", "user_agent", "agent", "useragent")),
    "x_forwarded_for": ("text", ("http_x_forwarded_for", "x_forwarded_for")),
    "host": ("text", ("host", "http_host", "server_name", "vhost")),
    "scheme": ("text", ("scheme",)),
    "ssl_protocol": ("text", ("ssl_protocol",)),
    "server_port": ("uint", ("server_port",)),
}

#: Kinds of the columns a key mapping may name; other columns are text.
_KIND = {col: kind for col, (kind, _) in ALIASES.items()}
_KIND["path"] = "uri"


def compile_json(keys: dict[str, str] | None = None) -> LogFormat:
    """A JSON format: with ``keys``, exactly those keys; else every usual key.

    The all-keys form is narrowed to the keys a log really has by
    :func:`specialize` before parsing.
    """
    if keys:
        fields = []
        for key, column in keys.items():
            kind = _KIND.get(column, "text")
            fields.append(Field(key, "uri" if column == "path" else column, kind))
        cols = {f.column for f in fields}
        missing = [c for c in ("time", "status") if c not in cols]
        if missing:
            msg = f"JSON key mapping gives no {' and no '.join(missing)} column: {keys!r}"
            raise FormatError(msg)
        return LogFormat("json", json.dumps(keys), "json", "", tuple(fields))
    fields = [Field(key, col, kind) for col, (kind, aliases) in ALIASES.items() for key in aliases]
    return LogFormat("json", None, "json", "", tuple(fields))


def json_path(key: str) -> str:
    """The JSONPath of a top-level key (bracket form when it isn't a plain name);
    a JSONPath already (``$.request.method``) is kept.

    >>> json_path("status"), json_path("@timestamp"), json_path("$.request.uri")
    ('$.status', "$['@timestamp']", '$.request.uri')
    """
    if key.startswith("$"):
        return key
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return "$." + key
    return "$['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']"


def json_leaf(key: str) -> str:
    """The last key of a JSONPath (what a line must hold for the path to have a value).

    >>> json_leaf("status"), json_leaf("$.request.headers['User-Agent'][0]"), json_leaf("$.a.b")
    ('status', 'User-Agent', 'b')
    """
    if not key.startswith("$"):
        return key
    names = re.findall(r"\['((?:[^'\\]|\\.)*)'\]|\.([A-Za-z_][\w-]*)", key)
    return next((a or b for a, b in reversed(names)), key)


def parse_mapping(spec: str) -> dict[str, str]:
    """A key mapping written ``key=column,key=column`` (or as a JSON object).

    >>> parse_mapping("ts=time, code=status")
    {'ts': 'time', 'code': 'status'}
    >>> parse_mapping('{"@timestamp": "time", "code": "status"}')
    {'@timestamp': 'time', 'code': 'status'}
    """
    spec = spec.strip()
    if spec.startswith("{"):
        try:
            obj = json.loads(spec)
        except ValueError as e:
            msg = f"bad JSON key mapping {spec!r}: {e}"
            raise FormatError(msg) from None
        if not isinstance(obj, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in obj.items()
        ):
            msg = f"a JSON key mapping maps keys to column names: {spec!r}"
            raise FormatError(msg)
        return obj
    out: dict[str, str] = {}
    for item in spec.split(","):
        key, eq, column = item.partition("=")
        if not eq or not key.strip() or not column.strip():
            msg = f"bad JSON key mapping {spec!r}: write key=column,key=column"
            raise FormatError(msg)
        out[key.strip()] = column.strip()
    return out


def specialize(fmt: LogFormat, sample: list[str]) -> LogFormat:
    """Keep, per column, the first usual key that the sample lines contain."""
    if fmt.string is not None:  # an explicit mapping is used as given
        return fmt
    seen: set[str] = set()
    for line in sample:
        try:
            obj = json.loads(line)
        except (ValueError, TypeError):
            continue
        if isinstance(obj, dict):
            seen.update(obj)
    return narrow(fmt, seen)


def narrow(fmt: LogFormat, keys: set[str]) -> LogFormat:
    """Keep, per column, the first usual key among ``keys`` (the keys a log has).

    When a log has both a whole request line and separate URI keys, the
    request line gives method, path and query, and the others keep their
    own key as column name.

    >>> [f.column for f in narrow(compile_json(), {"time", "status", "uri", "args"}).fields]
    ['time', 'path', 'query', 'status']
    >>> [f.column for f in narrow(compile_json(), {"time", "status", "request", "uri"}).fields]
    ['time', 'request', 'status', 'uri']
    """
    if fmt.string is not None:
        return fmt
    chosen: dict[str, Field] = {}
    for f in fmt.fields:
        if json_leaf(f.group) in keys and f.column not in chosen:
            chosen[f.column] = f
    for col, over in (("uri", "request"), ("path", "request"), ("path", "uri")):
        if col in chosen and over in chosen:
            f = chosen.pop(col)
            chosen[f.group] = Field(f.group, f.group, "text")
    return replace(fmt, fields=tuple(chosen.values()))
