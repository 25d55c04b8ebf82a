"""Baselines written plainly by hand with autograd: the estimators stochdiff should match.

Each function takes the same draws stochdiff makes (passed in explicitly) so that the
comparison is about the cost of the computation, not of drawing numbers.
"""

from __future__ import annotations

import autograd.numpy as anp
from autograd import grad
from autograd.tracer import getval

ETA = 0.01


def net(w, x):
    """The 2x40 ReLU network used by the sine benchmarks."""
    h = anp.maximum(0.0, anp.outer(x, w["W1"]) + w["b1"])
    h = anp.maximum(0.0, anp.dot(h, w["W2"]) + w["b2"])
    return anp.dot(h, w["W3"]) + w["b3"]


def task_loss(w, x, a, p):
    return anp.mean((net(w, x) - a * anp.sin(x - p)) ** 2)


inner_grad = grad(task_loss)


def _step(u, g):
    return {k: u[k] - ETA * g[k] for k in u}


def sine_naive_objective(w, tasks, steps):
    """Autodiff through sampled code: one support set per task, reused by every step."""
    total = 0.0
    for a, p, x, xv, _ in tasks:
        u = w
        for _k in range(steps):
            u = _step(u, inner_grad(u, x, a, p))
        total = total + task_loss(u, xv, a, p)
    return total / len(tasks)


def sine_independent_objective(w, tasks, steps):
    """The forward path uses the support set; each step's Jacobian uses a fresh set of its own.

    ``getval`` stops the gradient: the surrogate's value is the forward path, its
    derivative flows through the fresh draws, as in the motivating note.
    """
    total = 0.0
    for a, p, x, xv, fresh in tasks:
        u = w
        for k in range(steps):
            ga = inner_grad(u, x, a, p)
            gb = inner_grad(u, fresh[k], a, p)
            u = {n: u[n] - ETA * (getval(ga[n]) + gb[n] - getval(gb[n])) for n in u}
        total = total + task_loss(u, xv, a, p)
    return total / len(tasks)


sine_naive_grad = grad(sine_naive_objective)
sine_independent_grad = grad(sine_independent_objective)


def linear_objective(theta, batches, val, eta, independent):
    """K steps of SGD on a linear least-squares loss, then the validation loss (benchmark B2)."""
    w = theta
    for xa, ya, xb, yb in batches:
        ga = anp.dot(xa.T, anp.dot(xa, w) - ya) * 2 / len(ya)
        if independent:
            gb = anp.dot(xb.T, anp.dot(xb, w) - yb) * 2 / len(yb)
            ga = getval(ga) + gb - getval(gb)
        w = w - eta * ga
    xv, yv = val
    return anp.mean((anp.dot(xv, w) - yv) ** 2)


linear_grad = grad(linear_objective)
