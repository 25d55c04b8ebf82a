"""``assert_unbiased`` and ``assert_biased``: exact or statistical, with readable failures."""

from __future__ import annotations

import math

import numpy as np

from ..errors import StochdiffError, is_whole
from .enumerate import check_estimator


def _flat(result, which):
    """[(name, value)] for the value and every gradient entry of a Result-like object."""
    out = []
    if which in ("value", "both"):
        out.append(("value", float(np.asarray(result.value))))
    if which in ("grad", "both"):
        for p, g in result.grad.items():
            leaves = g.items() if isinstance(g, dict) else [(None, g)]
            for field, arr in leaves:
                arr = np.asarray(arr, dtype=np.float64)
                for ix in np.ndindex(arr.shape):
                    name = f"grad[{p}]" + (f".{field}" if field else "") + (str(list(ix)) if ix else "")
                    out.append((name, float(arr[ix])))
    return out


def _flat_replicates(result, which):
    """Like :func:`_flat` but every entry is an array over replicates."""
    out = []
    if which in ("value", "both"):
        out.append(("value", np.asarray(result.value, dtype=np.float64)))
    if which in ("grad", "both"):
        for p, g in result.grad.items():
            leaves = g.items() if isinstance(g, dict) else [(None, g)]
            for field, arr in leaves:
                arr = np.asarray(arr, dtype=np.float64)
                for ix in np.ndindex(arr.shape[1:]):
                    name = f"grad[{p}]" + (f".{field}" if field else "") + (str(list(ix)) if ix else "")
                    out.append((name, arr[(slice(None),) + ix]))
    return out


def _target(est, params, data, target):
    if target is not None:
        return target
    return est.model.exact(params, data)


def _exact_gaps(est, params, data, which, rtol, atol, target, limit):
    from . import exact_mean

    mean = exact_mean(est, params, data, **({"limit": limit} if limit else {}))
    tgt = _target(est, params, data, target)
    rows = []
    for (name, m), (_, t) in zip(_flat(mean, which), _flat(tgt, which)):
        rows.append((name, m, t, abs(m - t) > atol + rtol * abs(t)))
    return rows


def _statistical(est, params, data, which, target, replicates, seed, rtol, atol):
    if not is_whole(replicates, 2):
        raise StochdiffError(f"a statistical test needs at least 2 replicates (to estimate a variance), "
                             f"not {replicates!r}")
    tgt = _target(est, params, data, target)
    reps = est(params, data, seed=seed, replicates=replicates)
    rows = []
    for (name, xs), (_, t) in zip(_flat_replicates(reps, which), _flat(tgt, which)):
        m = float(xs.mean())
        se = float(xs.std(ddof=1) / math.sqrt(len(xs)))
        if abs(m - t) <= atol + rtol * abs(t):
            p = 1.0  # equal up to rounding: a coordinate that does not vary has a standard error of ~0
        elif se == 0.0:
            p = 0.0
        else:
            p = math.erfc(abs(m - t) / se / math.sqrt(2.0))
        rows.append((name, m, t, se, p))
    return rows


def _table(rows, stat: bool) -> str:
    if stat:
        lines = [f"  {'':<22}{'estimate':>14}{'target':>14}{'std. error':>14}{'p-value':>11}"]
        lines += [f"  {n:<22}{m:>14.6g}{t:>14.6g}{se:>14.3g}{p:>11.2g}" for n, m, t, se, p in rows]
    else:
        lines = [f"  {'':<22}{'exact mean':>16}{'target':>16}"]
        lines += [f"  {n:<22}{m:>16.10g}{t:>16.10g}{'   <- differs' if bad else ''}" for n, m, t, bad in rows]
    return "\n".join(lines)


def _judge(est, params, data, method, which, rtol, atol, target, replicates, seed, alpha, limit):
    """(is some coordinate biased?, a readable table, the statistical test's level or None if exact)."""
    check_estimator(est)
    if method == "exact":
        rows = _exact_gaps(est, params, data, which, rtol, atol, target, limit)
        return any(bad for *_, bad in rows), _table(rows, False), None
    if method != "statistical":
        raise StochdiffError(f"method must be 'exact' or 'statistical', not {method!r}")
    rows = _statistical(est, params, data, which, target, replicates, seed, rtol, atol)
    level = alpha / len(rows)
    how = f"{level:.2g} = {alpha:g} / {len(rows)} coordinates; {replicates} replicates, seed {seed}"
    return any(p < level for *_, p in rows), _table(rows, True), how


def assert_unbiased(est, params, data=None, method: str = "exact", *, which: str = "both",
                    rtol: float = 1e-9, atol: float = 1e-12, target=None, replicates: int = 2000,
                    seed: int = 0, alpha: float = 1e-3, limit: int | None = None) -> None:
    """Assert that ``est`` is unbiased for ``target`` (default: ``est.model.exact(params, data)``).

    ``method="exact"`` enumerates every draw (:func:`stochdiff.testing.exact_mean`) and
    compares to ``rtol``/``atol``.  ``method="statistical"`` (for continuous randomness)
    runs ``replicates`` (at least 2) independent replicates with ``seed`` and tests every
    coordinate with a two-sided z-test; the false-alarm rate of the whole assertion is at
    most ``alpha`` (Bonferroni over the coordinates).  A coordinate whose mean is within
    ``rtol``/``atol`` of the target passes whatever its standard error: one that does not
    vary would otherwise be judged on rounding.  ``which`` is "value", "grad" or "both".
    """
    biased, table, how = _judge(est, params, data, method, which, rtol, atol, target, replicates, seed, alpha,
                                limit)
    if biased and how is None:
        raise AssertionError(f"the {est.mode} estimator is biased:\n{table}")
    if biased:
        raise AssertionError(f"the {est.mode} estimator looks biased (some p-value < {how}):\n{table}")


def assert_biased(est, params, data=None, method: str = "exact", *, which: str = "both",
                  rtol: float = 1e-9, atol: float = 1e-12, target=None, replicates: int = 2000,
                  seed: int = 0, alpha: float = 1e-3, limit: int | None = None) -> None:
    """The counterpart of :func:`assert_unbiased`: assert that some coordinate is biased."""
    biased, table, how = _judge(est, params, data, method, which, rtol, atol, target, replicates, seed, alpha,
                                limit)
    if not biased and how is None:
        raise AssertionError(f"the {est.mode} estimator is unbiased here:\n{table}")
    if not biased:
        raise AssertionError(f"no coordinate of the {est.mode} estimator is significantly biased at level "
                             f"{how}:\n{table}")
