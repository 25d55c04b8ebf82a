"""A constant exponent written as an expression is folded to a literal, so the analyses see the
same whole-number power as for a literal exponent: the independent estimator of E[m] ^ (1 + 1)
is certified unbiased exactly like that of E[m] ^ 2 (it was judged a non-whole power)."""

import numpy as np
import pytest

import stochdiff as sd

PROGRAM = "param theta\nrandom m ~ dropout(2, 0.5)\nconst two = 2\nminimize E[m](sum(m * theta)) ^ {} wrt theta\n"
PARAMS = {"theta": np.array([1.0, -2.0])}


def model(exponent: str):
    return sd.compile(sd.parse(PROGRAM.format(exponent)))


def ops(exponent: str) -> list:
    return [(n.op, n.attrs) for n in sd.parse(PROGRAM.format(exponent)).ir.nodes]


@pytest.mark.parametrize("exponent", ["(1 + 1)", "2 ^ 1", "(4 / 2)", "(two * 1)"])
@pytest.mark.parametrize("mode", ["naive", "independent"])
def test_a_constant_exponent_is_certified_like_a_literal(exponent, mode):
    folded, literal = model(exponent).estimator(mode).certificate, model("2").estimator(mode).certificate
    assert (folded.value_unbiased, folded.grad_unbiased) == (literal.value_unbiased, literal.grad_unbiased)
    if mode == "independent":
        assert folded.value_unbiased and folded.grad_unbiased, str(folded)


@pytest.mark.parametrize("exponent", ["(1 + 1)", "2 ^ 1", "(4 / 2)"])
def test_folding_gives_the_literal_program_and_its_values(exponent):
    assert ops(exponent) == ops("2")  # 2.0 == 2, so (4 / 2) compares equal too
    folded, literal = model(exponent).exact(PARAMS, {}), model("2").exact(PARAMS, {})
    np.testing.assert_allclose(folded.value, literal.value)
    np.testing.assert_allclose(folded.grad["theta"], literal.grad["theta"])


def test_numbers_and_consts_as_exponents_are_lowered_as_before():
    assert ("const", ("two", 2)) in ops("two")
    assert [op for op, _ in ops("two")].count("lit") == 0  # the const node itself is the exponent
    assert ("lit", (2.5,)) in ops("2.5")


def test_a_non_whole_constant_exponent_stays_non_polynomial():
    cert = model("(5 / 2)").estimator("independent").certificate
    assert not cert.value_unbiased
