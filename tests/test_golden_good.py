"""Golden good programs: each tests/golden/good/<name>.sd lowers to <name>.ir and summarises as
<name>.summary.

The seven canonical programs of examples/ are kept here verbatim (a test checks they have not
drifted), next to small programs for records, loops, consts, pi, array literals, match,
bernoulli, normal, conditional and nested expectations and an E over two variables.
Set STOCHDIFF_REGOLD=1 to rewrite the goldens from the current output (then review the diff).
"""

import os
import re
from pathlib import Path

import pytest

import stochdiff as sd

HERE = Path(__file__).resolve().parent
GOOD = HERE / "golden" / "good"
EXAMPLES = HERE.parent / "examples"
CASES = sorted(GOOD.glob("*.sd"))
IDS = [p.stem for p in CASES]
REGOLD = os.environ.get("STOCHDIFF_REGOLD") == "1"


def parse_file(path):
    return sd.parse(path.read_text(encoding="utf-8"), path.name)


def compare(golden: Path, text: str):
    if REGOLD:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"missing {golden.name}; run with STOCHDIFF_REGOLD=1 to create it"
    assert text == golden.read_text(encoding="utf-8")


def without_positions(ir: str) -> str:
    """The IR listing minus its ``# line:column`` annotations (formatting drops comments, so lines move)."""
    return "\n".join(re.sub(r"\s+# \d+:\d+$", "", line) for line in ir.splitlines())


def test_every_canonical_example_is_a_golden_verbatim():
    from conftest import CANONICAL

    examples = [EXAMPLES / f"{n}.sd" for n in CANONICAL]
    for ex in examples:
        assert (GOOD / ex.name).read_text(encoding="utf-8") == ex.read_text(encoding="utf-8"), ex.name


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_ir_matches_golden(path):
    compare(path.with_suffix(".ir"), parse_file(path).ir_text())


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_summary_matches_golden(path):
    compare(path.with_suffix(".summary"), parse_file(path).summary() + "\n")


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_ir_listing_is_stable(path):
    assert parse_file(path).ir_text() == parse_file(path).ir_text()


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_formatted_program_is_the_same_program(path):
    text = path.read_text(encoding="utf-8")
    original = sd.parse(text, path.name)
    formatted = sd.format(text, path.name)
    again = sd.parse(formatted, path.name)
    assert again.module == original.module
    assert without_positions(again.ir_text()) == without_positions(original.ir_text())
    assert sd.format(formatted, path.name) == formatted  # formatting is idempotent
