"""Inputs: paths, globs, stdin, compression, byte ranges and blocks of whole lines."""

from __future__ import annotations

import bz2
import gzip
import itertools
import lzma
import os
import subprocess
import sys
import threading

import pytest
import zstandard

from httplog.errors import InputError
from httplog.inputs import STDIN, Chunk, Input, iter_blocks, open_stream, resolve_inputs, split

LINES = [f"line {i:03d} " + "x" * (i % 17) for i in range(200)]
DATA = "".join(line + "\n" for line in LINES).encode()


def read_all(chunks: list[Chunk], block_size: int = 1 << 20) -> list[tuple[int, bytes]]:
    """(line number counted from the chunk start, line) of every line read."""
    out = []
    for chunk in chunks:
        for block in iter_blocks(chunk, block_size):
            for i, line in enumerate(block.data.splitlines()):
                out.append((block.first_line + i, line))
    return out


# ------------------------------------------------------------------ resolve


def test_resolve_sorts_inputs_by_path_and_puts_stdin_last(write_log):
    b = write_log(b"", "b.log")
    a = write_log(b"", "a.log")
    got = resolve_inputs([STDIN, str(b), str(a)])
    assert [i.path for i in got] == [str(a), str(b), STDIN]


def test_resolve_expands_globs_sorted(write_log, tmp_path):
    for name in ("access.log.2.gz", "access.log", "access.log.1", "error.log"):
        write_log(b"x\n", name)
    got = resolve_inputs(str(tmp_path / "access.log*"))
    assert [os.path.basename(i.path) for i in got] == [
        "access.log",
        "access.log.1",
        "access.log.2.gz",
    ]


def test_resolve_reads_a_file_named_twice_or_through_a_link_once(write_log, tmp_path):
    p = write_log(b"x\n")
    link = tmp_path / "link.log"
    link.symlink_to(p)
    got = resolve_inputs([str(p), str(p), str(tmp_path / "." / "access.log"), str(link)])
    assert len(got) == 1


def test_resolve_takes_a_literal_path_with_glob_characters(write_log):
    p = write_log(b"x\n", "access[1].log")
    assert [i.path for i in resolve_inputs(str(p))] == [str(p)]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.log", "missing.log: no such file"),
        (lambda d: d / "nothing*.log", "nothing*.log: no file matches this pattern"),
        (lambda d: d, "is a directory"),
    ],
    ids=["missing", "glob-without-match", "directory"],
)
def test_resolve_errors_are_one_line_and_name_the_path(tmp_path, make, message):
    with pytest.raises(InputError) as e:
        resolve_inputs(str(make(tmp_path)))
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_resolve_with_no_input_is_an_error():
    with pytest.raises(InputError, match="no input"):
        resolve_inputs([])


def test_resolve_unreadable_file_is_an_error_naming_it(write_log, monkeypatch):
    p = write_log(b"x\n")
    real_open = open

    def deny(path, *args, **kwargs):  # root reads any file: simulate a denied open
        if str(path) == str(p):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(InputError, match=r"access.log: Permission denied"):
        resolve_inputs(str(p))


@pytest.mark.parametrize(
    ("compress", "expected"),
    [
        (lambda d: d, None),
        (gzip.compress, "gzip"),
        (bz2.compress, "bz2"),
        (lzma.compress, "xz"),
        (lambda d: zstandard.ZstdCompressor().compress(d), "zstd"),
    ],
    ids=["plain", "gzip", "bz2", "xz", "zstd"],
)
def test_compression_is_sniffed_from_magic_bytes_not_the_name(write_log, compress, expected):
    p = write_log(compress(DATA), "access.log")  # the name says nothing
    (inp,) = resolve_inputs(str(p))
    assert inp.compression == expected
    assert b"".join(b.data for b in iter_blocks(Chunk(inp))) == DATA


def test_a_plain_file_named_gz_is_read_as_plain(write_log):
    (inp,) = resolve_inputs(str(write_log(DATA, "access.log.gz")))
    assert inp.compression is None
    assert read_all([Chunk(inp)])[0] == (1, b"line 000 ")


def test_concatenated_gzip_members_and_zstd_frames_are_all_read(write_log):
    half = len(DATA) // 2
    gz = write_log(gzip.compress(DATA[:half]) + gzip.compress(DATA[half:]), "a.gz")
    zc = zstandard.ZstdCompressor()
    zst = write_log(zc.compress(DATA[:half]) + zc.compress(DATA[half:]), "a.zst")
    for p in (gz, zst):
        (inp,) = resolve_inputs(str(p))
        assert b"".join(b.data for b in iter_blocks(Chunk(inp), 1000)) == DATA


@pytest.mark.parametrize("kind", ["gzip", "zstd", "bz2"])
def test_a_truncated_compressed_file_is_an_input_error_naming_it(write_log, kind):
    compress = {
        "gzip": gzip.compress,
        "bz2": bz2.compress,
        "zstd": lambda d: zstandard.ZstdCompressor().compress(d),
    }[kind]
    blob = compress(DATA * 50)
    p = write_log(blob[: len(blob) // 2], "cut.log")
    with pytest.raises(InputError, match=r"cut\.log: can't read"):
        list(iter_blocks(Chunk(resolve_inputs(str(p))[0])))


def test_a_corrupt_gzip_file_is_an_input_error_naming_it(write_log):
    blob = bytearray(gzip.compress(DATA * 50))
    blob[len(blob) // 2 : len(blob) // 2 + 16] = b"\xff" * 16
    p = write_log(bytes(blob), "bad.log")
    with pytest.raises(InputError, match=r"bad\.log: can't read"):
        list(iter_blocks(Chunk(resolve_inputs(str(p))[0])))


def test_a_pipe_is_not_consumed_when_resolved_and_its_compression_is_sniffed_on_open(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    payload = gzip.compress(DATA)

    def feed() -> None:
        with open(fifo, "wb") as f:
            f.write(payload)

    t = threading.Thread(target=feed)
    t.start()
    (inp,) = resolve_inputs(str(fifo))
    assert inp.size is None and inp.compression is None
    assert split(inp, 4) == [Chunk(inp)]
    got = b"".join(b.data for b in iter_blocks(Chunk(inp), 1000))
    t.join()
    assert got == DATA


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_stdin_is_read_and_its_compression_sniffed(compressed):
    payload = gzip.compress(DATA) if compressed else DATA
    code = (
        "import sys; from httplog.inputs import Chunk, Input, iter_blocks; "
        "sys.stdout.buffer.write(b''.join(b.data for b in iter_blocks(Chunk(Input('-')), 1000)))"
    )
    r = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True, check=True)
    assert r.stdout == DATA


def test_open_stream_of_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"nope\.log"):
        open_stream(Input(str(tmp_path / "nope.log"), 10))


# ------------------------------------------------------- ranges and blocks


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 50, len(DATA)])
def test_split_ranges_read_every_line_exactly_once(write_log, parts):
    (inp,) = resolve_inputs(str(write_log(DATA)))
    chunks = split(inp, parts)
    assert chunks[0].start == 0 and chunks[-1].end in (None, len(DATA))
    assert all(a.end == b.start for a, b in itertools.pairwise(chunks))
    lines = [line for _, line in read_all(chunks, block_size=64)]
    assert lines == [line.encode() for line in LINES]


def test_every_cut_position_gives_each_line_once_to_the_range_holding_its_first_byte(
    write_log,
):
    data = b"a\nbb\n\nccc\r\nd"
    (inp,) = resolve_inputs(str(write_log(data)))
    starts = [0, 2, 5, 6, 11]  # first byte of each line
    for cut in range(len(data) + 1):
        left = read_all([Chunk(inp, 0, cut)])
        right = read_all([Chunk(inp, cut, None)])
        assert [ln for _, ln in left + right] == data.splitlines()
        assert len(left) == sum(1 for s in starts if s < cut)
        # numbering restarts at 1 in each range
        assert [n for n, _ in right] == list(range(1, len(right) + 1))


def test_blocks_hold_whole_lines_and_number_them_from_the_chunk_start(write_log):
    (inp,) = resolve_inputs(str(write_log(DATA)))
    blocks = list(iter_blocks(Chunk(inp), block_size=100))
    assert len(blocks) > 10
    assert all(b.data.endswith(b"\n") for b in blocks)
    assert blocks[0].first_line == 1
    for prev, block in itertools.pairwise(blocks):
        assert block.first_line == prev.first_line + prev.lines
        assert block.offset == prev.end
    assert sum(b.lines for b in blocks) == len(LINES)


def test_a_line_longer_than_a_block_stays_whole(write_log):
    long = b"y" * 10_000
    (inp,) = resolve_inputs(str(write_log(b"a\n" + long + b"\nb\n")))
    lines = [ln for _, ln in read_all([Chunk(inp)], block_size=64)]
    assert lines == [b"a", long, b"b"]


def test_a_last_line_without_newline_is_a_line(write_log):
    (inp,) = resolve_inputs(str(write_log(b"a\nb")))
    blocks = list(iter_blocks(Chunk(inp)))
    assert sum(b.lines for b in blocks) == 2
    assert blocks[-1].data == b"b"


def test_complete_only_leaves_a_partial_last_line_for_later(write_log):
    (inp,) = resolve_inputs(str(write_log(b"a\nb\npartial")))
    blocks = list(iter_blocks(Chunk(inp, complete_only=True)))
    assert b"".join(b.data for b in blocks) == b"a\nb\n"
    assert blocks[-1].end == 4


def test_an_empty_file_gives_no_block(write_log):
    (inp,) = resolve_inputs(str(write_log(b"")))
    assert list(iter_blocks(Chunk(inp))) == []
    assert split(inp, 3) == [Chunk(inp)]


def test_compressed_files_are_never_split(write_log):
    (inp,) = resolve_inputs(str(write_log(gzip.compress(DATA), "a.gz")))
    assert split(inp, 5) == [Chunk(inp)]


def test_a_compressed_chunk_with_a_start_skips_to_the_next_line(write_log):
    (inp,) = resolve_inputs(str(write_log(gzip.compress(DATA), "a.gz")))
    first = DATA.index(b"\n") + 1
    got = read_all([Chunk(inp, 0, 5), Chunk(inp, 5, None)])
    assert [ln for _, ln in got] == DATA.splitlines()
    assert got[1] == (1, DATA[first:].split(b"\n")[0])
