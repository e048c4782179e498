"""A block where only some lines hold escapes: those lines alone are unescaped,
and every row stays in its place with the values the all-at-once parse gives."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from httplog.engine import iter_parsed
from httplog.formats import compile_format
from httplog.inputs import Chunk, resolve_inputs
from httplog.parse import _collect, _many_escapes, lines_frame

_PLAIN = (
    '192.0.2.{i} - - [10/Oct/2000:13:55:{s:02d} +0000] "GET /p{i} HTTP/1.1" 200 {i} "-" "ua{i}"'
)
_ESCAPED = (
    '192.0.2.{i} - - [10/Oct/2000:13:55:{s:02d} +0000] "GET /caf\\xC3\\xA9{i} HTTP/1.1" 404 0'
    ' "-" "say \\"hi\\" {i}"'
)


def _log(tmp_path: Path, escaped_every: int, n: int = 200) -> Path:
    lines = [
        (_ESCAPED if i % escaped_every == 7 % escaped_every else _PLAIN).format(i=i, s=i % 60)
        for i in range(n)
    ]
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\nnot a log line\n")
    return path


def test_escaped_lines_among_plain_ones_are_unescaped_in_place(tmp_path: Path) -> None:
    path = _log(tmp_path, escaped_every=50)
    (pb,) = iter_parsed([Chunk(i) for i in resolve_inputs(str(path))], compile_format("combined"))
    rows = pb.parsed
    assert rows.height == 200
    assert pb.rejected["reason"].to_list() == ["no_match"]
    assert rows["path"][7] == "/café7" and rows["user_agent"][7] == 'say "hi" 7'
    assert rows["status"][7] == 404 and rows["status"][8] == 200
    assert rows["path"][8] == "/p8" and rows["user_agent"][199] == "ua199"
    assert rows["path"].str.starts_with("/café").sum() == 4


def test_parsing_only_the_escaped_lines_equals_unescaping_every_line(tmp_path: Path) -> None:
    fmt = compile_format("combined")
    data = _log(tmp_path, escaped_every=50).read_bytes()
    assert not _many_escapes(fmt, data, data.count(b"\n"))
    lines = lines_frame(data).lazy()
    for cols in (None, ("time", "status", "path", "user_agent")):
        alone = _collect(fmt, 2, cols, lines)
        at_once = _collect(fmt, 2, cols, lines, many=True)
        assert_frame_equal(alone, at_once)
        assert alone.filter(pl.col("_ok")).height == 200


def test_a_block_dense_with_escapes_is_unescaped_at_once(tmp_path: Path) -> None:
    fmt = compile_format("combined")
    path = _log(tmp_path, escaped_every=1)
    data = path.read_bytes()
    assert _many_escapes(fmt, data, data.count(b"\n"))
    (pb,) = iter_parsed([Chunk(i) for i in resolve_inputs(str(path))], fmt)
    assert pb.parsed.height == 200
    assert pb.parsed["path"].str.starts_with("/café").all()
    assert pb.parsed["user_agent"][0] == 'say "hi" 0'
