"""What the estimators compute when no estimator can be unbiased (a ReLU or tanh network).

For one SGD step inside the expectation, with a validation loss that is not polynomial in
the step, the independent estimator draws the step's minibatch z for the forward value and
an independent z' for the Jacobian, so its exact mean is

    E_z[ grad Lv(w - eta g_z(w)) ]  pulled back through  I - eta E_z'[Hessian of L_z'(w)],

and the naive estimator's exact mean is E_z[ grad_w Lv(w - eta g_z(w)) ].  Both are checked
against these formulas written directly with autograd, by enumerating every minibatch."""

from itertools import combinations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad, make_vjp
from autograd.builtins import dict as adict

import stochdiff as sd
from stochdiff.testing import exact_mean

ETA = 0.05


def program(act, b):
    return f"""
param w
data D, Dv
const eta = {ETA}
random z ~ minibatch(D, {b})
random zv ~ minibatch(Dv, 2)
def net(w, x) = {act}(outer(x, w.W1) + w.b1) @ w.W3 + w.b3
def task_loss(w, b) = mean((net(w, b.x) - b.y) ^ 2)
minimize E[zv](task_loss(w - eta * E[z](grad(task_loss(w, z), w)), zv)) wrt w
"""


@pytest.mark.parametrize("act", ["tanh", "relu"])
@pytest.mark.parametrize("b", [1, 2])
def test_estimator_means_match_their_formulas(act, b):
    rng = np.random.default_rng(0)
    w = {"W1": rng.normal(size=4), "b1": rng.normal(size=4) * 0.3, "W3": rng.normal(size=4) / 2, "b3": np.zeros(())}
    X, XV = rng.uniform(-2, 2, 4), rng.uniform(-2, 2, 3)
    Y, YV = np.sin(X), np.sin(XV)
    data = {"D": {"x": X, "y": Y}, "Dv": {"x": XV, "y": YV}}
    m = sd.compile(program(act, b))
    f = anp.tanh if act == "tanh" else (lambda v: anp.maximum(0.0, v))

    def loss(w, x, y):
        return anp.mean((anp.dot(f(anp.outer(x, w["W1"]) + w["b1"]), w["W3"]) + w["b3"] - y) ** 2)

    g = grad(loss)

    def step(w, x, y):
        return adict({k: w[k] - ETA * g(w, x, y)[k] for k in w})

    subsets = [list(s) for s in combinations(range(len(X)), b)]
    forward = [g(step(w, X[s], Y[s]), XV, YV) for s in subsets]
    A = {k: np.mean([a[k] for a in forward], axis=0) for k in w}
    back, _ = make_vjp(lambda w: step(w, X, Y))(w)  # E_z'[g_z'] is the full-data gradient (linear)
    independent = back(A)
    naive = [grad(lambda w, s=s: loss(step(w, X[s], Y[s]), XV, YV))(w) for s in subsets]
    naive = {k: np.mean([n[k] for n in naive], axis=0) for k in w}

    got_i = exact_mean(m.estimator("independent"), {"w": w}, data).grad["w"]
    got_n = exact_mean(m.estimator("naive"), {"w": w}, data).grad["w"]
    for k in w:
        np.testing.assert_allclose(got_i[k], independent[k], rtol=1e-9, atol=1e-12, err_msg=k)
        np.testing.assert_allclose(got_n[k], naive[k], rtol=1e-9, atol=1e-12, err_msg=k)
    assert not m.estimator("independent").certificate.grad_unbiased  # and the certificate says so
