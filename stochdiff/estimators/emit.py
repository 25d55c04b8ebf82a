"""Emit an estimator graph as straight-line Python over numpy kernels.

One line per node, in id order, only for nodes the outputs need.  Values from an outer
scope are lifted (singleton axes inserted) where an inner node uses them; ``sample`` and
``mean`` lines call the sampler ``S``, which is what makes the same code serve Monte
Carlo estimation and exact enumeration.  Comments name each stream and the expectation
(and source line) it serves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir.graph import Graph, extern_of
from ..ir.printer import fmt_value


@dataclass(frozen=True)
class Emitted:
    source: str
    consts: tuple  # C[j]
    functions: tuple  # F[j]: keys of extern functions and their derivatives
    lines: dict  # source line number -> node id
    outputs: tuple  # output names in the order returned


def needed_nodes(g: Graph) -> set:
    """The nodes the outputs depend on (the only ones emitted)."""
    return g.cone([v for _, v in g.outputs])


def emit(g: Graph, title: str = "estimator") -> Emitted:
    needed = needed_nodes(g)
    consts: list = []
    const_ix: dict = {}
    fns: list = []
    fn_ix: dict = {}
    src = [f"# {title}", "# streams (each draws independently of the others):"]
    sampled = {g.nodes[i].attrs[0] for i in needed if g.nodes[i].op == "sample"}
    for s in g.scopes[1:]:
        if s.id in sampled:
            vars_ = ", ".join(f"{v.name} ~ {v.dist.replace('_labelled', '')}" for v in s.vars)
            copy = f", independent copy {s.copy}" if s.copy else ""
            inside = f", inside s{s.parent}" if s.parent else ""
            src.append(f"#   s{s.id}: {s.label} at line {s.loc.line}{copy}{inside}: draws {vars_}")
    # A call evaluated forward and later differentiated at the same arguments keeps its
    # autograd tape, so the adjoint costs one backward pass instead of a second trace.  This
    # holds at every order: a first-order adjoint whose own adjoint is needed later (the
    # Jacobian of an inner gradient, in the naive estimator) is itself traced once and taped.
    forward = {}
    for i in sorted(needed):
        n = g.nodes[i]
        if n.op == "call":
            forward.setdefault((n.attrs[0], n.args), i)
    tape_key: dict = {}  # forward node -> the key of its adjoint function
    tape_of: dict = {}  # adjoint node -> the forward node whose tape it runs backward
    for i in sorted(needed):
        n = g.nodes[i]
        key = n.attrs[0] if n.op == "call" else None
        if key and key[0] == "vjps":
            f = forward.get((key[1], n.args[:key[2]]))
            if f is not None and g.nodes[f].depth == n.depth and tape_key.setdefault(f, key) == key:
                tape_of[i] = f  # a tape answers only the adjoints it was recorded for (same wrt)
    # a node that is taped for its own adjoint is traced anyway: its value needs no tape
    tape_of = {i: f for i, f in tape_of.items() if i not in tape_key}
    src.append("def estimate(P, D, S, C, F):")
    if tape_key:
        src.append("    T = {}  # autograd tapes of extern calls, reused by their adjoints")
    head = len(src)
    lines: dict = {}
    depth_of = g.depth_of_scope

    def ref(a: int, to: int) -> str:
        da = g.nodes[a].depth
        return f"v{a}" if da == to else f"lift(v{a}, {da + 1}, {to + 1})"

    for i, n in enumerate(g.nodes):
        if i not in needed:
            continue
        op, at, d = n.op, n.attrs, n.depth
        bd = d + 1  # batch axes
        note = f"{n.loc.line}:{n.loc.column} " if n.loc.line else ""
        if op == "param":
            code, note = f"P[{at[0]!r}]", note + f"param {at[0]}"
        elif op == "data":
            code, note = f"D[{at[0]!r}]", note + f"data {at[0]}"
        elif op in ("lit", "const"):
            key = ("c", at[-1])
            if key not in const_ix:
                const_ix[key] = len(consts)
                consts.append(np.asarray(at[-1], dtype=np.float64)[None])
            code = f"C[{const_ix[key]}]"
            note += (f"const {at[0]} = " if op == "const" else "") + fmt_value(at[-1])
        elif op == "sample":
            sid, pos, dist, static, name = at
            code = f"S.draw({sid}, {pos}, {dist!r}, {static!r}, {_tuple([ref(a, d - 1) for a in n.args])})"
            note += f"stream s{sid}: draw {name} for {g.scopes[sid].label}"
        elif op == "expect":
            sid = at[0]
            code = f"S.mean({ref(n.args[0], depth_of(sid))}, {sid})"
            note += f"average over stream s{sid} ({g.scopes[sid].label}, line {g.scopes[sid].loc.line})"
        elif op == "call":
            key = at[0]
            fkey = tape_key.get(i, key)
            if fkey not in fn_ix:
                fn_ix[fkey] = len(fns)
                fns.append(fkey)
            args = _tuple([ref(a, d) for a in n.args])
            if i in tape_key:
                code = f"k_call_taped(F[{fn_ix[fkey]}], {args}, {bd}, T, {i})"
            elif i in tape_of:
                code = f"k_call_back(F[{fn_ix[fkey]}], {args}, {bd}, T, {tape_of[i]})"
            else:
                code = f"k_call(F[{fn_ix[fkey]}], {args}, {bd})"
            note += _fn_text(key)
        elif op == "select":
            idx, *branches = n.args
            code = f"k_select({ref(idx, d)}, {_tuple([ref(b, d) for b in branches])}, {bd})"
            note += "match " + ", ".join(at[0])
        else:
            args = [ref(a, d) for a in n.args] + [repr(a) for a in at] + [str(bd)]
            code = f"k_{op}({', '.join(args)})"
            note += op
        lines[len(src) + 1] = i
        src.append(f"    v{i} = {code}".ljust(60) + f"  # {note}".rstrip())
    outs = ", ".join(f"v{v}" for _, v in g.outputs)
    src.append(f"    return ({outs},)")
    del head
    return Emitted("\n".join(src) + "\n", tuple(consts), tuple(fns), lines, tuple(k for k, _ in g.outputs))


def _tuple(items) -> str:
    """Python tuple syntax: ``()``, ``(a,)``, ``(a, b)``."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _fn_text(key) -> str:
    name, order = extern_of(key)
    return f"extern {name}" + (f" (derivative of order {order})" if order else "")
