"""Property suite: certificates, exact means and the formatter on generated programs.

The programs come from :mod:`stochdiff.testing.strategies` (small, finite randomness), so
every estimator's exact mean is computed by enumerating its draws; nothing here is
statistical.  Hypothesis runs derandomized (a fixed sequence of examples), so CI is
reproducible; the whole file takes well under a minute on two cores.

* soundness — a certificate that says "unbiased" (value and gradient separately, both modes)
  is confirmed by ``exact_mean == exact``;
* completeness on polynomial programs — the independent estimator is certified unbiased;
* the naive estimator of a program that uses an expectation twice multiplicatively is
  certified biased, and on the documented GD-by-SGD family its exact bias is non-zero and
  equals the covariance formula;
* the formatter round-trips generated programs.

The parser fuzz property lives in ``tests/test_parser.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

import stochdiff as sd
from stochdiff.testing import bias, exact_mean
from stochdiff.testing.strategies import FAMILIES, programs, sgd_quadratic_programs

RTOL, ATOL = 1e-8, 1e-10

CI = settings(deadline=None, derandomize=True, database=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])


def _close(got, want, what, p, mode):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64),
                               rtol=RTOL, atol=ATOL,
                               err_msg=f"{mode} estimator certified unbiased in its {what}, but its exact mean "
                                       f"differs from exact()\n{p.text}")


# ---------------------------------------------------------------- soundness

@pytest.mark.parametrize("mode", ["independent", "naive"])
@settings(CI, max_examples=300)
@given(p=programs())
def test_certificate_is_sound(mode, p):
    # log/sqrt/division of a *square* of an estimate are not generated (see the strategies'
    # _NONPOLY_SCALAR and test_regression_independent_copies_leave_the_domain_of_log below).
    model = sd.compile(p.text)
    est = model.estimator(mode)
    cert = est.certificate
    target = model.exact(p.params, p.data)
    mean = exact_mean(est, p.params, p.data)
    if cert.value_unbiased:
        _close(mean.value, target.value, "value", p, mode)
    if cert.grad_unbiased:
        assert set(mean.grad) == set(target.grad)
        for k in target.grad:
            _close(mean.grad[k], target.grad[k], f"gradient (wrt {k})", p, mode)


# ---------------------------------------------------------------- completeness

@settings(CI, max_examples=200)
@given(p=programs(polynomial_only=True))
def test_polynomial_programs_get_an_unbiased_independent_estimator(p):
    model = sd.compile(p.text)
    est = model.estimator("independent")
    assert est.certificate.value_unbiased and est.certificate.grad_unbiased, (
        f"a polynomial program was not certified unbiased:\n{p.text}\n{est.certificate}")
    target = model.exact(p.params, p.data)
    mean = exact_mean(est, p.params, p.data)
    _close(mean.value, target.value, "value", p, "independent")
    for k in target.grad:
        _close(mean.grad[k], target.grad[k], f"gradient (wrt {k})", p, "independent")


# ---------------------------------------------------------------- the naive estimator

@settings(CI, max_examples=150)
@given(p=programs(repeated_expectation=True))
def test_naive_estimator_of_a_repeated_expectation_is_certified_biased(p):
    cert = sd.compile(p.text).estimator("naive").certificate
    assert not cert.unbiased, f"the naive estimator reuses draws but was certified unbiased:\n{p.text}\n{cert}"
    assert cert.reasons, "a biased certificate must say why"


@settings(CI, max_examples=100)
@given(p=sgd_quadratic_programs())
def test_naive_bias_on_the_sgd_family_is_the_covariance(p):
    """l_i = ½(x_i θ − y_i)², θ' = θ − η E_z[∇l_z(θ)], J = ½(θ' − c)².

    With one shared draw the naive estimator's mean is off by exactly
    value: ½η² Var_z(g_z),   gradient: η² Cov_z(g_z, x_z²),   g_z = x_z (x_z θ − y_z).
    """
    x = p.data["D"]["x"][:, 0]
    y = p.data["D"]["y"]
    theta = float(np.asarray(p.params["theta"]).reshape(-1)[0])
    eta = p.notes["eta"]
    g = x * (x * theta - y)
    var_g = np.mean(g * g) - np.mean(g) ** 2
    cov = np.mean(g * x * x) - np.mean(g) * np.mean(x * x)
    assume(var_g > 1e-9)  # all per-example gradients equal: no randomness left to bias anything

    model = sd.compile(p.text)
    report = bias(model.estimator("naive"), p.params, p.data)
    assert float(report.value.bias) == pytest.approx(0.5 * eta ** 2 * var_g, rel=1e-9, abs=1e-12)
    assert float(report.value.bias) > 0
    assert float(np.reshape(report.grad["theta"].bias, -1)[0]) == pytest.approx(eta ** 2 * cov, rel=1e-9,
                                                                                abs=1e-12)
    # the independent estimator of the same program has no bias at all
    fixed = bias(model.estimator("independent"), p.params, p.data)
    assert abs(float(fixed.value.bias)) < ATOL + RTOL * abs(float(fixed.value.target))
    assert np.allclose(fixed.grad["theta"].bias, 0.0, atol=ATOL)


# ---------------------------------------------------------------- the formatter

@settings(CI, max_examples=200)
@given(p=programs())
def test_formatter_round_trips_generated_programs(p):
    once = sd.format(p.text)
    assert sd.parse(once).module == sd.parse(p.text).module
    assert sd.format(once) == once  # canonical layout is a fixed point


# ---------------------------------------------------------------- the generator itself

@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_generates_runnable_programs(family):
    seen = []

    @settings(CI, max_examples=5)
    @given(p=programs(families=(family,)))
    def run(p):
        model = sd.compile(p.text)
        model.exact(p.params, p.data)
        seen.append(p.family)

    run()
    assert seen and set(seen) == {family}


# ---------------------------------------------------------------- regressions (bugs found here)

def test_regression_independent_copies_leave_the_domain_of_log():
    text = ("param theta\n"
            "random b ~ bernoulli(0.5)\n"
            "m = E[b](b - 0.5 + theta)\n"
            "minimize log(m ^ 2) wrt theta\n")
    model = sd.compile(text)
    params = {"theta": 0.25}
    assert np.isfinite(model.exact(params).value)
    assert np.isfinite(exact_mean(model.estimator("naive"), params).value)
    exact_mean(model.estimator("independent"), params)  # no copies under log: stays in its domain
