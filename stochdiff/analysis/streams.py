"""Stream allocation: which appearances of an expectation get draws of their own.

The differentiated program reuses draws everywhere (naive mode: what autodiff through
sampled code does).  In independent mode this pass rebuilds it, node by node, applying
two rules with the degree analysis of :mod:`certify`:

* **products** — when both factors of ``*``, ``@`` (or a matmul adjoint) depend
  polynomially on the estimate of the same stream, the second factor is recomputed from a
  fresh copy of that stream; ``x ^ k`` for a whole number k becomes k factors, each with
  its own copy.  (When a factor is not polynomial in the estimate no copy can remove the
  bias, so none is made and the certificate says why.)
* **means** — when the body of ``expect[s]`` depends on the estimate of ``s`` itself (a
  forward value feeding the adjoint of its own Jacobian), that mean is recomputed from a
  fresh copy of ``s``: one draw for the forward value, an independent one for the Jacobian.

A copy of a scope is a new scope with the same variables and a new stream key, so its
draws are independent, and the scopes nested in it get fresh keys too.
"""

from __future__ import annotations

from dataclasses import replace

from ..ir.graph import Builder, Graph
from .certify import StreamNames
from .degree import Degrees, whole_power
from .rules import DEGREE, LINEAR, PRODUCTS, SHAPE_ONLY

MAX_POWER_COPIES = 8


def allocate(g: Graph, mode: str = "independent") -> Graph:
    """Return the estimator graph for ``mode`` ("naive" keeps every draw shared)."""
    if mode == "naive":
        return g
    if mode != "independent":
        raise ValueError(f"unknown mode {mode!r}")
    return _renumber(Allocator(g).run())


def _renumber(g: Graph) -> Graph:
    """Number the copies an estimator actually uses 1, 2, ... (dead copies leave no gaps)."""
    used = set()
    for i in g.cone([v for _, v in g.outputs]):
        n = g.nodes[i]
        if n.op in ("sample", "expect"):
            used.update(g.scope_chain(n.attrs[0]))
    scopes = list(g.scopes)
    newkey = {0: ()}
    index: dict = {}
    for s in g.scopes[1:]:
        if s.id not in used:
            continue
        pkey = newkey[s.parent]
        elem = s.key[-1]
        copy = s.copy
        if copy:
            slot = (pkey, elem[:-1])
            seen = index.setdefault(slot, {})
            copy = seen.setdefault(s.copy, len(seen) + 1)
        newkey[s.id] = pkey + (elem[:-1] + (copy,),)
        scopes[s.id] = replace(s, key=newkey[s.id], copy=copy)
    return Graph(g.nodes, tuple(scopes), g.outputs, g.meta)


class Allocator:
    def __init__(self, g: Graph):
        self.g = g
        self.b = Builder.empty_like(g)
        self.D = Degrees(names=StreamNames(self.b.scopes))
        self.deg = self.D.deg
        self.copies: dict = {}
        self.restreamed: dict = {}  # scope id -> copies made for its Jacobian appearances

    # -- nodes
    def add(self, op, args, attrs, loc) -> int:
        i = self.b.add(op, args, attrs, loc)
        if i == len(self.deg):
            self.D.extend(self.b)
        return i

    def bit(self, sid) -> int:
        return self.D.key_bit(self.b.scopes[sid].key)

    def run(self) -> Graph:
        value, shape = _demand(self.g)
        self.poly = _polynomial_context(self.g, value)
        m: dict = {}
        for i, n in enumerate(self.g.nodes):
            if i in value:
                m[i] = self.translate(n, tuple(m[a] for a in n.args), i in self.poly)
            elif i in shape:
                # read only for its shape: no copies needed, whatever streams it uses
                m[i] = self.add(n.op, tuple(m[a] for a in n.args), n.attrs, n.loc)
        return self.b.finish(tuple((k, m[v]) for k, v in self.g.outputs))

    def translate(self, n, args, poly: bool) -> int:
        """Rebuild node ``n``; ``poly`` says whether its value reaches an output polynomially
        (copies under a non-polynomial function cannot remove bias, and may leave its domain)."""
        op = n.op
        if op in PRODUCTS and poly:
            p, q = PRODUCTS[op]
            shared = self.shared_finite(args[p], args[q])
            if shared:
                args = list(args)
                args[q] = self.clone_streams(args[q], shared, f"a factor of the product at line {n.loc.line}")
        elif op == "pow" and poly:
            k = whole_power(self.b.nodes[args[1]])
            base = args[0]
            if k is not None and 2 <= k <= MAX_POWER_COPIES and self.finite_keys(base):
                acc = base
                for _ in range(k - 1):
                    other = self.clone_streams(base, self.finite_keys(base),
                                               f"a factor of ^{k} at line {n.loc.line}")
                    acc = self.add("mul", (acc, other), (), n.loc)
                return acc
        elif op == "expect":
            s = self.b.scopes[n.attrs[0]]
            if self.deg[args[0]].get(self.bit(s.id)):
                # every Jacobian appearance of s shares one copy (they are added, e.g. the
                # fields of a record's gradient), unless the body already uses that copy
                copies = self.restreamed.setdefault(s.id, [])
                fresh = next((c for c in copies if not self.deg[args[0]].get(self.bit(c))), None)
                if fresh is None:
                    fresh = self.copy_scope(s.id, s.parent,
                                            why="its Jacobian appearance would reuse the "
                                                "draws of its forward value")
                    copies.append(fresh)
                body = self.clone(args[0], {s.id: fresh}, 0)
                return self.add("expect", (body,), (fresh,) + n.attrs[1:], n.loc)
        return self.add(op, args, n.attrs, n.loc)

    # -- analysis helpers (masks are bitsets of streams, see degree.py)
    def finite_keys(self, i) -> int:
        return self.deg[i].finite

    def shared_finite(self, a, b) -> int:
        return self.deg[a].finite & self.deg[b].finite

    # -- copies
    def copy_scope(self, sid: int, parent: int, fresh: dict | None = None, why: str = "") -> int:
        """A new scope like ``sid`` under ``parent``.

        Under the same parent it is a fresh copy (a new copy index, so new draws); scopes
        sharing a key within one ``fresh`` cache get the same copy, so they keep sharing.
        Under a copied parent the key changes through its prefix and the index is kept.
        """
        s = self.b.scopes[sid]
        pkey = self.b.scopes[parent].key
        elem = s.key[-1]
        if parent == s.parent:
            fresh = {} if fresh is None else fresh
            if s.key not in fresh:
                base = (pkey, elem[:-1])
                self.copies[base] = self.copies.get(base, 0) + 1
                fresh[s.key] = self.copies[base]
            elem = elem[:-1] + (fresh[s.key],)
        if parent != s.parent:
            why = f"nested in a copy (s{parent})"
        return self.b.new_scope(parent, s.vars, s.eid, pkey + (elem,), elem[-1], s.loc, why)

    def clone_streams(self, root: int, keys: int, why: str) -> int:
        """Recompute ``root`` with fresh copies of the streams ``keys``."""
        return self.clone(root, {}, keys, why)

    def clone(self, root: int, smap: dict, keys: int, why: str = "") -> int:
        """Rebuild the part of ``root``'s cone that depends on mapped scopes or on ``keys``.

        ``smap`` maps old scope ids to their copies; scopes whose key is in ``keys`` (and
        scopes nested in a mapped one) are copied on first sight.  Iterative, because
        the cone of a long unrolled loop is deep.
        """
        b = self.b
        memo: dict = {}
        fresh: dict = {}

        def inside(sid) -> int | None:
            """The copy of scope ``sid`` if it (or an enclosing scope) is being copied."""
            if sid in smap:
                return smap[sid]
            s = b.scopes[sid]
            if s.parent is None:
                return None
            p = inside(s.parent)
            if p is not None:
                smap[sid] = self.copy_scope(sid, p)
            elif (keys >> self.bit(sid)) & 1:
                smap[sid] = self.copy_scope(sid, s.parent, fresh, why)
            else:
                return None
            return smap[sid]

        def within(sid) -> bool:
            """Is scope ``sid`` one of the scopes being copied, or nested in one?"""
            while sid:
                if sid in smap or (keys >> self.bit(sid)) & 1:
                    return True
                sid = b.scopes[sid].parent
            return False

        def touched(i) -> bool:
            n = b.nodes[i]
            if self.deg[i].any & keys:
                return True
            return within(n.scope) or (n.op == "expect" and within(n.attrs[0]))

        stack = [root]
        while stack:
            i = stack[-1]
            if i in memo:
                stack.pop()
                continue
            if not touched(i):
                memo[i] = i
                stack.pop()
                continue
            n = b.nodes[i]
            todo = [a for a in n.args if a not in memo]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            args = tuple(memo[a] for a in n.args)
            attrs = n.attrs
            if n.op in ("sample", "expect"):
                new = inside(attrs[0])
                if new is not None:
                    attrs = (new,) + attrs[1:]
            memo[i] = self.add(n.op, args, attrs, n.loc)
        return memo[root]


def _polynomial_context(g: Graph, value: set) -> set:
    """Nodes with a path to an output along which every operation is polynomial in it."""
    poly = {v for _, v in g.outputs}
    for i in sorted(value, reverse=True):
        if i not in poly:
            continue
        n = g.nodes[i]
        for p in _polynomial_positions(g, n):
            poly.add(n.args[p])
    return poly


def _polynomial_positions(g: Graph, n) -> tuple:
    op = n.op
    if op == "expect":
        return (0,)
    if op == "div":
        return (0,)
    if op == "pow":
        return (0,) if whole_power(g.nodes[n.args[1]]) is not None else ()
    if op == "select":
        return tuple(range(1, len(n.args)))
    spec = DEGREE.get(op)
    if spec == LINEAR:
        return tuple(range(len(n.args)))
    if isinstance(spec, tuple):
        return spec[1]
    return ()


def _demand(g: Graph):
    """Nodes whose values the outputs need, and nodes needed only for their shapes."""
    value, shape = set(), set()
    stack = [(v, True) for _, v in g.outputs]
    while stack:
        i, for_value = stack.pop()
        if i in value or (not for_value and i in shape):
            continue
        (value if for_value else shape).add(i)
        n = g.nodes[i]
        only = SHAPE_ONLY.get(n.op, ())
        for p, a in enumerate(n.args):
            stack.append((a, for_value and p not in only))
    return value, shape - value
