"""Acceptance values of the compiler: exact rational answers for five small programs.

Every target below was derived by hand (see DESIGN.md §1): the exact objective-A
hypergradient, and the mean of the naive estimator, which reuses one draw for the step and
for its Jacobian and so picks up the covariance between them as bias.

* ``exact()`` must hit the rationals to 1e-12 relative.
* Both estimators are checked statistically (mean within 5 standard errors of the target,
  fixed seed) until ``stochdiff.testing.exact_mean`` exists; then their exact means are
  compared with the rationals too.
* Certificates: the independent estimator is certified unbiased; the naive one is certified
  biased with a reason that names the expectation and a source line.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest

import stochdiff as sd

REL = 1e-12
SIGMAS = 5.0
REPLICATES = 20_000

from conftest import T1  # noqa: E402  (shared by the test modules)

T3 = """\
param theta
data D
const eta = 0.1
def l(w, b) = 0.5 * sum((b.x @ w - b.y) ^ 2)
w = theta
for k in 1..2 {
  random z ~ minibatch(D, 1)
  w = w - eta * E[z](grad(l(w, z), w))
}
minimize 0.5 * sum((w - 1) ^ 2) wrt theta
"""

T2 = """\
param theta, eta
data D
def l(w, b) = 0.5 * sum((w - b.c) ^ 2)
random z ~ minibatch(D, 1)
theta1 = theta - eta * E[z](grad(l(theta, z), theta))
minimize 0.5 * sum((theta1 - 1) ^ 2) wrt theta, eta
"""

T5 = """\
param theta
const eta = 0.25
random m ~ dropout(1, 0.5)
theta1 = theta - eta * E[m](grad(0.5 * sum((m * theta - 1) ^ 2), theta))
minimize 0.5 * sum((theta1 - 1) ^ 2) wrt theta
"""

XY = {"D": {"x": np.array([[1.0], [2.0], [3.0]]), "y": np.array([1.0, 0.0, 2.0])}}


def _optimizer_choice(examples_dir):
    return sd.load(examples_dir / "optimizer_choice.sd")


# name -> (program (text, or a function of examples_dir), params, data, grad key, exact target, naive target)
CASES = {
    "T1": (T1, {"theta": np.array([0.0])}, XY, "theta", Fraction(-92, 225), Fraction(-29, 60)),
    "T3": (T3, {"theta": np.array([0.0])}, XY, "theta", Fraction(-9248, 50625), Fraction(-2143, 9000)),
    "T2": (T2, {"theta": 0.0, "eta": 0.1}, {"D": {"c": np.array([0.0, 1.0, 5.0])}}, "eta",
           Fraction(-8, 5), Fraction(-17, 15)),
    "T4": (_optimizer_choice, {"theta": 0.0}, None, "theta", Fraction(1, 25), Fraction(-3, 25)),
    "T5": (T5, {"theta": np.array([0.0])}, None, "theta", Fraction(-3, 8), Fraction(-1, 2)),
}

_models: dict = {}


def model(name, examples_dir):
    if name not in _models:
        prog = CASES[name][0]
        _models[name] = sd.compile(prog(examples_dir) if callable(prog) else prog)
    return _models[name]


def scalar(x) -> float:
    a = np.asarray(x, dtype=np.float64)
    assert a.size == 1, f"expected a single number, got shape {a.shape}"
    return float(a.reshape(()))


def assert_rational(x, target: Fraction, rel: float = REL):
    got = Fraction(scalar(x))
    assert abs(got - target) <= abs(target) * Fraction(rel), f"{float(got)!r} != {target} ({float(target)!r})"


def assert_mean_near(est, params, data, key, target: Fraction, seed: int = 20240607, R: int = REPLICATES):
    """Mean of R replicates of the gradient ``key`` within SIGMAS standard errors of ``target``."""
    res = est(params, data, seed=seed, replicates=R)
    g = np.asarray(res.grad[key], dtype=np.float64).reshape(R, -1)[:, 0]
    mean, se = g.mean(), g.std(ddof=1) / np.sqrt(R)
    assert se > 0, "the estimator has no variance at all; the test would be meaningless"
    assert abs(mean - float(target)) < SIGMAS * se, (
        f"{est.mode}: mean {mean:.6f} vs target {float(target):.6f} ({abs(mean - float(target)) / se:.1f} s.e.)")


NAMES = list(CASES)


# ---------------------------------------------------------------- exact()

@pytest.mark.parametrize("name", NAMES)
def test_exact_gradient_is_the_rational(name, examples_dir):
    _, params, data, key, exact, _ = CASES[name]
    res = model(name, examples_dir).exact(params, data)
    assert_rational(res.grad[key], exact)


def test_t2_exact_gradient_wrt_theta_too(examples_dir):
    # theta1 = theta - eta (theta - 2) = 0.2 ; dJ/dtheta = (theta1 - 1) (1 - eta) = -0.72
    res = model("T2", examples_dir).exact(*CASES["T2"][1:3])
    assert_rational(res.grad["theta"], Fraction(-18, 25))
    assert set(res.grad) == {"theta", "eta"}


def test_t1_exact_value_is_the_rational(examples_dir):
    # theta1 = 0.1 * mean(x y) = 0.1 * 7/3 = 7/30 ; J = (23/30)^2 / 2
    res = model("T1", examples_dir).exact(*CASES["T1"][1:3])
    assert_rational(res.value, Fraction(529, 1800))
    assert isinstance(res.value, float)


def test_exact_does_not_depend_on_the_order_of_the_dataset(examples_dir):
    _, params, _, key, exact, _ = CASES["T1"]
    perm = {"D": {"x": XY["D"]["x"][[2, 0, 1]], "y": XY["D"]["y"][[2, 0, 1]]}}
    assert_rational(model("T1", examples_dir).exact(params, perm).grad[key], exact)


# ---------------------------------------------------------------- estimator means

@pytest.mark.parametrize("name", NAMES)
def test_independent_estimator_mean_is_the_exact_gradient(name, examples_dir):
    _, params, data, key, exact, _ = CASES[name]
    assert_mean_near(model(name, examples_dir).estimator("independent"), params, data, key, exact)


@pytest.mark.parametrize("name", NAMES)
def test_naive_estimator_mean_is_the_biased_value(name, examples_dir):
    _, params, data, key, _, naive = CASES[name]
    assert_mean_near(model(name, examples_dir).estimator("naive"), params, data, key, naive)


@pytest.mark.parametrize("name", NAMES)
def test_naive_and_exact_targets_are_statistically_distinguishable(name, examples_dir):
    """Guards the statistical tests above: the naive mean must be far (in s.e.) from the exact one."""
    _, params, data, key, exact, naive = CASES[name]
    res = model(name, examples_dir).estimator("naive")(params, data, seed=7, replicates=REPLICATES)
    g = np.asarray(res.grad[key]).reshape(REPLICATES, -1)[:, 0]
    se = g.std(ddof=1) / np.sqrt(REPLICATES)
    assert abs(float(exact - naive)) > 4 * SIGMAS * se


def _exact_mean():
    try:
        from stochdiff.testing import exact_mean  # arrives later
    except ImportError:
        return None
    return exact_mean


@pytest.mark.parametrize("mode", ["independent", "naive"])
@pytest.mark.parametrize("name", NAMES)
def test_estimator_exact_mean(name, mode, examples_dir):
    exact_mean = _exact_mean()
    if exact_mean is None:
        pytest.skip("stochdiff.testing.exact_mean does not exist yet")
    _, params, data, key, exact, naive = CASES[name]
    est = model(name, examples_dir).estimator(mode)
    assert_rational(exact_mean(est, params, data).grad[key], exact if mode == "independent" else naive)


# ---------------------------------------------------------------- certificates

@pytest.mark.parametrize("name", NAMES)
def test_independent_certificate_is_unbiased(name, examples_dir):
    cert = model(name, examples_dir).estimator("independent").certificate
    assert cert.grad_unbiased is True, str(cert)
    assert "BIASED" not in str(cert).split("\n")[0].split("gradient")[1]


@pytest.mark.parametrize("name", NAMES)
def test_naive_certificate_is_biased_and_says_where(name, examples_dir):
    cert = model(name, examples_dir).estimator("naive").certificate
    assert cert.grad_unbiased is False, str(cert)
    grad_reasons = [r for r in cert.reasons if r.startswith("gradient")]
    assert grad_reasons, cert.reasons
    assert any(re.search(r"E\[\w+(, \w+)*\]", r) and re.search(r"line \d+", r) for r in grad_reasons), cert.reasons
    text = str(cert)
    assert "BIASED" in text and "naive" in text
    for r in cert.reasons:
        assert r in text


def test_naive_reason_names_the_line_of_the_expectation(examples_dir):
    cert = model("T1", examples_dir).estimator("naive").certificate
    # E[z] is on line 6 of T1
    assert any("E[z]" in r and "line 6" in r for r in cert.reasons if r.startswith("gradient")), cert.reasons


@pytest.mark.parametrize("name", NAMES)
def test_independent_value_exact_mean_is_the_exact_value(name, examples_dir):
    """The certificate says the independent value is unbiased too; check it exactly."""
    exact_mean = _exact_mean()
    if exact_mean is None:
        pytest.skip("stochdiff.testing.exact_mean does not exist yet")
    _, params, data, _, _, _ = CASES[name]
    m = model(name, examples_dir)
    est = m.estimator("independent")
    assert est.certificate.value_unbiased
    assert_rational(exact_mean(est, params, data).value, Fraction(m.exact(params, data).value), rel=1e-10)


@pytest.mark.parametrize("name", ["T1", "T2", "T4", "T5"])  # T3 with 2 samples has too many joint draws
def test_independent_with_two_samples_is_still_exact_in_mean(name, examples_dir):
    exact_mean = _exact_mean()
    if exact_mean is None:
        pytest.skip("stochdiff.testing.exact_mean does not exist yet")
    _, params, data, key, exact, _ = CASES[name]
    est = model(name, examples_dir).estimator("independent", samples=2)
    assert_rational(exact_mean(est, params, data).grad[key], exact, rel=1e-10)
