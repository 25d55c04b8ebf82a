"""The public functions check their argument types: a program must be a str, a filename a str
or None, a path a str or path.  Anything else is one StochdiffError sentence, never a raw
TypeError and never an error whose rendering itself fails."""

import pytest

import stochdiff as sd
from stochdiff.errors import Location, StochdiffError

GOOD = "param theta\nminimize sum(theta) wrt theta\n"


@pytest.mark.parametrize("call, message", [
    (lambda: sd.format(3), "a program must be text (a str), not int"),  # str(err) raised AttributeError
    (lambda: sd.format(None), "a program must be text (a str), not NoneType"),
    (lambda: sd.parse(b"param theta"), "a program must be text (a str), not bytes"),
    (lambda: sd.parse(GOOD, 3), "a filename must be a str or None, not int"),  # was a TypeError later on
    (lambda: sd.format(GOOD, 3), "a filename must be a str or None, not int"),
    (lambda: sd.load(3), "a program's path must be a str or a path, not int"),
])
def test_wrong_argument_types_are_one_clean_sentence(call, message):
    with pytest.raises(StochdiffError) as info:
        call()
    assert info.value.message == message
    assert str(info.value) == f"<string>: error: {message}"


def test_the_filename_is_kept_when_the_text_is_wrong():
    with pytest.raises(StochdiffError) as info:
        sd.parse(None, "prog.sd")
    assert str(info.value) == "prog.sd: error: a program must be text (a str), not NoneType"


def test_good_arguments_still_work(tmp_path):
    path = tmp_path / "p.sd"
    path.write_text(GOOD, encoding="utf-8")
    assert sd.parse(GOOD, None).filename == "<string>"
    assert sd.parse(GOOD, "p.sd").filename == "p.sd"
    assert sd.format(GOOD, "p.sd") == GOOD
    assert sd.load(path).filename == str(path)


def test_rendering_an_error_never_raises_whatever_its_location_holds():
    err = StochdiffError("a sentence", Location("f.sd", 1, 1, source=3))
    assert str(err) == "f.sd:1:1: error: a sentence"
