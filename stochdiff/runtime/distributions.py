"""Distributions: Monte Carlo draws from uniforms, and exact finite supports.

:data:`DISTS` maps a distribution name to a :class:`Dist` of three functions:

``n_uniforms(static, args, d) -> int``
    uniforms needed per draw (per batch element); ``args`` carry ``d`` batch axes (any
    ``d``: only their event shapes matter).
``from_uniforms(u, static, args, d) -> value``
    ``u`` has shape ``batch + (k,)`` with ``d`` batch axes (the new sample axis counted);
    ``args`` carry ``d`` batch axes too.  Returns a value with ``d`` batch axes.
``support(static, args, d) -> (values, probs)``
    ``args`` carry ``d - 1`` batch axes; ``values`` carry ``d`` (the last batch axis, of
    size N, enumerates the support) and ``probs`` has shape ``args' batch + (N,)``
    (possibly with broadcast 1s), summing to 1 along its last axis.  Continuous
    distributions raise :class:`ContinuousSupport`.

All support enumerations are in lexicographic order.
"""

from __future__ import annotations

import itertools
import math
from typing import Callable, NamedTuple

import numpy as np

from .kernels import KernelError


class ContinuousSupport(KernelError):
    """Raised by ``support`` of a continuous distribution: it cannot be enumerated."""


class Dist(NamedTuple):
    n_uniforms: Callable
    from_uniforms: Callable
    support: Callable


# ---------------------------------------------------------------------------------------
# helpers


def _leaves(x, path=""):
    """(dotted path, array) for every leaf of a value, in field order."""
    if type(x) is dict:
        for k, v in x.items():
            yield from _leaves(v, f"{path}.{k}" if path else k)
    else:
        yield path, x


def _map(f, x):
    if type(x) is dict:
        return {k: _map(f, v) for k, v in x.items()}
    return f(x)


def _lead(x, axis, what):
    """The size of event axis ``axis`` shared by every leaf of ``x``."""
    n = first = None
    for path, leaf in _leaves(x):
        if leaf.ndim <= axis:
            where = f"{what} field {path}" if path else f"the {what}"
            raise KernelError(f"{where} has no {_AXIS_NAME[what]} axis")
        if n is None:
            n, first = leaf.shape[axis], path
        elif leaf.shape[axis] != n:
            raise KernelError(
                f"{what} fields {first} and {path} have different numbers of {_AXIS_NAME[what]}s "
                f"({n} and {leaf.shape[axis]})"
            )
    if n is None:
        raise KernelError(f"the {what} has no fields")
    return n


_AXIS_NAME = {"dataset": "example", "collection": "element"}


class ArgRule(NamedTuple):
    """A rule on a distribution's arguments, checked statically when they are known (see
    ``ir/lower.py``) and on the values when they come from data (the draws below)."""

    args: tuple  # the positions of the arguments it reads
    holds: Callable  # elementwise on those arguments; False for NaN
    sentence: str  # what must hold, as the start of an error message


ARG_RULES = {
    "bernoulli": ArgRule((0,), lambda p: (p >= 0) & (p <= 1), "the bernoulli probability must be in [0, 1]"),
    "uniform": ArgRule((0, 1), lambda lo, hi: lo < hi, "uniform needs lo < hi"),
    "normal": ArgRule((1,), lambda sigma: sigma > 0, "the normal's standard deviation must be positive"),
}


def check_args(dist: str, values) -> str | None:
    """The error sentence if ``values`` (the arguments the rule of ``dist`` reads, arrays that
    broadcast together) break the rule, else None."""
    rule = ARG_RULES.get(dist)
    if rule is None:
        return None
    values = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    bad = ~np.asarray(rule.holds(*values))
    if not bad.any():
        return None
    # the shortest text that reads back as the value: 1.0000001 must not show as 1
    shown = " and ".join(np.format_float_positional(v[bad].ravel()[0], trim="-") for v in values)
    return f"{rule.sentence}, not {shown}"


def _check(dist, *values):
    why = check_args(dist, values)
    if why:
        raise KernelError(why)


def _uniform_probs(n, d):
    return np.full((1,) * (d - 1) + (n,), 1.0 / n)


def _index(u, n):
    """floor(u * n) clipped to n - 1 (u < 1, but guard against rounding up)."""
    return np.minimum((u * n).astype(np.int64), n - 1)


def _event_of(args, d):
    """The broadcast event shape of array args with ``d`` batch axes."""
    return np.broadcast_shapes(*(a.shape[d:] for a in args))


def _pad(x, d, rank):
    k = rank - (x.ndim - d)
    return x if k <= 0 else x.reshape(x.shape[:d] + (1,) * k + x.shape[d:])


# ---------------------------------------------------------------------------------------
# minibatch(D, b): b distinct examples, uniformly without replacement


def _dataset_n(D, b, axis):
    n = _lead(D, axis, "dataset")
    if b < 1:
        raise KernelError(f"a minibatch needs at least one example, not {b}")
    if n == 0:
        raise KernelError("a minibatch cannot be drawn from an empty dataset")
    if b > n:
        raise KernelError(f"a minibatch of {b} examples cannot be drawn from a dataset of {n}")
    return n


def _minibatch_n(static, args, d):
    (b,), (D,) = static, args
    return 1 if b == 1 else _dataset_n(D, b, d)


def _minibatch_draw(u, static, args, d):
    (b,), (D,) = static, args
    n = _dataset_n(D, b, d)
    if b == 1:
        idx = _index(u[..., :1], n)
    else:
        # the b smallest of n iid uniforms are a uniformly random b-subset; sorting makes
        # the draw's order match the (sorted) subsets that support() enumerates
        idx = np.sort(np.argpartition(u, b - 1, axis=-1)[..., :b], axis=-1)

    def gather(leaf):
        i = idx.reshape(idx.shape + (1,) * (leaf.ndim - d - 1))
        return np.take_along_axis(leaf, i, axis=d)

    return _map(gather, D)


def _minibatch_support(static, args, d):
    (b,), (D,) = static, args
    n = _dataset_n(D, b, d - 1)
    subsets = np.array(list(itertools.combinations(range(n), b)), dtype=np.int64)
    return _map(lambda leaf: np.take(leaf, subsets, axis=d - 1), D), _uniform_probs(len(subsets), d)


# ---------------------------------------------------------------------------------------
# dropout(shape, p): entries 0 with probability p, else 1 / (1 - p)


def _dropout_static(static):
    shape, p = static
    if not 0.0 <= p < 1.0:
        raise KernelError(f"dropout probability must be in [0, 1), not {p}")
    return tuple(shape), p, 1.0 / (1.0 - p)


def _dropout_n(static, args, d):
    return math.prod(static[0])


def _dropout_draw(u, static, args, d):
    shape, p, keep = _dropout_static(static)
    m = np.where(u < p, 0.0, keep)
    return m.reshape(m.shape[:-1] + shape)


def _dropout_support(static, args, d):
    shape, p, keep = _dropout_static(static)
    k = math.prod(shape)
    masks = np.array(list(itertools.product((0.0, keep), repeat=k))).reshape((-1,) + shape)
    zeros = (masks == 0.0).reshape(len(masks), -1).sum(axis=1)
    probs = p**zeros * (1.0 - p) ** (k - zeros)
    return masks.reshape((1,) * (d - 1) + masks.shape), probs.reshape((1,) * (d - 1) + probs.shape)


# ---------------------------------------------------------------------------------------
# choice(T): one element of a stacked collection, uniformly


def _choice_n(static, args, d):
    return 1


def _choice_draw(u, static, args, d):
    (T,) = args
    n = _collection_n(T, d)
    idx = _index(u[..., 0], n)

    def pick(leaf):
        i = idx.reshape(idx.shape + (1,) * (leaf.ndim - d))
        return np.take_along_axis(leaf, i, axis=d)[(slice(None),) * d + (0,)]

    return _map(pick, T)


def _collection_n(T, axis):
    n = _lead(T, axis, "collection")
    if n == 0:
        raise KernelError("the collection is empty, so there is nothing to draw")
    return n


def _choice_support(static, args, d):
    (T,) = args
    n = _collection_n(T, d - 1)
    # a stacked collection already is its support: the element axis becomes the last batch axis
    return T, _uniform_probs(n, d)


# ---------------------------------------------------------------------------------------
# choice among labelled alternatives with static probabilities: an int64 index


def _labelled_n(static, args, d):
    return 1


def _labelled_draw(u, static, args, d):
    _, probs = static
    cdf = np.cumsum(probs)
    # side="right": u in [cdf[i-1], cdf[i]) -> i, so zero-probability labels are never drawn
    return np.minimum(np.searchsorted(cdf, u[..., 0], side="right"), len(probs) - 1).astype(np.int64)


def _labelled_support(static, args, d):
    _, probs = static
    n = len(probs)
    return np.arange(n, dtype=np.int64).reshape((1,) * (d - 1) + (n,)), np.asarray(probs, dtype=np.float64).reshape(
        (1,) * (d - 1) + (n,)
    )


# ---------------------------------------------------------------------------------------
# bernoulli(p): float 0/1 with p's event shape


def _bernoulli_n(static, args, d):
    return math.prod(args[0].shape[d:])


def _bernoulli_draw(u, static, args, d):
    (p,) = args
    _check("bernoulli", p)
    u = u.reshape(u.shape[:-1] + p.shape[d:])
    return (u < p).astype(np.float64)


def _bernoulli_support(static, args, d):
    # every 0/1 pattern of the k entries, weighted by the product of their probabilities
    (p,) = args
    _check("bernoulli", p)
    event = p.shape[d - 1:]
    k = math.prod(event)
    bits = np.array(list(itertools.product((0.0, 1.0), repeat=k)))
    pk = p.reshape(p.shape[:d - 1] + (1, k))
    probs = np.prod(np.where(bits == 1.0, pk, 1.0 - pk), axis=-1)
    return bits.reshape((1,) * (d - 1) + (2**k,) + event), probs


# ---------------------------------------------------------------------------------------
# continuous: uniform(lo, hi), normal(mu, sigma)


def _shape(static):
    """The static shape: ``static`` is ``()``, ``(shape_tuple,)`` or the shape itself."""
    if not static:
        return ()
    return tuple(static[0]) if isinstance(static[0], tuple) else tuple(static)


def _continuous_event(static, args, d):
    return np.broadcast_shapes(_shape(static), _event_of(args, d))


def _uniform_n(static, args, d):
    return math.prod(_continuous_event(static, args, d))


def _uniform_draw(u, static, args, d):
    lo, hi = args
    ev = _continuous_event(static, args, d)
    u = u.reshape(u.shape[:-1] + ev)
    r = len(ev)
    lo, hi = _pad(lo, d, r), _pad(hi, d, r)
    _check("uniform", lo, hi)  # after padding, so that batch axes line up
    return lo + (hi - lo) * u


def _normal_n(static, args, d):
    k = math.prod(_continuous_event(static, args, d))
    return k + (k & 1)  # Box-Muller turns pairs of uniforms into pairs of normals


def _normal_draw(u, static, args, d):
    mu, sigma = args
    _check("normal", sigma)
    ev = _continuous_event(static, args, d)
    k = math.prod(ev)
    h = (k + 1) // 2
    # 1 - u lies in (0, 1], so the log is finite
    r = np.sqrt(-2.0 * np.log1p(-u[..., :h]))
    t = 2.0 * np.pi * u[..., h : 2 * h]
    z = np.concatenate((r * np.cos(t), r * np.sin(t)), axis=-1)[..., :k]
    z = z.reshape(z.shape[:-1] + ev)
    rank = len(ev)
    return _pad(mu, d, rank) + _pad(sigma, d, rank) * z


def _continuous(name):
    def support(static, args, d):
        raise ContinuousSupport(f"{name} has a continuous support, which cannot be enumerated exactly")

    return support


DISTS = {
    "minibatch": Dist(_minibatch_n, _minibatch_draw, _minibatch_support),
    "dropout": Dist(_dropout_n, _dropout_draw, _dropout_support),
    "choice": Dist(_choice_n, _choice_draw, _choice_support),
    "choice_labelled": Dist(_labelled_n, _labelled_draw, _labelled_support),
    "bernoulli": Dist(_bernoulli_n, _bernoulli_draw, _bernoulli_support),
    "uniform": Dist(_uniform_n, _uniform_draw, _continuous("uniform")),
    "normal": Dist(_normal_n, _normal_draw, _continuous("normal")),
}


# ---------------------------------------------------------------------------------------
# collections


def _describe(x):
    return "a record" if type(x) is dict else f"of shape {np.shape(x)}"


def stack_collection(items: list, name: str):
    """Stack a python list of records (e.g. tasks) into one record whose leaves have a new
    leading axis; raises :class:`KernelError` naming the first mismatch with item 0."""
    if not items:
        raise KernelError(f"collection {name} is empty")
    ref = items[0]
    for i, item in enumerate(items[1:], start=1):
        _same_structure(item, ref, i, name, "")
    return _stack(items)


def _same_structure(x, ref, i, name, path):
    at = f"field {path}" if path else "value"
    if (type(x) is dict) != (type(ref) is dict):
        raise KernelError(f"task {i} of {name} has {at} {_describe(x)}, task 0 has {_describe(ref)}")
    if type(ref) is dict:
        for k, v in ref.items():
            p = f"{path}.{k}" if path else k
            if k not in x:
                raise KernelError(f"task {i} of {name} has no field {p}")
            _same_structure(x[k], v, i, name, p)
        for k in x:
            if k not in ref:
                p = f"{path}.{k}" if path else k
                raise KernelError(f"task {i} of {name} has a field {p} that task 0 does not have")
    elif np.shape(x) != np.shape(ref):
        raise KernelError(f"task {i} of {name} has {at} of shape {np.shape(x)}, task 0 has {np.shape(ref)}")


def _stack(items):
    if type(items[0]) is dict:
        return {k: _stack([it[k] for it in items]) for k in items[0]}
    return np.stack([np.asarray(it, dtype=np.float64) for it in items])
