"""The report's fixed assets (plotly's templates, the plotly.js bundle's
module index) are read the cheap way and come out as the slow way made them."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import plotly.io as pio

from httplog.report.bundle import _full_bundle, _inline_bundle, _module_starts, _registered_traces
from httplog.report.context import _TEMPLATE_TRACES, _UI_FONT, _templates_json


def test_page_templates_are_plotlys_validated_templates_text_for_text():
    out = {}
    for key, name in (("light", "plotly_white"), ("dark", "plotly_dark")):
        t = go.layout.Template(pio.templates[name])
        t.layout.paper_bgcolor = "rgba(0,0,0,0)"
        t.layout.plot_bgcolor = "rgba(0,0,0,0)"
        t.layout.font.family = _UI_FONT
        spec = t.to_plotly_json()
        spec["data"] = {k: v for k, v in spec.get("data", {}).items() if k in _TEMPLATE_TRACES}
        out[key] = spec
    assert _templates_json() == str(pio.json.to_json_plotly(out))


def test_module_index_finds_every_module_the_regular_expression_finds():
    js = _full_bundle().js
    found = re.search(r"(?:var |,)([\w$]+)=([\w$]+)\(\(", js)
    assert found is not None
    wrapper = found.group(2)
    slow = {
        d.group(1): d.end()
        for d in re.finditer(r"(?:var |,)([\w$]+)=" + re.escape(wrapper) + r"\(\(", js)
    }
    assert len(slow) > 100
    assert _module_starts(js, wrapper) == slow


def test_inline_bundle_traces_are_those_its_registration_keeps():
    needs = frozenset({"bar", "scatter"})
    b = _inline_bundle(needs)
    assert b.traces == (_registered_traces(b.js) or frozenset()) | {"scatter"}
    assert b.traces == {"bar", "scatter"}
