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
from .enumerate import DEFAULT_LIMIT, configurations


def _weighted(x, w, f=lambda v: v):
    if isinstance(x, dict):
        return {k: _weighted(v, w, f) for k, v in x.items()}
    x = np.asarray(x, dtype=np.float64)
    return np.tensordot(w, f(x), axes=(0, 0))


def _accumulate(total, part):
    if total is None:
        return part
    if isinstance(part, dict):
        return {k: _accumulate(total[k], v) for k, v in part.items()}
    return total + part


def _moments(est, params, data, limit, second: bool):
    """Probability-weighted sums of the outputs (and of their squares) over every configuration."""
    m1 = m2 = None
    for out, w in configurations(est, params, data, limit):
        flat = {"value": out.value, **{f"grad.{k}": v for k, v in out.grad.items()}}
        m1 = _accumulate(m1, {k: _weighted(v, w) for k, v in flat.items()})
        if second:
            m2 = _accumulate(m2, {k: _weighted(v, w, np.square) for k, v in flat.items()})
    return m1, m2


def exact_mean(est, params, data=None, limit: int = DEFAULT_LIMIT) -> Result:
    """The exact expectation of ``est(params, data)`` over all of its draws."""
    m1, _ = _moments(est, params, data, limit, second=False)
    return Result(float(m1["value"]), {k[5:]: v for k, v in m1.items() if k.startswith("grad.")})


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
    m1, m2 = _moments(est, params, data, limit, second=True)
    target = est.model.exact(params, data)

    def moments(m, sq, t):
        if isinstance(m, dict):
            return {k: moments(m[k], sq[k], t[k]) for k in m}
        var = np.maximum(sq - m * m, 0.0)
        b = m - np.asarray(t)
        return Moments(m, np.asarray(t), b, var, var + b * b)

    return BiasReport(moments(m1["value"], m2["value"], target.value),
                      {k[5:]: moments(m1[k], m2[k], target.grad[k[5:]]) for k in m1 if k.startswith("grad.")})


from .asserts import assert_biased, assert_unbiased  # noqa: E402  (they use exact_mean)

__all__ = ["exact_mean", "bias", "assert_unbiased", "assert_biased", "BiasReport", "Moments"]
