"""The cheap UTC-offset reading of ``time_local`` agrees with the general one."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from httplog.formats.times import offset_at_end, offset_written

_TIMES = st.builds(
    lambda day, sign, hh, mm: f"{day}/Oct/2000:13:55:36 {sign}{hh:02d}{mm:02d}",
    st.sampled_from(["1", "01", "31"]),
    st.sampled_from(["+", "-"]),
    st.integers(0, 99),
    st.integers(0, 99),
)


@settings(deadline=None, max_examples=60)  # (a polars query per example: slow under load)
@given(st.lists(_TIMES | st.none(), max_size=30))
def test_offset_at_end_equals_the_general_reading_of_every_time_local(
    times: list[str | None],
) -> None:
    s = pl.Series("t", times, dtype=pl.String)
    fast = pl.select(offset_at_end(pl.lit(s))).to_series()
    general = pl.select(offset_written(pl.lit(s))).to_series()
    assert fast.dtype == general.dtype == pl.Int16
    assert fast.to_list() == general.to_list()


def test_offset_at_end_reads_sign_hours_and_minutes() -> None:
    s = pl.Series(["10/Oct/2000:13:55:36 -0930", "10/Oct/2000:13:55:36 +1400", None])
    assert pl.select(offset_at_end(pl.lit(s))).to_series().to_list() == [-570, 840, None]
