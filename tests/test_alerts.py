"""--fail-on conditions: parsing (good and bad), evaluation, the rejected-lines guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from logfactory import line

import httplog
from httplog.alerts import (
    breaches,
    check_rejected,
    evaluate,
    parse_condition,
    parse_conditions,
    parse_ratio,
)
from httplog.errors import FormatError, OptionError, RejectedError, UsageError


def _line(t: datetime, status: int, path: str = "/", ip: str = "192.0.2.1") -> str:
    return line(time=t, status=status, target=path, client=ip, size=100, agent="curl/8") + "\n"


@pytest.fixture
def analysis(tmp_path):
    """100 requests: 90×200, 6×404, 3×503, 1×500, and 2 rejected lines."""
    t0 = datetime(2026, 11, 20, 10, tzinfo=UTC)
    statuses = [200] * 90 + [404] * 6 + [503] * 3 + [500]
    text = "".join(_line(t0 + timedelta(seconds=i), s) for i, s in enumerate(statuses))
    p = tmp_path / "access.log"
    p.write_text(text + "garbage\n\n")
    return httplog.analyze(str(p))


@pytest.mark.parametrize(
    ("text", "metric", "op", "threshold", "percent"),
    [
        ("5xx-rate>2%", "5xx-rate", ">", 0.02, True),
        (" 5xx-rate > 2% ", "5xx-rate", ">", 0.02, True),
        ("4xx-rate>=10%", "4xx-rate", ">=", 0.10, True),
        ("5xx-rate>0.02", "5xx-rate", ">", 0.02, True),
        ("5xx>2%", "5xx-rate", ">", 0.02, True),
        ("5XX_RATE>2%", "5xx-rate", ">", 0.02, True),
        ("spikes>0", "spikes", ">", 0, False),
        ("5xx-spikes>=1", "5xx-spikes", ">=", 1, False),
        ("rejected>1%", "rejected-rate", ">", 0.01, True),
        ("rejected>10", "rejected", ">", 10, False),
        ("parsed<99.5%", "parsed-rate", "<", 0.995, True),
        ("requests<100", "requests", "<", 100, False),
        ("lines<1", "lines", "<", 1, False),
        ("5xx>50", "5xx", ">", 50, False),
        ("503>=1", "503", ">=", 1, False),
        ("503-rate>1%", "503-rate", ">", 0.01, True),
        ("errors>5", "errors", ">", 5, False),
        ("errors-rate>5%", "errors-rate", ">", 0.05, True),
        ("invalid>0", "invalid", ">", 0, False),
        ("5xx=0", "5xx", "==", 0, False),
        ("5xx!=0", "5xx", "!=", 0, False),
    ],
)
def test_conditions_parse(text, metric, op, threshold, percent):
    c = parse_condition(text)
    assert (c.metric, c.op, c.percent) == (metric, op, percent)
    assert c.threshold == pytest.approx(threshold)
    assert c.text == text.strip()


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("5xx-rate", "METRIC OP VALUE"),
        ("5xx-rate>", "OP one of"),
        ("5xx-rate>>2%", "OP one of"),
        ("5xx-rat>2%", "unknown metric"),
        ("latency>2", "unknown metric"),
        ("5xx-rate>2", "a rate is a percentage"),
        ("requests>5%", "is a count"),
        ("spikes-rate>1%", "is a count"),
        ("5xx>two", "OP one of"),
        ("5xx>-1", "OP one of"),
        ("", "METRIC OP VALUE"),
    ],
)
def test_bad_conditions_are_usage_errors_naming_the_condition(text, hint):
    with pytest.raises(UsageError) as e:
        parse_condition(text)
    msg = str(e.value)
    assert f"{text.strip()!r}" in msg
    assert hint in msg
    assert "\n" not in msg


def test_conditions_split_on_commas_and_repeat():
    got = parse_conditions(["5xx-rate>2%, spikes>0", "requests<100", " ,"])
    assert [c.text for c in got] == ["5xx-rate>2%", "spikes>0", "requests<100"]


def test_a_bad_condition_among_good_ones_is_named():
    with pytest.raises(UsageError, match="'nope>1'"):
        parse_conditions(["5xx-rate>2%,nope>1"])


def test_values_of_every_metric(analysis):
    a = analysis
    assert a.requests == 100 and a.lines == 102 and a.rejected == 2

    def value(text):
        return parse_condition(text).value(a)

    assert value("5xx-rate>1%") == pytest.approx(0.04)
    assert value("4xx-rate>1%") == pytest.approx(0.06)
    assert value("2xx>1") == 90
    assert value("5xx>1") == 4
    assert value("errors>1") == 10
    assert value("errors-rate>1%") == pytest.approx(0.10)
    assert value("503>1") == 3
    assert value("503-rate>1%") == pytest.approx(0.03)
    assert value("418>1") == 0
    assert value("requests>1") == 100
    assert value("lines>1") == 102
    assert value("rejected>1") == 2
    assert value("rejected>1%") == pytest.approx(2 / 102)
    assert value("parsed>1%") == pytest.approx(100 / 102)
    assert value("spikes>0") == a.spikes.height


def test_breaches_are_the_conditions_that_hold(analysis):
    conds = parse_conditions(["5xx-rate>2%", "5xx-rate>5%", "requests<100", "requests<101"])
    checks = evaluate(conds, analysis)
    assert [c.breached for c in checks] == [True, False, False, True]
    got = breaches(conds, analysis)
    assert [b.condition.text for b in got] == ["5xx-rate>2%", "requests<101"]
    assert got[0].message == "5xx-rate>2%: 5xx rate is 4% (> 2%)"
    assert got[1].message == "requests<101: 100 requests (< 101)"
    d = got[0].as_dict()
    assert d["condition"] == "5xx-rate>2%" and d["breached"] is True
    assert d["value"] == pytest.approx(0.04) and d["threshold"] == pytest.approx(0.02)


def test_boundaries_are_exact(analysis):
    assert not parse_condition("5xx>4").check(analysis).breached
    assert parse_condition("5xx>=4").check(analysis).breached
    assert parse_condition("5xx-rate>=4%").check(analysis).breached
    assert not parse_condition("5xx-rate>4%").check(analysis).breached


def test_rates_over_no_requests_are_zero(tmp_path):
    p = tmp_path / "empty.log"
    p.write_text("")
    a = httplog.analyze(str(p))
    assert parse_condition("5xx-rate>=0%").value(a) == 0.0
    assert not parse_condition("5xx-rate>0%").check(a).breached
    assert parse_condition("requests<1").check(a).breached
    assert parse_condition("rejected>0%").value(a) == 0.0


def test_spike_conditions_count_spikes(tmp_path):
    t0 = datetime(2026, 11, 20, tzinfo=UTC)
    lines = []
    for minute in range(24 * 60):
        for k in range(5):
            status = 503 if 600 <= minute < 615 and k < 3 else 200
            lines.append(_line(t0 + timedelta(minutes=minute, seconds=k), status))
    p = tmp_path / "burst.log"
    p.write_text("".join(lines))
    a = httplog.analyze(str(p), window="5m")
    assert a.spikes.height >= 1
    assert parse_condition("spikes>0").check(a).breached
    assert parse_condition("5xx-spikes>0").check(a).breached
    assert not parse_condition("4xx-spikes>0").check(a).breached


@pytest.mark.parametrize(
    ("text", "value"), [("50%", 0.5), ("0.5", 0.5), ("100%", 1.0), ("0", 0.0), ("12.5%", 0.125)]
)
def test_parse_ratio(text, value):
    assert parse_ratio(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["150%", "-1", "half", "2", "", "nan", "inf"])
def test_parse_ratio_rejects_nonsense_naming_the_option(text):
    with pytest.raises(OptionError) as e:
        parse_ratio(text)
    assert (e.value.option, e.value.value) == ("max_rejected", text)
    assert e.value.describe("--max-rejected").startswith("bad --max-rejected")


def test_check_rejected():
    check_rejected(0, 0)
    check_rejected(10, 5)  # exactly half is still fine
    check_rejected(10, 9, 0.95)
    with pytest.raises(RejectedError) as e:
        check_rejected(1000, 731, format_label="combined")
    msg = str(e.value)
    assert "73.1% of lines (731 of 1,000) do not parse as combined" in msg
    assert "--" not in msg  # the library names no flag: the CLI words them
    assert (e.value.lines, e.value.rejected, e.value.format_label) == (1000, 731, "combined")
    assert e.value.allow == pytest.approx(0.74)
    check_rejected(1000, 731, 0.74)  # the suggested limit accepts it
    with pytest.raises(FormatError) as e:
        check_rejected(5, 5)
    assert e.value.allow == 1.0
