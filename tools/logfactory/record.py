"""The one record every writer of :mod:`logfactory.writers` takes: a :class:`Request`.

>>> r = Request(ts=1795176000, client="192.0.2.1", target="/a?b=1", status=404, size=10)
>>> r.path, r.request_line()
('/a', b'GET /a?b=1 HTTP/1.1')
"""

from __future__ import annotations

from dataclasses import dataclass

Attempt = tuple[str, int]  # upstream address, its response time in milliseconds


@dataclass
class Request:
    """One logged request, before it is written in any format.

    ``ts`` is the time the server writes in the line (Unix seconds): nginx's
    ``$time_local`` is the time the response completed, Apache's ``%t`` the time
    the request arrived. Empty strings mean "header absent".
    """

    ts: int
    client: str
    agent: str = ""
    method: str = "GET"
    target: str = "/"
    protocol: str = "HTTP/1.1"
    status: int = 200
    size: int | None = None  # body bytes; None until Site.finish fills it in
    referer: str = ""
    user: str = ""
    host: str = "www.example.com"
    port: int = 443
    kind: str = "page"  # page, static, media, api, ws, health, probe, junk
    raw_request: bytes | None = None  # request line as received, when not "METHOD TARGET PROTO"
    request_ms: int = 0
    upstream: tuple[tuple[Attempt, ...], ...] = ()  # groups (internal redirects) of attempts
    header_bytes: int = 0
    burst: str = ""  # name of the injected burst this line belongs to
    forwarded_for: str = ""  # X-Forwarded-For (nginx's ``main``)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def request_line(self) -> bytes:
        if self.raw_request is not None:
            return self.raw_request
        return f"{self.method} {self.target} {self.protocol}".encode()
