"""The HTML report: one self-contained, offline, safe page per analysis.

:func:`write_report` is the entry point; :func:`render_report` returns the
page as a string. What the page shows and how it is kept safe:
``docs/report.md``.

Examples
--------
>>> import httplog, os, tempfile
>>> from httplog.report import write_report
>>> d = tempfile.mkdtemp()
>>> log = os.path.join(d, "access.log")
>>> _ = open(log, "w").write(
...     '192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 503 0 "-" "curl/8"\\n'
... )
>>> write_report(httplog.analyze(log), os.path.join(d, "report.html"), lang="zh")
>>> "服务器错误" in open(os.path.join(d, "report.html"), encoding="utf-8").read()
True
"""

from __future__ import annotations

from httplog.report.render import PLOTLY_CONFIG, render_report, script_json, visible, write_report

__all__ = ["PLOTLY_CONFIG", "render_report", "script_json", "visible", "write_report"]
