"""What tests need from the factory: a line in one call, a file's text from records,
and seeded traffic from small tables.

A field not given takes the value of :data:`DEFAULTS` (or :class:`Request`'s own);
``time`` is a ``datetime`` (or Unix seconds), written in ``tz`` (a fixed offset).

>>> from datetime import timedelta
>>> line(time=T0 + timedelta(minutes=5), status=404, target="/admin", client="192.0.2.7")
'192.0.2.7 - - [20/Nov/2026:00:05:00 +0000] "GET /admin HTTP/1.1" 404 10 "-" "curl/8.5.0"'
>>> rs = mixed(3, seed=1, step=60)
>>> [r.ts - rs[0].ts for r in rs], text(rs).count("\\n")
([0, 60, 120], 3)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timezone

from logfactory.dice import Dice, Weighted
from logfactory.record import Request
from logfactory.writers import HEADERS, WRITERS

#: The time of a line nobody gave a time: 2026-11-20 00:00 UTC.
T0 = datetime(2026, 11, 20, tzinfo=UTC)
#: Values of the fields a test doesn't give.
DEFAULTS: dict[str, object] = {"client": "192.0.2.1", "agent": "curl/8.5.0", "size": 10}


def _ts(time: datetime | int) -> int:
    return time if isinstance(time, int) else int(time.timestamp())


def request(time: datetime | int = T0, **fields: object) -> Request:
    """A :class:`Request` at ``time`` with ``fields``, :data:`DEFAULTS` for the others."""
    return Request(ts=_ts(time), **{**DEFAULTS, **fields})  # type: ignore[arg-type]


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def line(
    fmt: str = "combined", *, time: datetime | int = T0, tz: timezone = UTC, **fields: object
) -> str:
    """One line of format ``fmt`` (a name of :data:`~logfactory.writers.WRITERS`), no newline."""
    return _decode(WRITERS[fmt](request(time, **fields), tz))


def lines(
    records: Iterable[Request], fmt: str = "combined", tz: timezone = UTC, *, header: bool = True
) -> list[str]:
    """The lines of ``records`` in format ``fmt``, after its directive lines (``header``)."""
    head = [_decode(h) for h in HEADERS.get(fmt, ())] if header else []
    write = WRITERS[fmt]
    return head + [_decode(write(r, tz)) for r in records]


def text(
    records: Iterable[Request], fmt: str = "combined", tz: timezone = UTC, *, header: bool = True
) -> str:
    """:func:`lines` as a file's text: each line ends with a newline."""
    return "".join(x + "\n" for x in lines(records, fmt, tz, header=header))


#: What :func:`mixed` draws from unless told otherwise.
STATUSES = (200,) * 12 + (304, 404, 500)
BURST_STATUSES = (503, 502, 200)
PATHS = ("/", "/api/orders/{n}", "/search?q=x{n}", "/static/app.js", "/login")
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
)


def mixed(
    n: int,
    seed: int,
    *,
    start: datetime | int = T0,
    step: float = 3,
    jitter: int = 0,
    statuses: Sequence[int] | Weighted[int] = STATUSES,
    burst: tuple[float, float] | None = None,
    burst_statuses: Sequence[int] | Weighted[int] = BURST_STATUSES,
    paths: Sequence[str] = PATHS,
    ids: int = 50,
    agents: Sequence[str] = AGENTS,
    clients: Sequence[str] = tuple(f"198.51.100.{i}" for i in range(1, 60)),
    referers: Sequence[str] = ("",),
    sizes: tuple[int, int] = (100, 9000),
    post_share: float = 0.0,
    timed: bool = False,
) -> list[Request]:
    """``n`` requests, the ``i``-th at ``start + step * i`` (plus up to ``jitter`` seconds).

    Statuses, paths (``{n}`` replaced by a number below ``ids``), agents, clients
    and referers are drawn from their tables (a :class:`Weighted` for weights);
    requests whose place ``i / n`` falls inside ``burst`` (fractions) draw from
    ``burst_statuses``. Sizes are uniform in ``sizes`` (0 for a 304). ``timed``:
    a request time, and an upstream time (none for a 304), for the ``timed`` writer.
    """
    dice = Dice(seed)
    first = _ts(start)

    def draw(table: Sequence[object] | Weighted[object]) -> object:
        return table.draw(dice) if isinstance(table, Weighted) else dice.pick(table)

    out = []
    for i in range(n):
        ts = first + int(step * i) + (dice.below(jitter + 1) if jitter else 0)
        inside = burst is not None and burst[0] < i / n < burst[1]
        status = int(draw(burst_statuses if inside else statuses))  # type: ignore[call-overload]
        path = str(draw(paths)).replace("{n}", str(dice.below(ids)))
        r = Request(
            ts=ts,
            client=str(draw(clients)),
            agent=str(draw(agents)),
            method="POST" if post_share and dice.chance(post_share) else "GET",
            target=path,
            status=status,
            size=0 if status == 304 else dice.between(*sizes),
            referer=str(draw(referers)),
        )
        if timed:
            r.request_ms = dice.below(2000)
            if status != 304:
                r.upstream = ((("10.0.1.11:8080", dice.below(1000)),),)
        out.append(r)
    return out
