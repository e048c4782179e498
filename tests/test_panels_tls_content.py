"""The TLS, content-type and cache-status panels: present exactly when the format has the field."""

from __future__ import annotations

import ssl
from pathlib import Path

import polars as pl
import pytest

import httplog
from httplog.aggregation import aggregate
from httplog.analysis import finalize
from httplog.formats.kinds import tls_names
from httplog.options import ViewOptions
from httplog.partial import merge
from httplog.report.render import render_report

NGINX = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent" $ssl_protocol $ssl_cipher $upstream_cache_status '
    '"$sent_http_content_type"'
)
CIPHER = "ECDHE-RSA-AES128-GCM-SHA256"
HOSTILE = "<script>alert(1)</script>"


def nginx_line(i: int, proto: str, cipher: str, cache: str, ctype: str, status: int = 200) -> str:
    return (
        f'192.0.2.{i % 5} - - [10/Oct/2026:13:55:{i % 60:02d} +0000] "GET /p/{i % 3} HTTP/1.1" '
        f'{status} 100 "-" "Mozilla/5.0" {proto} {cipher} {cache} "{ctype}"\n'
    )


def write(tmp_path: Path) -> Path:
    log = tmp_path / "tls.log"
    lines = [nginx_line(i, "TLSv1.3", CIPHER, "HIT", "text/html") for i in range(6)]
    lines += [nginx_line(i, "TLSv1.2", CIPHER, "MISS", "application/json", 502) for i in range(3)]
    lines += [nginx_line(9, "TLSv1.2", HOSTILE, "-", HOSTILE, 404)]
    log.write_text("".join(lines))
    return log


def test_tls_cache_and_content_type_panels_count_each_value(tmp_path: Path) -> None:
    a = httplog.analyze(str(write(tmp_path)), log_format=NGINX)
    protocols = dict(a.panels["tls_protocols"].select("ssl_protocol", "requests").rows())
    assert protocols == {"TLSv1.3": 6, "TLSv1.2": 4}
    tls12 = a.panels["tls_protocols"].filter(pl.col("ssl_protocol") == "TLSv1.2").row(0, named=True)
    assert (tls12["4xx"], tls12["5xx"]) == (1, 3)
    ciphers = dict(a.panels["tls_ciphers"].select("ssl_cipher", "requests").rows())
    assert ciphers == {CIPHER: 9, HOSTILE: 1}
    cache = dict(a.panels["cache_statuses"].select("upstream_cache_status", "requests").rows())
    assert cache == {"HIT": 6, "MISS": 3}  # "-" is no cache status
    hit = a.panels["cache_statuses"].filter(pl.col("upstream_cache_status") == "HIT")
    assert hit["share"].item() == pytest.approx(6 / 10)  # a share of every request
    types = dict(a.panels["content_types"].select("content_type", "requests").rows())
    assert types == {"text/html": 6, "application/json": 3, HOSTILE: 1}


def test_a_format_without_the_fields_has_none_of_the_panels(tmp_path: Path) -> None:
    log = tmp_path / "plain.log"
    log.write_text(
        "".join(nginx_line(i, "-", "-", "-", "-").rsplit(" ", 4)[0] + "\n" for i in range(4))
    )
    a = httplog.analyze(str(log))
    assert not {"tls_protocols", "tls_ciphers", "content_types", "cache_statuses"} & set(a.panels)


def test_apache_response_content_type_is_the_content_type_panel(tmp_path: Path) -> None:
    log = tmp_path / "apache.log"
    log.write_text(
        "".join(
            f'192.0.2.1 - - [10/Oct/2026:13:55:0{i} +0000] "GET /x HTTP/1.1" 200 5 "{t}"\n'
            for i, t in enumerate(["image/png", "image/png", "text/css"])
        )
    )
    a = httplog.analyze(str(log), log_format=r'%h %l %u %t "%r" %>s %b "%{Content-Type}o"')
    assert dict(a.panels["content_types"].select("content_type", "requests").rows()) == {
        "image/png": 2,
        "text/css": 1,
    }


def test_the_panels_merge_across_blocks_as_the_whole(tmp_path: Path) -> None:
    frame = httplog.read_logs(str(write(tmp_path)), log_format=NGINX).frame
    view = ViewOptions()
    whole = finalize(aggregate(frame), view)
    split = finalize(merge(aggregate(frame[:4]), aggregate(frame[4:7]), aggregate(frame[7:])), view)
    for name in ("tls_protocols", "tls_ciphers", "content_types", "cache_statuses"):
        assert split.panels[name].sort(pl.all()).equals(whole.panels[name].sort(pl.all())), name


def test_the_report_shows_the_panels_with_hostile_values_as_text(tmp_path: Path) -> None:
    a = httplog.analyze(str(write(tmp_path)), log_format=NGINX)
    page = render_report(a, plotly_js="cdn")
    for title in ("TLS protocols", "TLS cipher suites", "Content types (MIME)", "Cache status"):
        assert title in page, title
    assert HOSTILE not in page
    zh = render_report(a, lang="zh", plotly_js="cdn")
    assert "TLS 加密套件" in zh and "缓存状态" in zh


def test_caddy_cipher_numbers_read_as_the_names_nginx_writes(tmp_path: Path) -> None:
    log = tmp_path / "caddy.log"
    entry = (
        '{"level":"info","ts":1760104500.5,"logger":"http.log.access","msg":"handled request",'
        '"request":{"remote_ip":"192.0.2.1","remote_port":"5000","proto":"HTTP/2.0","method":"GET",'
        '"host":"example.org","uri":"/","headers":{},"tls":{"version":%s,"cipher_suite":%s}},'
        '"bytes_read":0,"user_id":"","duration":0.001,"size":10,"status":200,"resp_headers":{}}\n'
    )
    log.write_text(entry % (772, 4865) + entry % (771, 49199) + entry % (771, 65000))
    frame = httplog.read_logs(str(log)).frame
    assert frame["ssl_protocol"].to_list() == ["TLSv1.3", "TLSv1.2", "TLSv1.2"]
    # a number the table lacks stays as logged
    assert frame["ssl_cipher"].to_list() == [
        "TLS_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "65000",
    ]


def test_the_cipher_names_are_openssls_for_every_suite_this_openssl_knows() -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.set_ciphers("ALL:@SECLEVEL=0")
    openssl = {str(c["id"] & 0xFFFF): c["name"] for c in context.get_ciphers()}
    ours = tls_names()["ciphers"]
    known = set(ours) & set(openssl)
    assert len(known) >= 15  # the AES and ChaCha suites at least
    assert {n: ours[n] for n in known} == {n: openssl[n] for n in known}


def test_a_dash_cipher_is_no_cipher() -> None:
    from httplog.formats.kinds import _tls_cipher

    raw = pl.DataFrame({"raw": ["-", "4865", "9"]})
    got = raw.select(_tls_cipher(pl.col("raw"), None))["raw"].to_list()  # type: ignore[arg-type]  # the field is unused
    assert got == [None, "TLS_AES_128_GCM_SHA256", "9"]
