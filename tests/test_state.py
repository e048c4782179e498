"""Incremental state: new bytes only, rotation of every kind, atomic and guarded state."""

from __future__ import annotations

import bz2
import gzip
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from logfactory import WRITERS, Dice, request

import httplog
from httplog import ReadOptions, ViewOptions
from httplog.aggregation import aggregate_chunks
from httplog.analysis import finalize
from httplog.errors import InputError, SettingsError, StateError
from httplog.inputs import resolve_inputs
from httplog.outputs import atomic_path
from httplog.partial import Partial, merge
from httplog.state import MANIFEST, State

T0 = datetime(2026, 11, 20, tzinfo=UTC)


STATUSES = [200] * 16 + [201, 301, 304, 404, 404, 500, 502, 503]


class LogWriter:
    """Writes distinct combined-format lines and remembers every line written."""

    def __init__(self, seed: int = 1) -> None:
        self.dice = Dice(seed)
        self.n = 0
        self.lines: list[str] = []

    def make(self, count: int) -> str:
        d = self.dice
        out = []
        for _ in range(count):
            r = request(
                T0 + timedelta(seconds=13 * self.n),
                client=f"198.51.100.{d.between(1, 254)}",
                target=f"/p/{d.between(1, 40)}?n={self.n}",
                status=d.pick(STATUSES),
                size=d.between(0, 9999),
                agent=f"agent/{self.n % 7}",
            )
            out.append(WRITERS["nginx"](r, UTC).decode() + "\n")
            self.n += 1
        self.lines.extend(out)
        return "".join(out)

    def append(self, path: Path, count: int) -> None:
        with open(path, "a", encoding="utf-8") as f:
            f.write(self.make(count))


def incremental(state_dir: Path, sources: list[str], view: ViewOptions | None = None):
    """One incremental run through the library: plan, read the new bytes, commit."""
    with State.open(state_dir) as st:
        settings = st.check_settings(log_format=None, status=[], path_prefix=None)
        plan = st.plan(resolve_inputs(sources))
        run = aggregate_chunks(plan.chunks, ReadOptions(log_format=settings["log_format"]))
        merged = st.commit(plan, run, settings=settings)
    return finalize(merged, view), run


def full(sources: list[str]):
    return httplog.analyze(sources)


def counts(a) -> tuple:
    return (
        a.lines,
        a.parsed,
        a.rejected,
        a.classes.select("class", "requests").rows(),
        a.status.select("status", "requests").rows(),
        a.timeline.select("start", "requests", "5xx").rows(),
    )


def new_lines(run: Partial) -> int:
    return int(run.chunks["lines"].sum() or 0)


def assert_run(state_dir: Path, sources: list[str], *, new: int):
    """An incremental run reads ``new`` lines and counts what one full run counts."""
    a, run = incremental(state_dir, sources)
    assert new_lines(run) == new
    assert counts(a) == counts(full(sources))
    return a


def test_appends_are_read_once(logdir):
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 100)
    a, run = incremental(st, [str(log)])
    assert a.lines == 100 and new_lines(run) == 100
    a, run = incremental(st, [str(log)])
    assert a.lines == 100 and new_lines(run) == 0
    w.append(log, 7)
    assert_run(st, [str(log)], new=7)


def test_a_half_written_last_line_waits_for_the_next_run(logdir):
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 10)
    line = w.make(1)
    with open(log, "a") as f:
        f.write(line[:30])
    a, _ = incremental(st, [str(log)])
    assert a.lines == 10 and a.rejected == 0
    with open(log, "a") as f:
        f.write(line[30:])
    a = assert_run(st, [str(log)], new=1)
    assert a.lines == 11 and a.rejected == 0


def test_rename_rotation_then_compression(logdir):
    """logrotate with create + delaycompress + compress: .1, then .1 → .2.gz."""
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 50)
    incremental(st, [logdir.pattern])
    w.append(log, 20)
    w.append(logdir.rename("access.log.1"), 3)  # nginx writes to the old file until it reopens
    w.append(log, 15)
    assert_run(st, [logdir.pattern], new=38)
    # next rotation: .1 → .2.gz (compressed), access.log → .1, new access.log
    logdir.compress("access.log.1", "access.log.2.gz")
    w.append(log, 4)
    logdir.rename("access.log.1")
    w.append(log, 9)
    a = assert_run(st, [logdir.pattern], new=13)
    assert a.lines == len(w.lines)
    # nothing new: nothing read, the .gz is not even decompressed again
    assert_run(st, [logdir.pattern], new=0)


def test_compressed_copy_of_a_partly_read_file_continues_it(logdir):
    """Lines written after the last run, then the file compressed (compress without
    delaycompress): the .gz holds the rest of the stream; only that is read."""
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 40)
    incremental(st, [logdir.pattern])
    w.append(log, 11)
    logdir.compress("access.log", "access.log.1.gz")
    w.append(log, 5)
    assert_run(st, [logdir.pattern], new=16)


def test_copytruncate(logdir):
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 60)
    incremental(st, [logdir.pattern])
    w.append(log, 6)
    copy = logdir.copytruncate("access.log.1")  # copy (new inode), truncate (same inode)
    w.append(copy, 2)  # lines racing the copy land in it
    w.append(log, 25)  # grows back past nothing in particular
    assert_run(st, [logdir.pattern], new=33)


def test_copytruncate_that_grows_past_the_old_offset(logdir):
    """The truncated file is longer than the offset by the next run: its first bytes tell."""
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 10)
    incremental(st, [str(log)])
    logdir.copytruncate("access.log.1")
    w.append(log, 200)
    a = assert_run(st, [logdir.pattern], new=200)
    assert a.lines == 210


def test_a_replaced_file_that_reuses_the_inode_is_new(logdir):
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 30)
    incremental(st, [str(log)])
    os.unlink(log)
    w.append(log, 31)  # may get the same inode; other content
    a, run = incremental(st, [str(log)])
    assert new_lines(run) == 31
    assert a.lines == 61


def test_identical_first_bytes_but_other_content_is_new(tmp_path):
    """Same first 4 KiB, diverging later: the fingerprint before the offset tells them apart."""
    w = LogWriter()
    st = tmp_path / "state"
    a_log = tmp_path / "a.log"
    w.append(a_log, 100)
    incremental(st, [str(a_log)])
    head = a_log.read_text()[:5000]
    head = head[: head.rfind("\n") + 1]
    os.unlink(a_log)
    b_log = tmp_path / "b.log"
    b_log.write_text(head + w.make(80))
    _, run = incremental(st, [str(b_log)])
    assert new_lines(run) == head.count("\n") + 80


def test_the_same_file_twice_is_read_once(logdir):
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 30)
    hard = logdir.dir / "hard.log"
    os.link(log, hard)
    a, _ = incremental(st, [str(log), str(hard)])
    assert a.lines == 30


def test_other_compressions(logdir):
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 30)
    incremental(st, [str(logdir.dir / "*")])
    w.append(log, 3)
    logdir.compress("access.log", "access.log.1.bz2", bz2.open)
    a, run = incremental(st, [str(logdir.dir / "*")])
    assert new_lines(run) == 3
    assert a.lines == 33


def test_stdin_is_not_remembered(tmp_path, monkeypatch):
    import io
    import sys

    w = LogWriter()
    text = w.make(12)
    st = tmp_path / "state"
    for _ in range(2):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
        a, run = incremental(st, ["-"])
        assert new_lines(run) == 12
    assert a.lines == 24
    with State.open(st) as s:
        assert s.streams == []


def test_the_format_is_pinned_and_other_options_refused(logdir):
    w, log, st = LogWriter(), logdir.log, logdir.state
    w.append(log, 10)
    incremental(st, [str(log)])
    with State.open(st) as s:
        assert s.settings["log_format"] == "combined"
        assert s.check_settings(log_format=None, status=[], path_prefix=None)["log_format"] == (
            "combined"
        )
        assert s.check_settings(log_format="combined", status=[], path_prefix=None)
        with pytest.raises(SettingsError, match=r"log_format 'combined'.*'common'") as e:
            s.check_settings(log_format="common", status=[], path_prefix=None)
        assert (e.value.setting, e.value.known, e.value.asked) == (
            "log_format",
            "'combined'",
            "'common'",
        )
        with pytest.raises(SettingsError) as e:
            s.check_settings(log_format=None, status=["5xx"], path_prefix=None)
        assert (e.value.setting, e.value.asked) == ("status", "5xx")
        with pytest.raises(SettingsError) as e:
            s.check_settings(log_format=None, status=[], path_prefix="/api")
        assert e.value.setting == "path_prefix"


def test_a_locked_state_is_refused(tmp_path):
    with State.open(tmp_path / "state"), pytest.raises(StateError, match="in use"):
        State.open(tmp_path / "state")
    with State.open(tmp_path / "state"):  # released
        pass


def _state_with_data(tmp_path: Path) -> tuple[Path, Path, LogWriter]:
    w = LogWriter()
    st = tmp_path / "state"
    log = tmp_path / "access.log"
    w.append(log, 20)
    incremental(st, [str(log)])
    return st, log, w


def test_a_foreign_directory_is_refused(tmp_path):
    d = tmp_path / "photos"
    d.mkdir()
    (d / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(StateError, match="not an httplog state directory"):
        State.open(d)
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(StateError, match="must be a directory"):
        State.open(f)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda st: (st / MANIFEST).write_text("{not json"), "corrupt httplog state"),
        (lambda st: (st / MANIFEST).write_text('{"kind": "other"}'), "not an httplog state"),
        (lambda st: (st / MANIFEST).write_text(""), "corrupt httplog state"),
        (lambda st: _edit(st, version=99), "state version 99"),
        (lambda st: _edit(st, streams="x"), "corrupt httplog state"),
        (lambda st: _edit(st, streams=[{"id": "x"}]), "corrupt httplog state"),
        (lambda st: _edit(st, partial={"file": "../../etc/passwd", "sha256": "0"}), "corrupt"),
        (lambda st: _edit(st, sign=False, runs=7), "does not match its checksum"),
        (lambda st: [p.unlink() for p in st.glob("partial-*")], "missing or unreadable"),
        (lambda st: [_truncate(p) for p in st.glob("partial-*")], "does not match its checksum"),
        (lambda st: [_flip(p) for p in st.glob("partial-*")], "does not match its checksum"),
    ],
)
def test_a_damaged_state_is_an_error_never_a_wrong_count(tmp_path, damage, message):
    st, log, _ = _state_with_data(tmp_path)
    damage(st)
    with pytest.raises(StateError, match=message):
        State.open(st)
    with pytest.raises(StateError):
        incremental(st, [str(log)])


def _edit(st: Path, sign: bool = True, **fields) -> None:
    """Change manifest fields; ``sign``: with a checksum that matches (as a buggy writer would)."""
    from httplog.state import _manifest_digest

    m = json.loads((st / MANIFEST).read_text())
    m.update(fields)
    if sign:
        m["sha256"] = _manifest_digest(m)
    (st / MANIFEST).write_text(json.dumps(m))


def _truncate(p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _flip(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0xFF
    p.write_bytes(bytes(data))


def test_a_crash_while_saving_leaves_the_previous_state(tmp_path, monkeypatch):
    st, log, w = _state_with_data(tmp_path)
    before = sorted(p.name for p in st.iterdir())
    manifest = (st / MANIFEST).read_text()
    w.append(log, 5)

    def explode(self, path):
        with open(path, "wb") as f:
            f.write(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Partial, "to_parquet", explode)
    with pytest.raises(StateError, match="No space left"):
        incremental(st, [str(log)])
    monkeypatch.undo()
    assert sorted(p.name for p in st.iterdir()) == before
    assert (st / MANIFEST).read_text() == manifest
    a, run = incremental(st, [str(log)])
    assert new_lines(run) == 5 and a.lines == 25


def test_a_crash_while_writing_the_manifest_leaves_the_previous_state(tmp_path, monkeypatch):
    st, log, w = _state_with_data(tmp_path)
    manifest = (st / MANIFEST).read_text()
    w.append(log, 5)
    import httplog.state as state_mod

    real = state_mod.atomic_write

    def half(path, data):
        with open(str(path) + ".partial-write", "w") as f:
            f.write(data[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(state_mod, "atomic_write", half)
    with pytest.raises(KeyboardInterrupt):
        incremental(st, [str(log)])
    monkeypatch.setattr(state_mod, "atomic_write", real)
    assert (st / MANIFEST).read_text() == manifest
    a, run = incremental(st, [str(log)])
    assert new_lines(run) == 5 and a.lines == 25
    # the orphaned partial of the failed run was cleaned up
    assert len(list(st.glob("partial-*.parquet"))) == 1


def test_stray_temporary_files_are_removed(tmp_path):
    st, log, w = _state_with_data(tmp_path)
    (st / ".partial-dead.parquet.tmp").write_bytes(b"x")
    (st / "partial-orphan.parquet").write_bytes(b"x")
    (st / f".{MANIFEST}.abc.tmp").write_text("x")
    w.append(log, 1)
    incremental(st, [str(log)])
    assert sorted(p.name for p in st.iterdir()) == sorted(["lock", MANIFEST, *named_files(st)])
    assert len([n for n in named_files(st) if n.startswith("partial-")]) == 1


def named_files(st: Path) -> list[str]:
    """The partial files a state's manifest names: its base, then its deltas."""
    m = json.loads((st / MANIFEST).read_text())
    return [m["partial"]["file"], *(d["file"] for d in m.get("deltas", []))]


def test_state_read_without_lock(tmp_path):
    st, _, _ = _state_with_data(tmp_path)
    with State.open(st):  # a run in progress does not stop a report
        p = State.read(st)
    assert int(p.counts["requests"].sum()) == 20
    with pytest.raises(StateError, match="not an httplog state"):
        State.read(tmp_path)


def test_forgotten_streams_are_dropped(tmp_path, monkeypatch):
    import httplog.state as state_mod

    st, log, w = _state_with_data(tmp_path)
    other = tmp_path / "other.log"
    w.append(other, 3)
    incremental(st, [str(log), str(other)])
    later = datetime.now(UTC) + timedelta(days=400)
    monkeypatch.setattr(state_mod, "_now", lambda: later)
    incremental(st, [str(log)])
    with State.open(st) as s:
        assert len(s.streams) == 1


def test_atomic_path_and_write_partial(tmp_path):
    target = tmp_path / "sub" / "x.parquet"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        Path(tmp).write_text("half")
        raise RuntimeError
    assert not target.exists()
    assert list((tmp_path / "sub").iterdir()) == []
    p = httplog.analyze(str(_state_with_data(tmp_path)[1])).partial
    p.save(target)
    assert Partial.from_parquet(str(target)).counts.equals(p.counts)


def test_merge_of_state_and_full_run_is_exact_on_a_real_sample():
    sample = Path(__file__).resolve().parents[1] / "sample_logs" / "nginx_access.log"
    if not sample.exists():
        pytest.skip("sample logs not generated")
    # one run over the first half, another over the whole: the second reads the rest only
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        data = sample.read_bytes()
        cut = data.index(b"\n", len(data) // 2) + 1
        log = Path(d) / "access.log"
        log.write_bytes(data[:cut])
        incremental(Path(d) / "state", [str(log)])
        with open(log, "ab") as f:
            f.write(data[cut:])
        a, run = incremental(Path(d) / "state", [str(log)])
        assert counts(a) == counts(full([str(log)]))
        assert merge(run).chunks["chunk_start"].to_list() == [cut]


def test_a_corrupt_gzip_is_a_one_line_input_error(tmp_path):
    """A .gz whose deflate stream is damaged (zlib.error, not OSError) names the file."""
    good = gzip.compress(b"x" * 10_000 + b"\n")
    bad = good[:12] + bytes(b ^ 0xFF for b in good[12:40]) + good[40:]
    log = tmp_path / "access.log.1.gz"
    log.write_bytes(bad)
    with pytest.raises(InputError, match=r"access\.log\.1\.gz: can't read"):
        incremental(tmp_path / "state", [str(log)])


# ------------------------------------------------- edits, resets, rotated files


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m["streams"][0].update(offset=0),
        lambda m: m["streams"][0].update(head="0" * 64),
        lambda m: m.update(streams=[]),
        lambda m: m.update(runs=m["runs"] + 1),
    ],
    ids=["offset-0", "head-hash", "streams-emptied", "runs"],
)
def test_an_edited_manifest_is_a_state_error_never_a_wrong_count(tmp_path, edit):
    st, log, _ = _state_with_data(tmp_path)
    m = json.loads((st / MANIFEST).read_text())
    edit(m)
    (st / MANIFEST).write_text(json.dumps(m, indent=1))
    with pytest.raises(StateError, match="does not match its checksum") as e:
        incremental(st, [str(log)])
    assert e.value.resettable


def test_a_reset_state_starts_over_and_counts_once(tmp_path):
    st, log, w = _state_with_data(tmp_path)
    (st / MANIFEST).write_text("{torn")
    with State.open(st, reset=True) as s:
        assert s.is_new and s.streams == []
    a, _ = incremental(st, [str(log)])
    assert counts(a) == counts(full([str(log)]))
    w.append(log, 5)
    a, run = incremental(st, [str(log)])
    assert counts(a) == counts(full([str(log)])) and run.chunks["lines"].sum() == 5
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"\xff")
    with pytest.raises(StateError, match="not an httplog state directory"):
        State.open(foreign, reset=True)
    assert (foreign / "cat.jpg").exists()


def test_the_unterminated_last_line_of_a_rotated_file_counts(logdir):
    w, log = LogWriter(), logdir.log
    # a full run over a set whose rotated file ends without a newline
    rotated = logdir.dir / "access.log.1"
    rotated.write_text(w.make(5).removesuffix("\n"))
    w.append(log, 3)
    a, _ = incremental(logdir.state, [logdir.pattern])
    assert a.requests == 8 == full([logdir.pattern]).requests
    a, run = incremental(logdir.state, [logdir.pattern])  # and only once
    assert a.requests == 8 and run.chunks["lines"].sum() == 0


def test_the_unterminated_last_line_counts_once_the_file_is_renamed(logdir):
    w, log = LogWriter(), logdir.log
    log.write_text(w.make(5).removesuffix("\n"))
    a, _ = incremental(logdir.state, [logdir.pattern])
    assert a.requests == 4  # the live file's last line may still be being written
    logdir.rename("access.log-20261120")  # dateext: renamed, no longer growing
    w.append(log, 2)
    a, _ = incremental(logdir.state, [logdir.pattern])
    assert a.requests == 7 == full([logdir.pattern]).requests


# ------------------------------------------------------------- deltas


def test_a_run_writes_only_its_new_lines_as_a_delta_and_keeps_the_base(tmp_path):
    st, log, w = _state_with_data(tmp_path)
    (base,) = named_files(st)
    before = (st / base).read_bytes()
    for n in (3, 4):
        w.append(log, n)
        assert_run(st, [str(log)], new=n)
    names = named_files(st)
    assert names[0] == base and (st / base).read_bytes() == before
    assert [n.startswith("delta-") for n in names[1:]] == [True, True]
    # each delta holds its run's lines only
    assert [Partial.from_parquet(st / n).lines for n in names[1:]] == [3, 4]
    assert State.read(st).lines == 27


def test_deltas_are_compacted_into_a_new_base_once_they_pile_up(tmp_path, monkeypatch):
    import httplog.state as state_mod

    monkeypatch.setattr(state_mod, "MAX_DELTAS", 2)
    st, log, w = _state_with_data(tmp_path)
    (base,) = named_files(st)
    sizes = []
    for n in (1, 2, 3, 4):
        w.append(log, n)
        assert_run(st, [str(log)], new=n)
        sizes.append(len(named_files(st)))
    assert sizes == [2, 3, 1, 2]  # the third run merged base and deltas into a new base
    assert named_files(st)[0] != base
    assert sorted(p.name for p in st.iterdir()) == sorted(["lock", MANIFEST, *named_files(st)])
    assert State.read(st).lines == 30


def test_deltas_larger_than_a_share_of_the_base_are_compacted(tmp_path, monkeypatch):
    import httplog.state as state_mod

    monkeypatch.setattr(state_mod, "DELTA_FLOOR", 0)
    st, log, w = _state_with_data(tmp_path)  # 20 lines: a delta of 200 outweighs them
    w.append(log, 200)
    assert_run(st, [str(log)], new=200)
    assert [n[:8] for n in named_files(st)] == ["partial-"]


def _state_with_a_delta(tmp_path: Path) -> tuple[Path, Path]:
    st, log, w = _state_with_data(tmp_path)
    w.append(log, 2)
    incremental(st, [str(log)])
    assert named_files(st)[1].startswith("delta-")
    return st, log


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda st: [p.unlink() for p in st.glob("delta-*")], "missing or unreadable"),
        (lambda st: [_truncate(p) for p in st.glob("delta-*")], "does not match its checksum"),
        (lambda st: [_flip(p) for p in st.glob("delta-*")], "does not match its checksum"),
        (lambda st: _edit(st, deltas=[{"file": "../x", "sha256": "0"}]), "corrupt"),
        (lambda st: _edit(st, deltas="x"), "corrupt"),
        (lambda st: _edit(st, sign=False, deltas=[]), "does not match its checksum"),
    ],
)
def test_a_damaged_delta_is_an_error_never_a_wrong_count(tmp_path, damage, message):
    st, log = _state_with_a_delta(tmp_path)
    damage(st)
    with pytest.raises(StateError, match=message):
        State.open(st)
    with pytest.raises(StateError):
        incremental(st, [str(log)])


def test_a_state_of_the_version_before_deltas_is_read_and_continued(tmp_path):
    from httplog.state import _manifest_digest

    st, log, w = _state_with_data(tmp_path)
    m = json.loads((st / MANIFEST).read_text())
    del m["deltas"], m["sha256"]
    m["version"] = 2
    m["sha256"] = _manifest_digest(m)
    (st / MANIFEST).write_text(json.dumps(m))
    w.append(log, 5)
    assert_run(st, [str(log)], new=5)
    assert json.loads((st / MANIFEST).read_text())["version"] == 3
