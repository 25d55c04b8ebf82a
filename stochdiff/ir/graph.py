"""The IR: a hash-consed DAG of primitive operations living in nested scopes.

A :class:`Graph` is immutable.  Nodes are numbered so that every node's inputs have
smaller ids (id order is a topological order), which keeps every pass a simple loop.

Scopes are the expectations.  The root scope (id 0) holds params, data, constants and
everything deterministic.  ``E[z, m](body)`` opens a scope whose ``sample`` nodes draw
``z`` and ``m``; a ``mean`` node closes it.  A node lives in the deepest scope among its
inputs, so anything in a body that does not depend on the draws is hoisted out
automatically.  Several ``mean`` nodes may close the same scope: that is how a forward
value and its Jacobian share draws (naive mode) until stream allocation separates them.

Batch layout used by the runtime: a node at *depth* ``d`` has ``d + 1`` leading batch axes:
one for replicates, then one per random variable bound by the enclosing scopes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Location, UNKNOWN


@dataclass(frozen=True)
class Node:
    op: str
    args: tuple = ()  # input node ids
    attrs: tuple = ()  # static, hashable
    loc: Location = field(default=UNKNOWN, compare=False)
    scope: int = 0  # innermost scope the node lives in
    depth: int = 0  # number of random-variable axes (see module docstring)


@dataclass(frozen=True)
class Var:
    """A random variable bound by a scope: one draw (per sample) of ``name ~ dist``."""

    name: str  # as written, e.g. "z"
    instance: int  # unique per declaration (and per loop iteration)
    dist: str
    loc: Location = field(default=UNKNOWN, compare=False)
    where: str = ""  # loop iteration it was declared in, e.g. "k=2" (empty outside loops)


@dataclass(frozen=True)
class Scope:
    """One expectation occurrence.

    ``key`` identifies its stream of draws: two scopes with the same key draw the same
    samples.  Keys are paths from the root so that a copy of an outer scope gives its
    inner scopes fresh draws too.
    """

    id: int
    parent: int | None
    vars: tuple  # of Var, in dependency order
    eid: int  # which source expectation this is an occurrence of
    key: tuple
    copy: int = 0  # 0 for the original draws, k for the k-th independent copy
    loc: Location = field(default=UNKNOWN, compare=False)
    why: str = field(default="", compare=False)  # why a copy was made (stream allocation)

    @property
    def label(self) -> str:
        names = ", ".join(v.name for v in self.vars)
        where = sorted({v.where for v in self.vars if v.where})
        return f"E[{names}]" + (f"{{{'; '.join(where)}}}" if where else "") + (f"#{self.copy}" if self.copy else "")


ROOT = Scope(id=0, parent=None, vars=(), eid=0, key=())


@dataclass(frozen=True)
class Graph:
    nodes: tuple  # of Node
    scopes: tuple  # of Scope, scopes[i].id == i
    outputs: tuple = ()  # of (name, node id)
    meta: tuple = ()  # (key, value) pairs: params, data, externs, source, ...

    def output(self, name: str) -> int:
        for k, v in self.outputs:
            if k == name:
                return v
        raise KeyError(name)

    def meta_get(self, key, default=None):
        for k, v in self.meta:
            if k == key:
                return v
        return default

    def depth_of_scope(self, sid: int) -> int:
        d = 0
        while sid:
            s = self.scopes[sid]
            d += len(s.vars)
            sid = s.parent
        return d

    def scope_chain(self, sid: int) -> list:
        """Scope ids from ``sid`` up to (and including) the root."""
        out = []
        while sid is not None:
            out.append(sid)
            sid = self.scopes[sid].parent
        return out

    def users(self) -> list:
        us = [[] for _ in self.nodes]
        for i, n in enumerate(self.nodes):
            for a in n.args:
                us[a].append(i)
        return us

    def cone(self, roots) -> set:
        """Every node some root depends on (roots included)."""
        seen = set()
        stack = list(roots)
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            stack.extend(self.nodes[i].args)
        return seen

    def to_networkx(self):
        """The graph as a ``networkx.DiGraph`` (edges from input to user)."""
        import networkx as nx

        g = nx.DiGraph()
        for i, n in enumerate(self.nodes):
            g.add_node(i, op=n.op, attrs=n.attrs, loc=n.loc, scope=n.scope, depth=n.depth)
            for a in n.args:
                g.add_edge(a, i)
        return g


class Builder:
    """Creates nodes with hash-consing and scope inference.  Start from scratch or from a graph."""

    def __init__(self, base: Graph | None = None):
        self.nodes: list = []
        self.scopes: list = [ROOT]
        self.meta: dict = {}
        self._memo: dict = {}
        self._depth: dict = {0: 0}
        if base is not None:
            self.scopes = list(base.scopes)
            for s in self.scopes[1:]:
                self._depth[s.id] = self._depth[s.parent] + len(s.vars)
            self.meta = dict(base.meta)
            for n in base.nodes:
                self._memo[(n.op, n.args, n.attrs)] = len(self.nodes)
                self.nodes.append(n)

    @classmethod
    def empty_like(cls, g: Graph) -> "Builder":
        """A builder with ``g``'s scopes and meta but no nodes (passes that rebuild a graph)."""
        b = cls(g)
        b.nodes, b._memo = [], {}
        return b

    # -- scopes
    def new_scope(self, parent: int, vars: tuple, eid: int, key: tuple, copy: int = 0,
                  loc: Location = UNKNOWN, why: str = "") -> int:
        sid = len(self.scopes)
        self.scopes.append(Scope(sid, parent, tuple(vars), eid, key, copy, loc, why))
        self._depth[sid] = self._depth[parent] + len(vars)
        return sid

    def scope_depth(self, sid: int) -> int:
        return self._depth[sid]

    def is_ancestor(self, a: int, b: int) -> bool:
        """Is scope ``a`` equal to or enclosing scope ``b``?"""
        while b is not None:
            if a == b:
                return True
            b = self.scopes[b].parent
        return False

    # -- nodes
    def add(self, op: str, args=(), attrs=(), loc: Location = UNKNOWN) -> int:
        args = tuple(args)
        attrs = tuple(attrs)
        key = (op, args, attrs)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if op == "sample":
            sid, pos = attrs[0], attrs[1]
            scope = sid
            depth = self._depth[self.scopes[sid].parent] + pos + 1
        elif op == "expect":
            sid = attrs[0]
            scope = self.scopes[sid].parent
            depth = self._depth[scope]
            for a in args:  # hoisting: a body that depends on nothing inside stays outside
                if self.nodes[a].depth > self._depth[sid]:
                    raise AssertionError("mean body deeper than its scope")
        else:
            scope, depth = 0, 0
            for a in args:
                n = self.nodes[a]
                if n.depth > depth or (n.depth == depth and n.scope != scope and
                                       self.is_ancestor(scope, n.scope)):
                    scope, depth = n.scope, n.depth
        nid = len(self.nodes)
        self.nodes.append(Node(op, args, attrs, loc, scope, depth))
        self._memo[key] = nid
        return nid

    def finish(self, outputs=(), **meta) -> Graph:
        m = dict(self.meta)
        m.update(meta)
        return Graph(tuple(self.nodes), tuple(self.scopes), tuple(outputs), tuple(m.items()))


def extern_of(key) -> tuple:
    """``(name, order)`` of a call key: the extern it calls and how many adjoints deep."""
    order = 0
    while key[0] == "vjps":
        key, order = key[1], order + 1
    return key[1], order
