"""Shared fixtures. Keep this small; add fixtures, don't rewrite the existing ones."""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mypy_run
import polars as pl
import pytest
from polars.testing import assert_frame_equal

ROOT = Path(__file__).resolve().parents[1]
#: The shared directory beside the repository: the real-log corpus, the seed, the bench tools.
SHARED = ROOT.parent / "shared"


def _shared_dirs() -> list[Path]:
    """Where ``shared/`` may be: beside this checkout, or (in a git worktree) beside
    the main checkout the worktree belongs to."""
    dirs = [SHARED]
    dot_git = ROOT / ".git"
    if dot_git.is_file():  # "gitdir: <main>/.git/worktrees/<name>"
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            gitdir = Path(text.split(":", 1)[1].strip())
            if gitdir.parent.name == "worktrees":
                dirs.append(gitdir.parent.parent.parent.parent / "shared")
    return dirs


def in_ci() -> bool:
    """Whether the tests run in CI (``CI`` set, and not to false or 0)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def shared_path(*parts: str) -> Path:
    """A path under ``../shared``: skip the test, naming the missing path, when it
    is absent (a fresh clone without it); fail instead in CI, which always has it."""
    for base in _shared_dirs():
        path = base.joinpath(*parts)
        if path.exists():
            return path
    missing = SHARED.joinpath(*parts)
    msg = f"needs {missing} (the shared/ directory beside the repository), which is absent"
    if in_ci():
        pytest.fail(f"{msg}; CI must have it")
    pytest.skip(msg)


#: The modules that take longest (seconds of one test process: ``--durations``),
#: longest first. ``--dist loadscope`` hands whole modules to the test processes in
#: collection order (xdist's own reorder, by number of tests, is turned off below), so
#: these start first and the run does not end with one process on a long module
#: while the other idles. The other modules keep their order, after these. (The
#: architecture tests come once mypy, started when the tests are collected, is done.)
LONGEST_FIRST = (
    "test_report_browser.py",
    "test_distributed.py",
    "test_report_browser_corpus.py",
    "test_hostile_cli.py",
    "test_state.py",
    "test_merge_properties.py",
    "test_cli_subprocess.py",
    "test_architecture.py",
    "test_cli.py",
    "test_panel_errors_timing.py",
    "test_benchmarks.py",
    "test_panel_visitors.py",
    "test_report.py",
    "test_report_loading.py",
    "test_spikes.py",
    "test_cli_distributed.py",
    "test_analysis.py",
    "test_formats_escapes.py",
    "test_benchmarks_modes.py",
    "test_summaries.py",
    "test_report_browser_drill.py",
    "test_notebooks.py",
    "test_timeline.py",
    "test_corpus_goaccess.py",
    "test_parse_properties.py",
    "test_summary.py",
    "test_formats_strings.py",
    "test_report_layout.py",
    "test_parse.py",
)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist: keep LONGEST_FIRST first
        config.option.loadscopereorder = False
    _bytecode_cache_for_subprocesses(config)


def _bytecode_cache_for_subprocesses(config: pytest.Config) -> None:
    """The interpreters the tests start (xdist's test processes, the command line,
    the benchmarks, the notebooks' kernels) keep their bytecode in the pytest cache
    (``PYTHONPYCACHEPREFIX``), so that only the first compiles httplog, polars and
    the rest: with ``PYTHONDONTWRITEBYTECODE`` set, every one of them would compile
    every module it imports again. Nothing is written beside the sources."""
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    if cache is None or "PYTHONPYCACHEPREFIX" in os.environ:
        return
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(cache.mkdir("pycache"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable


def pytest_collection_finish(session: pytest.Session) -> None:
    mypy_run.start_early(session)  # mypy over src/, beside the tests (tests/mypy_run.py)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    mypy_run.finish(interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)


@pytest.fixture(scope="session")
def shared() -> Callable[..., Path]:
    """``shared("corpus", "real")``: :func:`shared_path` as a fixture (session-scoped)."""
    return shared_path


@pytest.fixture
def write_log(tmp_path: Path) -> Callable[..., Path]:
    """Write a log file under ``tmp_path`` and return its path.

    ``write_log(lines_or_bytes, name="access.log")``: a list of ``str`` lines is
    joined with ``\\n`` (and a final newline); ``bytes`` are written as given.
    """

    def write(content: list[str] | str | bytes, name: str = "access.log") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, list):
            content = "".join(line + "\n" for line in content)
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)
        return path

    return write


@pytest.fixture
def parse_log(write_log: Callable[..., Path]) -> Callable[..., object]:
    """Parse lines (or bytes) with :func:`httplog.read_logs`: ``parse_log(lines, fmt)``."""
    from httplog import read_logs

    def parse(content: list[str] | str | bytes, log_format: object = None) -> object:
        return read_logs(write_log(content), log_format=log_format)

    return parse


@pytest.fixture
def parse_field(parse_log: Callable[..., Any]) -> Callable[[str, str, str], object]:
    """``parse_field(line, fmt, column)``: ``column`` of one line parsed with ``fmt``.

    Checks the line is accepted and the column has its schema type
    (:data:`httplog.schema.COLUMNS`), then returns the value.
    """
    from httplog.schema import COLUMNS

    def parse(line: str, fmt: str, column: str) -> object:
        log = parse_log([line], fmt)
        assert log.rejected == 0, log.samples
        got = log.frame[column]
        if column in COLUMNS:
            assert got.dtype == COLUMNS[column]
        return got[0]

    return parse


#: What two equal analyses agree on besides their frames.
ANALYSIS_SCALARS = (
    "format",
    "lines",
    "parsed",
    "rejected",
    "rejected_by_reason",
    "time_range",
    "window",
)


@pytest.fixture(scope="session")
def assert_same_analysis() -> Callable[[Any, Any], None]:
    """``assert_same_analysis(a, b)``: every frame of two analyses equal, then their counts.

    The frames are the analysis' DataFrame fields; an error names the first that differs.
    Session-scoped, so hypothesis tests can use it.
    """

    def check(a: Any, b: Any) -> None:
        for field in dataclasses.fields(a):
            x, y = getattr(a, field.name), getattr(b, field.name)
            if not isinstance(x, pl.DataFrame):
                continue
            try:
                assert_frame_equal(x, y)
            except AssertionError as e:
                raise AssertionError(f"{field.name}: {e}") from None
        for name in ANALYSIS_SCALARS:
            assert getattr(a, name) == getattr(b, name), name

    return check


@pytest.fixture(scope="session")
def goaccess() -> str:
    """The ``goaccess`` command, for the cross-checks of counts (a failure without it:
    CI installs it)."""
    exe = shutil.which("goaccess")
    if exe is None:
        pytest.fail("goaccess is not installed: apt-get install goaccess (.ci/run does)")
    return exe


#: The sample log most report and spike tests read.
SAMPLE_LOG = ROOT / "sample_logs" / "nginx_access.log"


@pytest.fixture(scope="session")
def sample_log_analysis():
    """``httplog.analyze`` of the sample log, made once per test process for the
    modules that only read it (an analysis is immutable: its frames are never
    changed in place, ``dataclasses.replace`` makes new ones)."""
    import httplog

    return httplog.analyze(SAMPLE_LOG)


@pytest.fixture(scope="session")
def sample_log_analysis_paris():
    """The same analysis with its times in Europe/Paris (the report tests')."""
    import httplog

    return httplog.analyze(SAMPLE_LOG, tz="Europe/Paris")


@pytest.fixture(scope="session")
def sample_log_report(tmp_path_factory: pytest.TempPathFactory, sample_log_analysis) -> Path:
    """The report of :func:`sample_log_analysis` (plotly.js inline), written once per
    test process, for the browser tests that only load and read it."""
    from httplog.report import write_report

    out = tmp_path_factory.mktemp("sample-report") / "report.html"
    write_report(sample_log_analysis, out)
    return out


@pytest.fixture(scope="module")
def bench_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmarks' ``--data`` directory, shared by a module's runs of them
    (tests/bench_scripts.py): a log generated for one run is reused by the next, as
    in ``benchmarks/data``."""
    return tmp_path_factory.mktemp("bench-data")


class LogDir:
    """``logs/access.log`` under a test's ``tmp_path``, rotated the ways logrotate does it.

    ``pattern`` matches the log and its rotations; ``state`` is a state directory
    beside ``logs`` (not created).
    """

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path / "logs"
        self.dir.mkdir()
        self.log = self.dir / "access.log"
        self.pattern = str(self.dir / "access.log*")
        self.state = tmp_path / "state"

    def rename(self, name: str) -> Path:
        """``create``: the log renamed to ``name`` (the server writes there until it reopens)."""
        rotated = self.dir / name
        os.rename(self.log, rotated)
        return rotated

    def compress(self, name: str, into: str, opener: Callable[..., Any] = gzip.open) -> None:
        """``compress``: file ``name`` compressed into ``into`` (by ``opener``), then removed."""
        with open(self.dir / name, "rb") as f, opener(self.dir / into, "wb") as g:
            shutil.copyfileobj(f, g)
        os.unlink(self.dir / name)

    def copytruncate(self, into: str) -> Path:
        """``copytruncate``: the log copied to ``into`` (a new inode), then truncated in place."""
        copy = self.dir / into
        shutil.copyfile(self.log, copy)
        with open(self.log, "r+") as f:
            f.truncate(0)
        return copy


@pytest.fixture
def logdir(tmp_path: Path) -> LogDir:
    """An empty ``tmp_path/logs`` to write ``access.log`` in and rotate it: :class:`LogDir`."""
    return LogDir(tmp_path)


# --- the report in a browser -------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Any:
    """Debian's Chromium driven by Playwright: one per test process (session-scoped),
    shared by every browser test module that process runs, with its :class:`Tabs`.

    Needs ``/usr/bin/chromium`` (apt-get install chromium) and the ``playwright``
    package; ``playwright install`` is not used. Missing either is a failure, not a
    skip: CI installs both.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (the browser tests need it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        _TABS[id(b)] = Tabs(b)
        yield b
        _TABS.pop(id(b)).close()
        b.close()


@dataclasses.dataclass
class Opened:
    """A report open in a page, and what happened while it loaded."""

    page: Any
    blocked: list[str] = dataclasses.field(default_factory=list)  # every non-file request
    errors: list[str] = dataclasses.field(default_factory=list)  # console and page errors
    dialogs: list[str] = dataclasses.field(default_factory=list)
    page_errors: list[str] = dataclasses.field(default_factory=list)  # page errors alone
    aborted: list[str] = dataclasses.field(default_factory=list)  # the requests routed, refused


def block_all_but(ctx: Any, url: str, blocked: list[str]) -> None:
    """In the browser context ``ctx``, let only ``url`` load: every other request is
    aborted and its URL appended to ``blocked``."""

    def route(r: Any) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)


#: What a tab's browser context fixes for its page's life: (mobile, JavaScript, the
#: script run before the page's own). The viewport and the colour scheme are set on
#: the page before each load.
TabKey = tuple[bool, bool, "str | None"]


class Tab:
    """A browser context and its page, kept by the test process and navigated from
    one report to the next (by way of ``about:blank``): :meth:`load`, then
    :meth:`release` to give it back to its :class:`Tabs`.

    Each load is a new document, as in a new page: nothing of the last report's
    scripts, timers or DOM is left; the viewport, the colour scheme and the print
    emulation are set again, the mouse is moved off the page; what the page saw
    (:class:`Opened`) starts empty. What is kept is the page's renderer process and
    what it has compiled: a report's first load in a context costs ~2 s of the
    browser's CPU, the next ones in the same page ~1.2 s. Every request but the
    report itself is aborted and noted, as :func:`block_all_but` does.
    """

    def __init__(self, tabs: Tabs, key: TabKey) -> None:
        mobile, javascript, script = key
        self.tabs = tabs
        self.key = key
        self.url: str | None = None
        self.seen = Opened(page=None)
        self.ctx = tabs.browser.new_context(
            is_mobile=mobile, has_touch=mobile, java_script_enabled=javascript
        )
        if script is not None:
            self.ctx.add_init_script(script)
        self.ctx.route("**/*", self._route)
        page = self.page = self.ctx.new_page()
        page.on("console", lambda m: m.type == "error" and self.seen.errors.append(m.text))
        page.on("pageerror", self._page_error)
        page.on("request", lambda r: r.url != self.url and self.seen.blocked.append(r.url))
        page.on("dialog", self._dialog)

    def _route(self, r: Any) -> None:
        if self.url is not None and r.request.url == self.url:
            r.continue_()
        else:
            self.seen.blocked.append(r.request.url)
            self.seen.aborted.append(r.request.url)
            r.abort()

    def _page_error(self, e: Any) -> None:
        self.seen.errors.append(str(e))
        self.seen.page_errors.append(str(e))

    def _dialog(self, d: Any) -> None:
        self.seen.dialogs.append(d.message)
        d.dismiss()

    def load(
        self,
        path: Path,
        *,
        width: int,
        height: int,
        color_scheme: str = "light",
        wait_until: str = "load",
    ) -> Opened:
        """Open ``path`` in the page (``about:blank`` first), at ``width`` x ``height``:
        what it sees from now on."""
        page = self.page
        self.url = None
        if page.url != "about:blank":
            page.goto("about:blank")
        page.set_viewport_size({"width": width, "height": height})
        page.emulate_media(media="null", color_scheme=color_scheme)
        self.seen = Opened(page=page)
        self.url = Path(path).resolve().as_uri()
        page.goto(self.url, wait_until=wait_until)
        return self.seen

    def release(self) -> None:
        """The test is done with the page: its report closed (``about:blank``), the
        tab back in the pool for the next test (or closed, if that fails)."""
        self.url = None
        try:
            self.page.goto("about:blank")
            self.page.emulate_media(media="null")
            self.page.mouse.move(0, 0)
        except Exception:  # (a page that crashed, a browser gone): not kept
            self.tabs.made.remove(self)
            with contextlib.suppress(Exception):
                self.ctx.close()
            return
        self.tabs.idle.setdefault(self.key, []).append(self)


class Tabs:
    """A test process's idle :class:`Tab` s, by :data:`TabKey`: a test takes one
    (made when none is idle) and releases it when done."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.idle: dict[TabKey, list[Tab]] = {}
        self.made: list[Tab] = []

    def take(self, key: TabKey) -> Tab:
        idle = self.idle.get(key)
        if idle:
            return idle.pop()
        tab = Tab(self, key)
        self.made.append(tab)
        return tab

    def close(self) -> None:
        for tab in self.made:
            tab.ctx.close()


#: The :class:`Tabs` of each running browser (the ``browser`` fixture's).
_TABS: dict[int, Tabs] = {}


def take_tab(
    browser: Any, *, mobile: bool = False, javascript: bool = True, script: str | None = None
) -> Tab:
    """An idle tab of ``browser`` with these fixed options (:class:`Tab`)."""
    return _TABS[id(browser)].take((mobile, javascript, script))


def open_watched(
    browser: Any,
    path: Path,
    ready: str,
    *,
    script: str | None = None,
    width: int = 1280,
    height: int = 720,
) -> tuple[Any, list[str], Tab]:
    """``path`` opened in a tab at ``width`` x ``height`` (nothing else may load),
    ``script`` run before the page's own, and waited on until the JavaScript
    condition ``ready`` holds: the page, the page errors seen, the tab (to release)."""
    tab = take_tab(browser, script=script)
    seen = tab.load(path, width=width, height=height)
    seen.page.wait_for_function(ready, timeout=60_000)
    return seen.page, seen.page_errors, tab


def _open_in(
    browser: Any,
    held: list[Tab],
    path: Path,
    *,
    color_scheme: str = "light",
    width: int = 1366,
    mobile: bool = False,
    javascript: bool = True,
    charts: bool = True,
) -> Opened:
    """Open the report ``path`` in a tab of ``browser`` (kept in ``held``, to
    release), every request but the file itself aborted and noted; with JavaScript
    and ``charts``, return once every chart is drawn."""
    tab = take_tab(browser, mobile=mobile, javascript=javascript)
    held.append(tab)
    seen = tab.load(path, width=width, height=844 if mobile else 900, color_scheme=color_scheme)
    if javascript and charts:
        wait_for_charts(seen.page)
    return seen


def release(held: list[Tab]) -> None:
    """Release every tab of ``held`` (and forget them)."""
    while held:
        held.pop().release()


def wait_for_charts(page: Any) -> None:
    """Until every chart of the page is drawn (below the fold they are drawn when the
    browser is idle)."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.plot'))"
        ".every(d => d.querySelector('.main-svg'))",
        timeout=60_000,
    )


def _page_key(path: Path, options: dict[str, Any]) -> tuple[Path, tuple[tuple[str, object], ...]]:
    options = {**PAGE_DEFAULTS, **options}
    if not options["javascript"]:  # without JavaScript nothing is drawn
        options["charts"] = False
    return Path(path).resolve(), tuple(sorted(options.items()))


@pytest.fixture
def open_report(browser: Any) -> Any:
    """``open_report(path, color_scheme=, width=, mobile=, javascript=, charts=)``:
    the report freshly loaded (:class:`Opened`) in a tab of its own, released after
    the test."""
    held: list[Tab] = []

    def open_(path: Path, **options: Any) -> Opened:
        return _open_in(browser, held, path, **options)

    yield open_
    release(held)


#: ``_open_in``'s options when not given.
PAGE_DEFAULTS: dict[str, object] = {
    "color_scheme": "light",
    "width": 1366,
    "mobile": False,
    "javascript": True,
    "charts": True,
}


@pytest.fixture(scope="module")
def shared_report(browser: Any) -> Any:
    """``shared_report(path, **options)``: like ``open_report``, but one page per
    report and options for the whole module, for tests that only read a page (each
    load of a report costs a second or two of the browser's CPU: plotly.js run and
    every chart drawn). A test that clicks, fills, resizes or emulates print opens its own."""
    held: list[Tab] = []
    pages: dict[tuple[Path, tuple[tuple[str, object], ...]], Opened] = {}

    def open_(path: Path, **options: Any) -> Opened:
        key = _page_key(path, options)
        if key not in pages:
            pages[key] = _open_in(browser, held, path, **dict(key[1]))
        return pages[key]

    yield open_
    release(held)


#: JavaScript: ``(div, painted) => marks``, the number of SVG paths of each trace of
#: the chart ``div`` that ``painted(path)`` holds true of, by trace index.
PAINTED_PATHS_PER_TRACE = """(div, painted) => {
  const marks = {};
  for (const g of div.querySelectorAll('.main-svg g.trace')) {
    const cd = g.__data__;
    const trace = cd && cd[0] && cd[0].trace;
    if (!trace) continue;
    const n = Array.from(g.querySelectorAll('path')).filter(painted).length;
    marks[trace.index] = (marks[trace.index] || 0) + n;
  }
  return marks;
}"""


def _offline(seen: Opened) -> None:
    """The page asked for nothing but itself: no web request, no other file."""
    web = [u for u in seen.blocked if u.startswith(("http:", "https:"))]
    assert web == [], f"the page tried the network: {web}"
    assert seen.blocked == [], f"the page requested more than itself: {seen.blocked}"
