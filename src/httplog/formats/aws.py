"""AWS access logs: Application Load Balancer (``alb``), Classic Load Balancer
(``elb``) and S3 server access logs (``s3``).

Each is read as AWS documents it, field by field, under the shared column names
where the meaning is the same (``remote_addr``, ``status``, ``bytes``,
``request_time``, ``upstream_addr``, ``upstream_status``, ``user_agent`` …) and
under AWS's own names otherwise (``target_group_arn``, ``trace_id``,
``bucket``, ``operation`` …). AWS adds fields at the end of these logs over
the years: the later ones are optional, and fields after the last known one
are allowed (and ignored).

The load balancers' three timings (request, target, response processing)
are seconds, ``-1`` when the load balancer got no response (the target was
unreachable or closed the connection): null then. The target's time is
``upstream_response_time``; ``request_time`` is the sum of the three (null
when any is ``-1``). The request line's target is absolute
(``GET http://www.example.com:80/a?b HTTP/1.1``): its host goes to ``host``,
the rest is cut into ``path`` and ``query`` as usual.

Examples
--------
>>> fmt = alb()
>>> fmt.columns[:6]
['type', 'time', 'elb', 'remote_addr', 'remote_port', 'upstream_addr']
>>> elb().fields[1].column, s3().fields[2].column
('elb', 'time')
"""

from __future__ import annotations

import functools

from httplog.formats.base import CLOSE, MORE_FIELDS, OPEN, F, LogFormat, layout, spaced

_SP = " "


@functools.cache
def alb() -> LogFormat:
    """Application Load Balancer access logs (``type time elb client:port target:port …``)."""
    later = [
        F("domain_name", "text", "q"),
        F("chosen_cert_arn", "text", "q"),
        F("matched_rule_priority", "text"),
        F("request_creation_time", "time_iso"),
        F("actions_executed", "text", "q"),
        F("redirect_url", "text", "q"),
        F("error_reason", "text", "q"),
        F("target_port_list", "text", "q"),
        F("target_status_code_list", "text", "q"),
        F("classification", "text", "q"),
        F("classification_reason", "text", "q"),
        F("conn_trace_id", "text"),
    ]
    pieces: list[F | str] = spaced(
        F("type", "text"),
        F("time", "time_iso"),
        F("elb", "text"),
        _lb_common(),
        F("target_group_arn", "text"),
        F("trace_id", "text", "q"),
    )
    for f in later:  # each later field may be missing, and then all after it
        pieces += [OPEN, _SP, f]
    pieces += [CLOSE] * len(later)
    return layout("alb", pieces, escapes="apache", more=MORE_FIELDS)


def _lb_common() -> list[F | str]:
    """From ``client:port`` to ``ssl_protocol``: the same in both load balancers."""
    return spaced(
        F("client", "addr_port"),
        F("upstream_addr", "text"),
        F("timings", "lb_timings"),
        F("status", "status"),
        F("upstream_status", "text"),
        F("request_length", "uint"),
        F("bytes", "uint"),
        F("request", "proxy_request", "q"),
        F("user_agent", "text", "q"),
        F("ssl_cipher", "text"),
        F("ssl_protocol", "text"),
    )


@functools.cache
def elb() -> LogFormat:
    """Classic Load Balancer access logs (``time elb client:port backend:port …``).

    A TCP listener's line has ``-`` for the status codes: it is not an HTTP
    request, and is rejected as ``bad_status``.
    """
    pieces = spaced(F("time", "time_iso"), F("elb", "text"), _lb_common())
    return layout("elb", pieces, escapes="apache", more=MORE_FIELDS)


@functools.cache
def s3() -> LogFormat:
    """S3 server access logs (``bucket_owner bucket [time] remote_ip requester …``).

    ``total_time`` is ``request_time`` and ``turn_around_time`` stays under its
    name (both milliseconds → seconds); ``host_header``, ``cipher_suite`` and
    ``tls_version`` are ``host``, ``ssl_cipher`` and ``ssl_protocol``.
    """
    later = [
        F("version_id", "text"),
        F("host_id", "text"),
        F("signature_version", "text"),
        F("ssl_cipher", "text"),
        F("authentication_type", "text"),
        F("host", "text"),
        F("ssl_protocol", "text"),
        F("access_point_arn", "text"),
        F("acl_required", "text"),
    ]
    pieces: list[F | str] = spaced(
        F("bucket_owner", "text"),
        F("bucket", "text"),
        F("time", "time_local", "b"),
        F("remote_addr", "text"),
        F("requester", "text"),
        F("request_id", "text"),
        F("operation", "text"),
        F("key", "text"),
        F("request", "request", "q"),
        F("status", "status"),
        F("error_code", "text"),
        F("bytes", "uint"),
        F("object_size", "uint"),
        F("request_time", "millis"),
        F("turn_around_time", "millis"),
        F("referer", "text", "q"),
        F("user_agent", "text", "q"),
    )
    for f in later:
        pieces += [OPEN, _SP, f]
    pieces += [CLOSE] * len(later)
    return layout("s3", pieces, escapes="apache", more=MORE_FIELDS)
