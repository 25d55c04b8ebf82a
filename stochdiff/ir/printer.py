"""The IR's text form (what ``inspect --dump`` shows and golden tests compare).

One line per node, ``%id = op[attrs] %arg, ...`` followed by the source position.  Nodes
inside an expectation are printed in a block for their scope::

    s1 = E[z] {                                         # 8:24
      %4 = sample z ~ minibatch(%3, 1)                  # 6:1
      ...
    }
    %9 = expect s1 %8                                   # 8:24

A scope closed by several ``expect`` nodes (a forward value and its Jacobian) is printed in
several blocks, each just before the ``expect`` that closes it, so the listing is always in
an order where every node is defined before it is used.  The grammar of the listing is
written down in ``docs/compiler.md`` (and tested against this printer).
"""

from __future__ import annotations

from .graph import Graph

COL = 52


def fmt_value(v) -> str:
    if isinstance(v, tuple):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def node_text(g: Graph, i: int) -> str:
    n = g.nodes[i]
    args = ", ".join(f"%{a}" for a in n.args)
    op, at = n.op, n.attrs
    if op in ("param", "data"):
        body = f"{op} {at[0]}"
    elif op == "const":
        body = f"const {at[0]} = {fmt_value(at[1])}"
    elif op == "lit":
        body = f"lit {fmt_value(at[0])}"
    elif op == "sample":
        sid, pos, dist, static, name = at
        stat = "; ".join(fmt_value(s) for s in static)
        inner = ", ".join(x for x in (args, stat) if x)
        body = f"sample {name} ~ {dist}({inner})"
    elif op == "expect":
        body = f"expect s{at[0]} {args}" + (f"  ({at[1]})" if len(at) > 1 else "")
    elif op in ("field", "adj_field", "record1", "alias"):
        body = f"{op}.{at[0]} {args}"
    elif op == "call":
        body = f"call {fn_text(at[0])}({args})"
    elif op == "grad":
        body = f"grad[{at[0]}] {args}"
    else:
        shown = "".join(f"[{fmt_value(a)}]" for a in at)
        body = f"{op}{shown} {args}".rstrip()
    return f"%{i} = {body}"


def fn_text(key) -> str:
    """A call's function: ``net`` for an extern, ``vjp[0,2](vjp[0](net))`` for adjoints.

    ``vjp[0](net)(w, x, g)`` is the record of adjoints of ``net(w, x)`` with respect to its
    arguments 0 (here ``w``) for the cotangent ``g``.
    """
    if key[0] == "extern":
        return key[1]
    _, base, _n, wrt = key
    return f"vjp[{','.join(map(str, wrt))}]({fn_text(base)})"


def loc_text(n) -> str:
    return f"# {n.loc.line}:{n.loc.column}" if n.loc.line else ""


def print_graph(g: Graph, title: str = "") -> str:
    """Render ``g`` as nested scope blocks (see module docstring)."""
    lines: list = []
    if title:
        lines.append(f"# {title}")
    for key in ("params", "data"):
        vals = g.meta_get(key)
        if vals:
            lines.append(f"{key} {', '.join(vals)}")
    externs = g.meta_get("externs")
    if externs:
        lines.append("extern " + ", ".join(f"{k}({', '.join(v)})" for k, v in externs))

    by_scope: dict = {}
    for i, n in enumerate(g.nodes):
        by_scope.setdefault(n.scope, []).append(i)
    printed: set = set()
    needed = g.cone([v for _, v in g.outputs]) if g.outputs else set(range(len(g.nodes)))

    def emit(line: str, n, indent: int):
        text = "  " * indent + line
        lt = loc_text(n)
        if lt:
            text = text.ljust(COL) + "  " + lt
        lines.append(text.rstrip())

    def block(sid: int, upto: int, indent: int):
        """Print the not-yet-printed nodes of scope ``sid`` (and its children) with id < upto."""
        for i in by_scope.get(sid, ()):
            if i >= upto:
                break
            if i in printed or i not in needed:
                continue
            n = g.nodes[i]
            if n.op == "expect":
                child = n.attrs[0]
                if any(j < i and j not in printed and j in needed for j in by_scope.get(child, ())) or \
                        any(_has_pending(g, by_scope, c, i, printed, needed) for c in _children(g, child)):
                    s = g.scopes[child]
                    head = f"s{child} = {s.label}"
                    lines.append(("  " * indent + f"{head} {{").ljust(COL) + f"  # {s.loc.line}:{s.loc.column}"
                                 if s.loc.line else "  " * indent + f"{head} {{")
                    block(child, i, indent + 1)
                    lines.append("  " * indent + "}")
            printed.add(i)
            emit(node_text(g, i), n, indent)

    block(0, len(g.nodes), 0)
    for name, v in g.outputs:
        lines.append(f"{name} %{v}")
    return "\n".join(lines) + "\n"


def _children(g: Graph, sid: int) -> list:
    return [s.id for s in g.scopes if s.parent == sid]


def _has_pending(g, by_scope, sid, upto, printed, needed) -> bool:
    if any(j < upto and j not in printed and j in needed for j in by_scope.get(sid, ())):
        return True
    return any(_has_pending(g, by_scope, c, upto, printed, needed) for c in _children(g, sid))
