"""The engine: hard lines, exact accounting of every line, inputs of every kind, the API."""

from __future__ import annotations

import bz2
import functools
import gzip
import json
import lzma
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
import zstandard
from polars.testing import assert_frame_equal

import httplog
from httplog.engine import iter_parsed
from httplog.errors import FormatError, InputError, UsageError
from httplog.filters import row_filter
from httplog.formats import compile_format
from httplog.inputs import Chunk, resolve_inputs, split
from httplog.parse import REASONS, REJECTED_SCHEMA, lines_frame, parse_lines
from httplog.scan import read_logs, scan_logs
from httplog.schema import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
T = "[20/Nov/2026:12:00:00 +0100]"
T_UTC = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)


def combined(
    request: str = "GET / HTTP/1.1",
    status: str = "200",
    size: str = "512",
    referer: str = "-",
    agent: str = "curl/8.5.0",
    addr: str = "192.0.2.1",
    user: str = "-",
    time: str = T,
) -> str:
    return f'{addr} - {user} {time} "{request}" {status} {size} "{referer}" "{agent}"'


# (id, the line as bytes, either the reason it is rejected for or the fields it parses to)
HARD_LINES: list[tuple[str, bytes, str | dict[str, object]]] = [
    (
        "ipv6",
        combined(addr="2001:db8:85a3::8a2e:370:7334").encode(),
        {"remote_addr": "2001:db8:85a3::8a2e:370:7334"},
    ),
    (
        "ipv4-mapped-ipv6",
        combined(addr="::ffff:192.0.2.128").encode(),
        {"remote_addr": "::ffff:192.0.2.128"},
    ),
    (
        "http2",
        combined(request="GET /api HTTP/2.0").encode(),
        {"protocol": "HTTP/2.0", "path": "/api"},
    ),
    (
        "escaped-quote-in-request",
        combined(request='GET /q?s=\\"x\\" HTTP/1.1').encode(),
        {"path": "/q", "query": 's="x"', "method": "GET"},
    ),
    (
        "escaped-quote-in-agent",
        combined(agent='Mozilla/5.0 (\\"quoted\\"; \\\\) end').encode(),
        {"user_agent": 'Mozilla/5.0 ("quoted"; \\) end'},
    ),
    (
        "dash-fields",
        b"- - - " + T.encode() + b' "-" 408 - "-" "-"',
        {
            "remote_addr": None,
            "remote_user": None,
            "method": None,
            "path": None,
            "protocol": None,
            "status": 408,
            "bytes": None,
            "referer": None,
            "user_agent": None,
        },
    ),
    (
        "dash-request",
        combined(request="-", status="400").encode(),
        {"method": None, "path": None, "query": None, "protocol": None, "status": 400},
    ),
    (
        "empty-request",
        combined(request="", status="400").encode(),
        {"method": None, "path": None, "status": 400},
    ),
    (
        "tls-handshake-escaped",
        combined(
            request="\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03",
            status="400",
            size="0",
        ).encode(),
        {"status": 400, "method": None, "path": None, "protocol": None, "bytes": 0},
    ),
    (
        "percent-encoded-path",
        combined(request="GET /caf%C3%A9/%E2%98%83?q=%20x&y HTTP/1.1").encode(),
        {"path": "/caf%C3%A9/%E2%98%83", "query": "q=%20x&y"},
    ),
    (
        "non-ascii-path",
        combined(request="GET /café/☃?ü=1 HTTP/1.1").encode(),
        {"path": "/café/☃", "query": "ü=1"},
    ),
    (
        "invalid-utf8-in-agent",
        combined(agent="X").encode().replace(b'"X"', b'"bad \xff\xfe bytes"'),
        {"user_agent": "bad \ufffd\ufffd bytes"},
    ),
    ("unit-separator-in-agent", combined(agent="a\x1fb").encode(), {"user_agent": "a\ufffdb"}),
    ("trailing-blanks", combined().encode() + b"  \t", {"status": 200}),
    (
        "target-with-space",
        combined(request="GET /a b HTTP/1.1").encode(),
        {"path": "/a b", "protocol": "HTTP/1.1"},
    ),
    (
        "http09-no-protocol",
        combined(request="GET /old").encode(),
        {"method": "GET", "path": "/old", "protocol": None},
    ),
    ("method-only", combined(request="GET", status="400").encode(), {"method": None, "path": None}),
    (
        "absolute-target",
        combined(request="GET http://x.test/p?q HTTP/1.1").encode(),
        {"path": "http://x.test/p", "query": "q"},
    ),
    (
        "connect",
        combined(request="CONNECT x.test:443 HTTP/1.1").encode(),
        {"method": "CONNECT", "path": "x.test:443"},
    ),
    ("empty-query", combined(request="GET /a? HTTP/1.1").encode(), {"path": "/a", "query": ""}),
    ("odd-status-0", combined(status="0").encode(), {"status": 0}),
    ("odd-status-999", combined(status="999").encode(), {"status": 999}),
    ("nginx-444", combined(status="444", size="0").encode(), {"status": 444}),
    (
        "half-hour-offset",
        combined(time="[22/Jan/2019:03:56:14 +0330]").encode(),
        {"time": datetime(2019, 1, 22, 0, 26, 14, tzinfo=UTC)},
    ),
    ("900-kilobyte-agent", combined(agent="A" * 900_000).encode(), {"status": 200}),
    ("bom-at-line-start", b"\xef\xbb\xbf" + combined().encode(), {"remote_addr": "192.0.2.1"}),
    # rejected lines
    ("empty", b"", "empty"),
    ("blank", b"   \t", "empty"),
    ("truncated", combined().encode()[:70], "no_match"),
    ("truncated-agent", combined().encode()[:-1], "no_match"),
    ("garbage", b"xxxxxxxxxxxx", "no_match"),
    ("two-megabyte-garbage", b"z" * 2_000_000, "too_long"),
    ("two-megabyte-agent", combined(agent="A" * 2_000_000).encode(), "too_long"),
    ("nul-bytes", b"\x00\x00\x00" + combined().encode(), "binary"),
    ("nul-inside", combined(agent="a\x00b").encode(), "binary"),
    ("binary-tls-bytes", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xd6", "binary"),
    ("invalid-utf8-garbage", b"\xff\xfe\xfd\xfc", "binary"),
    (
        "nginx-error-log",
        b"2026/11/20 03:12:45 [error] 1234#1234: *5678 upstream timed out (110: Connection timed out)",
        "error_log",
    ),
    (
        "nginx-error-log-warn",
        b"2026/11/20 03:12:45 [warn] 1234#0: *1 an upstream response is buffered",
        "error_log",
    ),
    (
        "apache24-error-log",
        b"[Thu Nov 19 18:40:02.482913 2026] [core:error] [pid 2187:tid 1402] [client 203.0.113.77:51234] AH00126: Invalid URI",
        "error_log",
    ),
    (
        "apache22-error-log",
        b"[Sun Mar 07 16:05:49 2004] [error] [client 64.242.88.10] File does not exist: /x",
        "error_log",
    ),
    ("bad-time", combined(time="[31/Feb/2026:12:00:00 +0100]").encode(), "bad_time"),
    ("bad-month", combined(time="[20/Foo/2026:12:00:00 +0100]").encode(), "bad_time"),
    ("dash-status", combined(status="-").encode(), "bad_status"),
    ("huge-status", combined(status="70000").encode(), "bad_status"),
]


@pytest.fixture(scope="module")
def hard_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, httplog.ParsedLog]:
    path = tmp_path_factory.mktemp("hard") / "hard.log"
    path.write_bytes(b"".join(line + b"\n" for _, line, _ in HARD_LINES))
    return path, read_logs(path, log_format="combined")


@pytest.mark.parametrize(
    ("name", "expected"), [(n, e) for n, _, e in HARD_LINES], ids=[n for n, _, _ in HARD_LINES]
)
def test_hard_line_is_parsed_or_rejected_for_its_reason(hard_log, name, expected):
    path, log = hard_log
    lineno = [n for n, _, _ in HARD_LINES].index(name) + 1
    rejected = log.samples.filter(pl.col("line") == lineno)
    if isinstance(expected, str):
        # every reason keeps its first samples; this line must be counted under its reason
        assert log.rejected_by_reason.get(expected, 0) >= 1
        if rejected.height:
            assert rejected["reason"].to_list() == [expected]
            assert rejected["source"].to_list() == [str(path)]
        assert _reasons_by_line(str(path))[lineno] == expected
    else:
        assert rejected.height == 0
        parsed_lines = [i + 1 for i, (_, _, e) in enumerate(HARD_LINES) if not isinstance(e, str)]
        row = log.frame.row(parsed_lines.index(lineno), named=True)
        for column, value in expected.items():
            assert row[column] == value, column
        assert row["time"] is not None and row["status"] is not None


@functools.cache
def _reasons_by_line(path: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for pb in iter_parsed([Chunk(resolve_inputs(path)[0])], "combined"):
        out.update(dict(pb.rejected.select("line", "reason").iter_rows()))
    return out


def test_hard_lines_are_all_accounted_for(hard_log):
    path, log = hard_log
    n_rejected = sum(1 for _, _, e in HARD_LINES if isinstance(e, str))
    assert log.lines == len(HARD_LINES)
    assert (log.parsed, log.rejected) == (len(HARD_LINES) - n_rejected, n_rejected)
    assert log.parsed + log.rejected == log.lines
    assert set(log.rejected_by_reason) <= set(REASONS)
    assert log.inputs.row(0) == (str(path), len(HARD_LINES), log.parsed, log.rejected, 0)


def test_samples_keep_the_first_lines_of_each_reason_cut_to_300_chars(hard_log):
    _, log = hard_log
    assert log.samples.columns == ["source", "line", "reason", "text"]
    assert log.samples.group_by("reason").len()["len"].max() <= 5
    assert log.samples["text"].str.len_chars().max() <= 300
    assert log.samples["line"].is_sorted()


def test_a_line_just_under_the_limit_survives_the_engine_and_one_over_is_too_long(hard_log):
    _, log = hard_log
    assert log.frame["user_agent"].str.len_bytes().max() == 900_000
    assert log.rejected_by_reason["too_long"] == 2


def test_crlf_line_endings_are_ordinary(parse_log):
    data = (combined() + "\r\n" + "oops\r\n" + combined(status="404") + "\r\n").encode()
    log = parse_log(data, "combined")
    assert log.frame["status"].to_list() == [200, 404]
    assert log.frame["user_agent"].to_list() == ["curl/8.5.0", "curl/8.5.0"]
    assert log.samples.select("line", "reason").rows() == [(2, "no_match")]


def test_a_last_line_without_newline_is_parsed(parse_log):
    log = parse_log((combined() + "\n" + combined(status="500")).encode(), "combined")
    assert log.frame["status"].to_list() == [200, 500]


# ---------------------------------------------------------- every input kind


def _compressors() -> dict[str, object]:
    return {
        "plain": lambda d: d,
        "gzip": gzip.compress,
        "bz2": bz2.compress,
        "xz": lzma.compress,
        "zstd": lambda d: zstandard.ZstdCompressor().compress(d),
    }


@pytest.mark.parametrize("kind", list(_compressors()))
def test_every_input_kind_gives_the_same_rows_and_accounting(hard_log, tmp_path, kind):
    path, expected = hard_log
    data = path.read_bytes()
    p = tmp_path / f"access.{kind}"
    p.write_bytes(_compressors()[kind](data))
    log = read_logs(p, log_format="combined")
    assert (log.lines, log.parsed, log.rejected) == (
        expected.lines,
        expected.parsed,
        expected.rejected,
    )
    assert log.rejected_by_reason == expected.rejected_by_reason
    assert_frame_equal(log.frame.drop("source"), expected.frame.drop("source"))
    assert log.samples.drop("source").equals(expected.samples.drop("source"))


@pytest.mark.parametrize("compress", ["plain", "gzip"])
def test_stdin_gives_the_same_rows_and_accounting(hard_log, compress):
    path, expected = hard_log
    data = _compressors()[compress](path.read_bytes())
    code = (
        "import json, httplog; log = httplog.read_logs('-', log_format='combined'); "
        "print(json.dumps([log.lines, log.parsed, log.rejected, log.rejected_by_reason, "
        "log.frame['source'].unique().to_list(), log.frame['status'].sum()]))"
    )
    r = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True)
    lines, parsed, rejected, by_reason, sources, status_sum = json.loads(r.stdout)
    assert (lines, parsed, rejected) == (expected.lines, expected.parsed, expected.rejected)
    assert by_reason == expected.rejected_by_reason
    assert sources == ["-"]
    assert status_sum == expected.frame["status"].sum()


def test_empty_stdin_is_an_empty_result_not_an_error():
    code = "import httplog; log = httplog.read_logs('-'); print(log.lines, log.parsed, log.frame.columns[:3])"
    r = subprocess.run(
        [sys.executable, "-c", code], input="", capture_output=True, check=True, text=True
    )
    assert r.stdout.strip() == "0 0 ['time', 'remote_addr', 'remote_user']"


def test_an_empty_file_is_an_empty_result_with_the_format_columns(write_log):
    log = read_logs(write_log(b""), log_format="common")
    assert (log.lines, log.parsed, log.rejected) == (0, 0, 0)
    assert log.frame.schema == {c: COLUMNS.get(c, pl.String()) for c in log.frame.columns}
    assert "status" in log.frame.columns and "user_agent" not in log.frame.columns


def test_several_files_and_globs_in_any_order_give_the_same_result(write_log, tmp_path):
    write_log([combined(status="200")] * 3 + ["junk"], "access.log")
    write_log(gzip.compress((combined(status="503") + "\n").encode() * 2), "access.log.1.gz")
    write_log([combined(status="404")], "access.log.2")
    paths = [str(tmp_path / n) for n in ("access.log.2", "access.log", "access.log.1.gz")]
    a = read_logs(paths)
    b = read_logs(list(reversed(paths)))
    c = read_logs(str(tmp_path / "access.log*"))
    for log in (b, c):
        assert_frame_equal(log.frame, a.frame)
        assert log.inputs.equals(a.inputs)
    assert a.frame["status"].to_list() == [200, 200, 200, 503, 503, 404]
    assert a.inputs["lines"].to_list() == [4, 2, 1]
    assert a.samples.select("source", "line").rows() == [(str(tmp_path / "access.log"), 4)]


def test_a_missing_file_is_a_one_line_input_error(tmp_path):
    with pytest.raises(InputError) as e:
        read_logs(tmp_path / "nope.log")
    assert str(e.value) == f"{tmp_path / 'nope.log'}: no such file"


def test_a_format_string_that_cannot_compile_is_a_format_error(write_log):
    with pytest.raises(FormatError, match="%Z"):
        read_logs(write_log([combined()]), log_format="%h %t %Z %>s")


# ----------------------------------------------------- byte ranges and blocks


def _whole_file_rejections(path: Path) -> list[tuple[int, str]]:
    out = []
    for pb in iter_parsed([Chunk(resolve_inputs(str(path))[0])], "combined"):
        out.extend(pb.rejected.select("line", "reason").rows())
    return out


@pytest.mark.parametrize("parts", [2, 3, 7, 41])
def test_byte_ranges_give_the_same_rows_and_absolute_line_numbers(hard_log, parts):
    path, expected = hard_log
    (inp,) = resolve_inputs(str(path))
    frames, rejected, offset = [], [], 0
    for chunk in split(inp, parts):
        lines = 0
        for pb in iter_parsed([chunk], "combined", block_size=4096):
            frames.append(pb.parsed)
            rejected.extend(
                (offset + line, reason)
                for line, reason in pb.rejected.select("line", "reason").rows()
            )
            assert pb.parsed.height + pb.rejected.height == pb.block.lines
            lines += pb.lines
        offset += lines
    assert offset == expected.lines  # a line crossing a cut is counted once
    assert_frame_equal(pl.concat(frames), expected.frame)
    assert rejected == _whole_file_rejections(path)


@pytest.mark.parametrize(("threads", "block_size"), [(1, 64), (2, 1000), (3, 1 << 20)])
def test_threads_and_block_size_do_not_change_the_result(hard_log, threads, block_size):
    path, expected = hard_log
    (inp,) = resolve_inputs(str(path))
    blocks = list(iter_parsed([Chunk(inp)], "combined", threads=threads, block_size=block_size))
    assert_frame_equal(pl.concat([pb.parsed for pb in blocks]), expected.frame)
    assert sum(pb.rejected.height for pb in blocks) == expected.rejected
    assert [pb.block.first_line for pb in blocks] == sorted(pb.block.first_line for pb in blocks)


def test_asking_for_fewer_columns_keeps_the_accounting(hard_log):
    path, expected = hard_log
    (inp,) = resolve_inputs(str(path))
    blocks = list(iter_parsed([Chunk(inp)], "combined", columns=["time", "status"]))
    got = pl.concat([pb.parsed for pb in blocks])
    assert got.columns == ["time", "status"]
    assert_frame_equal(got, expected.frame.select("time", "status"))
    rejected = pl.concat([pb.rejected for pb in blocks])
    assert dict(rejected.group_by("reason").len().iter_rows()) == expected.rejected_by_reason


def test_progress_reports_bytes_and_lines_of_each_block(hard_log):
    path, expected = hard_log
    seen: list[tuple[int, int]] = []
    (inp,) = resolve_inputs(str(path))
    list(
        iter_parsed(
            [Chunk(inp)], "combined", block_size=1 << 16, progress=lambda b, n: seen.append((b, n))
        )
    )
    assert sum(b for b, _ in seen) == path.stat().st_size
    assert sum(n for _, n in seen) == expected.lines


def test_a_consumer_that_stops_early_stops_the_reader(hard_log):
    path, _ = hard_log
    (inp,) = resolve_inputs(str(path))
    it = iter_parsed([Chunk(inp)], "combined", block_size=256)
    first = next(it)
    it.close()
    assert first.block.first_line == 1


def test_an_input_error_while_reading_reaches_the_consumer(write_log):
    blob = gzip.compress("".join(f"{i * 7919 % 100003}\n" for i in range(100_000)).encode())
    p = write_log(blob[: len(blob) // 2], "cut.gz")
    with pytest.raises(InputError, match="can't read"):
        read_logs(p, log_format="combined")


def test_lines_frame_reads_every_line_once():
    data = b"a\n\nb\r\n\r\n\xff\n\x1f\n\xef\xbb\xbfbom\nlast"
    assert lines_frame(data)["line"].to_list() == [
        "a",
        None,
        "b",
        None,
        "\ufffd",
        "\ufffd",
        "bom",
        "last",
    ]


@pytest.mark.parametrize("before", [0, 31, 32, 33, 200])
def test_a_bom_at_a_line_start_is_dropped_after_any_number_of_0xef_bytes(before: int):
    # (full-width characters start with 0xEF: past 32 of them, the BOM is searched for)
    wide = "\uff21" * before  # FULLWIDTH LATIN CAPITAL LETTER A, b"\xef\xbc\xa1"
    data = f"{wide}\n".encode() + b"\xef\xbb\xbfbom\n" + f"x{wide}\n\ufeff".encode()
    assert lines_frame(data)["line"].to_list() == [wide or None, "bom", "x" + wide, None]
    assert lines_frame(f"{wide}\na\n".encode())["line"].to_list() == [wide or None, "a"]


TRICKY = b"a\n\nb\r\n\r\n\xff\xfe\n\x1f\n\x00\n  \n\xef\xbb\xbfx\nlast"


def test_the_fallback_splitter_agrees_with_the_csv_reader():
    from httplog.parse import _split_lines

    for data in (TRICKY, TRICKY[3:], b"\xef\xbb\xbf" + TRICKY):
        assert _split_lines(data)["line"].to_list() == lines_frame(data)["line"].to_list()


def test_a_csv_reader_that_loses_a_line_is_caught_and_the_block_split_again(monkeypatch):
    from httplog import parse

    real = pl.read_csv
    monkeypatch.setattr(parse.pl, "read_csv", lambda *a, **k: real(*a, **k).head(-1))
    assert lines_frame(b"a\nb\nc\n")["line"].to_list() == ["a", "b", "c"]


def test_parse_lines_numbers_rejections_from_first_line():
    lines = lines_frame(f"{combined()}\nbad\n\n".encode())
    ok, bad = parse_lines(
        lines, compile_format("combined"), source="s", chunk_start=100, first_line=10
    )
    assert ok.height == 1
    assert bad.schema == REJECTED_SCHEMA
    assert bad.rows() == [("s", 100, 11, "no_match", "bad"), ("s", 100, 12, "empty", "")]


# ----------------------------------------------------------------- the API


def test_the_frame_has_the_documented_dtypes(hard_log):
    _, log = hard_log
    for name, dtype in log.frame.schema.items():
        assert dtype == COLUMNS.get(name, pl.String()), name
    assert log.frame.columns[:3] == ["time", "remote_addr", "remote_user"]


def test_scan_logs_is_the_lazy_twin_of_read_logs(hard_log, tmp_path):
    path, expected = hard_log
    gz = tmp_path / "h.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    for source in (path, gz):
        lf = scan_logs(source, log_format="combined")
        assert isinstance(lf, pl.LazyFrame)
        assert_frame_equal(lf.collect().drop("source"), expected.frame.drop("source"))
        assert_frame_equal(
            lf.collect(engine="streaming").drop("source"), expected.frame.drop("source")
        )
        assert lf.select(pl.len()).collect().item() == expected.parsed
        five = lf.filter(pl.col("status") >= 400).select("status", "path").collect()
        assert five.equals(expected.frame.filter(pl.col("status") >= 400).select("status", "path"))
        assert lf.head(3).collect().height == 3


def test_scan_logs_detects_the_format_and_reads_stdin_once(write_log):
    p = write_log([combined()] * 2)
    assert scan_logs(p).collect()["status"].to_list() == [200, 200]
    code = "import httplog; lf = httplog.scan_logs('-'); print(lf.collect().height, lf.collect().height)"
    r = subprocess.run(
        [sys.executable, "-c", code],
        input=(combined() + "\n").encode() * 3,
        capture_output=True,
        check=True,
    )
    assert r.stdout.split() == [b"3", b"3"]


def test_read_logs_takes_a_compiled_format_and_a_path_object(write_log):
    fmt = compile_format("combined")
    log = read_logs(Path(write_log([combined()])), log_format=fmt)
    assert log.log_format is fmt and log.parsed == 1


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"status": ["5xx"]}, [500, 503]),
        ({"status": ["404", "500-502"]}, [404, 500]),
        ({"status": ["invalid"]}, [999]),
        ({"path_prefix": "/api"}, [404, 503]),
        ({"since": datetime(2026, 11, 20, 11, 30, tzinfo=UTC)}, [503, 999]),
        ({"until": datetime(2026, 11, 20, 11, 30, tzinfo=UTC)}, [200, 404, 500]),
    ],
)
def test_row_filter(parse_log, kwargs, expected):
    lines = [
        combined(status="200"),
        combined(status="404", request="GET /api/x HTTP/1.1"),
        combined(status="500", time="[20/Nov/2026:12:29:59 +0100]"),
        combined(status="503", request="GET /api HTTP/1.1", time="[20/Nov/2026:12:30:00 +0100]"),
        combined(status="999", time="[20/Nov/2026:13:00:00 +0100]"),
    ]
    frame = parse_log(lines, "combined").frame
    assert frame.filter(row_filter(**kwargs))["status"].to_list() == expected


def test_row_filter_rejects_a_bad_status_spec():
    with pytest.raises(UsageError, match="6xx"):
        row_filter(status=["6xx"])


# ------------------------------------------------------------ sample logs


MANIFEST = json.loads((ROOT / "sample_logs" / "manifest.json").read_text())
SAMPLE_FORMATS = {"nginx_timed.log": "format_string"}


@pytest.mark.parametrize("name", sorted(MANIFEST["files"]))
def test_sample_logs_parse_to_the_counts_their_manifest_states(name):
    info = MANIFEST["files"][name]
    fmt = info["format_string"] if name in SAMPLE_FORMATS else None
    log = read_logs(ROOT / "sample_logs" / name, log_format=fmt)
    assert (log.lines, log.parsed) == (info["lines"], info["valid"])
    counts = {str(k): v for k, v in log.frame.group_by("status").len().iter_rows()}
    assert counts == info["status_counts"]
    kinds = {"truncated": ("no_match", "bad_json")}
    got = dict(log.samples.select("line", "reason").iter_rows())
    for bad in info["malformed"]:
        assert got[bad["line"]] in kinds.get(bad["kind"], (bad["kind"],)), bad
    start, end = info["time_range"]["start"], info["time_range"]["end"]
    seconds = log.frame["time"].dt.truncate("1s")  # (ALB and Caddy write fractions)
    assert seconds.min() == datetime.fromisoformat(start)
    assert seconds.max() == datetime.fromisoformat(end)


@pytest.mark.parametrize("start", [b"x^", b"x\x9c", b"x\xda", b"x\x01", b"\x28\xb5\x2f\xfd"])
def test_a_block_starting_like_zlib_or_zstd_data_is_read_as_text(start):
    # polars' CSV reader inflates bytes that start with a compression magic number.
    data = start + b"rest of line one\nline two\n"
    lines = lines_frame(data)["line"].to_list()
    assert lines[1] == "line two" and lines[0].endswith("rest of line one")


def _request_reference(request: str | None) -> tuple[str | None, ...]:
    """The request-line rule in plain Python: (method, path, query, protocol)."""
    import re

    if request is None or " " not in request:
        return (None, None, None, None)
    method, rest = request.split(" ", 1)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", method):
        return (None, None, None, None)
    m = re.search(r" ([A-Za-z]+/[0-9.]+)\Z", rest)
    protocol = m.group(1) if m else None
    target = rest[: m.start()] if m else rest
    path, _, query = target.partition("?")
    return (method, path, query if "?" in target else None, protocol)


@pytest.mark.parametrize(
    "request_line",
    [
        "GET /a?b=1 HTTP/1.1",
        "GET  HTTP/1.1",
        "GET HTTP/1.1",
        "GET /a b HTTP/1.1",
        "GET /a HTTP/1.1 HTTP/1.0",
        "GET /a?x HTTP/1.1 x",
        "GET /é?ü=1 HTTP/2.0",
        "GET /old",
        "GET ",
        "GET",
        " /a HTTP/1.1",
        "1GET /a HTTP/1.1",
        "M-SEARCH * HTTP/1.1",
        "GET /a?b?c HTTP/1.1",
        "GET /a HTTP/",
        "\\x16\\x03\\x01",
        "",
    ],
)
def test_a_request_line_splits_into_method_path_query_protocol_as_the_rule_says(request_line):
    line = f'192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "{request_line}" 200 1 "-" "-"\n'
    fmt = compile_format("combined")
    expected = _request_reference(request_line)
    full, _ = parse_lines(lines_frame(line.encode()), fmt, source="x")
    assert full.select("method", "path", "query", "protocol").row(0) == expected
    only_path, _ = parse_lines(lines_frame(line.encode()), fmt, source="x", columns=["path"])
    assert only_path["path"].to_list() == [expected[1]]
