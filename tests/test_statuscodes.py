"""The status-code registry: seed-verbatim Chinese texts, coverage, classes and fallbacks."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from httplog.errors import UsageError
from httplog.statuscodes import (
    CLASSES,
    LANGS,
    StatusInfo,
    annotate,
    class_of,
    class_table,
    describe,
    status_class,
    status_table,
)

#: The seed document, under <repo>/../shared/ (beside the repository checkout).
SEED = ("seed", "http-status-codes.zh.md")

#: Every code the brief names, by where it comes from.
IANA = [
    100, 101, 102, 103, 104,
    *range(200, 209), 226,
    *range(300, 309),
    *range(400, 419), *range(421, 427), 428, 429, 431, 451,
    *range(500, 509), 510, 511,
]  # fmt: skip
NGINX = [444, 494, 495, 496, 497, 499]
DE_FACTO = [419, 420, 440, 449, 450, 460, 463, 464, 509, *range(520, 528), 530, 598, 599]

EN_CLASS_NAMES = {
    "1xx": "1xx informational",
    "2xx": "2xx success",
    "3xx": "3xx redirection",
    "4xx": "4xx client error",
    "5xx": "5xx server error",
    "invalid": "invalid status",
}


def parse_seed(path: Path) -> tuple[dict[int, tuple[str, str]], dict[str, str]]:
    """Walk the seed's ``### NNN Phrase`` headings: code -> (phrase, paragraph), class -> name.

    The paragraph is the text between the heading and the next heading (or the
    footer), with the surrounding blank lines removed and nothing else touched.
    """
    text = path.read_bytes().decode("utf-8")
    lines = text.split("\n")
    codes: dict[int, tuple[str, str]] = {}
    classes: dict[str, str] = {}
    section = None
    for i, line in enumerate(lines):
        if m := re.fullmatch(r"## (.+)", line):
            section = m.group(1)
        elif m := re.fullmatch(r"### (\d{3}) (.+)", line):
            code = int(m.group(1))
            body = []
            for following in lines[i + 1 :]:
                if following.startswith(("#", "<footer")):
                    break
                body.append(following)
            codes[code] = (m.group(2), "\n".join(body).strip("\n"))
            assert section is not None, f"### {code} comes before any ## heading"
            classes.setdefault(f"{code // 100}xx", section)
    return codes, classes


@pytest.fixture(scope="module")
def seed(shared) -> tuple[dict[int, tuple[str, str]], dict[str, str]]:
    codes, classes = parse_seed(shared(*SEED))
    expected = [*range(100, 103), *range(200, 207), *range(300, 306), *range(400, 407)]
    expected += range(500, 506)
    assert sorted(codes) == expected, "the seed's ### headings did not parse as expected"
    return codes, classes


def rows(lang: str) -> dict[int, dict[str, str]]:
    return {r["status"]: r for r in status_table(lang).iter_rows(named=True)}


# -- the Chinese texts are the seed's, byte for byte ---------------------------------------


def test_zh_descriptions_are_byte_identical_to_the_seed_paragraphs(seed):
    codes, _ = seed
    zh = rows("zh")
    for code, (_, paragraph) in codes.items():
        assert code in zh, f"{code} is in the seed but not in zh.toml"
        assert zh[code]["description"].encode("utf-8") == paragraph.encode("utf-8"), code


def test_zh_reasons_are_the_seed_heading_phrases(seed):
    codes, _ = seed
    zh = rows("zh")
    for code, (phrase, _) in codes.items():
        assert zh[code]["reason"] == phrase, code
    assert zh[302]["reason"] == "Move Temporarily"  # the seed's wording, not RFC 9110's "Found"


def test_zh_class_names_are_the_seed_section_headings(seed):
    _, classes = seed
    names = dict(class_table("zh").iter_rows())
    assert classes == {c: names[c] for c in CLASSES if c != "invalid"}
    assert names["invalid"]


def test_zh_marks_exactly_the_seed_codes_as_seed(seed):
    codes, _ = seed
    zh = status_table("zh")
    assert set(zh.filter(pl.col("source") == "seed")["status"]) == set(codes)
    assert set(zh["source"]) == {"seed", "httplog"}


def test_seed_texts_survive_their_odd_spacing_and_punctuation():
    zh = rows("zh")
    assert zh[400]["description"] == "请求地址有误 或 请求参数有误"
    assert zh[402]["description"].endswith("预留的。")
    assert not zh[404]["description"].endswith("。")
    assert "（自上次访问以来或者根据请求的条件）" in zh[304]["description"]


# -- coverage and consistency ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "source"), [(IANA, "iana"), (NGINX, "nginx"), (DE_FACTO, "de-facto")]
)
def test_en_has_every_named_code_with_its_source(codes, source):
    en = rows("en")
    missing = [c for c in codes if c not in en]
    assert not missing
    assert {c: en[c]["source"] for c in codes} == dict.fromkeys(codes, source)


def test_en_reason_phrases_follow_rfc_9110():
    en = rows("en")
    assert en[302]["reason"] == "Found"
    assert en[413]["reason"] == "Content Too Large"
    assert en[422]["reason"] == "Unprocessable Content"
    assert en[306]["reason"] == "(Unused)"
    assert en[306]["class"] == "3xx"


@pytest.mark.parametrize("lang", LANGS)
def test_every_code_has_the_class_status_class_gives_it(lang):
    for code, row in rows(lang).items():
        assert row["class"] == class_of(code), code
        assert 100 <= code <= 599


def test_every_en_code_has_a_zh_entry_and_no_more():
    assert set(rows("zh")) == set(rows("en"))


def test_zh_entries_written_for_httplog_reuse_the_english_reason():
    en, zh = rows("en"), rows("zh")
    for code, row in zh.items():
        if row["source"] == "httplog":
            assert row["reason"] == en[code]["reason"], code


@pytest.mark.parametrize("lang", LANGS)
def test_every_entry_has_a_non_empty_reason_and_description(lang):
    for code, row in rows(lang).items():
        assert row["reason"].strip(), code
        assert row["description"].strip(), code
        assert "\n" not in row["description"], code


def test_status_table_has_the_documented_schema_sorted_by_status():
    table = status_table()
    assert table.schema == pl.Schema(
        {
            "status": pl.UInt16,
            "class": pl.String,
            "reason": pl.String,
            "description": pl.String,
            "source": pl.String,
        }
    )
    assert table["status"].is_sorted()
    assert table["status"].n_unique() == table.height


def test_status_table_is_cached_but_callers_cannot_corrupt_the_cache():
    first = status_table("en")
    first.insert_column(0, pl.Series("junk", [0] * first.height))
    assert "junk" not in status_table("en").columns


def test_the_data_files_are_package_resources():
    for lang in LANGS:
        assert files("httplog.statuscodes").joinpath(f"{lang}.toml").is_file()


def test_class_table_lists_classes_in_order_with_their_names():
    assert class_table("en").rows() == list(EN_CLASS_NAMES.items())
    assert class_table("zh")["class"].to_list() == list(CLASSES)


# -- classes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        *[(100, "1xx"), (199, "1xx"), (200, "2xx"), (399, "3xx"), (404, "4xx"), (599, "5xx")],
        *[(0, "invalid"), (99, "invalid"), (600, "invalid"), (999, "invalid"), (-1, "invalid")],
    ],
)
def test_status_class_buckets_100_to_599_and_calls_the_rest_invalid(code, cls):
    assert class_of(code) == cls


def test_status_class_expr_agrees_with_status_class_on_every_code_to_1000():
    df = pl.DataFrame({"status": range(1001)}, schema={"status": pl.UInt16})
    got = df.select(status_class())["status"].to_list()
    assert got == [class_of(c) for c in range(1001)]


def test_status_class_expr_keeps_null_and_returns_strings():
    df = pl.DataFrame({"s": [None, 500]}, schema={"s": pl.Int64})
    out = df.select(status_class("s"))
    assert out.schema["s"] == pl.String
    assert out["s"].to_list() == [None, "5xx"]


def test_status_class_expr_takes_an_expression_and_numeric_strings():
    df = pl.DataFrame({"upstream_status": ["502", "-", "200"]})
    got = df.select(status_class(pl.col("upstream_status")))["upstream_status"]
    assert got.to_list() == ["5xx", None, "2xx"]


# -- describe: known codes and fallbacks ----------------------------------------------------


def test_describe_a_known_code():
    info = describe(418)
    assert info == StatusInfo(418, "4xx", "I'm a teapot", info.description)
    assert "RFC 2324" in info.description


def test_describe_an_unknown_code_falls_back_to_its_class_name():
    assert describe(432) == StatusInfo(432, "4xx", "", "4xx client error")
    assert describe(432, "zh") == StatusInfo(432, "4xx", "", "请求错误")
    assert describe(299) == StatusInfo(299, "2xx", "", "2xx success")


@pytest.mark.parametrize("code", [0, 99, 600, 999])
def test_describe_a_code_outside_100_599_as_invalid(code):
    assert describe(code) == StatusInfo(code, "invalid", "", "invalid status")
    assert describe(code, "zh").status_class == "invalid"
    assert describe(code, "zh").description == class_table("zh")["name"][-1]


# -- annotate --------------------------------------------------------------------------------


def test_annotate_keeps_every_row_in_order_including_unknown_codes():
    counts = pl.DataFrame(
        {"status": [503, 432, 200, 0, 999, 404], "requests": [5, 1, 90, 2, 1, 7]},
        schema={"status": pl.UInt16, "requests": pl.UInt64},
    )
    out = annotate(counts)
    assert out.columns == ["status", "requests", "class", "reason", "description"]
    assert out["status"].to_list() == [503, 432, 200, 0, 999, 404]
    assert out["requests"].to_list() == [5, 1, 90, 2, 1, 7]
    assert out["class"].to_list() == ["5xx", "4xx", "2xx", "invalid", "invalid", "4xx"]
    assert out["reason"].to_list() == ["Service Unavailable", "", "OK", "", "", "Not Found"]
    assert out["description"][1] == "4xx client error"
    assert out["description"][3] == "invalid status"
    assert out.schema["status"] == pl.UInt16


def test_annotate_matches_describe_row_by_row():
    codes = [100, 104, 302, 418, 432, 499, 520, 599, 600, 0]
    for lang in LANGS:
        out = annotate(pl.DataFrame({"status": codes}), lang)
        expected = [describe(c, lang) for c in codes]
        got = [
            StatusInfo(r["status"], r["class"], r["reason"], r["description"])
            for r in out.iter_rows(named=True)
        ]
        assert got == expected


def test_annotate_a_lazyframe_returns_a_lazyframe():
    lf = pl.LazyFrame({"code": [404, 200]})
    out = annotate(lf, "zh", col="code")
    assert isinstance(out, pl.LazyFrame)
    assert_frame_equal(
        out.collect(),
        annotate(pl.DataFrame({"code": [404, 200]}), "zh", col="code"),
    )


def test_annotate_leaves_null_codes_null():
    out = annotate(pl.DataFrame({"status": [None, 200]}, schema={"status": pl.UInt16}))
    assert out.row(0) == (None, None, None, None)


def test_annotate_does_not_duplicate_rows_for_repeated_codes():
    out = annotate(pl.DataFrame({"status": [200, 200, 404, 200]}))
    assert out.height == 4


def test_annotate_refuses_a_frame_that_already_has_the_columns():
    with pytest.raises(UsageError, match="reason"):
        annotate(pl.DataFrame({"status": [200], "reason": ["x"]}))


# -- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: status_table("fr"),
        lambda: class_table("EN"),
        lambda: describe(200, "de"),
        lambda: annotate(pl.DataFrame({"status": [200]}), "zh-CN"),
    ],
)
def test_an_unknown_language_raises_usage_error_naming_the_allowed_ones(call):
    with pytest.raises(UsageError, match=r"'en', 'zh'"):
        call()
