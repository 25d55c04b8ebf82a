"""Extern functions and their derivatives, made with autograd, called once per batch element.

A ``call`` node names its function by a key: ``("extern", name)`` for the user's
function, ``("vjps", key, n, wrt)`` for the adjoints of the arguments at positions ``wrt``
of the ``n``-argument function ``key`` (a record ``{"0": ..., "2": ...}``), which is itself
differentiable by autograd (second order).

Tape reuse: when the emitted code evaluates a function and later the adjoints of the same
call (same argument values), the forward call records autograd's tape per batch element
(:func:`call_taped`) and the adjoint call runs the recorded backward pass
(:func:`call_back`) instead of tracing the function a second time.  The forward function
may itself be an adjoint: the naive estimator differentiates an inner gradient.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
from autograd.builtins import DictBox
from autograd.builtins import dict as ag_dict

from .kernels import F64


RECORDS = (dict, DictBox)


def resolve(key, externs):
    """The Python function behind a ``call`` node."""
    if key[0] == "extern":
        return externs[key[1]]
    _, base, n, wrt = key
    f = resolve(base, externs)
    if base[0] == "extern":  # only where autograd traces it: a plain call takes a plain dict
        f = _traced_records(f)
    one = len(wrt) == 1  # autograd returns a bare adjoint, not a tuple, for one argnum
    back_of = autograd.make_vjp(f, wrt[0] if one else wrt)

    def vjps(*args):
        back, ans = back_of(*args[:n])
        return fields(back(dense_like(args[n], ans)))

    def fields(adj):
        # autograd's dict, so that when autograd traces this function (second order) the
        # record of adjoints stays a traced value
        return ag_dict({str(wrt[0]): adj} if one else {str(i): a for i, a in zip(wrt, adj)})

    vjps.__name__ = f"vjps_{getattr(f, '__name__', 'f')}"
    vjps.back_of = back_of
    vjps.fields = fields
    return vjps


def _traced_records(f):
    """``f``, returning autograd's dict where it returns a plain dict, so that autograd traces
    the record (a plain dict of traced values is opaque to it)."""

    def extern(*args):
        return _record(f(*args))

    extern.__name__ = getattr(f, "__name__", "extern")
    return extern


def _record(x):
    if type(x) is dict:
        return ag_dict({k: _record(v) for k, v in x.items()})
    return x


def dense_like(g, ans):
    """``g`` with the structure of ``ans``: missing record fields (zero adjoints) filled in.

    Under a second-order trace both may be autograd's traced dicts, which are not ``dict``s.
    """
    if isinstance(ans, RECORDS):
        return {k: dense_like(g.get(k) if isinstance(g, RECORDS) else None, v) for k, v in ans.items()}
    if g is None or isinstance(g, RECORDS):
        return anp.zeros(anp.shape(ans))
    if anp.shape(g) == anp.shape(ans):
        return g  # the usual case: no extra operation on autograd's tape
    return g + anp.zeros(anp.shape(ans))  # broadcasts, and stays differentiable under a trace (second order)


def _leaves(x, out):
    if type(x) is dict:
        for v in x.values():
            _leaves(v, out)
    elif isinstance(x, np.ndarray):
        out.append(x)
    return out


def _at(x, ix, d):
    """The unbatched value at batch index ``ix`` (index 0 on size-1 batch axes)."""
    if type(x) is dict:
        return {k: _at(v, ix, d) for k, v in x.items()}
    if not isinstance(x, np.ndarray):
        return x  # static argument (a python constant): passed through
    s = x.shape
    return x[tuple(i if s[j] != 1 else 0 for j, i in enumerate(ix)) + (Ellipsis,)]


def _stack(results, batch):
    if type(results[0]) is dict:
        return {k: _stack([r[k] for r in results], batch) for k in results[0]}
    arr = np.stack([np.asarray(r) for r in results])
    if arr.dtype != np.int64 and arr.dtype != F64:
        arr = arr.astype(F64)
    return arr.reshape(batch + arr.shape[1:])


def call(fn, args, d):
    """Call a plain python function of unbatched values once per batch element and stack.

    Results may be arrays (or python floats) or records of arrays.
    """
    batch = _batch(args, d)
    results = [fn(*(_at(a, ix, d) for a in args)) for ix in np.ndindex(*batch)]
    return _stack(results, batch)


def _batch(args, d):
    """The batch shape of a call: the broadcast of every argument leaf's first ``d`` axes."""
    leaves = []
    for a in args:
        _leaves(a, leaves)
    return np.broadcast_shapes(*(x.shape[:d] for x in leaves)) if leaves else (1,) * d


def call_taped(vjps, args, d, tapes, key):
    """Evaluate the function whose adjoints ``vjps`` computes, per batch element, keeping
    autograd's tapes in ``tapes[key]`` for :func:`call_back`."""
    batch = _batch(args, d)
    backs, results = [], []
    for ix in np.ndindex(*batch):
        back, ans = vjps.back_of(*(_at(a, ix, d) for a in args))
        backs.append((back, ans))
        results.append(ans)
    tapes[key] = (batch, backs)
    return _stack(results, batch)


def call_back(vjps, args, d, tapes, key):
    """The adjoints of a taped call: the recorded backward passes, or a fresh trace if shapes differ."""
    batch = _batch(args, d)
    taped = tapes.get(key)
    if taped is None or taped[0] != batch:
        return call(vjps, args, d)
    g = args[-1]
    out = []
    for (back, ans), ix in zip(taped[1], np.ndindex(*batch)):
        out.append(dict(vjps.fields(back(dense_like(_at(g, ix, d), ans)))))
    return _stack(out, batch)


EXTERN_KERNELS = {"call": call, "call_taped": call_taped, "call_back": call_back}
