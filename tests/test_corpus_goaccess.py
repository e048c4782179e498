"""Cross-check against GoAccess on real third-party logs: per-status counts must agree.

The logs live outside the repository, in ``../shared/corpus/real/`` (see its
README for origins, licences and quirks; the CC BY-NC file is read in place and
never copied here). GoAccess 1.7 comes from Debian (``apt-get install goaccess``,
which ``.ci/run`` does): a missing GoAccess or corpus fails the test, it never
skips.

Where httplog and GoAccess differ, the difference is pinned below with the line
and the reason, and which of the two is right.

The load balancer, CDN and proxy formats GoAccess also reads are checked the same
way on generated logs with garbage lines in them (``goaccess_logs.py``), and on
the ALB and Caddy sample logs.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from doc_lines import W3C
from goaccess_logs import build

from httplog import read_logs
from httplog.formats.detect import detect
from httplog.formats.trailing import detect_trailing

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Case:
    file: str
    goaccess: tuple[str, ...]  # --log-format and friends
    log_format: str  # what httplog is given
    detected: str  # what httplog detects by itself
    # status → how many more lines httplog counts than GoAccess (negative: fewer)
    diff: dict[int, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)  # httplog's rejected lines
    rejected_lines: tuple[int, ...] = ()


CASES = [
    Case(
        "elastic-examples/apache_logs",
        ("--log-format=COMBINED",),
        "combined",
        "combined",
        # Line 8899 is cut inside its User-Agent: the closing quote is missing
        #   46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /scripts/grok-py-test/
        #   configlib.py HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://...
        # GoAccess reads fields up to %u and never checks that the line ends as the format
        # says, so it counts a 200 (and its 235 bytes). httplog requires the whole line to fit
        # the format and reports it as a rejected `no_match` line with its number. The request
        # probably did happen, but the line is damaged and its agent unknown: httplog keeps
        # it out of the rows and shows it, which is what its accounting promises; GoAccess
        # silently accepts any line whose first fields look right.
        diff={200: -1},
        rejected={"no_match": 1},
        rejected_lines=(8899,),
    ),
    Case(
        "basjes-logparser/hackers-access.log",
        ("--log-format=COMBINED",),
        "combined",
        "combined",
    ),
    Case(
        "basjes-logparser/access_log.gz",  # GoAccess 1.7 from Debian can't read .gz: piped
        ("--log-format=COMBINED",),
        "combined",
        "combined",
        # line 2 is `xxxxxxxxxxxx`: both reject it
        rejected={"no_match": 1},
        rejected_lines=(2,),
    ),
    Case(
        "lnav/logfile_shop_access_log.0",  # nginx main: combined + "$http_x_forwarded_for"
        ("--log-format=COMBINED",),
        "main",
        "main",
    ),
    Case("lnav/logfile_access_log.0", ("--log-format=COMBINED",), "combined", "combined"),
    Case(
        "lnav/logfile_regexp_access_log.0",
        (
            '--log-format=%v:%^ %h %^ %e [%d:%t %^] "%r" %s %b "%R" "%u" %D',
            "--date-format=%d/%b/%Y",
            "--time-format=%H:%M:%S",
        ),
        '%v:%p %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D',
        "vhost_combined+1",  # the trailing %D: a number, named extra_1
    ),
    Case(
        # CC BY-NC 3.0: read in place for this check only. Its %h is a hostname on 661
        # lines: GoAccess's default IP validation drops those (pinned in
        # test_goaccess_default_ip_validation_drops_hostname_clients), so it is run with
        # --no-ip-validation here.
        "databricks-reference-apps/apache.access.log",
        ("--log-format=COMMON", "--no-ip-validation"),
        "common",
        "common",
    ),
]


@pytest.fixture(scope="module")
def corpus(shared) -> Path:
    """``../shared/corpus/real`` (skipped without it, outside CI)."""
    return shared("corpus", "real")


def run_goaccess(exe: str, path: Path, args: tuple[str, ...], out: Path) -> dict:
    """GoAccess's JSON report of one file (``.gz`` decompressed and piped to it)."""
    cmd = [exe, *args, "--no-global-config", "-o", str(out)]
    if path.suffix == ".gz":
        r = subprocess.run(
            [*cmd, "-"], input=gzip.decompress(path.read_bytes()), capture_output=True, timeout=300
        )
    else:
        r = subprocess.run([*cmd, str(path)], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    return json.loads(out.read_text())


def status_counts(report: dict) -> Counter[int]:
    """Per-status hits from GoAccess's status panel (items are "404 - Not Found: …")."""
    counts: Counter[int] = Counter()
    for group in report["status_codes"]["data"]:
        for item in group["items"]:
            counts[int(item["data"].split(" ", 1)[0])] += item["hits"]["count"]
    return counts


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_status_counts_agree_with_goaccess(corpus, goaccess, tmp_path, case):
    path = corpus / case.file
    report = run_goaccess(goaccess, path, case.goaccess, tmp_path / "goaccess.json")
    theirs = status_counts(report)
    log = read_logs(path, log_format=case.log_format)
    ours = Counter(dict(log.frame.group_by("status").len().iter_rows()))

    expected = theirs.copy()
    expected.update(case.diff)
    assert +ours == +expected, f"httplog {dict(ours)} vs GoAccess {dict(theirs)}"

    general = report["general"]
    assert general["total_requests"] == log.lines
    assert general["valid_requests"] == log.parsed - sum(case.diff.values())
    assert log.parsed + log.rejected == log.lines
    assert log.rejected_by_reason == case.rejected
    assert tuple(log.samples["line"]) == case.rejected_lines


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_bytes_agree_with_goaccess_bandwidth(corpus, goaccess, tmp_path, case):
    path = corpus / case.file
    report = run_goaccess(goaccess, path, case.goaccess, tmp_path / "goaccess.json")
    log = read_logs(path, log_format=case.log_format)
    ours = int(log.frame["bytes"].sum())
    theirs = report["general"]["bandwidth"]
    if case.file == "elastic-examples/apache_logs":
        theirs -= 235  # the bytes of line 8899, which GoAccess counts and httplog rejects
    assert ours == theirs


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_autodetection_finds_the_format_of_each_real_log(corpus, case):
    path = corpus / case.file
    auto = read_logs(path)
    given = read_logs(path, log_format=case.log_format)
    assert auto.log_format.name == case.detected
    assert auto.detection is not None and auto.detection.matched > 0
    if "+" in case.detected:  # the trailing %D, read as a number it does not know the unit of
        assert (auto.frame["extra_1"] / 1e6).equals(given.frame["request_time"], check_names=False)
        auto_rest = auto.frame.drop("extra_1")
        assert auto_rest.equals(given.frame.drop("request_time").select(auto_rest.columns))
        return
    assert auto.frame.equals(given.frame)


def test_the_shop_log_is_combined_plus_a_quoted_field_which_main_names(corpus):
    # lnav's shop log is nginx's combined followed by "$http_x_forwarded_for": that is the
    # stock nginx.conf's `main`, which detection prefers to "combined + 1 trailing field".
    path = corpus / "lnav/logfile_shop_access_log.0"
    lines = path.read_text().splitlines()
    assert detect(lines).format.name == "main"
    n, trailing = detect_trailing(pl.Series(lines[:200]))
    assert (n, trailing.name) == (200, "combined+1")
    as_trailing = read_logs(path, log_format=trailing)
    assert as_trailing.frame["extra_1"].equals(
        read_logs(path).frame["x_forwarded_for"], check_names=False
    )


def test_goaccess_default_ip_validation_drops_hostname_clients(corpus, goaccess, tmp_path):
    # HostnameLookups On writes names into %h. GoAccess 1.7 by default requires an IP
    # and rejects those 661 lines; they are real requests, and httplog keeps them (its
    # remote_addr is text). httplog is right; --no-ip-validation makes GoAccess agree.
    path = corpus / "databricks-reference-apps/apache.access.log"
    report = run_goaccess(goaccess, path, ("--log-format=COMMON",), tmp_path / "g.json")
    log = read_logs(path, log_format="common")
    hostnames = log.frame.filter(~pl.col("remote_addr").str.contains(r"^[0-9.]+$|:"))
    assert report["general"]["failed_requests"] == hostnames.height == 661
    assert report["general"]["valid_requests"] == log.parsed - 661


def test_real_logs_quirks_are_read_right(corpus):
    """The README's quirks: a +0330 offset, IPv6 clients, CRLF, HTTP/2.0, `-` sizes."""
    shop = read_logs(corpus / "lnav/logfile_shop_access_log.0", log_format="main")
    first = shop.frame.row(0, named=True)
    assert first["time"].isoformat() == "2019-01-22T00:26:14+00:00"  # 03:56:14 +0330
    assert shop.frame["x_forwarded_for"].drop_nulls().len() == 13
    assert shop.frame["path"].str.contains("%D9%85").sum() > 0

    hackers = read_logs(corpus / "basjes-logparser/hackers-access.log", log_format="combined")
    assert hackers.frame.filter(pl.col("remote_addr").str.contains(":")).height == 12

    crlf = read_logs(corpus / "databricks-reference-apps/apache.access.log", log_format="common")
    assert crlf.parsed == crlf.lines == 1406  # the CR before each newline is not data
    assert not crlf.frame["protocol"].drop_nulls().str.ends_with("\r").any()

    jira = read_logs(
        corpus / "lnav/logfile_regexp_access_log.0",
        log_format='%v:%p %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D',
    )
    assert set(jira.frame["protocol"]) == {"HTTP/2.0"}
    assert jira.frame["request_time"].min() > 0

    elastic = read_logs(corpus / "elastic-examples/apache_logs", log_format="combined")
    assert elastic.frame["bytes"].null_count() == 669  # `-` sizes, not only on 304s and HEADs


# ------------------------------------------- load balancer, CDN and proxy formats


@dataclass(frozen=True)
class Generated:
    name: str  # httplog's format (detected by itself)
    goaccess: tuple[str, ...]
    # how many more lines GoAccess calls valid than httplog parses (pinned below)
    extra_valid: int = 0


# GoAccess 1.7's AWSELB and SQUID presets don't read these formats as their
# documentation writes them (pinned in the tests after this one): the check runs
# GoAccess with the documented layouts spelled out.
ELB_LAYOUT = (
    '--log-format=%dT%t.%^ %^ %h:%^ %^ %^ %T %^ %s %^ %^ %b "%r" "%u" %^ %^',
    "--date-format=%Y-%m-%d",
    "--time-format=%H:%M:%S",
)
SQUID_NATIVE = (
    "--log-format=%x.%^ %~%L %h %^/%s %b %m %U %^ %^ %^",
    "--date-format=%s",
    "--time-format=%s",
)

GENERATED = [
    Generated("alb", ("--log-format=AWSALB",)),
    Generated("elb", ELB_LAYOUT),
    Generated("s3", ("--log-format=AWSS3",)),
    Generated("cloudfront", ("--log-format=CLOUDFRONT",)),
    # GoAccess counts the 6 lines cut before their status as valid requests (of no
    # status: they are in no status row). A W3C line without its status is damaged:
    # httplog rejects them as no_match, and says which they are. httplog is right.
    Generated("w3c", ("--log-format=W3C",), extra_valid=6),
    Generated("cloudstorage", ("--log-format=CLOUDSTORAGE",)),
    Generated("caddy", ("--log-format=CADDY",)),
    Generated("squid", SQUID_NATIVE),
]


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / f"{name}.log"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _goaccess_may_fail(exe: str, path: Path, args: tuple[str, ...], out: Path) -> tuple[int, str]:
    r = subprocess.run(
        [exe, *args, "--no-global-config", "-o", str(out), str(path)],
        capture_output=True,
        timeout=300,
    )
    return r.returncode, r.stderr.decode(errors="replace")


def _counts(frame: pl.DataFrame) -> Counter[int]:
    return Counter(dict(frame.group_by("status").len().iter_rows()))


@pytest.mark.parametrize("case", GENERATED, ids=[c.name for c in GENERATED])
def test_status_counts_agree_with_goaccess_on_each_load_balancer_cdn_and_proxy_format(
    goaccess, tmp_path, case
):
    lines = build(case.name)
    path = _write(tmp_path, case.name, lines)
    report = run_goaccess(goaccess, path, case.goaccess, tmp_path / "goaccess.json")
    log = read_logs(path)
    assert log.log_format.name == case.name
    assert +_counts(log.frame) == +status_counts(report)
    assert log.parsed + log.rejected + log.directives == log.lines == len(lines)
    general = report["general"]
    # GoAccess skips empty lines and W3C's # lines without counting them
    empty = sum(1 for line in lines if not line)
    skipped = log.directives if log.log_format.name in ("w3c", "cloudfront") else 0
    assert general["total_requests"] == log.lines - empty - skipped
    assert general["valid_requests"] == log.parsed + case.extra_valid
    assert log.rejected_by_reason.get("empty", 0) == empty


@pytest.mark.parametrize(
    ("name", "preset", "why"),
    [
        # GoAccess's AWSELB preset starts with a field Classic ELB lines don't have (ALB's
        # `type`), so it reads the load balancer's name as the date: every line fails.
        ("elb", "AWSELB", "doesn't match specifier '%d'"),
        # Its SQUID preset expects a syslog header before Squid's fields; the native
        # access.log has none.
        ("squid", "SQUID", "Format Errors"),
    ],
)
def test_goaccess_presets_that_do_not_read_the_documented_format(
    goaccess, tmp_path, name, preset, why
):
    path = _write(tmp_path, name, build(name))
    rc, err = _goaccess_may_fail(goaccess, path, (f"--log-format={preset}",), tmp_path / "g.json")
    assert rc != 0 and why in err
    log = read_logs(path)  # httplog reads them as AWS and Squid document them
    assert (log.log_format.name, log.parsed) == (name, 300)


def test_goaccess_ignores_w3c_fields_directives_httplog_follows_them(goaccess, tmp_path):
    # IIS 6.0's documented example has its own #Fields: order; GoAccess's W3C preset
    # assumes IIS's default order and fails on it. httplog reads the fields the header names.
    path = _write(tmp_path, "iis6", W3C)
    rc, err = _goaccess_may_fail(goaccess, path, ("--log-format=W3C",), tmp_path / "g.json")
    assert rc != 0 and "Format Errors" in err
    log = read_logs(path)
    assert (log.log_format.name, log.parsed, log.directives) == ("w3c", 2, 4)
    assert log.frame["status"].to_list() == [200, 404]


@pytest.mark.parametrize(
    ("sample", "preset"), [("alb_access.log", "AWSALB"), ("caddy_access.log", "CADDY")]
)
def test_status_counts_agree_with_goaccess_on_the_alb_and_caddy_samples(
    goaccess, tmp_path, sample, preset
):
    path = ROOT / "sample_logs" / sample
    report = run_goaccess(goaccess, path, (f"--log-format={preset}",), tmp_path / "g.json")
    log = read_logs(path)
    expected = status_counts(report)
    if preset == "AWSALB":
        # ALB writes an IPv6 client as 2001:db8::1:port; GoAccess's `%h:%^` stops at the
        # address's first colon and fails IP validation, dropping every IPv6 request
        # (they are real requests: httplog cuts the port at the last colon, and is right).
        v6 = log.frame.filter(pl.col("remote_addr").str.contains(":"))
        assert v6.height > 0
        expected.update(_counts(v6))
        # And, as with elastic's line 8899, GoAccess counts the line cut in its
        # User-Agent (its status comes before the cut); httplog rejects it.
        manifest = json.loads((ROOT / "sample_logs" / "manifest.json").read_text())
        text = path.read_bytes().decode("utf-8", "replace").splitlines()
        for bad in manifest["files"][sample]["malformed"]:
            if bad["kind"] == "truncated":
                expected[int(text[bad["line"] - 1].split(" ")[8])] -= 1
    ours = _counts(log.frame)
    assert +ours == +expected, f"httplog {dict(ours)} vs expected {dict(expected)}"
