"""Testing estimators: exact expectations, exact bias, and unbiasedness assertions.

* :func:`exact_mean` — the exact expectation of an estimator's output over every draw it
  makes (exhaustive enumeration, weighted by probability).
* :func:`bias` — exact bias, variance and mean squared error of the value and of every
  gradient entry, relative to ``model.exact``.
* :func:`assert_unbiased` / :func:`assert_biased` — exact, or statistical for continuous
  randomness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..estimators.model import Result
from .enumerate import DEFAULT_LIMIT, enumerate_outputs


def _weighted(x, w, f=lambda v: v):
    if isinstance(x, dict):
        return {k: _weighted(v, w, f) for k, v in x.items()}
    x = np.asarray(x, dtype=np.float64)
    return np.tensordot(w, f(x), axes=(0, 0))


def exact_mean(est, params, data=None, limit: int = DEFAULT_LIMIT) -> Result:
    """The exact expectation of ``est(params, data)`` over all of its draws."""
    out, w = enumerate_outputs(est, params, data, limit)
    return Result(float(_weighted(out.value, w)), {k: _weighted(v, w) for k, v in out.grad.items()})


@dataclass
class Moments:
    """Exact bias, variance and MSE of one quantity (arrays shaped like it)."""

    mean: object
    target: object
    bias: object
    variance: object
    mse: object


@dataclass
class BiasReport:
    """``value`` is a :class:`Moments`; ``grad`` maps each param to a :class:`Moments` (or a dict of them)."""

    value: Moments
    grad: dict


def bias(est, params, data=None, limit: int = DEFAULT_LIMIT) -> BiasReport:
    """Exact bias, variance and MSE of ``est`` relative to ``est.model.exact(params, data)``."""
    out, w = enumerate_outputs(est, params, data, limit)
    target = est.model.exact(params, data)

    def moments(x, t):
        if isinstance(x, dict):
            return {k: moments(x[k], t[k]) for k in x}
        m = _weighted(x, w)
        m2 = _weighted(x, w, np.square)
        var = np.maximum(m2 - m * m, 0.0)
        b = m - np.asarray(t)
        return Moments(m, np.asarray(t), b, var, var + b * b)

    return BiasReport(moments(out.value, target.value),
                      {k: moments(v, target.grad[k]) for k, v in out.grad.items()})


from .asserts import assert_biased, assert_unbiased  # noqa: E402  (they use exact_mean)

__all__ = ["exact_mean", "bias", "assert_unbiased", "assert_biased", "BiasReport", "Moments"]
