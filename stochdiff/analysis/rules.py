"""Derivative and degree rules: one short entry per primitive.

``VJP[op](e, g, n, *args)`` returns, for each argument of node ``n``, the node that the
output adjoint ``g`` contributes to that argument's adjoint (``None`` when the argument is
not differentiable).  ``e`` is an :class:`Emitter` that adds nodes at the right location;
``e.op(x, ...)`` creates ``op`` nodes.  Every rule is written in IR primitives whose own
rules are in this table, so derivatives of derivatives need nothing more.

``DEGREE[op]`` says how an operation combines the polynomial degrees of its arguments in
a stream's sample mean (used by certification): ``LINEAR`` (max), ``PRODUCT`` over some
arguments (sum), ``SHAPE`` (depends on no values), or ``NONPOLY`` (infinite as soon as an
argument has positive degree).
"""

from __future__ import annotations


class Emitter:
    """Adds nodes to a builder at one source location: ``e.mul(a, b)``, ``e.lit(2.0)``."""

    def __init__(self, builder, loc, active=None):
        self.b = builder
        self.loc = loc
        self.active = active  # the nodes whose adjoints are wanted (None: all)

    def lit(self, v):
        return self.b.add("lit", (), (v,), self.loc)

    def node(self, op, *args, attrs=()):
        return self.b.add(op, args, attrs, self.loc)

    def __getattr__(self, op):
        return lambda *args, attrs=(): self.b.add(op, args, attrs, self.loc)


def _unb(e, g, a):
    return e.unbroadcast(g, a)


def _pow(e, g, n, a, b):
    bn = e.b.nodes[b]
    if bn.op in ("lit", "const") and isinstance(bn.attrs[-1], (int, float)):
        k = bn.attrs[-1]
        if k == 0:  # a ^ 0 is constant; k * a ^ (k - 1) would be 0 * inf at a = 0
            return None, None
        if k == 1:
            return _unb(e, g, a), None
        da = e.mul(g, e.mul(e.lit(k), a if k == 2 else e.pow(a, e.lit(k - 1))))
        return _unb(e, da, a), None
    da = e.mul(g, e.mul(b, e.pow(a, e.sub(b, e.lit(1)))))
    db = e.mul(g, e.mul(n, e.log(a)))
    return _unb(e, da, a), _unb(e, db, b)


VJP = {
    "add": lambda e, g, n, a, b: (_unb(e, g, a), _unb(e, g, b)),
    "sub": lambda e, g, n, a, b: (_unb(e, g, a), _unb(e, e.neg(g), b)),
    "mul": lambda e, g, n, a, b: (_unb(e, e.mul(g, b), a), _unb(e, e.mul(g, a), b)),
    "div": lambda e, g, n, a, b: (_unb(e, e.div(g, b), a), _unb(e, e.neg(e.div(e.mul(g, n), b)), b)),
    "pow": _pow,
    "neg": lambda e, g, n, a: (e.neg(g),),
    "alias": lambda e, g, n, a: (g,),
    "exp": lambda e, g, n, a: (e.mul(g, n),),
    "log": lambda e, g, n, a: (e.div(g, a),),
    "sqrt": lambda e, g, n, a: (e.div(g, e.mul(e.lit(2.0), n)),),
    "sin": lambda e, g, n, a: (e.mul(g, e.cos(a)),),
    "cos": lambda e, g, n, a: (e.neg(e.mul(g, e.sin(a))),),
    "tanh": lambda e, g, n, a: (e.mul(g, e.sub(e.lit(1.0), e.mul(n, n))),),
    "sigmoid": lambda e, g, n, a: (e.mul(g, e.mul(n, e.sub(e.lit(1.0), n))),),
    "relu": lambda e, g, n, a: (e.mul(g, e.step(a)),),
    "abs": lambda e, g, n, a: (e.mul(g, e.sign(a)),),
    "sign": lambda e, g, n, a: (None,),
    "step": lambda e, g, n, a: (None,),
    "sum": lambda e, g, n, a: (e.expand(g, a),),
    "mean": lambda e, g, n, a: (e.div(e.expand(g, a), e.size(a)),),
    "sum_last": lambda e, g, n, a: (e.expand_last(g, a),),
    "expand": lambda e, g, n, x, like: (e.sum(g), None),
    "expand_last": lambda e, g, n, x, like: (_unb(e, e.sum_last(g), x), None),
    "unbroadcast": lambda e, g, n, x, like: (e.broadcast_to(g, x), None),
    "broadcast_to": lambda e, g, n, x, like: (_unb(e, g, x), None),
    "unsq": lambda e, g, n, x: (e.node("squeeze", g, attrs=e.b.nodes[n].attrs),),
    "squeeze": lambda e, g, n, x: (e.node("unsq", g, attrs=e.b.nodes[n].attrs),),
    "matmul": lambda e, g, n, a, b: (e.matmul_ga(g, a, b), e.matmul_gb(g, a, b)),
    "matmul_ga": lambda e, g, n, h, a, b: (_unb(e, e.matmul(g, b), h), None, e.matmul_gb(h, g, b)),
    "matmul_gb": lambda e, g, n, h, a, b: (_unb(e, e.matmul(a, g), h), e.matmul_ga(h, a, g), None),
    "field": lambda e, g, n, r: (e.node("record1", g, attrs=e.b.nodes[n].attrs),),
    "adj_field": lambda e, g, n, r: (e.node("record1", g, attrs=e.b.nodes[n].attrs),),
    "record1": lambda e, g, n, x: (e.node("adj_field", g, attrs=e.b.nodes[n].attrs),),
    "densify": lambda e, g, n, x, like: (g, None),
    "select": lambda e, g, n, idx, *bs: (None,) + tuple(
        e.node("select_mask", g, idx, attrs=(k,)) for k in range(len(bs))),
    "select_mask": lambda e, g, n, x, idx: (e.node("select_mask", g, idx, attrs=e.b.nodes[n].attrs), None),
    "seed": lambda e, g, n, x: (None,),
    "size": lambda e, g, n, x: (None,),
    "zeros": lambda e, g, n, x: (None,),
    "lit": lambda e, g, n: (),
    "const": lambda e, g, n: (),
    "param": lambda e, g, n: (),
    "data": lambda e, g, n: (),
    "call": lambda e, g, n, *args: _call_vjp(e, g, n, args),
}


def _call_vjp(e, g, n, args):
    # One backward pass gives the adjoints of all wanted arguments (a record "0", "1", ...):
    # an extern is opaque, so computing them separately would trace it once per argument.
    # Only wanted arguments are differentiated: autograd's cost grows with each one, most of
    # all at second order.
    wrt = tuple(k for k, a in enumerate(args) if e.active is None or a in e.active)
    if not wrt:
        return (None,) * len(args)
    allv = e.node("call", *args, g, attrs=(("vjps", e.b.nodes[n].attrs[0], len(args), wrt),))
    return tuple(e.node("adj_field", allv, attrs=(str(k),)) if k in wrt else None for k in range(len(args)))
# matmul_ga(h, a, b) = h @ b^T shaped like a; its derivative in h is (.) @ b, in b is matmul_gb.
# matmul_gb(h, a, b) = a^T @ h shaped like b; its derivative in h is a @ (.), in a is matmul_ga.
# Their shape-reference argument (a, resp. b) is not differentiated.

LINEAR, SHAPE, NONPOLY = "linear", "shape", "nonpoly"
# PRODUCT entries list the argument positions whose degrees add up.
DEGREE = {
    **{op: LINEAR for op in ("alias", "add", "sub", "neg", "sum", "mean", "sum_last", "unsq", "squeeze",
                             "field", "adj_field", "record1")},
    "expand": (LINEAR, (0,)), "expand_last": (LINEAR, (0,)), "unbroadcast": (LINEAR, (0,)),
    "broadcast_to": (LINEAR, (0,)), "densify": (LINEAR, (0,)), "select_mask": (LINEAR, (0,)),
    "mul": ("product", (0, 1)), "matmul": ("product", (0, 1)),
    "matmul_ga": ("product", (0, 2)), "matmul_gb": ("product", (0, 1)),
    **{op: NONPOLY for op in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs",
                              "sign", "step", "call")},
    **{op: SHAPE for op in ("seed", "size", "zeros", "lit", "const", "param", "data")},
    # div, pow, select, sample and mean have rules of their own in certify.py
}

# argument positions an operation reads only for their shape (or field names)
SHAPE_ONLY = {"seed": (0,), "size": (0,), "zeros": (0,), "expand": (1,), "expand_last": (1,),
              "unbroadcast": (1,), "broadcast_to": (1,), "densify": (1,), "matmul_ga": (1,),
              "matmul_gb": (2,)}

PRODUCTS = {op: spec[1] for op, spec in DEGREE.items() if isinstance(spec, tuple) and spec[0] == "product"}
