"""Format strings compile to what the server writes: literal text matches itself in
polars' regex dialect, directives with nothing between them are told apart when
their values can be, unquoted lists reach the next literal."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from httplog.errors import FormatError
from httplog.formats import compile_format
from httplog.parse import lines_frame, parse_lines

#: At least 500 examples in CI; a quick run locally.
EXAMPLES = 500 if os.environ.get("CI") == "true" else 60
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def parse_one(fmt: str, line: str) -> dict:
    """The row polars' engine reads from one line (asserting it is read)."""
    ok, bad = parse_lines(lines_frame(line.encode() + b"\n"), compile_format(fmt), source="t")
    assert bad.height == 0, (fmt, line, bad.to_dicts(), compile_format(fmt).pattern)
    return ok.drop("source").row(0, named=True)


# ---------------------------------------------------- literal text, any text


@dataclass(frozen=True)
class Atom:
    """One directive: how each dialect spells it, how a value is written, what is read back."""

    nginx: str
    apache: str
    column: str
    values: st.SearchStrategy
    write: object  # value -> text in the line
    read: object  # value -> what the parsed column holds
    alphabet: str  # the characters a written value may end with and go on with


def _nginx_esc(s: str) -> str:
    return "".join(
        f"\\x{b:02X}" if b in (0x22, 0x5C) or b < 0x20 or b > 0x7E else chr(b) for b in s.encode()
    )


def _apache_esc(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c.isascii():
            out.append(c)
        else:
            out.extend(f"\\x{b:02x}" for b in c.encode())
    return "".join(out)


TIMES = st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1)).map(
    lambda t: t.replace(microsecond=0, tzinfo=timezone(timedelta(hours=-7)))
)
AGENT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), max_codepoint=0x1FFFF),
    max_size=20,
)
ATOMS = {
    "time": Atom(
        "[$time_local]",
        "%t",
        "time",
        TIMES,
        lambda t: t.strftime("[%d/%b/%Y:%H:%M:%S %z]"),
        lambda t: t.astimezone(UTC),
        "",
    ),
    "status": Atom(
        "$status", "%>s", "status", st.integers(100, 599), str, lambda v: v, "0123456789"
    ),
    "addr": Atom(
        "$remote_addr",
        "%h",
        "remote_addr",
        st.ip_addresses(v=4).map(str),
        str,
        lambda v: v,
        "0123456789.",
    ),
    "user": Atom(
        "$remote_user",
        "%u",
        "remote_user",
        st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
        str,
        lambda v: v,
        "abcdefghijklmnopqrstuvwxyz",
    ),
    "agent": Atom('"$http_user_agent"', '"%{User-Agent}i"', "user_agent", AGENT, None, None, ""),
    "micros": Atom(
        "$request_time",
        "%D",
        "request_time",
        st.integers(0, 10**7),
        None,
        None,
        "0123456789.",
    ),
}

#: Literal text: every printable ASCII character, spaces, and a few beyond ASCII.
LITERAL_CHARS = [chr(c) for c in range(0x20, 0x7F)] + ["é", "中", "→", "😀", "\u00a0"]
LITERAL = st.text(st.sampled_from(LITERAL_CHARS), min_size=1, max_size=6)


def _write(atom: Atom, value: object, dialect: str) -> str:
    if atom.column == "user_agent":
        return '"' + (_nginx_esc if dialect == "nginx" else _apache_esc)(str(value)) + '"'
    if atom.column == "request_time":  # $request_time in seconds, %D in microseconds
        return f"{value / 1e6:.6f}" if dialect == "nginx" else str(value)
    return atom.write(value)  # type: ignore[operator]


def _read(atom: Atom, value: object) -> object:
    if atom.column == "user_agent":
        return None if value == "-" else value  # "-" is how servers write "no value"
    if atom.column == "request_time":
        return value / 1e6  # type: ignore[operator]
    return atom.read(value)  # type: ignore[operator]


def _spell_literal(text: str, dialect: str) -> str:
    """The literal as the format string writes it."""
    if dialect == "apache":
        return text.replace("\\", "\\\\").replace("%", "%%")
    return text


@st.composite
def formats(draw: st.DrawFn) -> tuple[str, str, str, dict[str, object]]:
    """(dialect, format string, line, expected columns): random literal text
    before, between (never empty) and after random directives."""
    dialect = draw(st.sampled_from(["nginx", "apache"]))
    others = draw(st.lists(st.sampled_from(["addr", "user", "agent", "micros"]), unique=True))
    names = draw(st.permutations(["time", "status", *others]))
    fmt, line, want = [], [], {}

    def literal(prev: Atom | None, required: bool) -> None:
        if not required and not draw(st.booleans()):
            return
        lit = draw(LITERAL)
        if prev is not None and lit[0] in prev.alphabet:
            lit = "~" + lit  # the value would go on with it: not the case under test
        lit = re.sub(r"\$(?=[\w{])", "$-", lit)  # not an nginx variable
        if dialect == "nginx":
            # "%%" is no Apache directive: "%t" in an nginx string is literal text
            # too, but enough of them make the string read as Apache's (see below).
            lit = lit.replace("%", "%%")
        if dialect == "nginx" and re.match(r"\w", lit) and fmt and fmt[-1].startswith("$"):
            fmt[-1] = "${" + fmt[-1][1:] + "}"  # $status0 would be a variable "status0"
        fmt.append(_spell_literal(lit, dialect))
        line.append(lit)

    literal(None, required=False)
    for i, name in enumerate(names):
        atom = ATOMS[name]
        value = draw(atom.values)
        fmt.append(atom.nginx if dialect == "nginx" else atom.apache)
        line.append(_write(atom, value, dialect))
        want[atom.column] = _read(atom, value)
        literal(atom, required=i + 1 < len(names))
    return dialect, "".join(fmt), "".join(line), want


@SETTINGS
@given(case=formats())
def test_literal_text_between_directives_matches_itself_through_polars(case):
    dialect, fmt, line, want = case
    row = parse_one(fmt, line)
    got = {k: row[k] for k in want}
    if "request_time" in want:
        assert abs(got.pop("request_time") - want.pop("request_time")) < 1e-9
    assert got == want, (dialect, fmt, line)


@pytest.mark.parametrize(
    ("fmt", "line", "column", "value"),
    [
        (
            "$remote_addr -> $upstream_addr [$time_local] $status",
            "192.0.2.1 -> 10.0.0.1:80 [10/Oct/2000:13:55:36 -0700] 200",
            "upstream_addr",
            "10.0.0.1:80",
        ),
        (
            "%h <<%P>> %t %>s",
            "192.0.2.1 <<4242>> [10/Oct/2000:13:55:36 -0700] 200",
            "pid",
            "4242",
        ),
        (
            "%h {%u} (a|b)* %t %>s",
            "192.0.2.1 {bob} (a|b)* [10/Oct/2000:13:55:36 -0700] 200",
            "remote_user",
            "bob",
        ),
    ],
)
def test_angle_brackets_and_regex_syntax_in_a_format_are_literal_text(fmt, line, column, value):
    # In polars' regex dialect \< and \> are word boundaries: escaped, they never matched.
    assert parse_one(fmt, line)[column] == value


def test_an_nginx_string_with_percent_text_is_nginx_when_only_nginx_compiles_it():
    # As many "%X" as "$variables": Apache's on a tie, but Apache's reading has no
    # status field (or an unknown directive), so the string is nginx's.
    for fmt in ("[$time_local]%A$status%A", "[$time_local]%A$status%C"):
        row = parse_one(
            fmt,
            fmt.replace("[$time_local]", "[01/Jan/2000:00:00:00 +0000]").replace("$status", "204"),
        )
        assert row["status"] == 204


# ------------------------------------------------ nothing between directives


def test_a_time_written_in_pieces_is_read_as_one_time_as_apaches_docs_write_it():
    row = parse_one(
        "%h [%{%d/%b/%Y %T}t.%{msec_frac}t %{%z}t] %>s",
        "192.0.2.1 [10/Oct/2000 13:55:36.042 -0700] 200",
    )
    assert row["time"] == datetime(2000, 10, 10, 20, 55, 36, 42000, tzinfo=UTC)


def test_pieces_of_a_time_with_nothing_between_them_join_too():
    row = parse_one(
        "%h %{%d/%b/%Y:%H:%M:%S}t.%{msec_frac}t%{%z}t %>s",
        "192.0.2.1 10/Oct/2000:13:55:36.042-0700 200",
    )
    assert row["time"] == datetime(2000, 10, 10, 20, 55, 36, 42000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fmt", "line", "want"),
    [
        # a fixed-width time, then digits
        ("%h %{%d/%b/%Y:%H:%M:%S}t%>s", "192.0.2.1 10/Oct/2000:13:55:36404", {"status": 404}),
        # digits, then a sign
        (
            "%h %t %{msec_frac}t%{%z}t %>s",
            "192.0.2.1 [10/Oct/2000:13:55:36 -0700] 042-0700 200",
            {"time_msec_frac": 42, "status": 200},
        ),
        # a time with its offset, then a number
        (
            "$remote_addr $time_local$request_time $status",
            "192.0.2.1 10/Oct/2000:13:55:36 -07000.123 200",
            {"request_time": 0.123, "status": 200},
        ),
    ],
)
def test_directives_with_nothing_between_them_compile_when_their_values_can_be_told_apart(
    fmt, line, want
):
    row = parse_one(fmt, line)
    assert {k: row[k] for k in want} == want


@pytest.mark.parametrize(
    ("fmt", "pair"),
    [
        ("$remote_addr [$time_local] $msec$status", "$msec$status"),
        ("$remote_addr$remote_user [$time_local] $status", "$remote_addr$remote_user"),
        ("%h%u %t %>s", "%h%u"),
        ("%h %t %>s%b", "%>s%b"),
    ],
)
def test_a_truly_ambiguous_pair_of_directives_is_an_error_naming_the_pair(fmt, pair):
    with pytest.raises(FormatError, match=re.escape(pair) + ".*can't be told apart"):
        compile_format(fmt)


# --------------------------------------------------------- unquoted lists


def test_unquoted_lists_reach_up_to_the_next_literal_of_the_format():
    row = parse_one(
        "$remote_addr $http_x_forwarded_for [$time_local] $status $upstream_addr "
        "$upstream_status $upstream_response_time",
        "192.0.2.1 203.0.113.1, 10.0.0.2 [10/Oct/2000:13:55:36 -0700] 502 "
        "10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80 502, 502 : 504 0.010, 0.002 : 0.031",
    )
    assert row["x_forwarded_for"] == "203.0.113.1, 10.0.0.2"
    assert row["upstream_addr"] == "10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80"
    assert row["upstream_status"] == "502, 502 : 504"
    assert row["upstream_response_time"] == pytest.approx(0.043)


def test_an_unquoted_header_before_a_literal_may_hold_spaces():
    row = parse_one(
        "%h %t %>s %{User-Agent}i | %{X-Forwarded-For}i",
        "192.0.2.1 [10/Oct/2000:13:55:36 -0700] 200 Mozilla/5.0 (X11; Linux) | 203.0.113.1, ::1",
    )
    assert (row["user_agent"], row["x_forwarded_for"]) == (
        "Mozilla/5.0 (X11; Linux)",
        "203.0.113.1, ::1",
    )
