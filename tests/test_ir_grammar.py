"""The IR grammar written in docs/compiler.md describes every listing the printer makes.

The grammar is documentation (the compiler never parses IR), so this test is what keeps it
true: it parses the golden listings, the listings of every example and those of generated
programs, and checks that each parsed listing has exactly the nodes and scopes it prints.
"""

from __future__ import annotations

import re
from pathlib import Path

import lark
import pytest
from hypothesis import given, settings

import stochdiff as sd
from stochdiff.testing.strategies import programs

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "compiler.md").read_text(encoding="utf-8")
GRAMMAR = re.search(r"## The IR's grammar.*?```lark\n(.*?)```", DOC, re.S).group(1)
PARSER = lark.Lark(GRAMMAR, start="listing", parser="lalr")


def check(text: str):
    tree = PARSER.parse(text)
    nodes = sum(1 for _ in tree.find_data("node"))
    scopes = sum(1 for _ in tree.find_data("scope"))
    assert nodes == len(re.findall(r"^\s*%\d+ = ", text, re.M))
    assert scopes == len(re.findall(r"^\s*s\d+ = E\[", text, re.M))
    return tree


GOLDEN = sorted([*ROOT.glob("tests/golden/good/*.ir"), *ROOT.glob("tests/golden/phases/*.ir"),
                 *ROOT.glob("tests/golden/phases/*.grad")])


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.name)
def test_golden_listings_follow_the_grammar(path):
    check(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted(ROOT.glob("examples/*.sd")), ids=lambda p: p.name)
def test_every_phase_of_every_example_follows_the_grammar(path):
    program = sd.load(path)
    check(program.ir_text())
    model = sd.compile(program, externs={name: (lambda *args: args[-1]) for name in program.externs})
    check(model.grad_text())
    for mode in ("naive", "independent"):
        check(model.estimator(mode).ir_text())


@settings(deadline=None, derandomize=True, database=None, max_examples=40)
@given(p=programs())
def test_generated_programs_follow_the_grammar(p):
    model = sd.compile(p.text)
    check(model.program.ir_text())
    check(model.grad_text())
    check(model.estimator("independent").ir_text())


@pytest.mark.parametrize("bad", [
    "%1 = = add %0\n",  # no op
    "%1 = add %0,\n",  # dangling comma
    "s1 = E[z] {\n%1 = lit 2\n",  # unclosed scope
    "%1 = sample z ~ minibatch(%0, 1\n",  # unclosed arguments
    "%1 = call vjp[](f)(%0)\n",  # adjoint with respect to nothing
])
def test_the_grammar_rejects_malformed_listings(bad):
    with pytest.raises(lark.exceptions.UnexpectedInput):
        PARSER.parse(bad)
