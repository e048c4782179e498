"""Generate a large, realistic access log for benchmarks (``combined`` unless told).

    python benchmarks/genlog.py OUT.log --lines 1000000 [--seed 1] [--format combined] [--gzip]

Deterministic for a seed on every Python version: the records, their writers
and the randomness come from the log factory in ``tools/logfactory`` (the one
the sample logs and the tests use). Traffic spans one day per million lines,
with a 5xx burst in the middle, 4,400 IPv4 and IPv6 clients, query strings, bots.
``--format`` is any format the factory writes (every named format httplog reads).
"""

from __future__ import annotations

import argparse
import gzip
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from logfactory import WRITERS, Dice, Request
from logfactory.writers import HEADERS

AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0",
    "python-requests/2.32.3",
    'Mozilla/5.0 (compatible; "quoted" agent)',
]
PATHS = [
    "/",
    "/index.html",
    "/static/app.3f9a.js",
    "/static/style.css",
    "/api/v1/orders/{n}",
    "/api/v1/search?q=term{n}&page=2",
    "/products/{n}?ref=home",
    "/favicon.ico",
    "/robots.txt",
    "/wp-login.php",
    "/search?q=caf%C3%A9",
]
STATUS = [200] * 80 + [304] * 6 + [301, 302, 206, 201, 204] + [404] * 4 + [400, 403, 499, 500, 502]
BURST_STATUS = [503, 503, 502, 200]
REFERERS = ["", "https://www.example.org/", "https://www.google.com/", "", ""]


def records(n: int, seed: int) -> list[Request]:
    """``n`` requests over one day per million, a 5xx burst from 50% to 50.5% of them."""
    dice = Dice(seed)
    start = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
    span = max(1.0, n / 1_000_000) * 86400
    clients = [f"198.51.{dice.below(256)}.{dice.between(1, 254)}" for _ in range(4000)]
    clients += [f"2001:db8:{dice.below(65536):x}::{dice.below(65536):x}" for _ in range(400)]
    out = []
    for i in range(n):
        burst = 0.5 < i / n < 0.505
        status = dice.pick(BURST_STATUS) if burst else dice.pick(STATUS)
        out.append(
            Request(
                ts=start + int(span * i / n),
                client=dice.pick(clients),
                method="POST" if dice.chance(0.05) else "GET",
                target=dice.pick(PATHS).replace("{n}", str(dice.below(10000))),
                status=status,
                size=0 if status == 304 else dice.between(100, 59999),
                referer=dice.pick(REFERERS),
                agent=dice.pick(AGENTS),
                request_ms=dice.below(900),
            )
        )
    return out


def lines(n: int, seed: int, fmt: str = "combined") -> list[bytes]:
    """The file's lines (each ending in a newline), directive lines first."""
    write = WRITERS[fmt]
    head = [h + b"\n" for h in HEADERS.get(fmt, ())]
    return head + [write(r, UTC) + b"\n" for r in records(n, seed)]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", default="combined", choices=sorted(WRITERS))
    ap.add_argument("--gzip", action="store_true")
    a = ap.parse_args(argv)
    data = b"".join(lines(a.lines, a.seed, a.format))
    if a.gzip:
        with gzip.GzipFile(a.out, "wb", compresslevel=6, mtime=0) as f:
            f.write(data)
    else:
        with open(a.out, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
