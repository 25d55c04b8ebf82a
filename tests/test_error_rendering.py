"""How an error renders: the source line and a caret that sits under the offending token,
also when the line contains tabs (columns count characters; a terminal shows a tab wider)."""

import pytest

import stochdiff as sd
from stochdiff.errors import Location, StochdiffError


def rendered(text: str) -> tuple:
    with pytest.raises(StochdiffError) as info:
        sd.parse(text)
    _, shown, caret = str(info.value).split("\n")
    return shown, caret


@pytest.mark.parametrize("text, token", [
    ("param theta\n\tminimize\tthetta wrt theta\n", "thetta"),  # tabs before the token
    ("param theta\n\tx = 1 +\t\t[[1, 2],\t[3]]\nminimize theta wrt theta\n", "[3]"),
    ("param theta\nminimize theta wrt thta\n", "thta"),  # no tab: unchanged
])
def test_the_caret_sits_under_the_token_when_the_line_has_tabs(text, token):
    shown, caret = rendered(text)
    assert "\t" not in shown  # expanded, so the caret line can follow it in any terminal
    assert caret.index("^") == shown.index(token)
    assert caret.strip() == "^" * len(token)


def test_a_span_containing_a_tab_is_underlined_to_its_end():
    err = StochdiffError("a sentence", Location("f.sd", 1, 3, 1, 7, source="x\ta\tbc d"))
    _, shown, caret = str(err).split("\n")
    assert shown == "    x       a       bc d"
    assert caret == "            " + "^" * 10  # from "a" through the tab to "c"


def test_a_line_without_tabs_renders_as_before():
    err = StochdiffError("a sentence", Location("f.sd", 2, 5, 2, 10, source="first\nx = thetta + 1"))
    assert str(err) == "f.sd:2:5: error: a sentence\n    x = thetta + 1\n        ^^^^^"
