"""The terminal's dashboard lines (visitors, requested files, not found) in each language."""

from __future__ import annotations

from pathlib import Path

import pytest

import httplog
from httplog.cli.terminal import texts, to_text
from httplog.summary import to_summary

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def summary() -> dict:
    return to_summary(httplog.analyze(str(ROOT / "sample_logs" / "nginx_access.log")))


def test_the_dashboard_lines_are_in_chinese_with_lang_zh(summary: dict) -> None:
    zh = to_text({**summary, "lang": "zh"})
    assert "访客：独立访客 674 位，不同文件" in zh
    assert "请求的文件：" in zh and "未找到（404）：" in zh
    for english in (
        "unique visitors",
        "distinct files",
        "Requested files",
        "Not found",
        "Visitors:",
    ):
        assert english not in zh


def test_the_dashboard_lines_stay_english_by_default(summary: dict) -> None:
    en = to_text(summary)
    assert "Visitors: 674 unique visitors, " in en
    assert "Requested files:" in en and "Not found:" in en


def test_bounded_panels_say_their_error_in_the_language(summary: dict) -> None:
    s = {**summary, "panels": {**summary["panels"]}}
    s["panels"]["not_found"] = {**s["panels"]["not_found"], "delta": 7}
    assert "Not found (counts within +7):" in to_text(s)
    assert "未找到（404）（计数误差不超过 +7）：" in to_text({**s, "lang": "zh"})


def test_an_estimated_visitor_count_says_so_in_each_language(summary: dict) -> None:
    s = {**summary, "panels": {**summary["panels"]}}
    s["panels"]["visitors"] = {**s["panels"]["visitors"], "estimate": True}
    assert "674 (estimate) unique visitors" in to_text(s)
    assert "独立访客约 674 位（估计值）" in to_text({**s, "lang": "zh"})


def test_the_dashboard_words_come_from_the_words_file_in_both_languages() -> None:
    keys = ("visitors", "unique_visitors", "distinct_files", "requested_files", "not_found")
    for lang in ("en", "zh"):
        assert all(k in texts(lang) for k in keys)
    assert texts("en")["requested_files"] != texts("zh")["requested_files"]
