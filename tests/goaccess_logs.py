"""Deterministic logs of the formats GoAccess 1.7 also reads, with garbage lines in them,
for the count cross-checks in ``test_corpus_goaccess.py`` (layouts as each format's
documentation gives them; see ``doc_lines.py``)."""

from __future__ import annotations

import json

from doc_lines import CLOUDFRONT_FIELDS, GCS_HEADER
from logfactory import Dice

STATUSES = [200] * 30 + [201, 204, 301, 302, 304, 400, 401, 403, 404, 404, 404, 500, 502, 503, 504]


def alb(i, st, r):
    m, s = divmod(i, 60)
    return f'https 2018-07-02T22:{m % 60:02d}:{s:02d}.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.0.2.{r.between(1, 254)}:{r.between(1024, 65535)} 10.0.0.{r.between(1, 9)}:80 0.000 0.{r.between(1, 999):03d} 0.000 {st} {st} {r.between(0, 900)} {r.between(0, 99999)} "GET https://www.example.com:443/p/{i}?q={i} HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-{i:024x}" "www.example.com" "-" 0 2018-07-02T22:00:00.000000Z "forward" "-" "-" "10.0.0.1:80" "{st}" "-" "-" TID_{i:016x}'


def elb(i, st, r):
    m, s = divmod(i, 60)
    return f'2015-05-13T23:{m % 60:02d}:{s:02d}.945958Z my-loadbalancer 192.0.2.{r.between(1, 254)}:2817 10.0.0.1:80 0.000073 0.001048 0.000057 {st} {st} 0 {r.between(0, 9999)} "GET http://www.example.com:80/p/{i} HTTP/1.1" "curl/7.38.0" - -'


def s3(i, st, r):
    m, s = divmod(i, 60)
    return f'79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be DOC-EXAMPLE-BUCKET1 [06/Feb/2019:00:{m % 60:02d}:{s:02d} +0000] 192.0.2.{r.between(1, 254)} 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EX{i:05d} REST.GET.OBJECT key{i}.txt "GET /DOC-EXAMPLE-BUCKET1/key{i}.txt HTTP/1.1" {st} - {r.between(0, 9999)} 9999 7 3 "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com TLSV1.2 - -'


def cloudfront(i, st, r):
    m, s = divmod(i, 60)
    vals = f"2019-12-04 21:{m % 60:02d}:{s:02d} LAX1 {r.between(100, 9999)} 192.0.2.{r.between(1, 254)} GET d111111abcdef8.cloudfront.net /p/{i} {st} - Mozilla/5.0%20(X11) - - Hit X{i:010d} www.example.com https 23 0.001 - TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 Hit HTTP/2.0 - - 11040 0.001 Hit text/html 78 - -"
    return vals.replace(" ", "\t")


W3C_FIELDS = "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"


def w3c(i, st, r):
    m, s = divmod(i, 60)
    return f"2021-04-06 19:{m % 60:02d}:{s:02d} 10.0.0.4 GET /p/{i} - 443 - 192.0.2.{r.between(1, 254)} Mozilla/5.0+(Windows+NT+10.0) - {st} 0 0 {r.between(1, 999)}"


def cloudstorage(i, st, r):
    return f'"{1591650000000000 + i * 1000000}","192.0.2.{r.between(1, 254)}","1","","GET","/example-bucket/o{i}.txt","{st}","0","{r.between(0, 9999)}","{r.between(1, 99999)}","storage.googleapis.com","","curl/7.68.0","AADm{i:06d}","GET_Object","example-bucket","o{i}.txt"'


def caddy(i, st, r):
    request = {
        "remote_ip": f"192.0.2.{r.between(1, 254)}",
        "remote_port": "41342",
        "proto": "HTTP/2.0",
        "method": "GET",
        "host": "example.com",
        "uri": f"/p/{i}",
        "headers": {"User-Agent": ["curl/7.82.0"], "Referer": ["-"]},
        "tls": {
            "resumed": False,
            "version": 772,
            "cipher_suite": 4865,
            "proto": "h2",
            "server_name": "example.com",
        },
    }
    line = {
        "level": "info",
        "ts": 1646861401.5 + i,
        "logger": "http.log.access",
        "msg": "handled request",
        "request": request,
        "bytes_read": 0,
        "user_id": "",
        "duration": 0.000929675,
        "size": r.between(0, 9999),
        "status": st,
        "resp_headers": {"Server": ["Caddy"], "Content-Type": ["text/html; charset=utf-8"]},
    }
    return json.dumps(line, separators=(",", ":"))


def squid(i, st, r):
    return f"{1286536308 + i}.{r.between(0, 999):03d} {r.between(0, 99999):6d} 192.0.2.{r.between(1, 254)} TCP_MISS/{st} {r.between(0, 9999)} GET http://www.example.com/p/{i} - DIRECT/203.0.113.5 text/html"


BUILDERS = {
    "alb": alb,
    "elb": elb,
    "s3": s3,
    "cloudfront": cloudfront,
    "w3c": w3c,
    "cloudstorage": cloudstorage,
    "caddy": caddy,
    "squid": squid,
}
HEAD = {
    "cloudfront": ["#Version: 1.0", "#Fields: " + CLOUDFRONT_FIELDS],
    "w3c": [
        "#Software: Microsoft Internet Information Services 10.0",
        "#Version: 1.0",
        "#Date: 2021-04-06 19:00:00",
        "#Fields: " + W3C_FIELDS,
    ],
    "cloudstorage": [GCS_HEADER],
}

#: What is mixed in: a garbage line, a line cut short, an empty line (every 50 lines).
GARBAGE = ("garbage", "truncated", "empty")


def build(name: str, n: int = 300, seed: int = 12) -> list[str]:
    """``n`` requests of format ``name`` (its header lines first), garbage among them."""
    r = Dice(seed)
    fn = BUILDERS[name]
    lines = list(HEAD.get(name, []))
    for i in range(n):
        lines.append(fn(i, r.pick(STATUSES), r))
        if i % 50 == 7:
            lines.append("garbage line")
        if i % 50 == 21:
            lines.append(fn(i, 200, r)[:60])  # truncated
        if i % 50 == 33:
            lines.append("")
    return lines
