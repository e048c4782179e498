"""The plotly.js the report embeds: plotly.py's own bundle or one given by path
(its version and trace types checked), raw-deflated and base-122-encoded for the
page (:func:`base122`; ``templates/report.js`` expands it), or the CDN's URL.

Examples
--------
>>> b = plotly_bundle("inline")
>>> b.version == _required_version(), unbase122(base122(b"plotly"), 6)
(True, b'plotly')
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import hashlib
import os
import re
import zlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version as _dist_version

import polars as pl

from httplog.display import visible
from httplog.errors import InputError, UsageError

__all__ = ["B122_ILLEGAL", "PlotlyBundle", "base122", "plotly_bundle", "unbase122"]


def _script_text(js: str) -> str:
    """plotly.js as text that can sit in (or be inserted as) an inline script."""
    js = js.replace("\r\n", "\n").replace("\r", "\n")
    # An HTML parser ends a script at "</script" and treats "<!--" specially;
    # the bundles have neither today, but make sure they never will.
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


_VERSION_RE = re.compile(r"plotly\.js\b[^\n]{0,60}?\bv(\d+)\.(\d+)\.(\d+)")
_TRACE_RE = re.compile(r'moduleType:\s*"trace",\s*name:\s*"([a-z0-9]+)"')


@dataclass(frozen=True)
class PlotlyBundle:
    """A plotly.js bundle the report can embed: its text, version and trace types."""

    source: str
    js: str
    version: tuple[int, int, int]
    traces: frozenset[str]

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    def payload(self) -> tuple[str, int]:
        """The bundle deflate-compressed (raw deflate, level 9) and base-122-encoded
        (:func:`base122`), and its compressed size in bytes."""
        return _payload(self.js)

    def check(self, needs: set[str]) -> None:
        """Raise :class:`UsageError` unless this bundle can draw figures of trace types ``needs``.

        The figures are made by plotly.py for its own plotly.js
        (:func:`plotly.offline.get_plotlyjs_version`): the bundle must have the
        same major version and at least its minor version, and every trace
        type the figures use.
        """
        want = _required_version()
        if self.version[0] != want[0] or self.version[1] < want[1]:
            msg = (
                f"plotly.js bundle {self.source} is version {self.version_text}; the report's "
                f"figures need {want[0]}.{want[1]} or a later {want[0]}.x (plotly.py "
                f"{_dist_version('plotly')} bundles {'.'.join(map(str, want))})"
            )
            raise UsageError(msg)
        missing = sorted(needs - self.traces)
        if missing:
            msg = (
                f"plotly.js bundle {self.source} lacks the trace type(s) {', '.join(missing)} "
                "that the report's figures use"
            )
            raise UsageError(msg)


@cache
def _payload(js: str) -> tuple[str, int]:
    """(the text, the compressed size in bytes): see :func:`base122`."""
    packed = _deflated(js)
    return base122(packed), len(packed)


def _deflate(raw: bytes) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return z.compress(raw) + z.flush()


def _cache_dir() -> str:
    """Where the deflated bundle is kept between runs: ``$XDG_CACHE_HOME/httplog``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "httplog")


def _deflated(js: str) -> bytes:
    """``js`` raw-deflated at level 9, from the on-disk cache when it holds it.

    Level 9 costs ~0.3 s of CPU for plotly.min.js on every report, so the result
    is kept in :func:`_cache_dir` under the sha256 of the text. The page executes
    what the cache holds, so a cached file is used only if it inflates back to
    exactly ``js``; anything else (missing, unreadable, corrupt, another text) is
    recomputed, and a cache that can't be written is simply not written.

    >>> _deflated("x" * 1000) == _deflate(b"x" * 1000)
    True
    """
    raw = js.encode("utf-8")
    path = os.path.join(_cache_dir(), f"plotly-{hashlib.sha256(raw).hexdigest()}.deflate")
    try:
        with open(path, "rb") as f:
            packed = f.read()
        if zlib.decompress(packed, -15) == raw:
            return packed
    except (OSError, zlib.error):
        pass
    packed = _deflate(raw)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(packed)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return packed


#: 7-bit values a base-122 text never holds as such: NUL (the HTML parser makes it
#: U+FFFD), CR (made LF) and ``<`` (it could start ``</script``).
B122_ILLEGAL = (0, 13, 60)


@cache
def _b122_chars() -> pl.Series:
    """Every character base-122 writes (code points 0..0x7FF), indexed by code point."""
    return pl.Series([chr(c) for c in range(0x800)], dtype=pl.String)


def base122(data: bytes) -> str:
    """``data`` as text for an HTML ``<script>`` data block, 8/7 of its size in UTF-8.

    Base-122 (after Kevin Albertson's): the bits are read 7 at a time; each 7-bit
    value is one ASCII character, except the three of :data:`B122_ILLEGAL`, which
    go with the next 7 bits into one two-byte character, U+0080 + (index << 8) +
    next (index 7: the last value, alone). ``templates/report.js`` decodes it.
    Base64 takes 4/3 as much.

    >>> t = base122(bytes(range(256)) * 4)
    >>> len(t.encode("utf-8")) < 1024 * 8 / 7 * 1.05, set(t) & {chr(0), chr(13), "<"}
    (True, set())
    >>> unbase122(t, 1024) == bytes(range(256)) * 4
    True
    """
    k = (len(data) * 8 + 6) // 7
    if k == 0:
        return ""
    b = pl.Series([data + b"\0\0"], dtype=pl.Binary).cast(pl.List(pl.UInt8)).explode()
    b = b.cast(pl.UInt32)
    pos = pl.int_range(0, k, eager=True, dtype=pl.Int64) * 7
    div = pl.Series([2 ** (9 - x) for x in range(8)], dtype=pl.UInt32).gather(pos % 8)
    v = (b.gather(pos // 8) * 256 + b.gather(pos // 8 + 1)) // div % 128
    # An illegal value takes the next one with it, unless it was itself taken by
    # the one before: in a run of illegal values, the 1st, 3rd, ... lead. Only the
    # illegal values (~1 in 43) go through this.
    marks = v.is_in(list(B122_ILLEGAL)).arg_true().cast(pl.Int64)
    i = pl.col("i")
    run_start = pl.when(i.diff().fill_null(0) != 1).then(i).forward_fill()
    leads = (
        pl.DataFrame({"i": marks, "x": v.gather(marks)})
        .filter((i - run_start) % 2 == 0)
        .with_columns(y=pl.lit(v).gather((i + 1).clip(upper_bound=k - 1)))
        .select(
            "i",
            code=pl.when(i + 1 < k)
            .then(
                0x80
                + pl.col("x").replace_strict(
                    list(B122_ILLEGAL),
                    [j * 256 for j in range(len(B122_ILLEGAL))],
                    return_dtype=pl.UInt32,
                )
                + pl.col("y")
            )
            .otherwise(0x80 + 7 * 256 + pl.col("x")),
        )
    )
    codes = v.scatter(leads.get_column("i"), leads.get_column("code"))
    taken = leads.get_column("i") + 1
    keep = pl.repeat(True, k, eager=True).scatter(taken.filter(taken < k), False)
    codes = codes.filter(keep)
    return str(_b122_chars().gather(codes).str.join("").item())


def unbase122(text: str, size: int) -> bytes:
    """The ``size`` bytes :func:`base122` made ``text`` of (what the page's script does)."""
    out = bytearray()
    acc = bits = 0
    for ch in text:
        c = ord(ch)
        if c < 128:
            values = [c]
        else:
            i = (c >> 8) & 7
            values = [c & 0x7F] if i == 7 else [B122_ILLEGAL[i], c & 0x7F]
        for x in values:
            acc, bits = (acc << 7) | x, bits + 7
            if bits >= 8:
                bits -= 8
                out.append((acc >> bits) & 0xFF)
                acc &= (1 << bits) - 1
    return bytes(out[:size])


def _bundle_of(source: str, js: str) -> PlotlyBundle:
    head = _VERSION_RE.search(js[:2000])
    if head is None:
        msg = f"{source} does not look like a plotly.js bundle (no 'plotly.js ... vX.Y.Z' header)"
        raise UsageError(msg)
    version = (int(head.group(1)), int(head.group(2)), int(head.group(3)))
    return PlotlyBundle(source, _script_text(js), version, frozenset(_TRACE_RE.findall(js)))


@cache
def _required_version() -> tuple[int, int, int]:
    from plotly.offline import get_plotlyjs_version

    major, minor, patch = (re.sub(r"\D.*", "", p) or "0" for p in get_plotlyjs_version().split("."))
    return int(major), int(minor), int(patch)


@cache
def _full_bundle() -> PlotlyBundle:
    from plotly.offline import get_plotlyjs

    return _bundle_of("plotly.py's plotly.min.js", get_plotlyjs())


_REGISTER_RE = re.compile(r"([\w$]+)\.register\(\[((?:[\w$]+\(\),)*[\w$]+\(\))\]\)")
_MODULE_KIND_RE = re.compile(r'moduleType:"(\w+)",name:"(\w+)"')


def _registered_only(js: str, needs: frozenset[str]) -> str:
    """plotly.py's bundle with its one registration of every trace type cut to ``needs``.

    plotly.min.js is an esbuild bundle: each source module is a function
    wrapped as ``NAME=W((exports, module) => {...})``, run the first time it is
    required, and the bundle's entry registers every trace type,
    ``Plotly.register([bar(), box(), ..., calendars()])``. Running those ~45
    trace modules (and compiling them on the main thread, on first call) is
    most of plotly.js's start-up in the page; a trace type the figures don't
    use is never needed. Here the list keeps the trace modules whose index
    says ``moduleType:"trace",name:"<one of needs>"`` and every entry that is
    not a trace (the calendars component); scatter is registered by plotly.js's
    core. The other modules stay in the text (their licences with them), never
    run. If the text is not laid out like that (another bundler, another
    version), it is returned unchanged.

    >>> b = _registered_only(_full_bundle().js, frozenset({"bar", "scatter"}))
    >>> sorted(_registered_traces(b) or ()), len(b) < len(_full_bundle().js)
    (['bar'], True)
    """
    kept = _register_entries(js)
    if kept is None:
        return js
    m, entries = kept
    keep = [n for n, kind in entries if kind[0] != "trace" or kind[1] in needs]
    if len(keep) == len(entries):
        return js
    call = f"{m.group(1)}.register([{','.join(n + '()' for n in keep)}])"
    return js[: m.start()] + call + js[m.end() :]


def _registered_traces(js: str) -> frozenset[str] | None:
    """The trace types the bundle's entry registers (None: not an esbuild plotly.min.js)."""
    kept = _register_entries(js)
    if kept is None:
        return None
    return frozenset(kind[1] for _, kind in kept[1] if kind[0] == "trace")


@cache  # (the same text, plotly.py's bundle, is read by both callers of a run)
def _register_entries(js: str) -> tuple[re.Match[str], list[tuple[str, tuple[str, str]]]] | None:
    """The entry's ``register([...])`` call and (module, (moduleType, name)) of each entry."""
    tail = max(0, len(js) - 20_000)  # the entry is the bundle's last module
    calls = list(_REGISTER_RE.finditer(js, tail))
    if len(calls) != 1:
        return None
    m = calls[0]
    names = re.findall(r"([\w$]+)\(\)", m.group(2))
    wrapper = re.search(r"(?:var |,)" + re.escape(names[0]) + r"=([\w$]+)\(\(", js)
    if wrapper is None:
        return None
    defs = _module_starts(js, wrapper.group(1))
    starts = sorted(defs.values())

    def kind(name: str, depth: int = 0) -> tuple[str, str] | None:
        if name not in defs:
            return None
        start = defs[name]
        i = bisect.bisect_right(starts, start)
        body = js[start : starts[i] if i < len(starts) else len(js)]
        found = _MODULE_KIND_RE.search(body)
        if found:
            return found.group(1), found.group(2)
        inner = re.search(r"=([\w$]+)\(\)", body)  # an index that re-exports a module
        return kind(inner.group(1), depth + 1) if inner and depth < 3 else None

    entries = []
    for n in names:
        k = kind(n)
        if k is None:
            return None
        entries.append((n, k))
    return m, entries


_MODULE_NAME_RE = re.compile(r"(?:var |,)([\w$]+)\Z")


def _module_starts(js: str, wrapper: str) -> dict[str, int]:
    """Where each module's body starts (after ``NAME=wrapper((``), by name.

    One scan for the literal ``=wrapper((`` (the name is read just before each),
    rather than a regular expression tried at every comma of 4.8 MB: ~5 ms
    instead of ~40 ms.

    >>> _module_starts("var a=W((x)),b=W((y)),c=V((z))", "W")
    {'a': 9, 'b': 18}
    """
    lit = f"={wrapper}(("
    out: dict[str, int] = {}
    at = js.find(lit)
    while at != -1:
        name = _MODULE_NAME_RE.search(js, max(0, at - 64), at)
        if name:
            out[name.group(1)] = at + len(lit)
        at = js.find(lit, at + 1)
    return out


_UMD_FACTORY = "this, () => {"
_UMD_END = "}));"


def _eager_factory(js: str) -> str:
    """plotly.min.js with its module factory in parentheses, so V8 compiles it eagerly.

    The bundle is ``(function(root, factory) {...}(self, () => {<4.8 MB>}))``.
    V8 compiles a function eagerly when it is in parentheses (a "possibly
    invoked function expression"), and only pre-parses any other: the factory,
    a bare argument, was pre-parsed on the background thread that compiles the
    script and then fully parsed on the page's main thread when called (about
    0.4-0.5 s of main-thread CPU in Chromium here). In parentheses it is
    compiled on the background thread; what it does is unchanged. A text
    without that exact wrapper is returned unchanged.

    >>> _eager_factory("(f(this, () => {return 1;}));") == "(f(this, (() => {return 1;})));" + chr(
    ...     10
    ... )
    True
    """
    body = js.rstrip()
    if js.count(_UMD_FACTORY) != 1 or not body.endswith(_UMD_END):
        return js
    return body[: -len(_UMD_END)].replace(_UMD_FACTORY, "this, (() => {", 1) + "})));\n"


@cache
def _inline_bundle(needs: frozenset[str]) -> PlotlyBundle:
    """plotly.py's bundle registering only the trace types ``needs`` (and scatter),
    its factory compiled eagerly (:func:`_eager_factory`)."""
    full = _full_bundle()
    js = _registered_only(full.js, needs)
    if js is full.js:
        return full
    js = _eager_factory(js)
    # (the kept entries of the full bundle's registration: no second scan of the text)
    entries = _register_entries(full.js)
    kept = {k[1] for _, k in entries[1] if k[0] == "trace" and k[1] in needs} if entries else set()
    traces = kept | {"scatter"}
    return PlotlyBundle(full.source, js, full.version, frozenset(traces))


@cache
def _user_bundle(path: str, size: int, mtime: float) -> PlotlyBundle:
    try:
        with open(path, encoding="utf-8") as f:
            js = f.read()
    except (OSError, UnicodeDecodeError) as e:
        msg = f"can't read the plotly.js bundle {visible(path)}: {e}"
        raise InputError(msg) from None
    return _bundle_of(visible(path), js)


def plotly_bundle(
    plotly_js: str | os.PathLike[str] = "inline", needs: set[str] | None = None
) -> PlotlyBundle:
    """The plotly.js bundle ``write_report(..., plotly_js=...)`` embeds.

    ``"inline"``: plotly.py's own bundle (the version its figures are made
    for), registering only the trace types ``needs`` (:func:`_registered_only`;
    all of them without ``needs``). A path: that file (a partial bundle you trust), checked
    (:meth:`PlotlyBundle.check`): its version against plotly.py's and its
    trace types against ``needs``.

    Examples
    --------
    >>> b = plotly_bundle("inline", {"bar", "scatter"})
    >>> b.version == _required_version(), {"bar", "scatter"} <= b.traces
    (True, True)
    """
    needs = needs or set()
    if isinstance(plotly_js, str) and plotly_js == "inline":
        return _inline_bundle(frozenset(needs)) if needs else _full_bundle()
    path = os.fspath(plotly_js)
    try:
        st = os.stat(path)
    except OSError as e:
        msg = f"plotly_js must be 'inline', 'cdn' or the path of a plotly.js bundle; {visible(path)}: {e.strerror}"
        raise UsageError(msg) from None
    bundle = _user_bundle(path, st.st_size, st.st_mtime)
    bundle.check(needs)
    return bundle


@cache
def _plotly_cdn() -> tuple[str, str]:
    """URL plotly.py itself uses for the bundled plotly.js, and its SRI hash."""
    try:
        from plotly.io._utils import plotly_cdn_url

        url = plotly_cdn_url()
    except ImportError:  # pragma: no cover - private helper moved
        from plotly.offline import get_plotlyjs_version

        url = f"https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"
    from plotly.offline import get_plotlyjs

    digest = hashlib.sha384(get_plotlyjs().encode("utf-8")).digest()
    return url, "sha384-" + base64.b64encode(digest).decode("ascii")
