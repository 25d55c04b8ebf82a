"""Batched numpy kernels: one short function per IR primitive, collected in :data:`KERNELS`.

Value conventions (see ``stochdiff/ir/graph.py`` for the batch layout):

* A value is a float64 numpy array (int64 for choice indices) or a *record*: a ``dict``
  from field name to value (records nest).
* Every value carries ``d >= 1`` leading BATCH axes: axis 0 counts replicates, the others
  are the sample axes of the enclosing expectations.  Batch axes may have size 1
  (broadcast).  The remaining axes are the EVENT shape, the shape the user sees.
* Every kernel takes ``d`` as its last positional argument and receives inputs that
  already have exactly ``d`` batch axes.
* User-level broadcasting applies to event shapes.  Because batch axes come first, an
  operand of lower event rank is padded with singleton axes right after its batch axes
  before numpy broadcasting (:func:`_pad`).
* Records in binary elementwise ops combine field by field over the union of fields, a
  missing field meaning zero; a record and an array combine by applying the op to every
  field.  Records are never mutated; kernels return new dicts.

Kernels may return read-only broadcast views (``np.broadcast_to``) instead of copies;
nothing downstream writes into a value in place.  Floating-point trouble (inf, nan) is
produced silently; the caller checks finiteness and reports it with a location.
"""

from __future__ import annotations

import math

import numpy as np

F64 = np.float64


class KernelError(Exception):
    """A runtime failure inside a kernel: one sentence, no location (the caller adds it)."""


# ---------------------------------------------------------------------------------------
# helpers


def _pad(x, d, rank):
    """Give ``x`` event rank ``rank`` by inserting singleton axes right after its batch axes."""
    k = rank - (x.ndim - d)
    if k <= 0:
        return x
    s = x.shape
    return x.reshape(s[:d] + (1,) * k + s[d:])


def _align(a, b, d):
    """Pad the operand of lower event rank so both have the same number of axes."""
    na, nb = a.ndim, b.ndim
    if na < nb:
        return a.reshape(a.shape[:d] + (1,) * (nb - na) + a.shape[d:]), b
    if nb < na:
        return a, b.reshape(b.shape[:d] + (1,) * (na - nb) + b.shape[d:])
    return a, b


def _event(x, d):
    return x.shape[d:]


def _rec_binary(op, a, b, d, left_missing, right_missing):
    """Apply ``op`` field-wise; ``*_missing(value, name)`` handle a field absent on one side.

    They return the field's result, or None to omit the field (it is zero).
    """
    if type(a) is not dict:
        return {k: op(a, v, d) for k, v in b.items()}
    if type(b) is not dict:
        return {k: op(v, b, d) for k, v in a.items()}
    out = {}
    for k, v in a.items():
        r = op(v, b[k], d) if k in b else right_missing(v, k)
        if r is not None:
            out[k] = r
    for k, v in b.items():
        if k not in a:
            r = left_missing(v, k)
            if r is not None:
                out[k] = r
    return out


def _keep(v, k):
    return v


def _omit(v, k):
    return None


def _neg_missing(v, k):
    return neg(v, 1)  # d is irrelevant to neg


def _zero_denominator(v, k):
    raise KernelError(f"division of records by a record without field '{k}' divides by zero")


def _pow_missing(v, k):
    raise KernelError(f"power of two records needs the same fields on both sides; '{k}' is on one side only")


# ---------------------------------------------------------------------------------------
# batch axes


def lift(x, d_from, d_to):
    """Insert ``d_to - d_from`` singleton batch axes right after the first ``d_from`` axes."""
    if type(x) is dict:
        return {k: lift(v, d_from, d_to) for k, v in x.items()}
    s = x.shape
    return x.reshape(s[:d_from] + (1,) * (d_to - d_from) + s[d_from:])


# ---------------------------------------------------------------------------------------
# binary elementwise


def add(a, b, d):
    """a + b (records: union of fields, missing = 0)."""
    if type(a) is dict or type(b) is dict:
        return _rec_binary(add, a, b, d, _keep, _keep)
    a, b = _align(a, b, d)
    with np.errstate(all="ignore"):
        return a + b


def sub(a, b, d):
    """a - b (records: union of fields, missing = 0, so ``0 - x`` gives ``-x``)."""
    if type(a) is dict or type(b) is dict:
        return _rec_binary(sub, a, b, d, _neg_missing, _keep)
    a, b = _align(a, b, d)
    with np.errstate(all="ignore"):
        return a - b


def mul(a, b, d):
    """a * b (records: a field missing on either side is zero, so it is omitted)."""
    if type(a) is dict or type(b) is dict:
        return _rec_binary(mul, a, b, d, _omit, _omit)
    a, b = _align(a, b, d)
    with np.errstate(all="ignore"):
        return a * b


def div(a, b, d):
    """a / b (records: missing numerator field -> omitted; missing denominator -> error)."""
    if type(a) is dict or type(b) is dict:
        return _rec_binary(div, a, b, d, _omit, _zero_denominator)
    a, b = _align(a, b, d)
    with np.errstate(all="ignore"):
        return a / b


def pow(a, b, d):
    """a ** b (two records must have the same fields)."""
    if type(a) is dict or type(b) is dict:
        return _rec_binary(pow, a, b, d, _pow_missing, _pow_missing)
    a, b = _align(a, b, d)
    with np.errstate(all="ignore"):
        return np.power(a, b)


# ---------------------------------------------------------------------------------------
# unary elementwise (records: map over the present fields)


def neg(x, d):
    """-x."""
    if type(x) is dict:
        return {k: neg(v, d) for k, v in x.items()}
    return -x


def _elementwise(name, f, doc):
    """A unary kernel: ``f`` on arrays, field by field on records; inf/nan produced silently."""

    def kernel(x, d):
        if type(x) is dict:
            return {k: kernel(v, d) for k, v in x.items()}
        with np.errstate(all="ignore"):
            return f(x)

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = doc
    return kernel


exp = _elementwise("exp", np.exp, "exp(x).")
log = _elementwise("log", np.log, "log(x) (nan/-inf outside the domain, silently).")
sqrt = _elementwise("sqrt", np.sqrt, "sqrt(x).")
sin = _elementwise("sin", np.sin, "sin(x).")
cos = _elementwise("cos", np.cos, "cos(x).")
tanh = _elementwise("tanh", np.tanh, "tanh(x).")
# exp(-log(1 + exp(-x))): neither tail overflows and tiny values keep their relative precision
sigmoid = _elementwise("sigmoid", lambda x: np.exp(-np.logaddexp(0.0, -x)), "1 / (1 + exp(-x)).")
relu = _elementwise("relu", lambda x: np.maximum(x, 0.0), "max(x, 0).")
abs = _elementwise("abs", np.abs, "|x|.")  # noqa: A001 - the primitive's name
sign = _elementwise("sign", np.sign, "sign(x) in {-1, 0, 1}.")
step = _elementwise("step", lambda x: (x > 0).astype(F64), "1.0 where x > 0 else 0.0 (the derivative of relu).")


# ---------------------------------------------------------------------------------------
# reductions over event axes and their adjoints


def sum(x, d):
    """Sum over all event axes -> event shape ()."""
    if type(x) is dict:
        raise KernelError("sum needs an array, not a record")
    if x.ndim == d:
        return x
    return x.sum(axis=tuple(range(d, x.ndim)))


def mean(x, d):
    """Mean over all event axes -> event shape ()."""
    if type(x) is dict:
        raise KernelError("mean needs an array, not a record")
    if x.ndim == d:
        return x
    return x.mean(axis=tuple(range(d, x.ndim)))


def sum_last(x, d):
    """Sum over the last event axis."""
    if type(x) is dict:
        raise KernelError("sum_last needs an array, not a record")
    if x.ndim == d:
        raise KernelError("sum_last needs an array with at least one axis, not a scalar")
    return x.sum(axis=-1)


def expand(g, x, d):
    """Broadcast ``g`` (event ()) to ``x``'s event shape; batch is the broadcast of both.

    The adjoint of :func:`sum`.
    """
    g = _pad(g, d, x.ndim - d)
    return np.broadcast_to(g, np.broadcast_shapes(g.shape, x.shape))


def expand_last(g, x, d):
    """Broadcast ``g[..., None]`` to ``x``'s event shape (the adjoint of :func:`sum_last`)."""
    g = _pad(g[..., None], d, x.ndim - d)
    return np.broadcast_to(g, np.broadcast_shapes(g.shape, x.shape))


def size(x, d):
    """The number of event elements of ``x`` (summed over the leaves of a record), shape (1,)*d."""
    if type(x) is dict:
        n = 0
        for v in x.values():
            n += int(size(v, d).flat[0])
    else:
        n = math.prod(x.shape[d:])
    return np.full((1,) * d, float(n))


def unbroadcast(g, a, d):
    """Sum ``g``'s event axes down to ``a``'s event shape; batch axes are kept as in ``g``.

    Extra leading event axes are summed away, and event axes where ``a`` has size 1 but
    ``g`` does not are summed with keepdims.  If ``g`` has a lower event rank than ``a``
    (a broadcast zero) it is rank-padded, so the result is broadcastable to ``a``.
    Records: the result has ``a``'s fields only (a field missing in ``g`` is omitted).
    """
    if type(a) is dict:
        if type(g) is dict:
            return {k: unbroadcast(g[k], v, d) for k, v in a.items() if k in g}
        return {k: unbroadcast(g, v, d) for k, v in a.items()}
    if type(g) is dict:
        raise KernelError("a record gradient cannot be reduced to the shape of an array")
    ea, eg = a.ndim - d, g.ndim - d
    if eg > ea:
        g = g.sum(axis=tuple(range(d, d + eg - ea)))
    elif eg < ea:
        g = _pad(g, d, ea)
    sa, sg = a.shape, g.shape
    axes = tuple(i for i in range(d, g.ndim) if sa[i] == 1 and sg[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def broadcast_to(h, g, d):
    """Broadcast ``h``'s event shape to ``g``'s (rank-padding ``h``); batch is the broadcast
    of both.  The adjoint of :func:`unbroadcast`.  Records: field-wise over the fields of both."""
    if type(h) is dict:
        if type(g) is dict:  # a field g lacks was a zero adjoint: nothing flows back to it
            return {k: broadcast_to(v, g[k], d) for k, v in h.items() if k in g}
        return {k: broadcast_to(v, g, d) for k, v in h.items()}
    if type(g) is dict:
        raise KernelError("an array cannot be broadcast to the shape of a record")
    eg = g.ndim - d
    h = _pad(h, d, eg)
    gs = g.shape
    if h.ndim > g.ndim:  # g is a broadcast zero of lower rank: compare shapes rank-padded
        gs = gs[:d] + (1,) * (h.ndim - g.ndim) + gs[d:]
    return np.broadcast_to(h, np.broadcast_shapes(h.shape, gs))


def unsq(x, pos, d):
    """Insert a new event axis at negative position ``pos`` (-1: ``x[..., None]``)."""
    if type(x) is dict:
        return {k: unsq(v, pos, d) for k, v in x.items()}
    return np.expand_dims(x, x.ndim + 1 + pos)


def squeeze(x, pos, d):
    """Remove the event axis at negative position ``pos`` by summing over it (adjoint of unsq)."""
    if type(x) is dict:
        return {k: squeeze(v, pos, d) for k, v in x.items()}
    return x.sum(axis=x.ndim + pos)


# ---------------------------------------------------------------------------------------
# matmul and its adjoints


def _matmul_ranks(a, b, d):
    ea, eb = a.ndim - d, b.ndim - d
    if ea < 1 or eb < 1:
        raise KernelError("matmul needs arrays with at least one axis; use * for scalars")
    return ea, eb


class ShapeError(KernelError):
    """Shapes that do not fit together (a caller may retry with other shapes: see Model.exact)."""


def _misfit(a, b, d):
    return ShapeError(f"matmul of shapes {_event(a, d)} and {_event(b, d)} does not fit")


def matmul(a, b, d):
    """``a @ b`` on the event parts (numpy semantics, 1-D promotion), batch axes broadcast."""
    ea, eb = _matmul_ranks(a, b, d)
    a2 = a[..., None, :] if ea == 1 else a
    b2 = b[..., None] if eb == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise _misfit(a, b, d)
    a2, b2 = _align(a2, b2, d)
    try:
        r = np.matmul(a2, b2)
    except ValueError:  # stacked (or batch) axes that do not broadcast
        raise _misfit(a, b, d) from None
    if eb == 1:
        r = r[..., 0]
    if ea == 1:
        r = r[..., 0, :] if eb != 1 else r[..., 0]
    return r


def _promote_g(g, ea, eb):
    """Re-insert the axes that 1-D promotion dropped from ``a @ b``."""
    if eb == 1:
        g = g[..., None]
    if ea == 1:
        g = g[..., None, :]
    return g


def matmul_ga(g, a, b, d):
    """Adjoint of :func:`matmul` wrt ``a``: ``G @ B^T`` summed to ``a``'s event shape."""
    ea, eb = _matmul_ranks(a, b, d)
    g2 = _promote_g(g, ea, eb)
    b2 = b[..., None] if eb == 1 else b
    g2, bt = _align(g2, np.swapaxes(b2, -1, -2), d)
    r = np.matmul(g2, bt)
    if ea == 1:
        r = r[..., 0, :]
    return unbroadcast(r, a, d)


def matmul_gb(g, a, b, d):
    """Adjoint of :func:`matmul` wrt ``b``: ``A^T @ G`` summed to ``b``'s event shape."""
    ea, eb = _matmul_ranks(a, b, d)
    g2 = _promote_g(g, ea, eb)
    a2 = a[..., None, :] if ea == 1 else a
    at, g2 = _align(np.swapaxes(a2, -1, -2), g2, d)
    r = np.matmul(at, g2)
    if eb == 1:
        r = r[..., 0]
    return unbroadcast(r, b, d)


# ---------------------------------------------------------------------------------------
# records


def field(r, name, d):
    """``r.name``."""
    if type(r) is not dict:
        raise KernelError(f"field access .{name} needs a record, not an array")
    try:
        return r[name]
    except KeyError:
        raise KernelError(f"record has no field '{name}'; it has fields {', '.join(r)}") from None


def adj_field(r, name, d):
    """The gradient of a record's field: ``r[name]`` if present, else a broadcast zero."""
    if type(r) is dict:
        v = r.get(name)
        if v is not None:
            return v
    return np.zeros((1,) * d)


def record1(g, name, d):
    """A sparse record with the single field ``name`` (the adjoint of :func:`field`)."""
    return {name: g}


def densify(g, like, d):
    """A record with every field of ``like`` (recursively): ``g``'s field, else zeros."""
    if type(like) is not dict:
        return g if g is not None and type(g) is not dict else np.zeros_like(like)
    if type(g) is not dict:
        g = {}
    out = {}
    for k, v in like.items():
        if type(v) is dict:
            out[k] = densify(g.get(k), v, d)
        else:
            gk = g.get(k)
            out[k] = gk if gk is not None else np.zeros_like(v)
    return out


# ---------------------------------------------------------------------------------------
# choice


def select(idx, branches, d):
    """``branches[idx]`` per batch element; ``idx`` is int with event ().  Records field-wise."""
    if type(branches[0]) is dict:
        return {k: select(idx, tuple(b[k] for b in branches), d) for k in branches[0]}
    rank = max(b.ndim for b in branches) - d
    i = _pad(idx, d, rank)
    out = _pad(branches[-1], d, rank)
    for k in range(len(branches) - 2, -1, -1):
        out = np.where(i == k, _pad(branches[k], d, rank), out)
    return out


def select_mask(g, idx, k, d):
    """``g`` where ``idx == k`` else 0 (the adjoint of :func:`select` wrt branch ``k``)."""
    if type(g) is dict:
        return {f: select_mask(v, idx, k, d) for f, v in g.items()}
    return np.where(_pad(idx, d, g.ndim - d) == k, g, 0.0)


# ---------------------------------------------------------------------------------------
# gradients


def seed(x, d):
    """The seed of reverse mode: ones with ``x``'s batch shape; ``x`` must be a scalar."""
    if type(x) is dict:
        raise KernelError("must be a scalar to be differentiated, but it is a record")
    if x.ndim != d:
        raise KernelError(f"must be a scalar to be differentiated, but its shape is {_event(x, d)}")
    return np.ones(x.shape[:d])


# ---------------------------------------------------------------------------------------
# closing expectations


def reduce_mean(x, axes, d):
    """Mean over the given batch axes (they are removed).  Records field-wise."""
    if type(x) is dict:
        return {k: reduce_mean(v, axes, d) for k, v in x.items()}
    return x.mean(axis=axes)


def reduce_weighted(x, w, axes, d):
    """``sum(x * w)`` over the given batch axes; ``w`` has batch axes only.  Records field-wise."""
    if type(x) is dict:
        return {k: reduce_weighted(v, w, axes, d) for k, v in x.items()}
    w = w.reshape(w.shape + (1,) * (x.ndim - w.ndim))
    with np.errstate(all="ignore"):
        return (x * w).sum(axis=axes)


def zeros(x, d):
    """Zeros shaped like ``x`` (records: every field); the adjoint of a value nothing depends on."""
    if isinstance(x, dict):
        return {k: zeros(v, d) for k, v in x.items()}
    return np.zeros(np.shape(x))


KERNELS = {
    "zeros": zeros,
    "lift": lift,
    "add": add,
    "sub": sub,
    "mul": mul,
    "div": div,
    "pow": pow,
    "neg": neg,
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "sin": sin,
    "cos": cos,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "abs": abs,
    "sign": sign,
    "step": step,
    "sum": sum,
    "mean": mean,
    "sum_last": sum_last,
    "expand": expand,
    "expand_last": expand_last,
    "size": size,
    "unbroadcast": unbroadcast,
    "broadcast_to": broadcast_to,
    "unsq": unsq,
    "squeeze": squeeze,
    "matmul": matmul,
    "matmul_ga": matmul_ga,
    "matmul_gb": matmul_gb,
    "field": field,
    "adj_field": adj_field,
    "record1": record1,
    "densify": densify,
    "select": select,
    "select_mask": select_mask,
    "seed": seed,
    "reduce_mean": reduce_mean,
    "reduce_weighted": reduce_weighted,
}
