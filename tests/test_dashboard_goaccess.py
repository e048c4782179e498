"""The dashboard against GoAccess 1.7: unique visitors, requested files, static
files, not found, per-URL hits and bandwidth, Google keyphrases, on sample_logs/ and the real
corpus (``../shared/corpus/real``, read in place: the CC BY-NC file is never
copied). Where the two differ, the difference is pinned with who is right.

Definitions shared with GoAccess: a visitor is a client, agent and local date
of requests other than 4xx (the log's own date: the analysis runs in the log's
offset); a requested file is a path of a request other than 404, a not-found
URL the path of a 404. Pinned differences:

- GoAccess lists percent-decoded paths (``/products/café``); httplog keeps the
  path as written (``/products/caf%C3%A9``): compared decoded here. httplog is
  right to keep it: the decoded text is not what the client sent, and two
  encodings of one path are two requests to a server that does not decode.
- Requests GoAccess counts and httplog rejects as damaged lines
  (``tests/test_corpus_goaccess.py`` pins them) and GoAccess's rows for
  requests with no path (``-``, a TLS handshake sent to the HTTP port): httplog
  counts those requests (status 400) but they have no path to list.
- Static files: GoAccess 1.7 decides on the request with its query string, so
  ``/app.js?v=3`` is a requested file there and ``/image/get?path=/a.jpg`` a
  static one; httplog decides on the path alone (what is served), with the
  list of ``data/static.toml`` (GoAccess's documented one, given to GoAccess
  here). The union of the two panels agrees URL by URL; a path classed
  differently is one GoAccess saw with a query string.
- GoAccess keys rows by path with query, method and protocol; httplog by path
  (the query is a column of its own): compared by path.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

import httplog
from httplog.analysis import finalize
from httplog.dashboard import static_extensions
from httplog.options import ReadOptions, ViewOptions

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    # (file under sample_logs/ or the corpus, GoAccess's options, httplog's format,
    #  visitors GoAccess counts more, per-URL hits GoAccess counts more)
    ("sample:nginx_access.log", ("--log-format=COMBINED",), "combined", 1, {"/category/kitchen": 1}),
    ("elastic-examples/apache_logs", ("--log-format=COMBINED",), "combined", 1,
     {"/scripts/grok-py-test/configlib.py": 1}),
    ("basjes-logparser/hackers-access.log", ("--log-format=COMBINED",), "combined", 0, {}),
    ("lnav/logfile_access_log.0", ("--log-format=COMBINED",), "combined", 0, {}),
    ("lnav/logfile_shop_access_log.0", ("--log-format=COMBINED",), "main", 0, {}),
    ("databricks-reference-apps/apache.access.log",
     ("--log-format=COMMON", "--no-ip-validation"), "common", 0, {}),
]  # fmt: skip
#: Rows GoAccess lists for requests without a path (httplog: no path to list).
NO_PATH = re.compile(r"^(-|\\x16.*)$")
#: Not-found rows that GoAccess trims and httplog keeps as sent (a trailing
#: space: elastic-examples line 6286; httplog is right, the server saw the space).
TRIMMED = {"/blog/geekery/jquery-interface- ": "/blog/geekery/jquery-interface-"}


def log_path(shared, name: str) -> Path:
    if name.startswith("sample:"):
        return ROOT / "sample_logs" / name.removeprefix("sample:")
    return shared("corpus", "real") / name


def goaccess_report(exe: str, path: Path, args: tuple[str, ...], out: Path) -> dict:
    # GoAccess's documented static-file list (its default configuration file's),
    # the list of data/static.toml: without a configuration file it has fewer.
    static = [f"--static-file={e}" for e in static_extensions()]
    cmd = [exe, *args, *static, "--max-items=1000000", "--no-global-config", "-o", str(out)]
    cmd.append(str(path))
    r = subprocess.run(cmd, capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    return json.loads(out.read_bytes().decode("utf-8", "replace"))


def log_tz(path: Path) -> str:
    """The log's own offset as a time zone (GoAccess counts days in it)."""
    m = re.search(rb"\[[^\]]* ([+-])(\d\d)(\d\d)\]", path.read_bytes()[:4000])
    if not m or int(m.group(2)) == 0:
        return "UTC"
    return f"Etc/GMT{'-' if m.group(1) == b'+' else '+'}{int(m.group(2))}"


def by_path(rows: list[dict]) -> tuple[Counter, Counter, set[str]]:
    """GoAccess rows → hits and bytes per path (query dropped); paths seen with a query
    (GoAccess shows query strings decoded too)."""
    hits: Counter[str] = Counter()
    nbytes: Counter[str] = Counter()
    queried = set()
    for r in rows:
        path, _, query = r["data"].partition("?")
        if NO_PATH.match(path):
            continue
        hits[path] += r["hits"]["count"]
        nbytes[path] += r["bytes"]["count"]
        if query:
            queried.add(path)
    return hits, nbytes, queried


def ours(a, panel: str) -> tuple[Counter, Counter]:
    hits: Counter[str] = Counter()
    nbytes: Counter[str] = Counter()
    frame = a.panels.get(panel)
    for path, n, b in frame.select("path", "requests", "bytes").rows() if frame is not None else []:
        key = unquote(path, errors="replace")
        key = TRIMMED.get(key, key)
        hits[key] += n
        nbytes[key] += b
    return hits, nbytes


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_dashboard_agrees_with_goaccess(shared, goaccess, tmp_path, case):
    name, args, fmt, more_visitors, more_hits = case
    path = log_path(shared, name)
    report = goaccess_report(goaccess, path, args, tmp_path / "goaccess.json")
    run = httplog.run(str(path), read=ReadOptions(log_format=fmt))
    a = finalize(run.partial, ViewOptions(tz=log_tz(path)))
    assert a.visitors + more_visitors == report["general"]["unique_visitors"]
    assert not a.panels["visitors"]["estimate"].any()

    nf_hits, nf_bytes = ours(a, "not_found")
    g_hits, g_bytes, _ = by_path(report["not_found"]["data"])
    assert nf_hits == g_hits
    assert nf_bytes == g_bytes

    req, req_bytes = ours(a, "requests")
    st, st_bytes = ours(a, "static_requests")
    g_req, g_req_bytes, queried = by_path(report["requests"]["data"])
    g_st, g_st_bytes, queried_static = by_path(report["static_requests"]["data"])
    expected = g_req + g_st
    expected.subtract(more_hits)
    assert +(req + st) == +expected  # per URL, hits
    ours_bytes, their_bytes = req_bytes + st_bytes, g_req_bytes + g_st_bytes
    for url in set(ours_bytes) | set(their_bytes):
        if url not in more_hits:
            assert ours_bytes[url] == their_bytes[url], url
    # Static: a path classed differently is one GoAccess saw with a query string.
    for url in set(st) ^ set(g_st):
        assert url in queried | queried_static, url

    # Keyphrases: GoAccess reads Google's referers only; ours of Google agree, hits per phrase.
    phrases = a.panels.get("keyphrases")
    google = Counter(
        dict(phrases.filter(engine="Google").select("keyphrase", "requests").rows())
        if phrases is not None
        else {}
    )
    theirs = Counter({r["data"]: r["hits"]["count"] for r in report["keyphrases"]["data"]})
    assert google == theirs
