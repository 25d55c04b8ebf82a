"""Golden files for every printed compiler phase after lowering: the gradient IR, the
estimator IR of each mode, the emitted Python source and the report.

Set STOCHDIFF_REGOLD=1 to rewrite them (then read the diff: it is a change in what the
compiler does)."""

import os
from pathlib import Path

import pytest

import stochdiff as sd

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "golden" / "phases"
PROGRAMS = ["maml_linear", "maml_linear_outside", "optimizer_choice", "tasks", "sine_maml"]
# the listings do not depend on what an extern computes, only on its name
EXTERNS = {"sine_maml": {"net": lambda w, x: x}}


def phases(name):
    m = sd.compile(sd.load(ROOT / "examples" / f"{name}.sd"), externs=EXTERNS.get(name))
    out = {"grad": m.grad_text(), "report": m.report()}
    for mode in ("naive", "independent"):
        est = m.estimator(mode)
        out[f"{mode}.ir"] = est.ir_text()
        out[f"{mode}.source"] = est.source  # not .py: it is a listing, not a module of the project
    return out


def compare(path: Path, text: str):
    text = text.replace(str(ROOT) + "/", "")
    if os.environ.get("STOCHDIFF_REGOLD"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}; run with STOCHDIFF_REGOLD=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} changed"


@pytest.mark.parametrize("name", PROGRAMS)
def test_phases_match_golden(name):
    for phase, text in phases(name).items():
        compare(GOLD / f"{name}.{phase}", text)


def test_phase_listings_are_deterministic():
    assert phases("maml_linear") == phases("maml_linear")
