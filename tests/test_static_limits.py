"""Limits on what the compiler does before anything runs: the total number of unrolled loop
iterations, the size of folded constants, and the shape of constant array literals.  Each
limit is refused with one located sentence, before the expensive work, never with a raw
Python exception."""

import time

import pytest

import stochdiff as sd
from stochdiff.errors import StructureProblem


def program(*lines: str) -> str:
    return "\n".join(("param theta",) + lines + ("minimize sum(theta) wrt theta", ""))


def refused(text: str):
    with pytest.raises(StructureProblem) as info:
        sd.parse(text)
    return info.value


# --------------------------------------------------------------------- unrolling
def test_nested_loops_count_towards_one_total():
    # each loop is short, but the nest unrolls a million bodies (this took 16 s when the
    # limit applied to each loop on its own)
    start = time.perf_counter()
    err = refused(program("w = theta", "for k in 1..1000 {", "  for j in 1..1000 {", "    w = w", "  }", "}"))
    assert time.perf_counter() - start < 5
    assert (err.line, err.column) == (4, 12)  # the inner loop's range, where the total crosses the limit
    assert "limit of 100,000 unrolled loop iterations in total" in err.message
    assert "nested loop" in err.message and "\n" not in err.message


def test_deep_nest_of_long_loops_is_refused_before_unrolling():
    start = time.perf_counter()
    err = refused(program("for a in 1..100000 {", "  for b in 1..100000 {", "    for c in 1..100000 {", "    }",
                          "  }", "}"))
    assert time.perf_counter() - start < 5
    assert err.line == 3


def test_sibling_loops_add_up():
    err = refused(program("for a in 1..60000 {", "}", "for b in 1..60000 {", "}"))
    assert (err.line, err.column) == (4, 10)
    assert "in total" in err.message


def test_one_long_loop_says_how_long():
    err = refused(program("for k in 1..200000 {", "}"))
    assert err.message == "the loop unrolls 200,000 times, more than the limit of 100,000 loop iterations"
    assert (err.line, err.column) == (2, 10)
    assert str(err).splitlines()[-1] == "             " + "^" * 9


def test_exactly_the_limit_is_accepted():
    # 10 outer iterations + 10 * 9999 inner ones = 100,000
    sd.parse(program("for k in 1..10 {", "  for j in 1..9999 {", "  }", "}"))
    refused(program("for k in 1..10 {", "  for j in 1..10000 {", "  }", "}"))


def test_inner_bounds_that_depend_on_the_outer_variable_are_counted_exactly():
    # sum over k of k = 5050 inner iterations, plus 100 outer ones
    sd.parse(program("for k in 1..100 {", "  for j in 1..k {", "  }", "}", "for m in 1..94850 {", "}"))
    err = refused(program("for k in 1..100 {", "  for j in 1..k {", "  }", "}", "for m in 1..94851 {", "}"))
    assert err.line == 6


def test_a_bad_inner_bound_is_still_reported_where_it_is():
    err = refused(program("for k in 1..3 {", "  w = theta", "  for j in 1..w {", "  }", "}"))
    assert (err.line, err.column) == (4, 15) and "'w' is a value" in err.message


# ------------------------------------------------------------- constant folding
@pytest.mark.parametrize("line, words", [
    ("const c = 9 ^ 9 ^ 9", "const c is too large to represent"),  # an exact power would run forever
    ("const c = 10 ^ 400", "const c is too large to represent"),  # was a raw OverflowError
    ("const c = 1e300 * 1e300", "const c is too large to represent"),
    ("const c = 1.5 ^ 10 ^ 300", "const c is too large to represent"),
    ("const c = (-8) ^ (1 / 3)", "const c is not a real number"),
    ("for k in 1..2 ^ 2 ^ 2 ^ 2 ^ 2 {\n}", "the loop's upper bound is too large to represent"),  # was ValueError
    ("for k in 1..1e300 {\n}", "the loop's upper bound must be a whole number no larger than 2^53 in size"),
    ("for k in -(2 ^ 60)..1 {\n}", "the loop's lower bound must be a whole number no larger than 2^53"),
    ("data D\nrandom z ~ minibatch(D, 10 ^ 30)", "the minibatch size must be a whole number no larger than 2^53"),
])
def test_folding_is_bounded_and_refuses_with_one_sentence(line, words):
    start = time.perf_counter()
    err = refused(program(line))
    assert time.perf_counter() - start < 2
    assert err.message.startswith(words) and "\n" not in err.message
    assert err.line == (3 if line.startswith("data") else 2)


def test_large_but_finite_constants_keep_their_float64_value():
    p = sd.parse(program("const a = 2 ^ 53", "const b = 10 ^ 20", "const c = 3 * 2 ^ 60", "const d = 2 ^ -2000"))
    consts = dict(p.ir.meta_get("consts"))
    assert consts["a"] == 2 ** 53 and isinstance(consts["a"], int)  # exact whole numbers stay whole
    assert consts["b"] == float(10 ** 20) and consts["c"] == float(3 * 2 ** 60) and consts["d"] == 0.0


def test_an_integer_literal_beyond_float64_is_a_syntax_problem():
    with pytest.raises(sd.SyntaxProblem) as info:
        sd.parse(program("const c = 1" + "0" * 400))
    assert info.value.message == "the number '10000000000000000000...' is too large to represent"
    assert (info.value.line, info.value.column) == (2, 11)


# ---------------------------------------------------------- constant array literals
DEEP = "[" * 32 + "1" + "]" * 32  # as deep as a literal may be


@pytest.mark.parametrize("text, line, column, words", [
    (program("const c = [[1, 2], [3]]"), 2, 20,
     "the array literal is ragged: this item is a list of 1 number, but the first item is a list of 2 numbers"),
    (program("const c = [1, [2]]"), 2, 15, "ragged: this item is a list of 1 number, but the first item is a number"),
    (program("const c = [[[1, 2]], [[1, 2], [3, 4]]]"), 2, 22, "ragged: this item is an array of shape [2, 2]"),
    (program("const c = " + "[" * 100 + "1" + "]" * 100), 2, 11, "too many dimensions (100; at most 32)"),
    (program("const a = " + DEEP, "const c = [a]"), 3, 11, "too many dimensions (33; at most 32)"),
    ("param theta\nminimize sum(theta * [[1], [2, 3]]) wrt theta\n", 2, 28, "ragged"),  # inside an expression
])
def test_array_literals_are_checked_where_they_are_written(text, line, column, words):
    # these were numpy ValueErrors, raised only when the model was evaluated
    err = refused(text)
    assert words in err.message and "\n" not in err.message
    assert (err.line, err.column) == (line, column)


def test_rectangular_literals_are_unchanged():
    p = sd.parse(program("const c = [[1, 2], [3, 4]]", "const d = " + DEEP))
    consts = dict(p.ir.meta_get("consts"))
    assert consts["c"] == ((1, 2), (3, 4))
