"""The terminal summary in English and Chinese: its words are data, in both languages."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import httplog
from httplog.cli.terminal import texts, to_text
from httplog.parse import REASONS
from httplog.report import render_report
from httplog.summary import to_summary

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"
TERMINAL = ROOT / "src" / "httplog" / "cli" / "terminal.toml"


def _keys(d: dict, prefix: str = "") -> set[str]:
    out = set()
    for k, v in d.items():
        out |= _keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
    return out


def test_every_language_has_every_word_and_placeholder():
    data = tomllib.loads(TERMINAL.read_text(encoding="utf-8"))
    assert _keys(data["zh"]) == _keys(data["en"])
    for key, text in data["en"].items():
        if isinstance(text, str):
            fields = {p.split("}")[0] for p in text.split("{")[1:]}
            zh = {p.split("}")[0] for p in data["zh"][key].split("{")[1:]}
            assert fields == zh, key


def test_every_rejection_reason_has_words_and_the_report_uses_the_same():
    for lang in ("en", "zh"):
        assert set(texts(lang)["reasons"]) == set(REASONS)
        for r in REASONS:
            report = httplog.charts.label(f"reason_{r}", lang, section="report")
            assert report == texts(lang)["reasons"][r], (lang, r)


@pytest.fixture(scope="module")
def zh_summary():
    return to_summary(httplog.analyze(SAMPLE, lang="zh"))


def test_the_terminal_summary_is_in_chinese_with_lang_zh(zh_summary):
    text = to_text(zh_summary)
    for words in (
        "12,230 行（combined）：12,225 个请求",
        "5 行被拒绝（<0.1%：空行 2 行，二进制数据 1 行",
        "时间为 UTC+01:00，与日志所写一致",
        "最常见的状态码：",
        "错误峰值（3 个）：",
        "主要原因：客户端 203.0.113.195（占超出部分 100%）",
        "请求已成功",  # the seed's description of 200
    ):
        assert words in text, words
    for english in ("requests", "rejected", "Spikes", "explained by", "times in", "windows"):
        assert english not in text, english


def test_chinese_descriptions_are_cut_to_the_terminal_width(zh_summary):
    for line in to_text(zh_summary, width=80).splitlines():
        if line.startswith("  ") and "%" in line and "（" not in line:
            cols = sum(2 if "\u4e00" <= c <= "\u9fff" or c in "，。（）：" else 1 for c in line)
            assert cols <= 81, line


def test_the_report_says_reasons_and_detection_in_chinese():
    page = render_report(httplog.analyze(SAMPLE, lang="zh"), plotly_js="cdn")
    assert "combined（根据 200 行样本中的 200 行识别）" in page
    assert "5（空行 2，二进制数据 1" in page
    en = render_report(httplog.analyze(SAMPLE), plotly_js="cdn")
    assert "combined (200/200 sample lines)" in en and "5 (empty 2, binary 1" in en
