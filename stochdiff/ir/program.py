"""``Program``: a parsed, checked and lowered source file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..syntax import ast as A
from .graph import Graph
from .lower import lower_module
from .printer import print_graph


@dataclass(frozen=True)
class ExpectationInfo:
    """One source expectation ``E[...]`` and where it sits in the expectation tree."""

    eid: int
    vars: tuple
    loc: object
    parent: int | None  # eid of the enclosing expectation (after hoisting), None at top level

    @property
    def label(self) -> str:
        return f"E[{', '.join(self.vars)}]"


class Program:
    """A checked program.  Build with :func:`stochdiff.parse` or :func:`stochdiff.load`."""

    def __init__(self, module: A.Module, ir: Graph):
        self.module = module
        self.ir = ir

    @classmethod
    def from_module(cls, module: A.Module) -> "Program":
        return cls(module, lower_module(module))

    # -- what the program declares
    @property
    def filename(self) -> str:
        return self.module.filename

    @property
    def source(self) -> str:
        return self.module.source

    @property
    def params(self) -> tuple:
        """Every declared param, in declaration order."""
        return self.ir.meta_get("params")

    @property
    def wrt(self) -> tuple:
        """The params the objective is minimized with respect to."""
        return self.ir.meta_get("wrt")

    @property
    def data(self) -> tuple:
        return self.ir.meta_get("data")

    def declared(self, kind: str) -> dict:
        """Names declared by ``param`` (kind "params") or ``data`` (kind "data"), with their locations."""
        decl = A.ParamDecl if kind == "params" else A.DataDecl
        out: dict = {}

        def walk(stmts):
            for s in stmts:
                if isinstance(s, decl):
                    out.update((i.name, i.loc) for i in s.names)
                elif isinstance(s, A.For):
                    walk(s.body)

        walk(self.module.stmts)
        return out

    @property
    def externs(self) -> dict:
        return dict(self.ir.meta_get("externs"))

    @property
    def random_nodes(self) -> tuple:
        """Every random variable instance (one per declaration, per loop iteration)."""
        return self.ir.meta_get("randoms")

    @property
    def expectations(self) -> tuple:
        """The expectation tree as a tuple of :class:`ExpectationInfo` (parents before children)."""
        g = self.ir
        out = []
        for eid, info in g.meta_get("expectations"):
            sid = info["scopes"][0]
            parent = g.scopes[sid].parent
            out.append(ExpectationInfo(eid, info["vars"], info["loc"],
                                       g.scopes[parent].eid if parent else None))
        return tuple(out)

    # -- printing
    def ir_text(self) -> str:
        """The IR listing (see :mod:`stochdiff.ir.printer`)."""
        return print_graph(self.ir, f"ir {Path(self.filename).name}")

    def expectation_tree(self) -> str:
        """Which expectation nests in which, one line each, indented by depth."""
        es = self.expectations
        kids: dict = {}
        for e in es:
            kids.setdefault(e.parent, []).append(e)
        lines: list = []

        def walk(parent, depth):
            for e in kids.get(parent, ()):
                lines.append(f"{'  ' * depth}{e.label}  line {e.loc.line}")
                walk(e.eid, depth + 1)

        walk(None, 0)
        return "\n".join(lines)

    def summary(self) -> str:
        """One paragraph: what is minimized, over what, and which expectations it contains."""
        rnd = self.random_nodes
        names = ", ".join(f"{v.name} ~ {v.dist.replace('_labelled', '')}" for v in rnd[:6])
        if len(rnd) > 6:
            names += f", and {len(rnd) - 6} more"
        es = self.expectations
        nest = max((self._depth(e, es) for e in es), default=0)
        parts = [f"{Path(self.filename).name}: ok.",
                 f"Minimizes over {', '.join(self.wrt)}",
                 f"(params: {', '.join(self.params)}" + (f"; data: {', '.join(self.data)}" if self.data else "")
                 + (f"; externs: {', '.join(self.externs)}" if self.externs else "") + ").",
                 f"{_count(len(rnd), 'random variable')}" + (f" ({names})" if rnd else "") + ",",
                 f"{_count(len(es), 'expectation')}" + (f" nested {nest} deep" if nest > 1 else "") + ";",
                 f"the IR has {len(self.ir.nodes)} nodes."]
        return " ".join(parts)

    @staticmethod
    def _depth(e, es) -> int:
        by = {x.eid: x for x in es}
        d = 1
        while e.parent is not None:
            e = by[e.parent]
            d += 1
        return d

    def networkx(self):
        """The IR as a ``networkx.DiGraph``; each mean node lists the nodes of its scope as ``body``."""
        g = self.ir.to_networkx()
        members: dict = {}
        for i, n in enumerate(self.ir.nodes):
            for sid in self.ir.scope_chain(n.scope)[:-1]:
                members.setdefault(sid, []).append(i)
        for i, n in enumerate(self.ir.nodes):
            if n.op == "expect":
                g.nodes[i]["body"] = tuple(members.get(n.attrs[0], ()))
        return g

    def __repr__(self) -> str:
        return f"<Program {Path(self.filename).name}: {len(self.ir.nodes)} nodes>"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
