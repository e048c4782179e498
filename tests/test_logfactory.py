"""The log factory (``tools/logfactory``) every generated log comes from: each of its
writers writes lines httplog reads back as the records they came from, in every
format httplog names, and ``sample_logs/generate.py`` still writes the committed
sample logs byte for byte."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, timedelta, timezone
from pathlib import Path

import pytest
from logfactory import WRITERS, Request, mixed, text
from logfactory.writers import S3_BUCKET, TIMED_FORMAT

import httplog
from httplog.formats import NAMES

ROOT = Path(__file__).resolve().parents[1]

#: Values a writer must escape (quotes, backslashes, non-ASCII, spaces).
HOSTILE_AGENTS = (
    'Mozilla/5.0 (compatible; "quoted" bot/2.1)',
    "Mozilla/5.0 (Windows NT 6.1) \\\\server\\share probe",
    "Mozilla/5.0 (Linux; U; Android 4.4.2; zh-cn; 小米 Build/KOT49H) Mobile Safari/537.36",
    "curl/8.5.0",
)


#: Writers whose format is not one of httplog's names: their format string.
WRITERS_FORMAT = {"timed": TIMED_FORMAT}


def _records() -> list[Request]:
    records = mixed(
        120,
        seed=3,
        step=37,
        statuses=(200, 200, 201, 301, 304, 404, 500, 502, 503, 504),
        agents=HOSTILE_AGENTS,
        clients=("192.0.2.7", "198.51.100.23", "2001:db8:85a3::8a2e:370:7334"),
        referers=("", "https://www.example.org/a?b=1"),
        post_share=0.2,
        timed=True,
    )
    for r in records[::7]:
        r.host = "api.example.com"
    return records


def test_every_named_format_has_a_writer():
    assert set(NAMES) <= set(WRITERS)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("tz", [UTC, timezone(timedelta(hours=-5))], ids=["utc", "minus5"])
def test_each_writer_is_read_back_as_the_records_it_wrote(fmt, tz, write_log):
    records = _records()
    path = write_log(text(records, fmt, tz).encode("utf-8", "surrogateescape"))
    log_format = WRITERS_FORMAT.get(fmt, fmt)
    got = httplog.read_logs(path, log_format=log_format)
    assert (got.parsed, got.rejected) == (len(records), 0), got.samples
    frame = got.frame
    assert frame["status"].to_list() == [r.status for r in records]
    times = frame["time"].dt.epoch("s").to_list()
    if fmt == "haproxy":  # local time without an offset: read as UTC
        shift = int(tz.utcoffset(None).total_seconds())
        times = [t - shift for t in times]
    assert times == [r.ts for r in records]
    if "path" in frame.columns:
        assert frame["path"].to_list() == [_expected_path(fmt, r) for r in records]
    if "method" in frame.columns:
        assert frame["method"].to_list() == [r.method for r in records]
    if "remote_addr" in frame.columns:
        assert frame["remote_addr"].to_list() == [r.client for r in records]
    if "bytes" in frame.columns:  # (no header bytes: %O is the body size)
        assert frame["bytes"].fill_null(0).to_list() == [r.size or 0 for r in records]
    if "user_agent" in frame.columns:
        assert frame["user_agent"].to_list() == [r.agent or None for r in records]


def _expected_path(fmt: str, r: Request) -> str:
    if fmt in ("s3", "cloudstorage"):
        return f"/{S3_BUCKET}{r.path}"
    return r.path


def test_the_same_seed_gives_the_same_bytes():
    assert text(mixed(300, seed=9, jitter=2)) == text(mixed(300, seed=9, jitter=2))
    assert text(mixed(300, seed=9)) != text(mixed(300, seed=10))


def test_generate_writes_the_committed_sample_logs_byte_for_byte():
    r = subprocess.run(
        [sys.executable, str(ROOT / "sample_logs" / "generate.py"), "--check"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "up to date" in r.stdout


def test_the_benchmark_generator_writes_what_httplog_reads(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("genlog", ROOT / "benchmarks" / "genlog.py")
    assert spec and spec.loader
    genlog = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(genlog)
    out = tmp_path / "g.log.gz"
    genlog.main([str(out), "--lines", "4000", "--seed", "2", "--gzip"])
    log = httplog.read_logs(out)
    name = getattr(log.format, "name", log.format)  # a LogFormat, or its name
    assert (name, log.parsed, log.rejected) == ("combined", 4000, 0)
    assert log.frame["status"].is_in([500, 502, 503]).sum() > 10  # the burst
    assert b"".join(genlog.lines(300, 2)) == b"".join(genlog.lines(300, 2))
