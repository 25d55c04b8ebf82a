"""Golden syntax errors: each tests/golden/bad/syntax_*.sd renders exactly as its .txt.

Set STOCHDIFF_REGOLD=1 to rewrite the .txt files from the current output (then review the diff).
"""

import os
from pathlib import Path

import pytest

from stochdiff.errors import SyntaxProblem
from stochdiff.syntax import parse_module

BAD = Path(__file__).resolve().parent / "golden" / "bad"
CASES = sorted(BAD.glob("syntax_*.sd"))
REGOLD = os.environ.get("STOCHDIFF_REGOLD") == "1"


def test_there_are_enough_cases():
    assert len(CASES) >= 10


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_syntax_error_matches_golden(path):
    with pytest.raises(SyntaxProblem) as info:
        parse_module(path.read_text(encoding="utf-8"), path.name)
    rendered = str(info.value) + "\n"
    golden = path.with_suffix(".txt")
    if REGOLD:
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"missing {golden.name}; run with STOCHDIFF_REGOLD=1 to create it"
    assert rendered == golden.read_text(encoding="utf-8")
