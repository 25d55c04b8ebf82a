"""Unit tests of stochdiff.testing: exact_mean, bias, assert_unbiased / assert_biased."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import stochdiff as sd
from stochdiff.errors import SupportTooLarge
from stochdiff.estimators.model import Result
from stochdiff.testing import assert_biased, assert_unbiased, bias, exact_mean

# T1: one SGD step inside E[z]; l_i = ½(x_i θ − y_i)², outer ½(θ' − 1)²
from conftest import T1  # noqa: E402  (shared by the test modules)
X, Y = (1, 2, 3), (1, 0, 2)
DATA = {"D": {"x": np.array([[1.0], [2.0], [3.0]]), "y": np.array([1.0, 0.0, 2.0])}}
PARAMS = {"theta": np.array([0.0])}
ETA = Fraction(1, 10)


def hand_t1(theta=Fraction(0)):
    """Per-draw naive outputs and the exact answer, with fractions."""
    g = [x * (x * theta - y) for x, y in zip(X, Y)]
    t1 = [theta - ETA * gi for gi in g]
    naive_value = [Fraction(1, 2) * (t - 1) ** 2 for t in t1]
    naive_grad = [(t - 1) * (1 - ETA * x * x) for t, x in zip(t1, X)]
    mean_t1 = sum(t1) / 3
    mean_h = sum(Fraction(x * x) for x in X) / 3
    return naive_value, naive_grad, Fraction(1, 2) * (mean_t1 - 1) ** 2, (mean_t1 - 1) * (1 - ETA * mean_h)


def mean(xs):
    return sum(xs) / len(xs)


@pytest.fixture(scope="module")
def t1():
    return sd.compile(T1)


def test_exact_mean_matches_hand_enumeration(t1):
    naive_value, naive_grad, value, grad = hand_t1()
    assert mean(naive_grad) == Fraction(-29, 60) and grad == Fraction(-92, 225)

    naive = exact_mean(t1.estimator("naive"), PARAMS, DATA)
    assert naive.value == pytest.approx(float(mean(naive_value)), rel=1e-12)
    assert float(naive.grad["theta"][0]) == pytest.approx(-29 / 60, rel=1e-12)

    indep = exact_mean(t1.estimator("independent"), PARAMS, DATA)
    assert indep.value == pytest.approx(float(value), rel=1e-12)
    assert float(indep.grad["theta"][0]) == pytest.approx(-92 / 225, rel=1e-12)
    assert isinstance(indep, Result)


def test_exact_mean_does_not_depend_on_samples(t1):
    # two draws per expectation: still the exact mean of that (different) estimator
    est = t1.estimator("independent", samples=2)
    assert float(exact_mean(est, PARAMS, DATA).grad["theta"][0]) == pytest.approx(-92 / 225, rel=1e-12)
    naive2 = exact_mean(t1.estimator("naive", samples=2), PARAMS, DATA).grad["theta"][0]
    assert not naive2 == pytest.approx(-92 / 225, rel=1e-6)  # less bias than one draw, but some
    assert abs(naive2 + 92 / 225) < abs(-29 / 60 + 92 / 225)


def test_bias_report_is_consistent_and_has_the_hand_variance(t1):
    naive_value, naive_grad, value, grad = hand_t1()
    rep = bias(t1.estimator("naive"), PARAMS, DATA)
    g = rep.grad["theta"]
    hand_var = mean([x * x for x in naive_grad]) - mean(naive_grad) ** 2
    assert float(g.mean[0]) == pytest.approx(-29 / 60, rel=1e-12)
    assert float(g.target[0]) == pytest.approx(-92 / 225, rel=1e-12)
    assert float(g.bias[0]) == pytest.approx(float(Fraction(-29, 60) - Fraction(-92, 225)), rel=1e-10)
    assert float(g.variance[0]) == pytest.approx(float(hand_var), rel=1e-10)
    assert float(g.mse[0]) == pytest.approx(float(hand_var + (mean(naive_grad) - grad) ** 2), rel=1e-10)
    hand_vvar = mean([v * v for v in naive_value]) - mean(naive_value) ** 2
    assert float(rep.value.variance) == pytest.approx(float(hand_vvar), rel=1e-10)
    assert float(rep.value.bias) == pytest.approx(float(mean(naive_value) - value), rel=1e-10)
    # consistent with exact_mean
    em = exact_mean(t1.estimator("naive"), PARAMS, DATA)
    assert float(rep.value.mean) == pytest.approx(em.value, rel=1e-12)

    fixed = bias(t1.estimator("independent"), PARAMS, DATA)
    assert abs(float(fixed.grad["theta"].bias[0])) < 1e-12
    assert float(fixed.grad["theta"].variance[0]) > 0
    assert float(fixed.grad["theta"].mse[0]) == pytest.approx(float(fixed.grad["theta"].variance[0]))


# ---------------------------------------------------------------- assertions, exact

def test_assert_unbiased_exact(t1):
    assert_unbiased(t1.estimator("independent"), PARAMS, DATA)
    with pytest.raises(AssertionError) as err:
        assert_unbiased(t1.estimator("naive"), PARAMS, DATA)
    msg = str(err.value)
    assert "naive estimator is biased" in msg
    assert "exact mean" in msg and "target" in msg and "<- differs" in msg
    assert "-0.4833333333" in msg and "-0.4088888889" in msg


def test_assert_biased_exact(t1):
    assert_biased(t1.estimator("naive"), PARAMS, DATA)
    assert_biased(t1.estimator("naive"), PARAMS, DATA, which="grad")
    with pytest.raises(AssertionError, match="unbiased here"):
        assert_biased(t1.estimator("independent"), PARAMS, DATA)


def test_assert_with_an_explicit_target(t1):
    wrong = Result(0.0, {"theta": np.array([-29 / 60])})
    assert_unbiased(t1.estimator("naive"), PARAMS, DATA, which="grad", target=wrong)
    assert_biased(t1.estimator("independent"), PARAMS, DATA, which="grad", target=wrong)


def test_bad_method_is_an_error(t1):
    with pytest.raises(sd.StochdiffError, match="'exact' or 'statistical'"):
        assert_unbiased(t1.estimator("independent"), PARAMS, DATA, method="exakt")


# ---------------------------------------------------------------- assertions, statistical

def test_assert_unbiased_statistical_on_a_finite_program(t1):
    assert_unbiased(t1.estimator("independent"), PARAMS, DATA, method="statistical", replicates=4000, seed=3)
    with pytest.raises(AssertionError) as err:
        assert_unbiased(t1.estimator("naive"), PARAMS, DATA, method="statistical", replicates=4000, seed=3)
    msg = str(err.value)
    for word in ("estimate", "target", "std. error", "p-value", "4000 replicates", "seed 3"):
        assert word in msg, (word, msg)
    assert_biased(t1.estimator("naive"), PARAMS, DATA, method="statistical", replicates=4000, seed=3)
    with pytest.raises(AssertionError, match="significantly biased"):
        assert_biased(t1.estimator("independent"), PARAMS, DATA, method="statistical", replicates=4000, seed=3)


# a continuous program: m = E[u](u + θ) = θ, J = m² + E[u](u² θ) = θ² + θ, ∇J = 2θ + 1
CONTINUOUS = """\
param theta
random u ~ normal(0, 1)
m = E[u](u + theta)
minimize m ^ 2 + E[u](u ^ 2 * theta) wrt theta
"""


def _continuous_target(theta):
    return Result(theta ** 2 + theta, {"theta": 2 * theta + 1})


def test_statistical_on_a_continuous_program():
    model = sd.compile(CONTINUOUS)
    theta = 0.5
    target = _continuous_target(theta)
    assert_unbiased(model.estimator("independent"), {"theta": theta}, method="statistical",
                    target=target, replicates=4000)
    # the naive estimator squares one draw: E[(u + θ)²] = θ² + 1
    assert_biased(model.estimator("naive"), {"theta": theta}, method="statistical", target=target,
                  replicates=4000, which="value")


def test_a_coordinate_that_does_not_vary_is_judged_with_a_tolerance():
    # grad b is 0.3 in every replicate; its mean differs from 0.3 by rounding, with a standard
    # error of ~1e-18, so a bare z-test would call a correct estimator biased
    model = sd.compile("param theta, b\nrandom u ~ normal(0, 1)\nminimize E[u](u * theta) + 0.3 * b wrt theta, b\n")
    target = Result(0.09, {"theta": 0.0, "b": 0.3})
    assert_unbiased(model.estimator(), {"theta": 0.5, "b": 0.3}, method="statistical", target=target)
    wrong = Result(0.09, {"theta": 0.0, "b": 0.31})
    with pytest.raises(AssertionError, match="looks biased"):
        assert_unbiased(model.estimator(), {"theta": 0.5, "b": 0.3}, method="statistical", target=wrong)
    assert_biased(model.estimator(), {"theta": 0.5, "b": 0.3}, method="statistical", target=wrong)


@pytest.mark.parametrize("replicates", [1, 0, True, 2.5])
def test_a_statistical_test_needs_two_replicates(t1, replicates):
    for check in (assert_unbiased, assert_biased):
        with pytest.raises(sd.StochdiffError, match="at least 2 replicates"):
            check(t1.estimator("naive"), PARAMS, DATA, method="statistical", replicates=replicates)


def test_exact_method_refuses_continuous_randomness():
    model = sd.compile(CONTINUOUS)
    with pytest.raises(SupportTooLarge, match="method='statistical'"):
        exact_mean(model.estimator("independent"), {"theta": 0.5})
    with pytest.raises(SupportTooLarge, match="continuous"):
        assert_unbiased(model.estimator("independent"), {"theta": 0.5}, target=_continuous_target(0.5))


def test_false_alarm_rate_is_at_most_alpha():
    """30 seeds at alpha = 0.05 on an unbiased estimator: P(Bin(30, 0.05) >= 6) < 0.4%."""
    model = sd.compile(CONTINUOUS)
    est = model.estimator("independent")
    target = _continuous_target(0.5)
    rejections = 0
    for seed in range(30):
        try:
            assert_unbiased(est, {"theta": 0.5}, method="statistical", target=target, replicates=400,
                            seed=1000 + seed, alpha=0.05)
        except AssertionError:
            rejections += 1
    tail = sum(math.comb(30, k) * 0.05 ** k * 0.95 ** (30 - k) for k in range(6, 31))
    assert tail < 0.004
    assert rejections <= 5, f"{rejections} of 30 seeds rejected an unbiased estimator at alpha = 0.05"


# ---------------------------------------------------------------- limits

DROPOUT = """\
param theta
random m ~ dropout(12, 0.5)
minimize E[m](sum(m * theta) ^ 2) wrt theta
"""


def test_support_too_large_says_how_to_raise_the_limit():
    model = sd.compile(DROPOUT)
    params = {"theta": np.linspace(-1, 1, 12)}
    est = model.estimator("independent")
    with pytest.raises(SupportTooLarge) as err:
        exact_mean(est, params, limit=1000)
    msg = str(err.value)
    assert "limit of 1,000" in msg and "joint configurations" in msg and "limit=" in msg and "m" in msg
    assert err.value.line == 2  # points at the random declaration
    res = exact_mean(est, params, limit=5000)  # 2^12 = 4096 configurations
    np.testing.assert_allclose(res.value, model.exact(params).value, rtol=1e-10)
    with pytest.raises(SupportTooLarge):
        assert_unbiased(est, params, limit=1000)
    assert_unbiased(est, params, limit=5000)


# ---------------------------------------------------------------- regressions (bugs found here)

TWO_E = """\
param theta
data D
random z ~ minibatch(D, 1)
minimize E[z](sum(z.x @ theta)) * E[z](sum(z.x @ theta)) wrt theta
"""


def test_regression_exact_mean_of_two_expectations_sharing_a_stream():
    model = sd.compile(TWO_E)
    params = {"theta": np.array([0.5])}
    est = model.estimator("naive")
    R = 100_000
    reps = est(params, DATA, seed=1, replicates=R)
    mc, se = reps.value.mean(), reps.value.std(ddof=1) / math.sqrt(R)
    # the draws are shared: every replicate is (x θ)², so the true mean is E[x²] θ² = 7/6
    assert mc == pytest.approx(7 / 6, abs=6 * se)
    assert exact_mean(est, params, DATA).value == pytest.approx(mc, abs=6 * se)


def test_enumeration_in_chunks_gives_the_same_moments(monkeypatch):
    import stochdiff.testing.enumerate as en

    model = sd.compile(T1)
    est = model.estimator("independent")
    whole = bias(est, PARAMS, DATA)
    monkeypatch.setattr(en, "CHUNK", 2)  # 27 configurations in 14 chunks
    chunked = bias(est, PARAMS, DATA)
    assert chunked.value.mean == pytest.approx(whole.value.mean, rel=1e-12)
    assert chunked.value.variance == pytest.approx(whole.value.variance, rel=1e-12)
    np.testing.assert_allclose(chunked.grad["theta"].mse, whole.grad["theta"].mse, rtol=1e-12)
