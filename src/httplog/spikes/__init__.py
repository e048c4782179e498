"""Error spikes: windows whose 5xx (or 4xx) rate stands out (``find``), what
explains them (``explain``), and virtual hosts' own spikes (``hosts``).

This package only re-exports; the method is described in
:mod:`httplog.spikes.find`.
"""

from httplog.options import SpikeParams
from httplog.spikes.explain import (
    EXPLANATION_SCHEMA,
    MIN_EXCESS_SHARE,
    explain_spike,
    explain_spikes,
    ranked_explanations,
    with_routes,
)
from httplog.spikes.find import SPIKE_SCHEMA, find_spikes, flag_windows
from httplog.spikes.hosts import HOST_TIMELINE_COLUMNS, HOST_TIMELINES, host_spikes, host_timeline

__all__ = [
    "EXPLANATION_SCHEMA",
    "HOST_TIMELINES",
    "HOST_TIMELINE_COLUMNS",
    "MIN_EXCESS_SHARE",
    "SPIKE_SCHEMA",
    "SpikeParams",
    "explain_spike",
    "explain_spikes",
    "find_spikes",
    "flag_windows",
    "host_spikes",
    "host_timeline",
    "ranked_explanations",
    "with_routes",
]
