"""The keyphrases panel: what visitors searched for, from search engines' referers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import httplog
from httplog.aggregation import aggregate
from httplog.analysis import finalize
from httplog.enrich import engines, keyphrases
from httplog.options import ViewOptions
from httplog.partial import merge
from httplog.report.render import render_report

HOSTILE = "https://www.google.com/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"


def line(i: int, referer: str, agent: str = "Mozilla/5.0", status: int = 200) -> str:
    return (
        f'192.0.2.{i % 7} - - [10/Oct/2026:13:{i % 60:02d}:00 +0000] "GET /p HTTP/1.1" '
        f'{status} 10 "{referer}" "{agent}"\n'
    )


@pytest.fixture
def log(tmp_path: Path) -> Path:
    refs = (
        ["https://www.google.com/search?q=rage+face&ie=utf-8"] * 3
        + ["http://www.google.co.uk/search?hl=en&q=rage%20face"] * 2
        + ["https://www.bing.com/search?q=caf%C3%A9"]
        + ["http://www.google.fr/url?sa=t&q=&url=http%3A%2F%2Fexample.org"]  # no query
        + ["https://example.org/?q=not+a+search", "-", HOSTILE]
    )
    path = tmp_path / "access.log"
    path.write_text(
        "".join(line(i, r) for i, r in enumerate(refs))
        + line(99, "https://www.google.com/search?q=rage+face", agent="Googlebot/2.1")
    )
    return path


def test_keyphrases_are_counted_by_engine_and_decoded_phrase(log: Path) -> None:
    k = httplog.analyze(str(log)).panels["keyphrases"]
    got = {(e, p): n for e, p, n in k.select("engine", "keyphrase", "requests").rows()}
    assert got == {
        ("Google", "rage face"): 6,
        ("Bing", "café"): 1,
        ("Google", "<script>alert(1)</script>"): 1,
    }
    assert k.row(0, named=True)["keyphrase"] == "rage face"  # most requests first


def test_bots_exclude_drops_the_crawlers_keyphrases(log: Path) -> None:
    a = httplog.analyze(str(log), bots="exclude")
    top = a.panels["keyphrases"].filter(pl.col("keyphrase") == "rage face")
    assert top["requests"].item() == 5


def test_a_log_without_search_referers_has_no_keyphrases_panel(tmp_path: Path) -> None:
    path = tmp_path / "plain.log"
    path.write_text("".join(line(i, "https://example.org/") for i in range(5)))
    assert "keyphrases" not in httplog.analyze(str(path)).panels


def test_keyphrases_of_a_merged_partial_are_the_whole_logs(log: Path) -> None:
    frame = httplog.read_logs(str(log)).frame
    view = ViewOptions()
    whole = finalize(aggregate(frame), view).panels["keyphrases"]
    split = finalize(merge(aggregate(frame[:4]), aggregate(frame[4:])), view).panels["keyphrases"]
    assert split.sort(pl.all()).equals(whole.sort(pl.all()))


def test_a_hostile_keyphrase_is_text_in_the_report(log: Path) -> None:
    page = render_report(httplog.analyze(str(log)), plotly_js="cdn")
    assert "Keyphrases (search engines)" in page
    assert "<script>alert(1)</script>" not in page
    assert "搜索关键词" in render_report(httplog.analyze(str(log)), lang="zh", plotly_js="cdn")


def test_each_engine_reads_its_own_parameter() -> None:
    refs = {
        "Google": "https://www.google.de/search?q=x+y",
        "Bing": "https://www.bing.com/search?q=x+y",
        "Yahoo": "https://search.yahoo.com/search?p=x+y",
        "DuckDuckGo": "https://duckduckgo.com/?q=x+y",
        "Yandex": "https://yandex.ru/search/?text=x+y",
        "Baidu": "https://www.baidu.com/s?wd=x+y",
        "Ecosia": "https://www.ecosia.org/search?q=x+y",
        "Naver": "https://search.naver.com/search.naver?query=x+y",
    }
    assert set(refs) == {e.name for e in engines()}
    got = keyphrases(pl.DataFrame({"referer": list(refs.values())}))
    assert got.select("engine", "keyphrase").rows() == [(name, "x y") for name in refs]
    # a look-alike host is no engine
    fake = keyphrases(pl.DataFrame({"referer": ["https://google.com.evil.example/?q=x"]}))
    assert fake["engine"].to_list() == [None]
