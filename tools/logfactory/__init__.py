"""One deterministic log factory for httplog's sample logs, benchmarks and tests.

Every log line httplog's tests, ``sample_logs/generate.py`` and
``benchmarks/genlog.py`` write comes from here: a :class:`Request` record,
written by the writer of a format (:data:`WRITERS`: every named format httplog
reads), with randomness from :class:`Dice` (built on ``random.Random.random()``
alone, the one sequence Python keeps across versions) so the same seed gives the
same bytes everywhere. Standard library only; not installed, imported from
``tools/`` (pytest's ``pythonpath``, a ``sys.path`` line in the two scripts).

- :mod:`logfactory.record`: :class:`Request`, the one record type;
- :mod:`logfactory.writers`: a writer per format, :data:`WRITERS`, :data:`HEADERS`;
- :mod:`logfactory.escapes`, :mod:`logfactory.times`: as the servers write them;
- :mod:`logfactory.dice`: :class:`Dice`, :class:`Weighted`;
- :mod:`logfactory.shop`: the coffee-shop traffic model of the sample logs;
- :mod:`logfactory.lines`: what tests need: :func:`line`, :func:`lines`,
  :func:`text`, and :func:`mixed` (seeded traffic from small tables).

>>> from datetime import UTC, datetime
>>> line(time=datetime(2026, 11, 20, 12, tzinfo=UTC), status=503, target="/pay")
'192.0.2.1 - - [20/Nov/2026:12:00:00 +0000] "GET /pay HTTP/1.1" 503 10 "-" "curl/8.5.0"'
>>> line("json", status=404, size=0)[:60]
'{"time":"2026-11-20T00:00:00+00:00","remote_addr":"192.0.2.1'
"""

from __future__ import annotations

from logfactory.dice import Dice, Weighted
from logfactory.escapes import apache_escape, json_escape, nginx_escape
from logfactory.lines import T0, line, lines, mixed, request, text
from logfactory.record import Attempt, Request
from logfactory.writers import HEADERS, WRITERS, Writer

__all__ = [
    "HEADERS",
    "T0",
    "WRITERS",
    "Attempt",
    "Dice",
    "Request",
    "Weighted",
    "Writer",
    "apache_escape",
    "json_escape",
    "line",
    "lines",
    "mixed",
    "nginx_escape",
    "request",
    "text",
]
