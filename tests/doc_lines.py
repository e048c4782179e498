"""Log lines of every named format, written from each format's own documentation.

Sources: AWS's "Access logs for your Application Load Balancer" and "… Classic
Load Balancer" (entry syntax and examples), "Amazon S3 server access log
format", CloudFront's "Standard logs" field list and example; Microsoft's "W3C
Extended Log File Format (IIS 6.0)"; Google Cloud's "Usage logs & storage logs"
field list; Caddy's ``log`` directive page; HAProxy's configuration manual
(8.2.3 "HTTP log format"); Traefik's access-log page (CLF); Squid's wiki
("Squid native access.log format"); nginx's and Apache's log module pages.
Values are theirs where they give examples, documentation ranges otherwise.
"""

from __future__ import annotations

import json

T_CLF = "[10/Oct/2000:13:55:36 -0700]"

COMMON = f'127.0.0.1 - frank {T_CLF} "GET /apache_pb.gif HTTP/1.0" 200 2326'
COMBINED = COMMON + ' "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"'

ALB = [
    'http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90',
    'https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90',
    'h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-" TID_1234abcd5678ef90',
    # no response from the target: its timings are -1, its status -
    'https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 -1 -1 504 - 111 0 "POST https://www.example.com:443/api/v1/checkout?cart=7 HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "www.example.com" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "Target.Timeout" "10.0.0.1:80" "-" "-" "-" TID_1234abcd5678ef90',
]
ELB = [
    '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -',
    '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2',
    '2015-05-13T23:39:44.001234Z my-loadbalancer 192.168.131.39:2818 - -1 -1 -1 504 - 0 0 "GET http://www.example.com:80/slow HTTP/1.1" "curl/7.38.0" - -',
]
#: A TCP listener's line (no HTTP status): read, and rejected as bad_status.
ELB_TCP = '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -'
S3 = [
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be DOC-EXAMPLE-BUCKET1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /DOC-EXAMPLE-BUCKET1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes',
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be DOC-EXAMPLE-BUCKET1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - "GET /DOC-EXAMPLE-BUCKET1?logging HTTP/1.1" 200 - 242 - 11 - "-" "S3Console/0.4" - 9vKBE6vMhrNiWHZmb2L0mXOcqPGzQOI5XLnCtZNPxev+Hf+7tpT6sxDwDty4LHBUOZJG96N1234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com TLSV1.2 - -',
    '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be DOC-EXAMPLE-BUCKET1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be A1206F460EXAMPLE REST.GET.BUCKETPOLICY - "GET /DOC-EXAMPLE-BUCKET1?policy HTTP/1.1" 404 NoSuchBucketPolicy 297 - 38 - "-" "S3Console/0.4" -',
]
CLOUDFRONT_FIELDS = (
    "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
    "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
    "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
    "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
    "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end"
)
_CF = [
    "2019-12-04 21:02:31 LAX1 392 192.0.2.100 GET d111111abcdef8.cloudfront.net /index.html 200 - Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36 - - Hit SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ== d111111abcdef8.cloudfront.net https 23 0.001 - TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 Hit HTTP/2.0 - - 11040 0.001 Hit text/html 78 - -",
    "2019-12-04 21:02:31 LAX1 392 192.0.2.100 GET d111111abcdef8.cloudfront.net /index.html 200 - Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36 - - Hit k6WGMNkEzR5BEM_SaF47gjtX9zBDO2m349OY2an0QPEaUum1ZOLrow== d111111abcdef8.cloudfront.net https 23 0.000 - TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 Hit HTTP/2.0 - - 11040 0.000 Hit text/html 78 - -",
    "2019-12-04 21:02:32 LAX1 502 192.0.2.200 GET d111111abcdef8.cloudfront.net /api/list 502 https://www.example.com/ curl/7.68.0 page=2 - Error kcDPXbtKvbdyIEvdqK3Hm1kL1-bDaRAvP6jLAhvlkcRX12xUpZm0dA== www.example.com https 52 10.002 - TLSv1.3 TLS_AES_128_GCM_SHA256 Error HTTP/1.1 - - 40002 10.002 OriginError text/html 210 - -",
]
CLOUDFRONT = [
    "#Version: 1.0",
    "#Fields: " + CLOUDFRONT_FIELDS,
    *(line.replace(" ", "\t") for line in _CF),
]
W3C = [
    "#Software: Microsoft Internet Information Services 6.0",
    "#Version: 1.0",
    "#Date: 2002-05-24 20:18:01",
    "#Fields: date time c-ip cs-username s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status sc-bytes cs-bytes time-taken cs(User-Agent) cs(Referrer)",
    "2002-05-24 20:18:01 172.224.24.114 - 206.73.118.24 80 GET /Default.htm - 200 7930 248 31 Mozilla/4.0+(compatible;+MSIE+5.01;+Windows+2000+Server) http://64.224.24.114/",
    "2002-05-24 20:18:02 172.224.24.114 - 206.73.118.24 80 GET /missing.htm q=1 404 1635 248 15 Mozilla/4.0+(compatible;+MSIE+5.01;+Windows+2000+Server) -",
]
GCS_HEADER = '"time_micros","c_ip","c_ip_type","c_ip_region","cs_method","cs_uri","sc_status","cs_bytes","sc_bytes","time_taken_micros","cs_host","cs_referer","cs_user_agent","s_request_id","cs_operation","cs_bucket","cs_object"'
CLOUDSTORAGE = [
    GCS_HEADER,
    '"1591650000000000","192.0.2.4","1","","GET","/storage/v1/b/example-bucket/o/obj.txt?alt=media","200","0","1024","34000","storage.googleapis.com","","Mozilla/5.0 (compatible; ""x"")","AADm4ZUQ","GET_Object","example-bucket","obj.txt"',
    '"1591650001500000","2001:db8::4","2","","GET","/example-bucket/missing.txt","404","0","253","12000","storage.googleapis.com","https://www.example.com/","curl/7.68.0","AADm4ZUR","GET_Object","example-bucket","missing.txt"',
]
CADDY = [
    '{"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"127.0.0.1","proto":"HTTP/2.0","method":"GET","host":"localhost","uri":"/","headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"],"Accept-Encoding":["gzip, deflate, br"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"example.com"}},"bytes_read":0,"user_id":"","duration":0.000929675,"size":10900,"status":200,"resp_headers":{"Server":["Caddy"],"Content-Encoding":["gzip"],"Content-Type":["text/html; charset=utf-8"],"Vary":["Accept-Encoding"]}}',
    '{"level":"error","ts":1646861402.25,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"192.0.2.7","remote_port":"52000","client_ip":"203.0.113.9","proto":"HTTP/1.1","method":"POST","host":"api.example.com","uri":"/v1/pay?id=3","headers":{"User-Agent":["app/2.1"],"Referer":["https://example.com/cart"]}},"bytes_read":120,"user_id":"","duration":2.5,"size":0,"status":502,"resp_headers":{"Server":["Caddy"]}}',
]
TRAEFIK = [
    '192.168.1.1 - - [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)" 1 "foo@docker" "http://10.0.0.2:80" 12ms',
    '192.168.1.2 - - [10/Oct/2000:13:55:37 -0700] "POST /api HTTP/1.1" 503 0 "-" "curl/8.5.0" 2 "api@file" "http://10.0.0.3:8080" 3004ms',
]
HAPROXY = [
    'Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"',
    '10.0.1.2:33318 [06/Feb/2009:12:14:15.001] http-in dynamic/srv2 0/0/1/-1/5002 504 194 - - sH-- 2/2/1/1/1 0/0 "POST /cart HTTP/1.1"',
    'Feb  6 12:14:16 localhost haproxy[14389]: 10.0.1.3:33319 [06/Feb/2009:12:14:16.100] http-in static/<NOSRV> -1/-1/-1/-1/2 503 212 - - SC-- 1/1/0/0/0 0/0 "GET /x#22y HTTP/1.1"',
]
SQUID = [
    "1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET http://www.google.com/ - DIRECT/74.125.47.147 text/html",
    "1286536309.144      0 192.168.0.224 TCP_DENIED/403 3983 CONNECT www.example.com:443 - HIER_NONE/- text/html",
    "1286536310.001   2001 192.168.0.225 TCP_MISS/504 318 GET http://example.org/slow?x=1 alice DIRECT/203.0.113.5 text/html",
]
JSON = [
    json.dumps(
        {
            "time_iso8601": "2000-10-10T13:55:36-07:00",
            "remote_addr": "192.0.2.1",
            "request": "GET / HTTP/1.1",
            "status": 200,
            "body_bytes_sent": 5,
        }
    ),
]

#: Named format → its documented lines (data and directive lines).
DOC_LINES: dict[str, list[str]] = {
    "common": [COMMON],
    "combined": [COMBINED],
    "main": [COMBINED + ' "198.51.100.2"'],
    "vhost_combined": ["www.example.org:443 " + COMBINED],
    "traefik": TRAEFIK,
    "alb": ALB,
    "elb": ELB,
    "s3": S3,
    "cloudfront": CLOUDFRONT,
    "w3c": W3C,
    "cloudstorage": CLOUDSTORAGE,
    "haproxy": HAPROXY,
    "squid": SQUID,
    "caddy": CADDY,
    "json": JSON,
}
#: Formats read by the same regex as another (nginx's combined is Apache's).
ALIASES = {"nginx": "combined"}
