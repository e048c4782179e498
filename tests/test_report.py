"""httplog.report without a browser: escaping, offline/CDN modes, sizes, atomicity, language.

The browser tests are in test_report_browser.py. This module also writes the
hostile log fixture: ``python tests/test_report.py`` rewrites
tests/data/hostile.log from :func:`hostile_log_bytes`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import random
import re
import sys
import tomllib
import zlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from plotly.offline import get_plotlyjs

import httplog
from httplog.report import PLOTLY_CONFIG, render, render_report, script_json, visible, write_report
from httplog.report.bundle import (
    _REGISTER_RE,
    _eager_factory,
    _registered_only,
    _registered_traces,
)
from httplog.statuscodes import describe

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"
HOSTILE = ROOT / "tests" / "data" / "hostile.log"
LABELS = ROOT / "src" / "httplog" / "report" / "templates" / "labels.toml"

# --- the hostile log -----------------------------------------------------------

AGENTS = [
    b"<script>alert(1)</script>",
    b"</script><script>window.__pwned=1</script>",
    b'\\"><img src=x onerror=\\"window.__pwned=1\\">',
    b"{{7*7}} ${7*7} <!-- <![CDATA[ ]]><svg onload=window.__pwned=1>",
    b"rlo:\xe2\x80\xaetxt.exe ls:\xe2\x80\xa8end zwsp:\xe2\x80\x8bx",
]
PATHS = [
    b"/<script>alert(1)</script>",
    b"/</script><script>window.__pwned=1</script>",
    b'/\\"><img/src=x/onerror=window.__pwned=1>',
    b"/ok",
]
REFERERS = [
    b"javascript:window.__pwned=1",
    b'\\"><img src=x onerror=\\"window.__pwned=1\\">',
    b"data:text/html,<script>alert(1)</script>",
    b"-",
]
ODD = [  # bytes a parser may reject or replace: NUL, invalid UTF-8, C0 controls
    (b"/nul\x00byte", b"nul:\x00 end"),
    (b"/bad\xff\xfeutf8", b"bad-utf8:\xff\xfe\xc3\x28 end"),
    (b"/ctl", b"ctl:\x01\x1b[31mred\x1b[0m\x7f end"),
]
NOT_LOG_LINES = [
    b"<script>alert(1)</script> not a log line \x00\xff",
    b"</script><script>window.__pwned=1</script>",
    b'"><img src=x onerror="window.__pwned=1"> \x1b[2J',
]

#: Texts that must show in the report as text (after parsing: ``\\"`` is ``"``).
HOSTILE_TEXTS = [
    "<script>alert(1)</script>",
    "</script><script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=1">',
    "javascript:window.__pwned=1",
    "{{7*7}} ${7*7} <!-- <![CDATA[ ]]><svg onload=window.__pwned=1>",
]


def _line(n: int, minute: int, second: int, status: int, path: bytes, ref: bytes, agent: bytes,
          addr: bytes | None = None) -> bytes:  # fmt: skip
    addr = addr or f"192.0.2.{n % 250 + 1}".encode()
    t = f"20/Nov/2026:10:{minute:02d}:{second:02d} +0000".encode()
    return b"%s - - [%s] \"GET %s HTTP/1.1\" %d 123 \"%s\" \"%s\"\n" % (
        addr, t, path, status, ref, agent
    )  # fmt: skip


def hostile_log_bytes() -> bytes:
    """The combined-format log of tests/data/hostile.log.

    Twelve minutes of 25 requests a minute whose paths, referers, agents and
    one client are markup and script; then two minutes where two thirds fail
    with 503 (a 5xx spike, so the hostile keys reach the spike explanations);
    lines with NUL, invalid UTF-8 and terminal escapes; lines that are not log
    lines at all.
    """
    out = []
    n = 0
    for minute in range(12):
        for k in range(25):
            status = 404 if k % 12 == 0 else 200
            addr = b"<script>alert(1)</script>" if k == 7 else None
            out.append(_line(n, minute, k * 2, status, PATHS[k % 4], REFERERS[k % 4], AGENTS[k % 5], addr))  # fmt: skip
            n += 1
        if minute < len(ODD):
            out.append(_line(n, minute, 55, 200, ODD[minute][0], b"-", ODD[minute][1]))
    for minute in (12, 13):
        for k in range(30):
            bad = k % 3 != 0
            status, path, agent = (
                (503, PATHS[1], AGENTS[1]) if bad else (200, PATHS[3], AGENTS[k % 5])
            )
            out.append(_line(n, minute, k * 2, status, path, REFERERS[0], agent))
            n += 1
    for i, junk in zip((40, 80, 120), NOT_LOG_LINES, strict=True):
        out.insert(i, junk + b"\n")
    return b"".join(out)


# --- fixtures --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(sample_log_analysis_paris) -> httplog.Analysis:
    return sample_log_analysis_paris


@pytest.fixture(scope="module")
def sample_page(sample) -> str:
    """The sample's report (plotly.js from the CDN), for the tests that only read it."""
    return render_report(sample, plotly_js="cdn")


@pytest.fixture(scope="module")
def sample_page_zh(sample) -> str:
    """The sample's report in Chinese (plotly.js from the CDN), for tests that read it."""
    return render_report(sample, lang="zh", plotly_js="cdn")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> httplog.Analysis:
    # the file name is hostile too (no "/" possible in a name)
    d = tmp_path_factory.mktemp("hostile")
    path = d / '"><img src=x onerror=window.__pwned=1>.log'
    path.write_bytes(HOSTILE.read_bytes())
    return httplog.analyze(path)


@pytest.fixture(scope="module")
def hostile_page(hostile) -> str:
    return render_report(hostile, title="<script>alert(1)</script>")


def _data_block(page: str, name: str = "charts") -> str:
    m = re.search(
        rf'<script type="application/json" id="httplog-{name}">(.*?)</script>', page, re.S
    )
    assert m, f"no {name} data block"
    return m.group(1)


def _plotly_payload(page: str) -> str | None:
    """plotly.js as the page holds it: base-122 of raw deflate, expanded."""
    from httplog.report.render import unbase122

    m = re.search(
        r'<script type="application/octet-stream" id="httplog-plotly"'
        r' data-encoding="deflate-raw base122" data-bytes="(\d+)">(.*?)</script>',
        page,
        re.S,
    )
    if m is None:
        return None
    return zlib.decompress(unbase122(m.group(2), int(m.group(1))), -15).decode()


def _inline_scripts(page: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", page, re.S)


def _markup(page: str) -> str:
    """The page without the contents of its scripts (plotly.js holds "<svg" etc.)."""
    return re.sub(r"(<script[^>]*>).*?(</script>)", r"\1\2", page, flags=re.S)


def _has(page: str, text: str) -> bool:
    # a plain function: pytest's assertion rewriting would diff megabytes on failure
    return text in page


def _csp(page: str) -> dict[str, str]:
    m = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert m, "no Content-Security-Policy"
    directives = [d.strip() for d in html.unescape(m.group(1)).split(";") if d.strip()]
    return {d.split(" ", 1)[0]: [*d.split(" ", 1), ""][1] for d in directives}


# --- the hostile fixture ----------------------------------------------------------


def test_hostile_fixture_is_what_the_generator_writes():
    assert HOSTILE.read_bytes() == hostile_log_bytes(), "run: python tests/test_report.py"


def test_hostile_log_reaches_every_table(hostile):
    keys = set(hostile.top["key"].to_list())
    assert {
        "/<script>alert(1)</script>",
        "/</script><script>window.__pwned=1</script>",
        "<script>alert(1)</script>",  # a client
        '"><img src=x onerror="window.__pwned=1">',  # a referer and an agent
        "javascript:window.__pwned=1",
    } <= keys
    assert hostile.spikes.height == 1
    assert "</script><script>window.__pwned=1</script>" in hostile.explanations["key"].to_list()
    assert hostile.rejected >= 3
    texts = "".join(hostile.rejected_samples["text"].to_list())
    assert "\x00" in texts and "\x1b" in texts


# --- escaping ---------------------------------------------------------------------


def test_script_json_escapes_what_could_end_a_script():
    value = {"agent": "</script><script>alert(1)</script> <!-- & \u2028 \u2029"}
    out = script_json(value)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in out
    assert json.loads(out) == value


def test_embedded_json_cannot_end_its_script(hostile_page):
    for name in ("charts", "tables"):
        data = _data_block(hostile_page, name)
        for raw in ("<", ">", "&", "\u2028", "\u2029"):
            assert raw not in data, name
    parsed = json.loads(_data_block(hostile_page))
    assert [f["id"] for f in parsed["figures"]] == [
        "chart-timeline",
        "chart-error_rates",
        "chart-status_codes",
        "chart-bandwidth",
    ]
    tables = json.loads(_data_block(hostile_page, "tables"))["tables"]
    keys = {cell for t in tables.values() for row in t["rows"] for cell in row}
    assert "</script><script>window.__pwned=1</script>" in keys  # held as data, escaped
    # exactly the page's own blocks: tables and charts data, compressed plotly.js,
    # the tables script, the charts script
    assert hostile_page.count("</script>") == 5
    assert hostile_page.lower().count("<script") == 5


def test_log_text_is_escaped_everywhere(hostile_page):
    markup = _markup(hostile_page)
    # the page's own SVG of its first chart (numbers, times and labels: no log text)
    sketches = re.findall(r'<svg class="sketch".*?</svg></svg>', markup, re.S)
    assert len(sketches) == 1 and "pwned" not in sketches[0]
    markup = markup.replace(sketches[0], "")
    for raw in ("<img", "<svg", "<script>alert", "<!--", "<![CDATA["):
        assert not _has(markup, raw), raw
    for escaped in (
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;",
        "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;",
        "{{7*7}} ${7*7} &lt;!-- &lt;![CDATA[ ]]&gt;&lt;svg onload=window.__pwned=1&gt;",
        # the hostile title and file name are text too
        "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>",
        "&#34;&gt;&lt;img src=x onerror=window.__pwned=1&gt;.log",
    ):
        assert _has(markup, escaped), escaped
    # a link-looking referer is text, never an href
    assert _has(markup, "javascript:window.__pwned=1")
    assert not re.search(r"<a [^>]*href=[\"']?(javascript|data):", markup, re.I)


def test_control_and_invisible_characters_are_made_visible(hostile_page):
    assert visible("a\x00b\x1b[31m\x7f") == "a\u2400b\u241b[31m\u2421"
    assert visible("x\u202ey\u2028z\u200b\x85") == "x<U+202E>y<U+2028>z<U+200B><U+0085>"
    text = _markup(hostile_page)
    for c in ["\x00", "\x01", "\x1b", "\x7f", "\u202e", "\u2028", "\u200b"]:
        assert not _has(text, c), repr(c)
    assert _has(text, "\u2400") and _has(text, "\u241b[31m")  # NUL, ESC as control pictures
    assert _has(text, "&lt;U+202E&gt;")  # the bidi override, shown not applied
    assert _has(text, "\ufffd")  # invalid UTF-8 as replacement characters


def test_long_keys_are_cut_with_the_full_text_in_a_title(write_log):
    long_path = "/" + "a" * 300 + "<b>"
    line = f'192.0.2.1 - - [20/Nov/2026:13:00:10 +0000] "GET {long_path} HTTP/1.1" 200 1 "-" "a"'
    page = render_report(httplog.analyze(write_log([line])), plotly_js="cdn")
    full = long_path.replace("<", "&lt;").replace(">", "&gt;")
    assert f'title="{full}"' in page
    shown = long_path[: render.KEY_CHARS - 1] + "…"
    assert f">{shown}</span>" in page


def test_content_security_policy_admits_only_the_pages_own_scripts(hostile_page):
    policy = _csp(hostile_page)
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-eval" not in policy["script-src"]
    for script in _inline_scripts(hostile_page):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]


# --- plotly.js: inline once, or one CDN script --------------------------------------


def test_inline_report_embeds_plotly_js_exactly_once(sample, tmp_path):
    out = tmp_path / "report.html"
    write_report(sample, out)
    page = out.read_text(encoding="utf-8")
    js = _plotly_payload(page)
    assert js == render.plotly_bundle("inline", {"bar", "scatter"}).js
    # plotly.py's own bundle, its one registration of every trace type cut to bar
    # (scatter is registered by plotly.js's core): the rest of the text is the same
    full = render._script_text(get_plotlyjs())
    assert len(js) < len(full)
    assert _REGISTER_RE.sub("", js) == _REGISTER_RE.sub("", _eager_factory(full))
    # and its module factory in parentheses (compiled eagerly, off the main thread)
    assert "this, (() => {" in js and "this, (() => {" not in full
    assert page.count('id="httplog-plotly"') == 1
    assert not _has(page, js[:300]) and not _has(page, get_plotlyjs()[:300])  # only compressed
    # the CSP admits exactly that text, which the page runs as an inline script
    digest = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in _csp(page)["script-src"]
    assert out.stat().st_size < 2_300_000
    markup = _markup(page)
    assert not _has(markup, "<script src=")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", markup)
    assert not _has(markup, "@import") and not _has(markup, "url(")
    assert "cdn.plot.ly" not in _csp(page)["script-src"]


def _base122_reference(data: bytes) -> str:
    """base-122 one value at a time: what render.base122 computes with polars."""
    bits = "".join(f"{x:08b}" for x in data)
    values = [int(bits[i : i + 7].ljust(7, "0"), 2) for i in range(0, len(bits), 7)]
    out, j = [], 0
    while j < len(values):
        x = values[j]
        if x in render.B122_ILLEGAL:
            if j + 1 < len(values):
                out.append(chr(0x80 | (render.B122_ILLEGAL.index(x) << 8) | values[j + 1]))
                j += 2
                continue
            out.append(chr(0x80 | (7 << 8) | x))
        else:
            out.append(chr(x))
        j += 1
    return "".join(out)


def test_base122_matches_the_value_by_value_encoding_on_random_and_illegal_heavy_data():
    rng = random.Random(122)
    cases = [b"", b"\0", b"<", b"\r", bytes(7), bytes(8), b"<" * 9, b"\r\0<" * 5]
    for n in [*range(1, 30), *(rng.randrange(30, 3000) for _ in range(60))]:
        alphabet = rng.choice([bytes(range(256)), b"\0\r<", b"\0\x01<x", bytes([0, 60, 13, 26])])
        cases.append(bytes(rng.choice(alphabet) for _ in range(n)))
    for data in cases:
        text = render.base122(data)
        assert text == _base122_reference(data), data
        assert render.unbase122(text, len(data)) == data


def test_base122_of_the_deflated_bundle_matches_the_value_by_value_encoding():
    packed = render._deflate(render.plotly_bundle("inline").js.encode("utf-8"))
    assert render.base122(packed) == _base122_reference(packed)


def test_deflated_bundle_is_cached_on_disk_and_verified_before_use(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    js = "var x = 1;\n" * 500
    want = render._deflate(js.encode())
    assert render._deflated(js) == want
    (cached,) = (tmp_path / "httplog").iterdir()
    assert cached.name == f"plotly-{hashlib.sha256(js.encode()).hexdigest()}.deflate"
    assert cached.read_bytes() == want
    # a cached file that does not inflate back to the text is never used
    for bad in (b"not deflate", zlib.compress(b"other", 9)[2:-4], b""):
        cached.write_bytes(bad)
        assert render._deflated(js) == want
        assert cached.read_bytes() == want  # and is replaced
    # another text under this text's name (a hash-named file is not trusted blindly)
    cached.write_bytes(render._deflate(b"alert(1)"))
    assert render._deflated(js) == want


def test_deflated_bundle_works_when_the_cache_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    js = "var y = 2;\n" * 50
    assert render._deflated(js) == render._deflate(js.encode())
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(blocker))
    assert render._deflated(js) == render._deflate(js.encode())


def test_cdn_report_is_small_and_loads_one_script(sample, tmp_path):
    out = tmp_path / "report.html"
    write_report(sample, out, plotly_js="cdn")
    page = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 500_000
    srcs = re.findall(r'<script src="([^"]+)" integrity="(sha384-[^"]+)"', page)
    assert page.count("<script src=") == 1
    from plotly.io._utils import plotly_cdn_url

    assert srcs[0][0] == plotly_cdn_url()
    digest = base64.b64encode(hashlib.sha384(get_plotlyjs().encode()).digest()).decode()
    assert srcs[0][1] == f"sha384-{digest}"
    assert not _has(page, get_plotlyjs()[:300])
    assert "https://cdn.plot.ly/" in _csp(page)["script-src"]


def test_plotly_config_turns_off_the_logo_and_every_cloud_button():
    assert PLOTLY_CONFIG["displaylogo"] is False
    assert PLOTLY_CONFIG["showSendToCloud"] is False
    assert "sendChartToCloud" in PLOTLY_CONFIG["modeBarButtonsToRemove"]
    assert PLOTLY_CONFIG["plotlyServerURL"] == ""
    # the keys exist in the bundled plotly.js (a renamed option would silently do nothing)
    js = get_plotlyjs()
    for key in ("showSendToCloud:", "displaylogo:", "plotlyServerURL:", "modeBarButtonsToRemove:"):
        assert key in js
    assert 'name:"sendChartToCloud"' in js


def test_bad_options_are_usage_errors(sample, tmp_path):
    with pytest.raises(httplog.UsageError):
        write_report(sample, tmp_path / "r.html", plotly_js="directory")
    with pytest.raises(httplog.UsageError):
        write_report(sample, tmp_path / "r.html", lang="fr")
    assert not (tmp_path / "r.html").exists()


def _fake_bundle(path: Path, version: str, traces: tuple[str, ...]) -> Path:
    body = "".join(f'register({{moduleType:"trace",name:"{t}"}});' for t in traces)
    path.write_text(f"/**\n* plotly.js (custom - minified) v{version}\n*/\n{body}\n")
    return path


def test_a_bundle_given_by_path_is_checked_against_the_figures(sample, tmp_path):
    out = tmp_path / "r.html"
    ok = _fake_bundle(tmp_path / "ok.js", "4.3.0", ("scatter", "bar"))
    write_report(sample, out, plotly_js=ok)
    page = out.read_text(encoding="utf-8")
    assert _plotly_payload(page) == ok.read_text()
    digest = base64.b64encode(hashlib.sha256(ok.read_bytes()).digest()).decode()
    assert f"'sha256-{digest}'" in _csp(page)["script-src"]
    for bad, message in (
        (_fake_bundle(tmp_path / "old.js", "4.0.2", ("scatter", "bar")), "need 4.1 or a later 4.x"),
        (_fake_bundle(tmp_path / "v3.js", "3.9.0", ("scatter", "bar")), "is version 3.9.0"),
        (
            _fake_bundle(tmp_path / "nobar.js", "4.1.1", ("scatter", "pie")),
            "lacks the trace type(s) bar",
        ),
        (tmp_path / "missing.js", "or the path of a plotly.js bundle"),
    ):
        with pytest.raises(httplog.UsageError, match=re.escape(message)):
            write_report(sample, tmp_path / "bad.html", plotly_js=bad)
    (tmp_path / "notplotly.js").write_text("console.log('hello')")
    with pytest.raises(httplog.UsageError, match=r"does not look like a plotly\.js bundle"):
        write_report(sample, tmp_path / "bad.html", plotly_js=str(tmp_path / "notplotly.js"))
    assert not (tmp_path / "bad.html").exists()


# --- language -----------------------------------------------------------------------


def test_zh_report_uses_zh_headings_class_names_and_descriptions(sample_page_zh):
    page = sample_page_zh
    assert '<html lang="zh-Hans">' in page
    for text in ("概要", "状态码", "错误峰值", "无法解析的行", "服务器错误", "请求错误"):
        assert text in page
    assert describe(503, "zh").description in page
    assert describe(503, "en").description not in page
    assert "Status codes" not in page


def test_lang_defaults_to_the_analysis_language(tmp_path):
    log = tmp_path / "a.log"
    log.write_text('192.0.2.1 - - [20/Nov/2026:13:00:10 +0000] "GET / HTTP/1.1" 502 1 "-" "a"\n')
    zh = render_report(httplog.analyze(log, lang="zh"), plotly_js="cdn")
    assert describe(502, "zh").description in zh and "服务器错误" in zh
    en = render_report(httplog.analyze(log, lang="zh"), lang="en", plotly_js="cdn")
    assert describe(502, "en").description in en and "5xx server error" in en


def test_every_language_has_the_same_labels():
    labels = tomllib.loads(LABELS.read_text(encoding="utf-8"))
    assert set(labels) == {"en", "zh"}
    for section in ("charts", "report"):
        assert set(labels["en"][section]) == set(labels["zh"][section]), section
        for key, text in labels["en"][section].items():
            fields = set(re.findall(r"\{(\w+)\}", text))
            assert fields == set(re.findall(r"\{(\w+)\}", labels["zh"][section][key])), key


# --- content --------------------------------------------------------------------------


def test_report_shows_the_summary_tables_and_spikes(sample, sample_page):
    page = sample_page
    for text in (
        "nginx_access.log",
        "12,230",  # lines
        "12,225",  # parsed
        "5 (empty 2, binary 1, error_log 1, no_match 1)",
        "2026-11-20 00:00:19 – 2026-11-20 23:59:28 (times in Europe/Paris)",  # the clock, said
        "combined — Detected as: combined",
        "5m",
        "Europe/Paris",
        "3.31%",  # 5xx rate
        "/api/v1/checkout",  # top 5xx path and spike explanation
        "203.0.113.195",  # the scanner of the 4xx burst
    ):
        assert text in page, text
    for code in sample.status["status"].to_list():
        assert f'<td class="num code">{code}</td>' in page
    tables = json.loads(_data_block(page, "tables"))["tables"]
    assert len(tables["t-spikes"]["rows"]) == sample.spikes.height
    assert [r[0] for r in tables["t-spikes"]["rows"]] == sample.spikes["spike"].to_list()
    # each spike expands into the keys that explain it, ranked across dimensions
    # by the share of the excess (the scanner's client first), then per dimension
    first = tables["t-spikes"]["details"][0]
    assert [d["label"] for d in first][:4] == ["Explained by", "Status codes", "Paths", "Clients"]
    assert first[0]["rows"][0][:3] == ["203.0.113.195", "client", 1.0]
    assert first[3]["rows"][0][:2] == ["203.0.113.195", 596]
    # and the row itself says it: the top explaining key
    assert tables["t-spikes"]["rows"][0][10] == "client 203.0.113.195 (100%)"
    assert page.count('<table class="rejected"') == 1


def test_top_tables_hold_more_rows_than_they_show_in_the_same_order(sample, sample_page):
    tables = json.loads(_data_block(sample_page, "tables"))["tables"]
    for dim in ("path", "remote_addr", "user_agent", "referer"):
        t = tables[f"t-top-all-{dim}"]
        assert t["show"] == sample.view.top == 10
        assert len(t["rows"]) == min(
            100, sample.partial.keys.filter(pl.col("dimension") == dim)["key"].n_unique()
        )
        top = sample.top.filter((pl.col("dimension") == dim) & (pl.col("scope") == "all")).sort(
            "rank"
        )
        # (the key as written is the row's last value: the cell shows it decoded)
        assert [[r[0], r[4], r[2]] for r in t["rows"][:10]] == [
            list(r) for r in top.select("rank", "key", "requests").rows()
        ]
        ranks = [r[0] for r in t["rows"]]
        assert ranks == list(range(1, len(ranks) + 1))


def test_empty_log_gives_a_valid_report_that_says_so(tmp_path):
    log = tmp_path / "empty.log"
    log.write_bytes(b"")
    out = tmp_path / "report.html"
    write_report(httplog.analyze(log), out)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "No requests: the input holds no line" in page
    assert 'id="charts"' not in page
    assert _plotly_payload(page) is None  # no charts, no plotly.js
    assert json.loads(_data_block(page))["figures"] == []


def test_only_rejected_lines_is_an_empty_report_with_samples(tmp_path):
    log = tmp_path / "junk.log"
    log.write_bytes(b"not a log line\nnor this one\n")
    page = render_report(httplog.analyze(log, log_format="combined"), plotly_js="cdn")
    assert "No requests" in page
    assert "not a log line" in page


# --- atomic write -----------------------------------------------------------------------


def test_a_failed_render_leaves_no_file_and_keeps_the_old_one(sample, tmp_path, monkeypatch):
    out = tmp_path / "report.html"

    def broken(context):
        yield "<!DOCTYPE html><html><body>half a report"
        raise RuntimeError("template blew up")

    monkeypatch.setattr(render, "_chunks", broken)
    with pytest.raises(RuntimeError, match="blew up"):
        write_report(sample, out, plotly_js="cdn")
    assert list(tmp_path.iterdir()) == []

    out.write_text("previous report")
    with pytest.raises(RuntimeError, match="blew up"):
        write_report(sample, out, plotly_js="cdn")
    assert out.read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_report_creates_directories(sample, tmp_path):
    out = tmp_path / "a" / "b" / "report.html"
    write_report(sample, out, plotly_js="cdn")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- dashboard ----------------------------------------------------------------------------


def test_the_dashboard_has_a_table_per_panel_and_only_those(sample, sample_page, sample_page_zh):
    page = sample_page
    found = re.search(r'<script type="application/json" id="httplog-tables">(.*?)</script>', page)
    assert found
    data = json.loads(found.group(1))["tables"]
    shown = {t.removeprefix("t-panel-") for t in data if t.startswith("t-panel-")}
    assert shown == {n for n, f in sample.panels.items() if f.height}
    assert "t-panel-countries" not in data  # no --geoip-db: no such panel
    for name in sample.panels:
        assert f'id="panel-{name}"' in page
    browsers = data["t-panel-browsers"]
    assert [c["name"] for c in browsers["columns"]][:3] == ["Class", "Browser", "Requests"]
    assert sum(r[2] for r in browsers["rows"]) == sample.panels["browsers"]["requests"].sum()
    assert "Estimated counts" not in page  # every count exact on the sample
    zh = sample_page_zh
    assert "仪表盘" in zh and "浏览器" in zh


def test_a_panel_with_a_delta_says_its_counts_are_estimated(sample):
    panels = dict(sample.panels)
    panels["hosts"] = panels["hosts"].with_columns(delta=pl.lit(7, pl.UInt64))
    a = replace(sample, panels=type(sample.panels)(panels))
    page = render_report(a, plotly_js="cdn")
    box = page[page.index('id="panel-hosts"') : page.index('id="panel-user_agents"')]
    assert "Estimated counts" in box and "up to 7 (never over)" in box
    other = page[page.index('id="panel-requests"') : page.index('id="panel-static_requests"')]
    assert "Estimated counts" not in other


# --- size ---------------------------------------------------------------------------------


def _day_log(path: Path, lines: int, seed: int = 7) -> Path:
    """``lines`` combined lines spread evenly over one day, a 5xx burst at noon."""
    rnd = random.Random(seed)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    paths = [f"/p/{i}" for i in range(500)]
    agents = [f"agent/{i}" for i in range(50)]
    with path.open("w") as f:
        for i in range(lines):
            t = start + timedelta(seconds=86399 * i / (lines - 1))
            noon = 0.5 < i / lines < 0.51
            status = rnd.choice((503, 502, 200)) if noon else rnd.choice((200,) * 30 + (404, 301))
            f.write(
                f"198.51.100.{rnd.randrange(256)} - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "
                f'"GET {rnd.choice(paths)} HTTP/1.1" {status} {rnd.randrange(10_000)} "-" '
                f'"{rnd.choice(agents)}"\n'
            )
    return path


@pytest.mark.slow
def test_report_size_does_not_grow_with_lines(tmp_path):
    sizes = {}
    for n in (20_000, 200_000):
        a = httplog.analyze(_day_log(tmp_path / f"{n}.log", n), window="5m")
        assert a.timeline.height == 288
        out = tmp_path / f"{n}.html"
        write_report(a, out, plotly_js="cdn")
        sizes[n] = out.stat().st_size
    # same day, same window: same number of windows. Only counts get a digit longer,
    # and the panels' breakdowns fill up to their bound (10 values per key and
    # dimension, 25 rows per panel) as more lines bring more values.
    assert abs(sizes[200_000] - sizes[20_000]) < 12_000, sizes
    assert sizes[200_000] < 250_000, sizes


if __name__ == "__main__":  # pragma: no cover
    HOSTILE.parent.mkdir(parents=True, exist_ok=True)
    HOSTILE.write_bytes(hostile_log_bytes())
    print(f"wrote {HOSTILE} ({HOSTILE.stat().st_size} bytes)", file=sys.stderr)


# --- --plotly-js on the command line --------------------------------------------------------


def test_cli_plotly_js_path_embeds_that_bundle(tmp_path):
    from cli_runner import SAMPLE, err, invoke

    bundle = tmp_path / "mine.min.js"
    bundle.write_text(get_plotlyjs() + "\n/* my build */\n", encoding="utf-8")
    out = tmp_path / "r.html"
    r = invoke("analyze", SAMPLE, "-o", out, "--plotly-js", bundle, "-q")
    assert r.returncode == 0, err(r)
    page = out.read_text(encoding="utf-8")
    assert "/* my build */" in (_plotly_payload(page) or "")


@pytest.mark.parametrize("bad", ["/nonexistent/plotly.min.js", "."])
def test_cli_plotly_js_bad_path_is_one_line_and_exit_2(tmp_path, bad):
    from cli_runner import SAMPLE, err, invoke, out

    r = invoke("analyze", SAMPLE, "-o", tmp_path / "r.html", "--plotly-js", bad)
    assert r.returncode == 2
    lines = err(r).strip().splitlines()
    assert len(lines) == 1 and "plotly-js" in lines[0], err(r)
    assert out(r) == ""
    assert not (tmp_path / "r.html").exists()


# --- decoded text for people, raw for machines ----------------------------------------------

PERSIAN = "/filter/%D9%85%DA%AF%D8%A7%D9%BE%DB%8C%DA%A9%D8%B3%D9%84"


def _decoding_log(write_log):
    lines = []
    for i in range(40):
        path = [PERSIAN, "/bad%ff%fe", "/a%20b", "/%3Cb%3Ebold%3C/b%3E"][i % 4]
        referer = "https://example.com/search?q=%D8%B3%D9%84%D8%A7%D9%85" if i % 2 else "-"
        lines.append(
            f'192.0.2.1 - - [20/Nov/2026:10:{i:02d}:00 +0000] "GET {path} HTTP/1.1" 200 5 '
            f'"{referer}" "Mozilla/5.0"'
        )
    return write_log(lines)


def test_paths_and_referers_show_decoded_with_the_raw_text_on_hover(write_log):
    a = httplog.analyze(_decoding_log(write_log))
    page = render_report(a, plotly_js="cdn")
    tables = json.loads(_data_block(page, "tables"))["tables"]
    paths = {r[1]: r[4] for r in tables["t-top-all-path"]["rows"]}
    assert paths["/filter/مگاپیکسل"] == PERSIAN
    assert paths["/a b"] == "/a%20b"
    assert paths["/bad%ff%fe"] == "/bad%ff%fe"  # not UTF-8: as written
    assert paths["/<b>bold</b>"] == "/%3Cb%3Ebold%3C/b%3E"
    referers = [r[1] for r in tables["t-top-all-referer"]["rows"]]
    assert referers == ["https://example.com/search?q=سلام"]
    # the static rows: decoded text, escaped, the raw form as the title
    assert f'<span class="key" title="{PERSIAN}">/filter/مگاپیکسل</span>' in page
    assert "/&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold" not in page


def test_the_summary_and_the_frame_keep_the_text_as_written(write_log):
    from httplog.summary import to_summary

    log = _decoding_log(write_log)
    s = to_summary(httplog.analyze(log))
    keys = [t["key"] for t in s["top"]["path"]["all"]]
    assert PERSIAN in keys and "/a%20b" in keys
    assert PERSIAN in httplog.read_logs(log).frame["path"].to_list()


def test_the_inline_bundle_registers_only_the_trace_types_the_figures_use():
    full = render._script_text(get_plotlyjs())
    traces = _registered_traces(full)
    assert traces is not None and {"bar", "box", "pie", "scattergl", "scattermap"} <= traces
    assert len(traces) > 40
    cut = _registered_only(full, frozenset({"bar", "scatter"}))
    assert _registered_traces(cut) == {"bar"}
    # two entries left: bar and the calendars component (not a trace: kept)
    assert _REGISTER_RE.search(cut, len(cut) - 20_000).group(2).count("()") == 2
    assert _registered_only(full, frozenset(traces)) is full  # nothing to cut
    assert render.plotly_bundle("inline", {"bar", "scatter"}).traces == {"bar", "scatter"}
    # a text not laid out like plotly.py's bundle is left as it is
    other = "/* plotly.js v4.1.1 */ Plotly.register([a(),b()]);"
    assert _registered_only(other, frozenset({"bar"})) is other
