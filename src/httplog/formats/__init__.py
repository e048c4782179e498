"""Log formats: a compiled format is one regular expression plus typed fields.

A :class:`LogFormat` says how to cut a line into named fields and how each
field becomes a column of the parsed frame (see :mod:`httplog.schema`). Named
formats, nginx ``log_format`` strings, Apache ``LogFormat`` strings, JSON
lines and the load balancer, CDN and proxy formats all compile to this one
shape, so the parser has a single code path.

The rooms: :mod:`~httplog.formats.base` (the shape, the builder, regex
escaping), :mod:`~httplog.formats.kinds` (what each field kind matches and
becomes), :mod:`~httplog.formats.escapes` (each server's escaping),
:mod:`~httplog.formats.named` (the named formats and :func:`compile_format`), one
module per family of formats, and :mod:`~httplog.formats.detect`.

Examples
--------
>>> fmt = compile_format("combined")
>>> fmt.name, [f.column for f in fmt.fields][:4]
('combined', ['remote_addr', 'remote_logname', 'remote_user', 'time'])
>>> compile_format('$remote_addr [$time_local] "$request" $status').name
'custom'
>>> compile_format("json:ts=time,code=status").fields[1]
Field(group='code', column='status', kind='status', arg=None, quoted=False, optional=False)
"""

from __future__ import annotations

from httplog.formats.base import (
    Builder,
    Field,
    LogFormat,
    escape,
    field_regex,
    strftime_regex,
)
from httplog.formats.kinds import KINDS, columns_of
from httplog.formats.named import NAMED, NAMES, compile_format

__all__ = [
    "KINDS",
    "NAMED",
    "NAMES",
    "Builder",
    "Field",
    "LogFormat",
    "columns_of",
    "compile_format",
    "escape",
    "field_regex",
    "strftime_regex",
]
