"""What the terminal and the report show of log text: the fast path for plain
ASCII gives the same text as the full Unicode check, and the check itself is
loaded only when some text needs it."""

from __future__ import annotations

import subprocess
import sys

import regex
from hypothesis import given
from hypothesis import strategies as st

from httplog.display import HIDDEN_CLASS, _stand_in, visible

_FULL = regex.compile(HIDDEN_CLASS)


def _by_the_full_check(s: str) -> str:
    return str(_FULL.sub(lambda m: _stand_in(m.group()), s))


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_text_is_shown_as_the_full_check_shows_it(s):
    assert visible(s) == _by_the_full_check(s)


@given(st.text())
def test_any_text_is_shown_as_the_full_check_shows_it(s):
    assert visible(s) == _by_the_full_check(s)


def test_printable_ascii_is_shown_without_loading_the_unicode_check():
    code = (
        "import sys; from httplog.display import clean; "
        "assert clean('GET /index.html?q=1 200') == 'GET /index.html?q=1 200'; "
        "assert 'regex' not in sys.modules, 'regex imported for plain ASCII'; "
        "assert clean('a\\x1bb') == 'a\\u241bb'; "
        "assert 'regex' in sys.modules"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
