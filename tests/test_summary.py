"""The JSON summary: its schema (version 2), its numbers, its text twin."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from logfactory import line

import httplog
from httplog.alerts import evaluate, parse_conditions
from httplog.cli.terminal import to_text
from httplog.display import clean
from httplog.summary import SCHEMA, SUMMARY_VERSION, to_json, to_summary, validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "nginx_access.log"


def _line(t: datetime, status: int, path: str = "/", agent: str = "curl/8") -> str:
    return line(time=t, status=status, target=path, agent=agent, size=100) + "\n"


def _burst_log(path: Path) -> Path:
    """A day at 5 requests a minute with a 15-minute burst of 503 on /api/checkout."""
    t0 = datetime(2026, 11, 20, tzinfo=UTC)
    lines = []
    for minute in range(24 * 60):
        for k in range(5):
            burst = 600 <= minute < 615 and k < 3
            lines.append(
                _line(
                    t0 + timedelta(minutes=minute, seconds=k),
                    503 if burst else (404 if k == 4 and minute % 7 == 0 else 200),
                    "/api/checkout" if burst else f"/p{k}",
                )
            )
    path.write_text("".join(lines) + "not a log line\n")
    return path


@pytest.fixture(scope="module")
def burst(tmp_path_factory):
    return _burst_log(tmp_path_factory.mktemp("burst") / "access.log")


def test_summary_of_a_log_matches_the_schema(burst):
    a = httplog.analyze(str(burst), window="5m", tz="Europe/Paris")
    s = to_summary(a)
    assert validate(s) == []
    assert s["version"] == SUMMARY_VERSION == 2
    # and it survives JSON (no NaN, no datetime objects)
    again = json.loads(to_json(a))
    assert validate(again) == []


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample logs not generated")
def test_summary_of_the_sample_log_matches_the_manifest():
    manifest = json.loads((ROOT / "sample_logs" / "manifest.json").read_text())
    truth = manifest["files"]["nginx_access.log"]
    s = to_summary(httplog.analyze(str(SAMPLE)))
    assert validate(s) == []
    assert s["lines"]["total"] == truth["lines"]
    assert s["lines"]["parsed"] == truth["valid"]
    assert {str(r["code"]): r["count"] for r in s["status_codes"]} == truth["status_counts"]
    assert s["requests"] == sum(truth["status_counts"].values())
    assert s["format"] == truth["format"]


def test_numbers_add_up(burst):
    a = httplog.analyze(str(burst), window="5m")
    s = to_summary(a)
    assert s["lines"]["total"] == 24 * 60 * 5 + 1
    assert s["lines"]["rejected"] == 1
    assert s["lines"]["rejected_by_reason"] == {"no_match": 1}
    assert s["lines"]["parsed"] + s["lines"]["rejected"] == s["lines"]["total"]
    assert sum(s["classes"].values()) == s["requests"] == a.requests
    assert sum(r["count"] for r in s["status_codes"]) == s["requests"]
    assert s["classes"]["5xx"] == 45
    assert s["rates"]["5xx"] == pytest.approx(45 / s["requests"])
    assert sum(w["requests"] for w in s["windows"]) == s["requests"]
    assert sum(w["counts"]["5xx"] for w in s["windows"]) == 45
    assert [r["code"] for r in s["status_codes"]] == sorted(r["code"] for r in s["status_codes"])
    r503 = next(r for r in s["status_codes"] if r["code"] == 503)
    assert r503["class"] == "5xx" and r503["reason"] == "Service Unavailable"
    assert r503["description"]
    assert s["inputs"][0]["lines"] == s["lines"]["total"]
    assert s["window"] == "5m"


def test_spikes_say_what_explains_them(burst):
    s = to_summary(httplog.analyze(str(burst), window="5m"))
    spikes = [sp for sp in s["spikes"] if sp["kind"] == "5xx"]
    assert len(spikes) == 1
    sp = spikes[0]
    assert sp["start"] == "2026-11-20T10:00:00+00:00"
    assert sp["end"] == "2026-11-20T10:15:00+00:00"
    assert sp["peak_rate"] == pytest.approx(0.6)
    assert sp["top_paths"][0]["path"] == "/api/checkout"
    assert sp["top_codes"][0]["code"] == 503
    assert sp["errors"] == 45
    assert "path" in sp["explanations"]


def test_times_carry_the_time_zone_offset(burst):
    s = to_summary(httplog.analyze(str(burst), window="1h", tz="Asia/Kolkata"))
    assert s["tz"] == "Asia/Kolkata"
    assert s["time_range"]["start"] == "2026-11-20T05:30:00+05:30"
    assert s["windows"][0]["start"].endswith("+05:30")
    for sp in s["spikes"]:
        assert sp["start"].endswith("+05:30")


def test_empty_input_gives_a_valid_summary_that_says_so(tmp_path):
    p = tmp_path / "empty.log"
    p.write_text("")
    a = httplog.analyze(str(p))
    s = to_summary(a)
    assert validate(s) == []
    assert s["requests"] == 0 and s["lines"]["total"] == 0
    assert s["time_range"] == {"start": None, "end": None}
    assert s["classes"] == dict.fromkeys(["1xx", "2xx", "3xx", "4xx", "5xx", "invalid"], 0)
    assert s["windows"] == [] and s["spikes"] == [] and s["status_codes"] == []
    assert "No requests" in to_text(s)
    assert "input is empty" in to_text(s)


def test_format_given_but_no_lines_is_named(tmp_path):
    p = tmp_path / "empty.log"
    p.write_text("")
    assert to_summary(httplog.analyze(str(p), log_format="common"))["format"] == "common"


def test_alerts_and_checks(burst):
    a = httplog.analyze(str(burst), window="5m")
    checks = evaluate(parse_conditions(["5xx-rate>0.1%", "requests<10"]), a)
    breached = [c for c in checks if c.breached]
    s = to_summary(a, breached, checks=checks)
    assert validate(s) == []
    assert [b["condition"] for b in s["alerts"]] == ["5xx-rate>0.1%"]
    assert [c["breached"] for c in s["checks"]] == [True, False]
    assert "checks" not in to_summary(a)
    # plain mappings work as well
    assert to_summary(a, [{"condition": "x", "message": "m"}])["alerts"][0]["message"] == "m"


def test_filters_are_recorded(burst):
    since = datetime(2026, 11, 20, 9, tzinfo=UTC)
    a = httplog.analyze(str(burst), since=since, status=("5xx", "404"), path_prefix="/api")
    s = to_summary(a)
    assert validate(s) == []
    assert s["filters"]["since"] == "2026-11-20T09:00:00+00:00"
    assert s["filters"]["status"] == ["5xx", "404"]
    assert s["filters"]["path_prefix"] == "/api"
    assert s["requests"] == 45


def test_extra_fields_cannot_replace_documented_ones(burst):
    a = httplog.analyze(str(burst))
    assert to_summary(a, extra={"incremental": {"runs": 2}})["incremental"] == {"runs": 2}
    with pytest.raises(ValueError, match="classes"):
        to_summary(a, extra={"classes": {}})


def test_every_top_level_field_is_in_the_schema_and_documented(burst):
    s = to_summary(httplog.analyze(str(burst)), checks=[], extra={"incremental": {}})
    props = SCHEMA["properties"]
    assert set(s) <= set(props)
    assert set(SCHEMA["required"]) <= set(s)
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [k for k in props if f"`{k}`" not in doc]
    assert not missing, f"docs/cli.md does not document {missing}"


@pytest.mark.parametrize(
    ("instance", "problem"),
    [
        ({"version": 1}, "expected 2"),
        ({"version": 2, "requests": True}, "expected integer"),
        ({"version": 2, "requests": -1}, "below 0"),
        ({"version": 2, "requests": 1.5}, "expected integer"),
        ({"version": 2, "classes": {"2xx": 1}}, "missing '1xx'"),
        (
            {
                "version": 2,
                "classes": {
                    **dict.fromkeys(["1xx", "2xx", "3xx", "4xx", "5xx", "invalid"], 0),
                    "6xx": 1,
                },
            },
            "unexpected '6xx'",
        ),
        ({"version": 2, "generated_at": "yesterday"}, "not an ISO 8601"),
        ({"version": 2, "generated_at": "2026-11-20T10:00:00"}, "not an ISO 8601"),
        ({"version": 2, "windows": [{"start": 1}]}, "windows[0].start"),
        ({"version": 2, "spikes": [{"kind": "3xx"}]}, "is not one of"),
        (
            {"version": 2, "panels": {"hosts": {"rows": [{"visitors": -1}], "total_rows": 1}}},
            "panels.hosts.rows[0].visitors",
        ),
        (
            {"version": 2, "panels": {"hosts": {"rows": [{"visitors_error": 2}], "total_rows": 1}}},
            "greater than the maximum of 1",
        ),
    ],
)
def test_the_validator_finds_problems(instance, problem):
    errors = validate(instance)
    assert any(problem in e for e in errors), errors


def _objects(schema: object, where: str = "$"):
    """Every object schema inside ``schema``, with where it is."""
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            yield where, schema
        for key, value in schema.items():
            yield from _objects(value, f"{where}.{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _objects(value, f"{where}[{i}]")


def test_every_required_key_of_the_schema_is_a_declared_property():
    objects = list(_objects(SCHEMA))
    assert len(objects) > 10
    for where, obj in objects:
        declared = set(obj.get("properties", {}))
        if obj.get("additionalProperties") is False or obj.get("required"):
            assert set(obj.get("required", [])) <= declared, where


def test_text_summary_has_totals_codes_and_spikes(burst):
    a = httplog.analyze(str(burst), window="5m")
    checks = evaluate(parse_conditions(["5xx>10"]), a)
    text = to_text(to_summary(a, checks))
    assert "7,201 lines" in text
    assert "5xx 45" in text
    assert re.search(r"503\s+Service Unavailable", text)
    assert "Spikes (1)" in text and "/api/checkout" in text
    assert "5xx>10: 45 5xx responses (> 10)" in text


def test_text_summary_escapes_terminal_control_sequences(tmp_path):
    # Bytes such as ESC make a line "binary" (rejected); C1 controls and bidi
    # overrides are valid UTF-8 and reach paths.
    evil = "/\u202eevil\u009b2J\u2028x"
    p = tmp_path / "evil.log"
    p.write_text(_burst_log(tmp_path / "b.log").read_text().replace("/api/checkout", evil))
    s = to_summary(httplog.analyze(str(p), window="5m"))
    assert any(sp["top_paths"] and sp["top_paths"][0]["path"] == evil for sp in s["spikes"])
    text = to_text(s)
    for ch in ("\u202e", "\u009b", "\u2028"):
        assert ch not in text
        assert f"<U+{ord(ch):04X}>" in text


def test_clean():
    assert clean("a\nb\tc") == "a␊b␉c"
    assert clean("x" * 10, 5) == "xxxx…"
    assert clean("\u202eevil") == "<U+202E>evil"


@pytest.mark.parametrize("name", ["nginx_access.log", "nginx_timed.log"])
def test_the_detection_note_is_in_the_analysis_language_as_the_report_says_it(name, tmp_path):
    from markupsafe import escape  # as the report's template escapes

    from httplog.report import write_report

    log = ROOT / "sample_logs" / name
    en, zh = (httplog.analyze(str(log), lang=lang) for lang in ("en", "zh"))
    assert to_summary(en)["detection"] == en.detection  # English as the engine words it
    matched, sampled = re.search(r"\((\d+)/(\d+) sample lines\)", en.detection).groups()
    said = to_summary(zh)["detection"]
    assert f"（根据 {sampled} 行样本中的 {matched} 行识别" in said, said
    assert "sample lines" not in said
    assert validate(to_summary(zh)) == []
    out = tmp_path / "report.html"
    write_report(zh, out)
    assert str(escape(said)) in out.read_text(encoding="utf-8")


def test_the_schema_file_holds_the_version_and_status_classes_the_code_writes():
    from httplog.statuscodes import CLASSES

    props = SCHEMA["properties"]
    assert props["version"] == {"const": SUMMARY_VERSION}
    for field in ("classes", "rates"):
        assert props[field]["required"] == list(CLASSES), field
        assert list(props[field]["properties"]) == list(CLASSES), field
    status_code = props["status_codes"]["items"]["properties"]
    assert status_code["class"] == {"enum": list(CLASSES)}
