"""Shared fixtures. Keep this small; add fixtures, don't rewrite the existing ones."""

from __future__ import annotations

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
#: while the other idles. The other modules keep their order, after these.
LONGEST_FIRST = (
    "test_report_browser.py",
    "test_report_browser_corpus.py",
    "test_benchmarks.py",
    "test_benchmarks_modes.py",
    "test_hostile_cli.py",
    "test_cli_subprocess.py",
    "test_distributed.py",
    "test_architecture.py",
    "test_merge_properties.py",
    "test_state.py",
    "test_notebooks.py",
    "test_report.py",
    "test_spikes.py",
    "test_cli_distributed.py",
    "test_report_browser_drill.py",
    "test_panel_errors_timing.py",
    "test_cli.py",
    "test_formats_escapes.py",
    "test_formats_strings.py",
    "test_summaries.py",
    "test_parse_properties.py",
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
    shared by every browser test module that process runs.

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
        yield b
        b.close()


@dataclasses.dataclass
class Opened:
    """A report open in a page, and what happened while it loaded."""

    page: Any
    blocked: list[str] = dataclasses.field(default_factory=list)  # every non-file request
    errors: list[str] = dataclasses.field(default_factory=list)  # console and page errors
    dialogs: list[str] = dataclasses.field(default_factory=list)


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


def open_watched(
    browser: Any,
    path: Path,
    ready: str,
    *,
    script: str | None = None,
    width: int = 1280,
    height: int = 720,
) -> tuple[Any, list[str], Any]:
    """``path`` opened in a new context of ``width`` x ``height`` (nothing else may
    load), ``script`` run before the page's own, and waited on until the JavaScript
    condition ``ready`` holds: the page, the page errors seen, the context."""
    ctx = browser.new_context(viewport={"width": width, "height": height})
    url = path.resolve().as_uri()
    errors: list[str] = []
    block_all_but(ctx, url, [])
    if script is not None:
        ctx.add_init_script(script)
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    page.wait_for_function(ready, timeout=60_000)
    return page, errors, ctx


def _open_in(
    browser: Any,
    contexts: list[Any],
    path: Path,
    *,
    color_scheme: str = "light",
    width: int = 1366,
    mobile: bool = False,
    javascript: bool = True,
    charts: bool = True,
) -> Opened:
    """Open the report ``path`` in a new context of ``browser`` (kept in ``contexts``
    to close), every request but the file itself aborted and noted; with JavaScript
    and ``charts``, return once every chart is drawn."""
    ctx = browser.new_context(
        viewport={"width": width, "height": 900 if not mobile else 844},
        color_scheme=color_scheme,
        is_mobile=mobile,
        has_touch=mobile,
        java_script_enabled=javascript,
    )
    contexts.append(ctx)
    url = path.resolve().as_uri()
    seen = Opened(page=None)
    block_all_but(ctx, url, seen.blocked)
    page = ctx.new_page()
    seen.page = page
    page.on("console", lambda m: m.type == "error" and seen.errors.append(m.text))
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("request", lambda r: r.url != url and seen.blocked.append(r.url))

    def dialog(d: Any) -> None:
        seen.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(url, wait_until="load")
    if javascript and charts:
        wait_for_charts(page)
    return seen


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


class PagePool:
    """Fresh pages of a module's reports, loading ahead of the tests that take them
    (:meth:`preload`): the browser compiles plotly.js and draws every chart of the
    next pages while a test reads its own. ``open_report`` takes a page from here
    when one of that report with those options is waiting, untouched, and waits for
    its charts as for a page it opened; each is taken once."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []
        self.waiting: dict[tuple[Path, tuple[tuple[str, object], ...]], list[Opened]] = {}

    def preload(self, path: Path, **options: Any) -> None:
        """Start loading ``path`` (with ``_open_in``'s options) in a page of its own."""
        key = _page_key(path, options)
        seen = _open_in(self.browser, self.contexts, path, **{**dict(key[1]), "charts": False})
        self.waiting.setdefault(key, []).append(seen)

    def take(self, path: Path, **options: Any) -> Opened | None:
        key = _page_key(path, options)
        pages = self.waiting.get(key)
        if not pages:
            return None
        seen = pages.pop(0)
        if dict(key[1])["charts"]:
            wait_for_charts(seen.page)
        return seen

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture(scope="module")
def page_pool(browser: Any) -> Any:
    """The module's :class:`PagePool` (empty unless a fixture preloads pages)."""
    pool = PagePool(browser)
    yield pool
    pool.close()


@pytest.fixture
def open_report(browser: Any, page_pool: PagePool) -> Any:
    """``open_report(path, color_scheme=, width=, mobile=, javascript=, charts=)``:
    the report in a page of its own (:class:`Opened`), closed after the test (or
    when the module ends, if it was loaded ahead: :class:`PagePool`)."""
    contexts: list[Any] = []

    def open_(path: Path, **options: Any) -> Opened:
        ahead = page_pool.take(path, **options)
        return ahead if ahead is not None else _open_in(browser, contexts, path, **options)

    yield open_
    for ctx in contexts:
        ctx.close()


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
    load of a report costs seconds of the browser's CPU: plotly.js compiled and every
    chart drawn). A test that clicks, fills, resizes or emulates print opens its own."""
    contexts: list[Any] = []
    pages: dict[tuple[Path, tuple[tuple[str, object], ...]], Opened] = {}

    def open_(path: Path, **options: Any) -> Opened:
        key = _page_key(path, options)
        if key not in pages:
            pages[key] = _open_in(browser, contexts, path, **dict(key[1]))
        return pages[key]

    yield open_
    for ctx in contexts:
        ctx.close()


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
