"""Google Cloud Storage usage logs (``cloudstorage``): CSV, every value in double quotes.

The first line of each file is the CSV header (``"time_micros","c_ip",…``): a
directive, counted apart (neither parsed nor rejected). The fields, as Google
documents them, map to the shared columns: ``time_micros`` → ``time``,
``c_ip`` → ``remote_addr``, ``cs_method`` → ``method``, ``cs_uri`` → ``path``
and ``query``, ``sc_status`` → ``status``, ``cs_bytes`` → ``request_length``,
``sc_bytes`` → ``bytes``, ``time_taken_micros`` → ``request_time``,
``cs_host`` → ``host``, ``cs_referer`` → ``referer``, ``cs_user_agent`` →
``user_agent``, ``s_request_id`` → ``request_id``, ``cs_operation`` →
``operation``, ``cs_bucket`` → ``bucket``, ``cs_object`` → ``key``; the others
keep their names. An empty value (``""``) is the empty string in text
columns and null in numbers.

Examples
--------
>>> cloudstorage().columns[:4]
['time', 'remote_addr', 'c_ip_type', 'c_ip_region']
"""

from __future__ import annotations

import functools

from httplog.formats.base import F, LogFormat, layout
from httplog.formats.kinds import CSV_QUOTED

#: The documented fields, in order: (name in the header, column, kind).
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("time_micros", "time", "time_epoch"),
    ("c_ip", "remote_addr", "text"),
    ("c_ip_type", "c_ip_type", "text"),
    ("c_ip_region", "c_ip_region", "text"),
    ("cs_method", "method", "text"),
    ("cs_uri", "cs_uri", "uri"),
    ("sc_status", "status", "status"),
    ("cs_bytes", "request_length", "uint"),
    ("sc_bytes", "bytes", "uint"),
    ("time_taken_micros", "request_time", "micros"),
    ("cs_host", "host", "text"),
    ("cs_referer", "referer", "text"),
    ("cs_user_agent", "user_agent", "text"),
    ("s_request_id", "request_id", "text"),
    ("cs_operation", "operation", "text"),
    ("cs_bucket", "bucket", "text"),
    ("cs_object", "key", "text"),
)

_NUMBERS = ("time_epoch", "status", "uint", "micros")


@functools.cache
def cloudstorage() -> LogFormat:
    """Google Cloud Storage usage logs."""
    pieces: list[F | str] = []
    for i, (_, column, kind) in enumerate(FIELDS):
        if i:
            pieces.append(",")
        rx = "[0-9]*" if kind in _NUMBERS else CSV_QUOTED
        pieces += [
            '"',
            F(column, kind, regex=rx, arg="usec" if kind == "time_epoch" else None),
            '"',
        ]
    return layout(
        "cloudstorage",
        pieces,
        escapes="csv",
        directive=r'^"time_micros"',
        more=r"(?:,[^\x00-\x1f]*)?",
    )
