"""Golden static-check errors: each tests/golden/bad/semantic_*.sd renders exactly as its .txt.

Every file holds one mistake that parses but is not a valid program; the .txt is ``str(err)``
(``file:line:column: error: sentence``, the source line and a caret) plus a final newline.
Set STOCHDIFF_REGOLD=1 to rewrite the .txt files from the current output (then review the diff).
"""

import os
from pathlib import Path

import pytest

import stochdiff as sd
from stochdiff.errors import SyntaxProblem

BAD = Path(__file__).resolve().parent / "golden" / "bad"
CASES = sorted(BAD.glob("semantic_*.sd"))
REGOLD = os.environ.get("STOCHDIFF_REGOLD") == "1"


def test_there_are_enough_cases():
    assert len(CASES) >= 25


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_semantic_error_matches_golden(path):
    with pytest.raises(sd.StochdiffError) as info:
        sd.parse(path.read_text(encoding="utf-8"), path.name)
    err = info.value
    assert not isinstance(err, SyntaxProblem), f"{path.name} should parse; it fails with {err}"
    rendered = str(err) + "\n"
    golden = path.with_suffix(".txt")
    if REGOLD:
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"missing {golden.name}; run with STOCHDIFF_REGOLD=1 to create it"
    assert rendered == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_semantic_error_is_one_located_sentence(path):
    with pytest.raises(sd.StochdiffError) as info:
        sd.parse(path.read_text(encoding="utf-8"), path.name)
    err = info.value
    head = str(err).splitlines()[0]
    assert head.startswith(f"{path.name}:{err.line}:{err.column}: error: ")
    assert err.line >= 1 and err.column >= 1
    assert "\n" not in err.message and "Traceback" not in str(err)
    assert not err.message.endswith(".")  # a clause, as compilers print them
