"""The command line in-process (typer's CliRunner): flags, config files, outputs, fleets.

The installed command itself is exercised in ``test_cli_subprocess.py``.
"""

from __future__ import annotations

import io
import json
import re
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from logfactory import T0, line
from typer.testing import CliRunner

import httplog
import httplog.cli as cli
import httplog.outputs
from httplog import parse_time
from httplog.cli import ExitStatus, app, commands, default_lang, progress
from httplog.errors import OptionError
from httplog.outputs import EXPORT_TABLES, atomic_open
from httplog.partial import Partial
from httplog.summary import validate

runner = CliRunner()


def invoke(*args: object, stdin: str | bytes | None = None):
    return runner.invoke(app, [str(a) for a in args], input=stdin)


def summary_of(result) -> dict:
    assert result.exit_code in (0, 1), result.stderr or result.output
    data = json.loads(result.stdout)
    assert validate(data) == []
    return data


BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def _line(n: int, status: int, path: str = "/", agent: str = BROWSER) -> str:
    """The ``n``-th minute's line."""
    t = T0 + timedelta(minutes=n)
    return (
        line(time=t, status=status, target=path, agent=agent, client=f"192.0.2.{n % 200 + 1}")
        + "\n"
    )


@pytest.fixture
def log(tmp_path) -> Path:
    """One line a minute for 10 hours: 5xx every 20th, 404 on /admin every 10th, bots on /robots."""
    lines = []
    for n in range(600):
        if n % 20 == 0:
            lines.append(_line(n, 503, "/api/pay"))
        elif n % 10 == 5:
            lines.append(_line(n, 404, "/admin"))
        elif n % 50 == 7:
            lines.append(
                _line(n, 200, "/robots.txt", "Googlebot/2.1 (+http://www.google.com/bot.html)")
            )
        else:
            lines.append(_line(n, 200, f"/p{n % 9}"))
    p = tmp_path / "access.log"
    p.write_text("".join(lines))
    return p


@pytest.fixture
def burst_log(write_log) -> Path:
    """A request every 10 s for 6 hours, a 500 every 97th, and from 03:00 to 03:15
    every other request a 503 on /api/pay."""
    lines = []
    for n in range(6 * 360):
        burst = 1080 <= n < 1170 and n % 2 == 0
        status = 503 if burst else (500 if n % 97 == 0 else 200)
        path = "/api/pay" if burst else f"/p{n % 9}"
        t = T0 + timedelta(seconds=10 * n)
        lines.append(line(time=t, status=status, target=path, client=f"192.0.2.{n % 200 + 1}"))
    return write_log(lines)


# ------------------------------------------------------------ flag parsing

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("30m", "UTC", NOW - timedelta(minutes=30)),
        ("24h", "UTC", NOW - timedelta(hours=24)),
        ("7d", "Europe/Paris", NOW - timedelta(days=7)),
        ("2w", "UTC", NOW - timedelta(weeks=2)),
        ("90s", "UTC", NOW - timedelta(seconds=90)),
        ("1.5h", "UTC", NOW - timedelta(minutes=90)),
        ("now", "UTC", NOW),
        ("today", "Europe/Paris", datetime(2026, 11, 19, 23, tzinfo=UTC)),
        ("yesterday", "UTC", datetime(2026, 11, 19, tzinfo=UTC)),
        ("2026-11-20", "UTC", datetime(2026, 11, 20, tzinfo=UTC)),
        ("2026-11-20", "Asia/Shanghai", datetime(2026, 11, 19, 16, tzinfo=UTC)),
        ("2026-11-20T13:05", "Europe/Paris", datetime(2026, 11, 20, 12, 5, tzinfo=UTC)),
        ("2026-11-20 13:05:07", "UTC", datetime(2026, 11, 20, 13, 5, 7, tzinfo=UTC)),
        ("2026-11-20T13:05:00Z", "Asia/Tokyo", datetime(2026, 11, 20, 13, 5, tzinfo=UTC)),
        ("2026-11-20T13:05:00+01:00", "UTC", datetime(2026, 11, 20, 12, 5, tzinfo=UTC)),
    ],
)
def test_parse_time(text, tz, expected):
    got = parse_time(text, tz, NOW)
    assert got == expected
    assert got.tzinfo is not None


@pytest.mark.parametrize("text", ["", "soon", "5 parsecs", "-3h", "2026-13-01", "h24"])
def test_parse_time_rejects_nonsense_naming_the_option(text):
    with pytest.raises(OptionError) as e:
        parse_time(text, "UTC", NOW)
    assert (e.value.option, e.value.value) == ("since", text)


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN"}, "zh"),
        ({"LC_ALL": "zh_HK", "LC_MESSAGES": "en_GB"}, "zh"),
        ({"LANG": "C.UTF-8"}, "en"),
    ],
)
def test_default_lang_follows_the_locale(env, lang):
    assert default_lang(env) == lang


def test_lang_default_reaches_the_summary(log, monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    s = summary_of(invoke("analyze", log, "--no-report", "--json", "-"))
    assert s["lang"] == "zh"
    assert next(r for r in s["status_codes"] if r["code"] == 404)["description"].startswith("请求")
    s = summary_of(invoke("analyze", log, "--no-report", "--json", "-", "--lang", "en"))
    assert s["lang"] == "en"


def test_the_documented_exit_statuses_are_the_commands_own():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = doc.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    documented = [int(code) for code in re.findall(r"^\| `(\d+)` \|", section, re.M)]
    assert documented == [int(s) for s in ExitStatus]


def test_version():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout == f"httplog {httplog.__version__}\n"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--format", "common", "--log-format", "%h"], "not both"),
        (["--since", "last tuesday"], "--since"),
        (["--until", "someday"], "--until"),
        (["--since", "2026-11-21", "--until", "2026-11-20"], "before --until"),
        (["--tz", "Mars/Olympus"], "Mars/Olympus"),
        (["--window", "7x"], "bad window"),
        (["--window", "90m"], None),
        (["--status", "6xy"], "6xy"),
        (["--fail-on", "5xx-rate>2"], "'5xx-rate>2'"),
        (["--fail-on", "frobs>2"], "unknown metric"),
        (["--max-rejected", "lots"], "--max-rejected"),
        (["--lang", "fr"], "fr"),
        (["--threads", "0"], "--threads"),
        (["--spike-kinds", "3xx"], "--spike-kinds"),
        (["--spike-min-requests", "-1"], "negative"),
    ],
)
def test_bad_options_are_one_line_errors(log, args, needle):
    r = invoke("analyze", log, "--no-report", *args)
    if needle is None:
        assert r.exit_code == 0, r.stderr
        return
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("httplog: error: ")
    assert needle in lines[0]


# ----------------------------------------------------------------- filters


def test_filters_change_what_is_counted(log):
    base = ["analyze", log, "--no-report", "--json", "-"]
    everything = summary_of(invoke(*base))
    assert everything["requests"] == 600
    assert summary_of(invoke(*base, "--status", "5xx"))["requests"] == 30
    assert summary_of(invoke(*base, "--status", "5xx,404"))["requests"] == 90
    assert summary_of(invoke(*base, "--status", "500-504", "--status", "404"))["requests"] == 90
    assert summary_of(invoke(*base, "--path", "/admin"))["requests"] == 60
    s = summary_of(invoke(*base, "--since", "2026-11-20T05:00Z", "--until", "2026-11-20T06:00Z"))
    assert s["requests"] == 60
    assert s["filters"]["since"] == "2026-11-20T05:00:00+00:00"
    s = summary_of(invoke(*base, "--since", "2026-11-20 06:00", "--tz", "Europe/Paris"))
    assert s["requests"] == 600 - 300  # 06:00 Paris is 05:00 UTC
    assert summary_of(invoke(*base, "--bots", "exclude"))["requests"] == 588
    assert summary_of(invoke(*base, "--bots", "only"))["requests"] == 12


def test_relative_since_uses_the_clock(log, monkeypatch):
    # the log ends 2026-11-20 09:59 UTC; pretend it is 10:00
    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 20, 10, 0, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(commands, "datetime", Clock)
    s = summary_of(invoke("analyze", log, "--no-report", "--json", "-", "--since", "30m"))
    assert s["requests"] == 30


def test_view_options(log):
    s = summary_of(invoke("analyze", log, "--no-report", "--json", "-", "-w", "1h", "--top", "3"))
    assert s["window"] == "1h" and len(s["windows"]) == 10
    assert all(len(v) <= 3 for scopes in s["top"].values() for v in scopes.values())
    s = summary_of(invoke("analyze", log, "--no-report", "--json", "-", "--tz", "Asia/Kolkata"))
    assert s["time_range"]["start"] == "2026-11-20T05:30:00+05:30"


def test_spike_options_reach_the_detector(burst_log):
    base = ["analyze", burst_log, "--no-report", "--json", "-", "-w", "5m"]
    (spike,) = summary_of(invoke(*base))["spikes"]
    assert (spike["kind"], spike["start"]) == ("5xx", "2026-11-20T03:00:00+00:00")
    assert spike["top_paths"][0]["path"] == "/api/pay"
    assert len(spike["explanations"]["remote_addr"]) == 5  # --spike-top's default
    for args in (
        ["--spike-min-requests", "100000"],
        ["--spike-kinds", "4xx"],
        ["--spike-min-ratio", "100"],
        ["--spike-min-errors", "1000"],
    ):
        assert summary_of(invoke(*base, *args))["spikes"] == [], args
    (spike,) = summary_of(invoke(*base, "--spike-top", "1"))["spikes"]
    assert len(spike["explanations"]["remote_addr"]) == 1


# ---------------------------------------------------------------- outputs


def test_json_file_and_strftime_paths(log, tmp_path, monkeypatch):
    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 20, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(commands, "datetime", Clock)
    r = invoke(
        "analyze",
        log,
        "--no-report",
        "--json",
        tmp_path / "out" / "%Y-%m-%d.json",
        "--tz",
        "Asia/Tokyo",
    )
    assert r.exit_code == 0, r.stderr
    target = tmp_path / "out" / "2026-11-21.json"  # 08:30 on the 21st in Tokyo
    assert r.stdout == f"{target}\n"
    data = json.loads(target.read_text())
    assert validate(data) == [] and data["requests"] == 600


def test_export_writes_every_table_and_the_rows(log, tmp_path):
    d = tmp_path / "export"
    r = invoke("analyze", log, "--no-report", "--export", d, "--status", "4xx,5xx")
    assert r.exit_code == 0, r.stderr
    for name in EXPORT_TABLES:
        csv = pl.read_csv(d / f"{name}.csv")
        pq = pl.read_parquet(d / f"{name}.parquet")
        assert csv.columns == pq.columns and csv.height == pq.height, name
    assert pl.read_parquet(d / "status.parquet")["requests"].sum() == 90
    rows = pl.read_parquet(d / "rows.parquet")
    assert rows.height == 90
    assert set(rows["status"].to_list()) == {404, 503}
    assert {"time", "status", "path", "source"} <= set(rows.columns)
    assert validate(json.loads((d / "summary.json").read_text())) == []
    assert not list(d.glob(".*"))  # no temporary files left


def test_export_with_stdin_reads_it_once_and_keeps_its_name(log, tmp_path):
    d = tmp_path / "export"
    r = invoke("analyze", "-", "--no-report", "--export", d, stdin=log.read_bytes())
    assert r.exit_code == 0, r.stderr
    rows = pl.read_parquet(d / "rows.parquet")
    assert rows.height == 600 and set(rows["source"].to_list()) == {"-"}
    assert pl.read_parquet(d / "inputs.parquet")["source"].to_list() == ["-"]


def test_report_options_reach_the_writer(log, tmp_path, monkeypatch):
    seen = {}

    def fake(analysis, path, **kw):
        seen.update(kw, path=path, lang=analysis.view.lang)
        Path(path).write_text("<html>")

    import httplog.report

    monkeypatch.setattr(httplog.report, "write_report", fake)
    out = tmp_path / "r.html"
    r = invoke("analyze", log, "-o", out, "--plotly-js", "cdn", "--title", "Shop", "--lang", "zh")
    assert r.exit_code == 0, r.stderr
    assert seen["plotly_js"] == "cdn" and seen["title"] == "Shop" and seen["lang"] == "zh"
    assert seen["path"] == str(out)  # the writer is atomic itself: no second temporary file
    assert out.read_text() == "<html>"


def test_a_failing_writer_leaves_the_old_outputs(log, tmp_path, monkeypatch):
    js = tmp_path / "s.json"
    js.write_text('{"old": true}')

    def disk_full(path, data):
        with atomic_open(path) as f:
            f.write(data[:100])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(httplog.outputs, "atomic_write", disk_full)
    r = invoke("analyze", log, "--no-report", "--json", js)
    assert r.exit_code == 2
    assert r.stderr == "httplog: error: No space left on device\n"
    assert js.read_text() == '{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["access.log", "s.json"]


def test_a_crashing_report_writer_is_an_internal_error(log, tmp_path, monkeypatch):
    import httplog.report

    out = tmp_path / "r.html"
    out.write_text("old report")

    def crash(analysis, path, **kw):  # as the real writer fails: half-way into its temp file
        with atomic_open(path) as f:
            f.write("<html>half")
            raise ZeroDivisionError("oops")

    monkeypatch.setattr(httplog.report, "write_report", crash)
    r = invoke("analyze", log, "-o", out)
    assert r.exit_code == ExitStatus.INTERNAL
    assert r.stderr.startswith("httplog: error: internal error: ZeroDivisionError: oops")
    assert "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1
    assert out.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["access.log", "r.html"]
    monkeypatch.setenv("HTTPLOG_DEBUG", "1")
    r = invoke("analyze", log, "-o", out)
    assert "Traceback" in r.stderr


def test_terminal_output_has_a_summary(log, tmp_path, monkeypatch):
    monkeypatch.setattr(commands, "interactive", lambda quiet: not quiet)
    r = invoke("analyze", log, "--no-report", "--json", tmp_path / "s.json", "--fail-on", "5xx>1")
    assert r.exit_code == 1
    assert "600 lines (combined): 600 requests" in r.stdout
    assert "503  Service Unavailable" in r.stdout
    assert f"Summary: {tmp_path / 's.json'}" in r.stdout
    assert r.stderr == "httplog: alert: 5xx>1: 30 5xx responses (> 1)\n"
    r = invoke("analyze", log, "--no-report", "--json", "-")
    assert json.loads(r.stdout)["requests"] == 600  # JSON alone on stdout


def test_progress_bar_counts_bytes_and_lines(monkeypatch):
    monkeypatch.setattr(progress, "PROGRESS_DELAY", 0)
    fake = io.StringIO()
    fake.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", fake)
    bar = progress.Bar(True)
    bar.start(1000)
    bar.advance(400, 10)
    bar.advance(600, 15)
    bar.stop()
    assert (bar.read, bar.lines) == (1000, 25)
    shown = fake.getvalue()
    assert "0.4/1.0 kB" in shown or "0.0/1.0 kB" in shown  # drawn while reading
    assert "1.0/1.0 kB" in shown and "lines/s" in shown
    assert shown.endswith("\x1b[2K")  # and erased at the end (transient)
    fake.seek(0)
    fake.truncate()
    quiet_bar = progress.Bar(False)
    quiet_bar.start(None)
    quiet_bar.advance(5, 1)
    quiet_bar.stop()
    assert quiet_bar._bar is None
    assert fake.getvalue() == ""


# ------------------------------------------------------------------ config


@pytest.fixture
def config(write_log):
    """``config(text, name="httplog.toml")``: a config file of ``text`` (dedented) under tmp_path."""
    return lambda text, name="httplog.toml": write_log(textwrap.dedent(text), name)


def test_config_file_supplies_options_and_flags_win(log, tmp_path, config):
    cfg = config(f"""
        paths = ["{log.name}"]
        window = "1h"
        status = "5xx"
        fail-on = ["5xx>1", "requests<1"]
        json = "out/summary.json"
        no-report = true
        tz = "Europe/Paris"

        [analyze]
        top = 2
    """)
    r = invoke("analyze", "--config", cfg)
    assert r.exit_code == 1, r.stderr
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["window"] == "1h" and s["requests"] == 30 and s["tz"] == "Europe/Paris"
    assert [a["condition"] for a in s["alerts"]] == ["5xx>1"]
    # flags on the command line win
    r = invoke(
        "analyze", "--config", cfg, "--window", "10m", "--fail-on", "5xx>1000", "--json", "-"
    )
    assert r.exit_code == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["window"] == "10m" and s["alerts"] == []


def test_config_unknown_keys_are_named(log, config):
    cfg = config(
        'windw = "5m"\nfail_on = ["5xx>1"]\n[analyze]\ncolour = true\n[frobnicate]\nx = 1\n'
    )
    r = invoke("analyze", log, "--config", cfg)
    assert r.exit_code == 2
    assert "windw" in r.stderr and "analyze.colour" in r.stderr and "[frobnicate]" in r.stderr
    assert "fail_on" not in r.stderr  # underscores are fine
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("window = ", "not valid TOML"),
        ('top = "many"', "many"),
        ("status = 5", "list of strings"),
        ("[report]\nformat = 'combined'", "report.format"),
    ],
)
def test_bad_config_values(log, config, text, needle):
    r = invoke("analyze", log, "--config", config(text), "--no-report")
    assert r.exit_code == 2
    assert needle in r.stderr


def test_a_config_file_that_is_not_utf8_is_a_one_line_error(log, tmp_path):
    cfg = tmp_path / "latin1.toml"
    cfg.write_bytes('title = "Café"\n'.encode("latin-1"))
    r = invoke("analyze", log, "--config", cfg, "--no-report")
    assert r.exit_code == 2 and "not valid TOML" in r.stderr
    assert "Traceback" not in r.stderr


def test_chunk_mb_in_a_config_file_waits_for_a_dask_run(log, config, tmp_path):
    """A shared config may set chunk-mb for Dask runs; local runs ignore it
    (on the command line without --scheduler/--workers it is refused)."""
    args = ["analyze", log, "--json", "-", "--no-report"]
    r = invoke(*args, "--config", config("chunk-mb = 8\n"))
    assert r.exit_code == 0, r.stderr
    with_config, without = json.loads(r.stdout), summary_of(invoke(*args))
    assert with_config["requests"] == 600
    assert [i["source"] for i in with_config["inputs"]] == [str(log)]  # read in one piece
    del with_config["generated_at"], without["generated_at"]
    assert with_config == without


def test_missing_config_file(log, tmp_path):
    r = invoke("analyze", log, "--config", tmp_path / "nope.toml")
    assert r.exit_code == 2 and "no such config file" in r.stderr


def test_config_paths_are_relative_to_the_file(log, tmp_path, monkeypatch, config):
    cfg = config(
        """
        paths = ["../access.log"]
        output = "../reports/%Y.html"
        no-report = true
        json = "../s.json"
        """,
        "etc/h.toml",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    r = invoke("analyze", "--config", cfg)
    assert r.exit_code == 0, r.stderr
    assert json.loads((tmp_path / "s.json").read_text())["requests"] == 600


def test_one_config_file_for_every_command(log, tmp_path, config):
    cfg = config(f"""
        paths = ["{log}"]
        format = "combined"
        window = "1h"
        no-report = true

        [aggregate]
        output = "{tmp_path / "host.parquet"}"

        [report]
        paths = ["{tmp_path / "host.parquet"}"]
        json = "{tmp_path / "fleet.json"}"
    """)
    assert invoke("aggregate", "--config", cfg).exit_code == 0
    r = invoke("report", "--config", cfg)
    assert r.exit_code == 0, r.stderr
    s = json.loads((tmp_path / "fleet.json").read_text())
    assert s["requests"] == 600 and s["window"] == "1h"


# ------------------------------------------------------------------ fleets


def test_aggregate_then_report_equals_one_analysis(log, tmp_path):
    lines = log.read_text().splitlines(keepends=True)
    (tmp_path / "h1.log").write_text("".join(lines[::2]))
    (tmp_path / "h2.log").write_text("".join(lines[1::2]) + "junk line\n")
    for h in ("h1", "h2"):
        r = invoke("aggregate", tmp_path / f"{h}.log", "-o", tmp_path / "parts" / f"{h}.parquet")
        assert r.exit_code == 0, r.stderr
        assert r.stdout == f"{tmp_path / 'parts' / f'{h}.parquet'}\n"
    fleet = summary_of(
        invoke("report", tmp_path / "parts" / "*.parquet", "--no-report", "--json", "-", "-w", "1h")
    )
    both = summary_of(
        invoke(
            "analyze",
            tmp_path / "h1.log",
            tmp_path / "h2.log",
            "--no-report",
            "--json",
            "-",
            "-w",
            "1h",
        )
    )
    for key in ("lines", "classes", "status_codes", "windows", "spikes", "requests"):
        assert fleet[key] == both[key], key
    r = invoke("report", tmp_path / "parts" / "h1.parquet", "--no-report", "--fail-on", "5xx>1")
    assert r.exit_code == 1


def test_aggregate_with_filters_and_state(log, tmp_path):
    out = tmp_path / "p.parquet"
    assert invoke("aggregate", log, "-o", out, "--status", "5xx").exit_code == 0
    assert int(Partial.from_parquet(str(out)).counts["requests"].sum()) == 30
    st = tmp_path / "state"
    assert invoke("aggregate", log, "-o", out, "--state", st).exit_code == 0
    with open(log, "a") as f:
        f.write(_line(700, 500))
    assert invoke("aggregate", log, "-o", out, "--state", st).exit_code == 0
    assert int(Partial.from_parquet(str(out)).counts["requests"].sum()) == 601
    # the state directory is a valid input of `report` too
    s = summary_of(invoke("report", st, "--no-report", "--json", "-"))
    assert s["requests"] == 601


def test_aggregate_usage_errors(log, tmp_path):
    r = invoke("aggregate", log)
    assert r.exit_code == 2 and "-o/--output" in r.stderr
    r = invoke(
        "aggregate", log, "-o", tmp_path / "p.parquet", "--state", tmp_path / "s", "--since", "1d"
    )
    assert r.exit_code == 2 and "report time" in r.stderr


def test_report_errors(tmp_path):
    r = invoke("report", tmp_path / "missing.parquet", "--no-report")
    assert r.exit_code == 2 and "no such file" in r.stderr
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    r = invoke("report", bad, "--no-report")
    assert r.exit_code == 2 and "not a readable httplog partial" in r.stderr
    r = invoke("report", "--no-report")
    assert r.exit_code == 2 and "no partial given" in r.stderr


# ------------------------------------------------------------------- state


def test_state_summary_says_what_was_new(log, tmp_path):
    st = tmp_path / "state"
    base = ["analyze", log, "--state", st, "--no-report", "--json", "-"]
    s = summary_of(invoke(*base))
    assert s["incremental"]["new_lines"] == 600 and s["incremental"]["runs"] == 1
    s = summary_of(invoke(*base))
    assert s["incremental"]["new_lines"] == 0 and s["requests"] == 600
    assert s["incremental"]["settings"]["log_format"] == "combined"


def test_state_does_not_commit_a_wrong_format(tmp_path):
    st = tmp_path / "state"
    p = tmp_path / "x.log"
    p.write_text("".join(_line(n, 200) for n in range(10)) + "junk\n" * 30)
    r = invoke("analyze", p, "--state", st, "--no-report")
    assert r.exit_code == 2 and "do not parse" in r.stderr
    assert not (st / "state.json").exists()


def test_export_with_state_writes_the_tables_of_the_whole_history_but_no_rows(log, tmp_path):
    d, plain = tmp_path / "x", tmp_path / "plain"
    st = tmp_path / "st"
    half = log.read_text().splitlines(keepends=True)
    log.write_text("".join(half[:300]))
    assert invoke("analyze", log, "--state", st, "--no-report").exit_code == 0
    log.write_text("".join(half))
    r = invoke("analyze", log, "--state", st, "--no-report", "--export", d)
    assert r.exit_code == 0, r.stderr
    assert invoke("analyze", log, "--no-report", "--export", plain).exit_code == 0
    for name in ("status", "timeline"):
        assert pl.read_csv(d / f"{name}.csv").equals(pl.read_csv(plain / f"{name}.csv")), name
    assert pl.read_csv(d / "status.csv")["requests"].sum() == 600
    assert not (d / "rows.parquet").exists()  # the rows of earlier runs are not kept


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (["-q"], 0, ""),
        (["-q", "--fail-on", "5xx>1"], 1, "httplog: alert: 5xx>1: 30 5xx responses (> 1)\n"),
        (["-q", "--window", "7x"], 2, "httplog: error: "),
    ],
)
def test_main_exits_with_the_commands_status_and_ends_quietly_on_sigpipe(
    log, capsys, args, code, stderr
):
    import signal

    saved = signal.getsignal(signal.SIGPIPE)
    try:
        with pytest.raises(SystemExit) as e:
            cli.main(["analyze", str(log), "--no-report", *args])
        assert signal.getsignal(signal.SIGPIPE) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGPIPE, saved)
    assert e.value.code == code
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(stderr) and len(err.splitlines()) <= 1
