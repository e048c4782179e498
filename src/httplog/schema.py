"""The parsed-frame contract: column names and polars dtypes, in one place.

Every parsed log, whatever its format, becomes a frame whose columns come from
this table. Columns a format does not carry are absent, never invented; extra
fields of a custom format keep their own (variable) name as text.

Examples
--------
>>> COLUMNS["status"]
UInt16
>>> "time" in CORE
True
"""

from __future__ import annotations

import polars as pl

TIME = pl.Datetime("us", "UTC")

#: The documented columns of a parsed log, in output order.
COLUMNS: dict[str, pl.DataType] = {
    "time": TIME,
    "remote_addr": pl.String(),
    "remote_user": pl.String(),
    "method": pl.String(),
    "path": pl.String(),
    "query": pl.String(),
    "protocol": pl.String(),
    "status": pl.UInt16(),
    "bytes": pl.UInt64(),
    "referer": pl.String(),
    "user_agent": pl.String(),
    "request_time": pl.Float64(),
    "upstream_response_time": pl.Float64(),
    "host": pl.String(),
    # Typed extras that custom formats may carry, and that the load balancer,
    # CDN and proxy formats map their own fields onto.
    "remote_port": pl.UInt16(),
    "upstream_addr": pl.String(),  # the upstream (target, backend server, peer) as written
    "upstream_status": pl.String(),  # its status code(s), as written ("502, 504")
    "upstream_connect_time": pl.Float64(),  # seconds to connect to the upstream
    "upstream_header_time": pl.Float64(),  # seconds to the upstream's response header
    "x_forwarded_for": pl.String(),
    "server_port": pl.UInt16(),
    "request_length": pl.UInt64(),  # bytes received from the client
    "bytes_sent": pl.UInt64(),
    "connection": pl.UInt64(),
    "scheme": pl.String(),
    "ssl_protocol": pl.String(),  # TLSv1.2 …
    "ssl_cipher": pl.String(),
    "ssl_server_name": pl.String(),  # the SNI name the client sent
    "server_name": pl.String(),
    "request_id": pl.String(),
    "content_type": pl.String(),  # of the response
    "source": pl.String(),
}

#: Columns every parsed frame has (the format must at least give a time and a status).
CORE: tuple[str, ...] = ("time", "status", "source")

#: Dimensions the top-N tables and spike explanations are computed on.
DIMENSIONS: tuple[str, ...] = (
    "path",
    "remote_addr",
    "user_agent",
    "referer",
    "upstream_addr",
)

#: Latency columns (seconds) that get percentiles.
LATENCIES: tuple[str, ...] = ("request_time", "upstream_response_time")


def order_columns(names: list[str]) -> list[str]:
    """Documented columns first in their order, then extras alphabetically.

    >>> order_columns(["source", "status", "x_request_id", "time"])
    ['time', 'status', 'source', 'x_request_id']
    """
    known = [c for c in COLUMNS if c in names]
    extra = sorted(c for c in names if c not in COLUMNS)
    return known + extra
