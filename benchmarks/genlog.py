"""Generate a large, realistic nginx/Apache ``combined`` log for benchmarks.

    python benchmarks/genlog.py OUT.log --lines 1000000 [--seed 1] [--gzip]

Deterministic for a seed. Traffic spans one day per million lines, with a
5xx burst in the middle, IPv4 and IPv6 clients, query strings, bots.
"""

from __future__ import annotations

import argparse
import gzip
import random
from datetime import UTC, datetime, timedelta

AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0",
    "python-requests/2.32.3",
    'Mozilla/5.0 (compatible; \\"quoted\\" agent)',
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
REFERERS = ["-", "https://www.example.org/", "https://www.google.com/", "-", "-"]


def lines(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    span = max(1.0, n / 1_000_000) * 86400
    clients = [f"198.51.{rnd.randrange(256)}.{rnd.randrange(1, 255)}" for _ in range(4000)]
    clients += [f"2001:db8:{rnd.randrange(65536):x}::{rnd.randrange(65536):x}" for _ in range(400)]
    out = []
    for i in range(n):
        t = start + timedelta(seconds=span * i / n)
        burst = 0.5 < i / n < 0.505
        status = rnd.choice([503, 503, 502, 200]) if burst else rnd.choice(STATUS)
        path = rnd.choice(PATHS).replace("{n}", str(rnd.randrange(10000)))
        method = "POST" if rnd.random() < 0.05 else "GET"
        size = "-" if status == 304 else str(rnd.randrange(100, 60000))
        out.append(
            f'{rnd.choice(clients)} - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "{method} {path} HTTP/1.1" '
            f'{status} {size} "{rnd.choice(REFERERS)}" "{rnd.choice(AGENTS)}"\n'
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gzip", action="store_true")
    a = ap.parse_args()
    data = "".join(lines(a.lines, a.seed)).encode()
    if a.gzip:
        with gzip.open(a.out, "wb", compresslevel=6) as f:
            f.write(data)
    else:
        with open(a.out, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
