"""Degree analysis and certificates.

An estimator built from independent streams of draws is unbiased when its output is
*affine in each stream's sample mean*: products of different streams are fine (they are
independent), a stream appearing in two factors is not, and a non-polynomial function of
an estimate has no unbiased plug-in estimator at all.  Nested expectations compose: inside
``expect[s]`` the inner streams are fresh for every outer draw, so the body only needs to be
affine in each of them; then they are averaged away.

:func:`degrees` computes, for every node, its degree in every stream key it depends on
(0: through draws only, k: a polynomial of degree k in that stream's estimate,
``INF``: not polynomial) together with a located reason for every degree >= 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .rules import DEGREE, LINEAR, NONPOLY, SHAPE

INF = 1 << 30
BIAS = ("bias",)  # pseudo-stream carrying bias introduced inside a nested expectation

OPWORD = {"exp": "exp", "log": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tanh": "tanh",
          "sigmoid": "sigmoid", "relu": "relu", "abs": "abs", "sign": "sign", "step": "the derivative of relu",
          "call": "the extern function", "div": "division", "pow": "the power", "select": "match",
          "sample": "a distribution's argument"}


@dataclass
class Certificate:
    """Whether an estimator is unbiased, and why not."""

    value_unbiased: bool
    grad_unbiased: bool
    reasons: tuple = ()
    mode: str = "independent"
    streams: tuple = field(default=())  # (label, line) of every stream the estimator draws

    @property
    def unbiased(self) -> bool:
        return self.value_unbiased and self.grad_unbiased

    def __str__(self) -> str:
        def word(ok):
            return "unbiased" if ok else "BIASED"

        lines = [f"certificate ({self.mode}): value {word(self.value_unbiased)}, "
                 f"gradient {word(self.grad_unbiased)}"]
        lines += [f"  - {r}" for r in self.reasons]
        return "\n".join(lines)


class StreamNames:
    """Human names for stream keys: ``E[z] (line 8)`` or ``E[z]#1 (copy 1 of line 8)``."""

    def __init__(self, g):
        self.by_key = {}
        for s in g.scopes[1:]:
            self.by_key.setdefault(s.key, s)

    def __call__(self, key) -> str:
        s = self.by_key.get(key)
        if s is None:
            return "an expectation"
        return f"{s.label} (line {s.loc.line})"


def degrees(g, names: StreamNames | None = None):
    """Degree map and reasons for every node of ``g`` (lists indexed by node id)."""
    names = names or StreamNames(g)
    deg, why = [], []
    for i, n in enumerate(g.nodes):
        d, w = node_degree(g, i, n, deg, why, names)
        deg.append(d)
        why.append(w)
    return deg, why


def _prefix(key, inner) -> bool:
    return len(inner) > len(key) and inner[:len(key)] == key


def node_degree(g, i, n, deg, why, names):
    """Degree map and reasons of node ``i`` from those of its arguments."""
    op = n.op
    line = n.loc.line
    args = n.args
    w: dict = {}
    for a in args:
        for k, r in why[a].items():
            w.setdefault(k, r)
    if op == "expect":
        s = g.scopes[n.attrs[0]]
        body = deg[args[0]]
        out = {}
        for k, v in body.items():
            if _prefix(s.key, k):
                if v >= 2:
                    w.setdefault(BIAS, w.pop(k, f"{names(k)} enters {s.label} (line {s.loc.line}) non-linearly"))
                    out[BIAS] = INF
                w.pop(k, None)
            elif k != s.key:
                out[k] = v
        own = body.get(s.key, 0)
        out[s.key] = min(INF, own + 1)
        if own:
            w.setdefault(s.key, f"{names(s.key)} reuses its draws in a term that already depends on its own "
                                f"estimate (its forward value feeds its Jacobian)")
        return out, w
    spec = DEGREE.get(op)
    if op == "div":
        out = dict(deg[args[0]])
        for k, v in deg[args[1]].items():
            if v:
                out[k] = INF
                w.setdefault(k, f"division at line {line} divides by an estimate of {names(k)}")
        return out, w
    if op == "pow":
        base, ex = deg[args[0]], deg[args[1]]
        en = g.nodes[args[1]]
        k_ = en.attrs[-1] if en.op in ("lit", "const") else None
        out = {}
        if isinstance(k_, (int, float)) and float(k_).is_integer() and k_ >= 0 and not any(ex.values()):
            k_ = int(k_)
            for k, v in base.items():
                out[k] = min(INF, v * k_) if v else 0
                if v and k_ >= 2:
                    w.setdefault(k, f"{names(k)} enters both factors of ^{k_} at line {line} with the same draws")
            return out, w
        for k, v in list(base.items()) + list(ex.items()):
            out[k] = INF if v else out.get(k, 0)
            if v:
                w.setdefault(k, f"the power at line {line} is not a whole-number power of an estimate of "
                                f"{names(k)}")
        return out, w
    if op == "select":
        out = {}
        for k, v in deg[args[0]].items():
            out[k] = INF if v else 0
            if v:
                w.setdefault(k, f"match at line {line} selects by a value that depends on an estimate of {names(k)}")
        for a in args[1:]:
            for k, v in deg[a].items():
                out[k] = max(out.get(k, 0), v)
        return out, w
    if op == "sample":
        spec = NONPOLY
    if spec is None:
        raise KeyError(f"no degree rule for {op}")
    if spec == SHAPE:
        return {}, {}
    if spec == LINEAR or (isinstance(spec, tuple) and spec[0] == LINEAR):
        pos = spec[1] if isinstance(spec, tuple) else range(len(args))
        out = {}
        for p in pos:
            for k, v in deg[args[p]].items():
                out[k] = max(out.get(k, 0), v)
        return out, {k: r for k, r in w.items() if k in out}
    if spec == NONPOLY:
        out = {}
        for a in args:
            for k, v in deg[a].items():
                out[k] = INF if v else out.get(k, 0)
                if v:
                    what = OPWORD.get(op, op)
                    if op == "call":
                        what = f"the extern function {_fn_name(n.attrs[0])}"
                    w.setdefault(k, f"{what} at line {line} is applied to an estimate of {names(k)}, "
                                    f"which is not polynomial")
        return out, w
    # products
    pos = spec[1]
    out = {}
    for p in pos:
        for k, v in deg[args[p]].items():
            if out.get(k, 0) and v:
                w.setdefault(k, f"{names(k)} enters both factors of the product at line {line} with the same draws")
            out[k] = min(INF, out.get(k, 0) + v)
    return out, w


def _fn_name(key) -> str:
    while key[0] == "vjp":
        key = key[1]
    return key[1]


def certify(g, mode: str) -> Certificate:
    """Certificate for the outputs ``value`` and ``grad.*`` of ``g``."""
    names = StreamNames(g)
    deg, why = degrees(g, names)

    def check(ids):
        ok, reasons = True, []
        for i in ids:
            for k, v in deg[i].items():
                if v >= 2:
                    ok = False
                    r = why[i].get(k, f"{names(k)} appears non-linearly")
                    if r not in reasons:
                        reasons.append(r)
        return ok, reasons

    vids = [v for k, v in g.outputs if k == "value"]
    gids = [v for k, v in g.outputs if k.startswith("grad.")]
    vok, vr = check(vids)
    gok, gr = check(gids)
    reasons = [f"value: {r}" for r in vr] + [f"gradient: {r}" for r in gr]
    used = g.cone(vids + gids)
    streams = []
    for s in g.scopes[1:]:
        if any(g.nodes[i].op == "expect" and g.nodes[i].attrs[0] == s.id for i in used):
            streams.append((s.label, s.loc.line))
    return Certificate(vok, gok, tuple(reasons), mode, tuple(streams))
