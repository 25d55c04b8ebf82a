"""``exact()`` gradients against central finite differences of ``exact().value``, and against
objectives written by hand in autograd.numpy (enumerating minibatches explicitly).

Every canonical program with finite randomness is covered (the two sine programs have
continuous randomness, so ``exact`` does not apply to them).
"""

from __future__ import annotations

import itertools

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import stochdiff as sd

RTOL = 1e-5
H = 1e-6

FINITE = ["maml_linear", "maml_linear_outside", "multistep_dropout", "optimizer_choice", "tasks"]


def _ds(rng, n, d):
    return {"x": rng.normal(size=(n, d)), "y": rng.normal(size=n)}


def make_inputs(name, seed):
    rng = np.random.default_rng(seed)
    d = 2
    if name == "optimizer_choice":
        return {"theta": float(rng.normal())}, None
    theta = {"theta": rng.normal(size=d)}
    if name == "tasks":
        # a collection is stacked: every task has the same sizes
        T = [{"train": _ds(rng, 3, d), "val": _ds(rng, 2, d)} for _ in range(3)]
        return theta, {"T": T}
    return theta, {"D": _ds(rng, 4, d), "Dv": _ds(rng, 3, d)}


_models: dict = {}


def model(examples_dir, name):
    if name not in _models:
        _models[name] = sd.compile(sd.load(examples_dir / f"{name}.sd"))
    return _models[name]


def finite_difference(f, x):
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        a, b = x.copy(), x.copy()
        a[i] += H
        b[i] -= H
        g[i] = (f(a) - f(b)) / (2 * H)
    return g


def test_all_canonical_programs_are_covered(examples_dir):
    from conftest import CANONICAL

    assert set(CANONICAL) - {"sine_maml", "sine_maml_native"} == set(FINITE)
    assert all((examples_dir / f"{n}.sd").exists() for n in CANONICAL)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", FINITE)
def test_exact_gradient_matches_finite_differences(examples_dir, name, seed):
    m = model(examples_dir, name)
    params, data = make_inputs(name, seed)
    res = m.exact(params, data)
    assert set(res.grad) == {"theta"}
    assert np.shape(res.grad["theta"]) == np.shape(params["theta"])
    fd = finite_difference(lambda t: m.exact({"theta": t}, data).value, params["theta"])
    np.testing.assert_allclose(res.grad["theta"], fd, rtol=RTOL, atol=1e-8)


# ---------------------------------------------------------------- hand-written autograd oracles

def _mse(w, x, y):
    return anp.mean((anp.dot(x, w) - y) ** 2)


def _subsets(n, k):
    return [list(c) for c in itertools.combinations(range(n), k)]


def maml_linear_by_hand(theta, D, Dv, eta=0.1):
    """E_zv[ loss(theta - eta E_z[grad loss(theta, z)], zv) ] with z, zv minibatches of one."""
    g_loss = autograd.grad(_mse)
    subs = _subsets(len(D["y"]), 1)
    step = sum(g_loss(theta, D["x"][s], D["y"][s]) for s in subs) / len(subs)
    theta1 = theta - eta * step
    vsubs = _subsets(len(Dv["y"]), 1)
    return sum(_mse(theta1, Dv["x"][s], Dv["y"][s]) for s in vsubs) / len(vsubs)


def optimizer_choice_by_hand(theta, a=2.0, c=1.0):
    def l(w):
        return 0.5 * a * (w - c) ** 2

    dl = autograd.grad(l)
    u = 0.5 * (0.1 * dl(theta)) + 0.5 * (dl(theta) / a)
    return 0.5 * (theta - u - 0.5) ** 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_maml_linear_against_autograd_oracle(examples_dir, seed):
    m = model(examples_dir, "maml_linear")
    params, data = make_inputs("maml_linear", seed)
    res = m.exact(params, data)
    want_v = maml_linear_by_hand(params["theta"], data["D"], data["Dv"])
    want_g = autograd.grad(maml_linear_by_hand)(params["theta"], data["D"], data["Dv"])
    np.testing.assert_allclose(res.value, want_v, rtol=1e-12)
    np.testing.assert_allclose(res.grad["theta"], want_g, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("theta", [0.0, -1.3, 0.7, 2.5])
def test_optimizer_choice_against_autograd_oracle(examples_dir, theta):
    m = model(examples_dir, "optimizer_choice")
    res = m.exact({"theta": theta})
    np.testing.assert_allclose(res.value, optimizer_choice_by_hand(theta), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.grad["theta"], autograd.grad(optimizer_choice_by_hand)(theta),
                               rtol=1e-12, atol=1e-15)


def test_maml_linear_outside_differs_from_inside(examples_dir):
    """Objectives A and B are different functions (the expectation is in a different place)."""
    params, data = make_inputs("maml_linear", 0)
    a = model(examples_dir, "maml_linear").exact(params, data)
    b = model(examples_dir, "maml_linear_outside").exact(params, data)
    assert abs(a.value - b.value) > 1e-6
