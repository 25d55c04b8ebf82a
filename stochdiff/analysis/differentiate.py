"""Symbolic reverse-mode differentiation on the scoped IR.

Two passes, both pure functions from graph to graph:

* :func:`expand_grads` replaces every ``grad(expr, x)`` node by the nodes that compute
  the derivative (innermost first, so a ``grad`` of something containing a ``grad``
  differentiates the expanded primitives: second order needs nothing special).
* :func:`gradient_program` adds the objective's gradient with respect to each param.

Expectations are linear, so the adjoint of ``expect[s](body)`` flows into the body
unchanged, and contributions that come back out of scope ``s`` into a value outside it
are averaged over the *same* scope: a new ``expect[s]`` node sharing the forward draws.
That is exactly what autodiff through sampled code computes; stream allocation later
decides which of these appearances need draws of their own.

``grad(expr, x)`` inside an expectation is a per-sample derivative: contributions are
averaged only up to the scope of ``expr`` (the *target* scope), never beyond it.
"""

from __future__ import annotations

from ..errors import StructureProblem
from ..ir.graph import Builder, Graph
from .rules import VJP, Emitter


def expand_grads(g: Graph) -> Graph:
    """Return ``g`` with every ``grad`` node replaced by its derivative subgraph, and without
    ``alias`` nodes (which only keep the variable of a grad apart from the value it names)."""
    b = Builder.empty_like(g)
    m: list = []
    for n in g.nodes:
        args = tuple(m[a] for a in n.args)
        if n.op == "grad":
            expr, x = args
            m.append(vjp(b, expr, [x], b.nodes[expr].scope, n.loc, n.attrs[0])[0])
        else:
            m.append(b.add(n.op, args, n.attrs, n.loc))
    g = b.finish(tuple((k, m[v]) for k, v in g.outputs))
    return _without_aliases(g) if any(n.op == "alias" for n in g.nodes) else g


def _without_aliases(g: Graph) -> Graph:
    # after every grad is expanded an alias is the value it names; dropping it lets
    # hash-consing merge what the aliases kept apart
    b = Builder.empty_like(g)
    m: list = []
    for n in g.nodes:
        args = tuple(m[a] for a in n.args)
        m.append(args[0] if n.op == "alias" else b.add(n.op, args, n.attrs, n.loc))
    return b.finish(tuple((k, m[v]) for k, v in g.outputs))


def gradient_program(g: Graph) -> Graph:
    """``g`` (with grads expanded) plus outputs ``value`` and ``grad.<p>`` for every wrt param."""
    g = expand_grads(g)
    b = Builder(g)
    obj = g.output("objective")
    params = {b.nodes[i].attrs[0]: i for i in range(len(b.nodes)) if b.nodes[i].op == "param"}
    wrt = g.meta_get("wrt")
    xs = [params.get(p) for p in wrt]
    loc = g.meta_get("objective_loc")
    # a param the objective never mentions has no node; its gradient is zero
    present = [x for x in xs if x is not None]
    adj = dict(zip(present, vjp(b, obj, present, 0, loc, "objective"))) if present else {}
    outputs = [("value", obj)]
    for p, x in zip(wrt, xs):
        outputs.append((f"grad.{p}", adj[x] if x is not None else b.add("lit", (), (0.0,), loc)))
    return b.finish(tuple(outputs))


def vjp(b: Builder, out: int, wrts: list, target: int, loc, what: str) -> list:
    """Add nodes computing d out / d x for each x in ``wrts``; return their ids.

    Adjoints live in the deeper of (the node's scope, ``target``); contributions coming
    from deeper scopes are averaged over those scopes on the way out.
    """
    nodes = b.nodes
    wrt_set = set(wrts)
    fwd = set(wrts)
    for i in range(min(wrts), out + 1):
        if i not in fwd and any(a in fwd for a in nodes[i].args):
            fwd.add(i)
    active, stack = set(), [out]
    while stack:
        i = stack.pop()
        if i in active or i not in fwd:
            continue
        active.add(i)
        if i not in wrt_set:
            stack.extend(nodes[i].args)
    contrib: dict = {i: [] for i in active}
    if out in active:
        contrib[out].append(b.add("seed", (out,), (), loc))
    tdepth = b.scope_depth(target)
    result: dict = {}
    for i in sorted(active, reverse=True):
        n = nodes[i]
        home = n.scope if b.scope_depth(n.scope) > tdepth else target
        g = _total(b, contrib.pop(i), home, n.loc)
        if i in wrt_set:
            result[i] = g
            continue
        if g is None:
            continue
        if n.op == "sample":
            raise StructureProblem(
                f"grad({what}) would differentiate through the arguments of the distribution of "
                f"{n.attrs[4]}; that is not supported", loc)
        if n.op == "expect":
            cs = (g,)
        else:
            cs = VJP[n.op](Emitter(b, n.loc, active), g, i, *n.args)
        for a, c in zip(n.args, cs):
            if c is not None and a in active:
                contrib[a].append(c)
    out_ids = []
    for x in wrts:
        g = result.get(x)
        if g is None:
            g = b.add("zeros", (x,), (), loc)
        out_ids.append(b.add("densify", (g, x), (), loc))
    return out_ids


def _total(b: Builder, cs: list, home: int, loc):
    """Sum contributions, averaging those from scopes deeper than ``home`` over those scopes."""
    if not cs:
        return None
    hd = b.scope_depth(home)
    buckets: dict = {}
    for c in cs:
        buckets.setdefault(b.nodes[c].scope, []).append(c)
    while True:
        deep = [s for s in buckets if b.scope_depth(s) > hd]
        if not deep:
            break
        s = max(deep, key=b.scope_depth)
        acc = _sum(b, buckets.pop(s), loc)
        m = b.add("expect", (acc,), (s, "jacobian"), b.scopes[s].loc)  # located at its E
        buckets.setdefault(b.nodes[m].scope, []).append(m)
    return _sum(b, [c for s in sorted(buckets, key=b.scope_depth) for c in buckets[s]], loc)


def _sum(b: Builder, cs: list, loc):
    acc = cs[0]
    for c in cs[1:]:
        acc = b.add("add", (acc, c), (), loc)
    return acc
