"""Google Cloud Storage usage logs: quoted CSV, a header line counted apart."""

from __future__ import annotations

from datetime import UTC, datetime

from doc_lines import CLOUDSTORAGE, GCS_HEADER


def test_cloud_storage_usage_log_lines_and_their_header(parse_log):
    log = parse_log(CLOUDSTORAGE, "cloudstorage")
    assert (log.lines, log.parsed, log.rejected, log.directives) == (3, 2, 0, 1)
    row = log.frame.row(0, named=True)
    assert row["time"] == datetime(2020, 6, 8, 21, 0, tzinfo=UTC)
    assert (row["remote_addr"], row["method"], row["path"], row["query"]) == (
        "192.0.2.4",
        "GET",
        "/storage/v1/b/example-bucket/o/obj.txt",
        "alt=media",
    )
    assert (row["status"], row["bytes"], row["request_length"]) == (200, 1024, 0)
    assert abs(row["request_time"] - 0.034) < 1e-12
    assert (row["referer"], row["user_agent"]) == (
        "",
        'Mozilla/5.0 (compatible; "x")',
    )  # CSV's "" undone
    assert (row["bucket"], row["key"], row["operation"], row["host"]) == (
        "example-bucket",
        "obj.txt",
        "GET_Object",
        "storage.googleapis.com",
    )
    assert log.frame["status"].to_list() == [200, 404]


def test_a_header_in_each_concatenated_file_is_a_directive_not_a_rejected_line(parse_log):
    log = parse_log([*CLOUDSTORAGE, GCS_HEADER, *CLOUDSTORAGE[1:]], "cloudstorage")
    assert (log.parsed, log.rejected, log.directives) == (4, 0, 2)
