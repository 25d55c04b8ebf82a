"""The expectation graph of a model: which expectation nests in which, what each binds, where it
is used by an estimator and which stream of draws each use gets.  Also pictures of it.

* :func:`expectation_graph` builds it as a ``networkx.DiGraph`` (schema in its docstring);
* :func:`draw` saves a PNG or SVG made with matplotlib (scopes drawn as nested boxes);
* :func:`to_dot` gives Graphviz DOT text with one ``subgraph cluster_...`` per expectation.

Everything is read off the program IR (expectations, random variables, nesting) and off the IR
of the estimator of the chosen mode (appearances and their streams), so the picture shows the
estimator that actually runs.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Location, StochdiffError
from .emit import needed_nodes

SCHEMA_NOTE = "see stochdiff.estimators.graphview.expectation_graph"


# ---------------------------------------------------------------------------------------------
# the graph


def expectation_graph(model, mode: str = "independent"):
    """The expectation graph of ``model`` for the estimator of ``mode`` ('independent' or 'naive').

    Node ids are strings; every node has ``kind``, ``label`` and its source position ``file``,
    ``line``, ``column``.

    ``kind == "expectation"`` (id ``"E<scope>"``): one per source ``E[...]`` (per loop iteration
    inside a ``for``), i.e. one per scope of the program IR.

        scope (int, program IR scope id), eid (int, source expectation), vars (tuple of str),
        where (str, loop iteration such as ``"k=1"`` or ``""``), depth (1 at top level),
        parent (id of the enclosing expectation or None)

    ``kind == "random"`` (id ``"rv<instance>"``): one per random variable instance.

        name, dist, where, instance (int), bound_by (id of the expectation binding it, or None)

    ``kind == "appearance"`` (id ``"A<node>"``): one per ``expect`` node the estimator evaluates.

        expectation (id of its source expectation), node (int, node id in ``est.graph``),
        role ("forward value", "Jacobian" or "factor of a product"), jacobian (bool),
        vars (tuple of str), stream (int, scope id in ``est.graph``), stream_label (e.g.
        ``"E[z]#1"``), copy (int, 0 = the original draws), why (str, why the copy exists;
        ``""`` for copy 0), independent (bool, ``copy > 0``), parent_stream (int, the stream it
        is nested in, 0 at top level).  ``line``/``column`` are where the expect node comes
        from: the use of ``E`` for a forward value, the ``grad`` target for a Jacobian.

    Edges have ``kind``:

        "nests"    expectation -> expectation directly inside it
        "binds"    expectation -> random variable it integrates over
        "appears"  expectation -> each of its appearances
        "depends"  random variable -> random variable whose distribution's arguments use it

    Graph attributes: ``file``, ``mode``, ``value_unbiased``, ``grad_unbiased``, ``reasons``
    (the certificate's located reasons, a tuple of str).
    """
    import networkx as nx

    prog = model.program
    ir = prog.ir
    est = model.estimator(mode)
    cert = est.certificate
    G = nx.DiGraph(file=prog.filename, mode=mode, value_unbiased=cert.value_unbiased,
                   grad_unbiased=cert.grad_unbiased, reasons=tuple(cert.reasons))

    source_of = {}  # (eid, var instances) -> expectation node id
    for s in ir.scopes[1:]:
        eid = _eid(s)
        source_of[(s.eid, tuple(v.instance for v in s.vars))] = eid
        parent = _eid(ir.scopes[s.parent]) if s.parent else None
        G.add_node(eid, kind="expectation", label=_base_label(s), scope=s.id, eid=s.eid,
                   vars=tuple(v.name for v in s.vars), where="; ".join(sorted({v.where for v in s.vars if v.where})),
                   depth=len(ir.scope_chain(s.id)) - 1, parent=parent, **_pos(s.loc))
    for s in ir.scopes[1:]:
        if s.parent:
            G.add_edge(_eid(ir.scopes[s.parent]), _eid(s), kind="nests")

    bound = {v.instance: _eid(s) for s in ir.scopes[1:] for v in s.vars}
    for v in prog.random_nodes:
        G.add_node(_rid(v), kind="random", label=f"{v.name} ~ {v.dist.replace('_labelled', '')}", name=v.name,
                   dist=v.dist.replace("_labelled", ""), where=v.where, instance=v.instance,
                   bound_by=bound.get(v.instance), **_pos(v.loc))
    for s in ir.scopes[1:]:
        for v in s.vars:
            if not G.has_node(_rid(v)):  # declared inside a loop and not listed: still show it
                G.add_node(_rid(v), kind="random", label=f"{v.name} ~ {v.dist}", name=v.name, dist=v.dist,
                           where=v.where, instance=v.instance, bound_by=_eid(s), **_pos(v.loc))
            G.add_edge(_eid(s), _rid(v), kind="binds")
    for v, uses in _dependencies(ir).items():
        for u in uses:
            G.add_edge(_rid(u), _rid(v), kind="depends")

    g = est.graph
    for s, role, i in appearances(g):
        n = g.nodes[i]
        home = source_of.get((s.eid, tuple(v.instance for v in s.vars)))
        jac = role == "Jacobian"
        nice = "Jacobian" if jac else ("factor of a product" if s.why.startswith("a factor") else "forward value")
        G.add_node(f"A{i}", kind="appearance", label=f"{s.label} {nice}", expectation=home, node=i, role=nice,
                   jacobian=jac, vars=tuple(v.name for v in s.vars), stream=s.id, stream_label=s.label,
                   copy=s.copy, why=s.why, independent=s.copy > 0, parent_stream=s.parent or 0, **_pos(n.loc))
        if home is not None:
            G.add_edge(home, f"A{i}", kind="appears")
    return G


def appearances(g) -> list:
    """One row per ``expect`` node an estimator evaluates: (scope, role, node id)."""
    rows = []
    for i in sorted(needed_nodes(g)):
        n = g.nodes[i]
        if n.op == "expect":
            s = g.scopes[n.attrs[0]]
            role = "Jacobian" if len(n.attrs) > 1 and n.attrs[1] == "jacobian" else "value"
            rows.append((s, role, i))
    return rows


def _eid(s) -> str:
    return f"E{s.id}"


def _rid(v) -> str:
    return f"rv{v.instance}"


def _base_label(s) -> str:
    return s.label.split("#")[0]


def _pos(loc: Location) -> dict:
    return {"file": loc.file, "line": loc.line, "column": loc.column}


def _dependencies(ir) -> dict:
    """Random variable -> the random variables its distribution's arguments are computed from."""
    var_of = {}
    for i, n in enumerate(ir.nodes):
        if n.op == "sample":
            var_of[i] = ir.scopes[n.attrs[0]].vars[n.attrs[1]]
    out = {}
    for i, v in var_of.items():
        used = ir.cone(ir.nodes[i].args)
        out[v] = sorted({var_of[j] for j in used if j in var_of and j != i}, key=lambda u: u.instance)
    return out


def _check_mode(model, mode):
    model.estimator(mode)  # validates the mode with the usual message


# ---------------------------------------------------------------------------------------------
# DOT


def to_dot(model, mode: str = "independent") -> str:
    """Graphviz DOT text of the expectation graph: one ``subgraph cluster_E<n>`` per expectation,
    holding its random variables, its appearances and the expectations nested in it."""
    G = expectation_graph(model, mode)
    name = Path(G.graph["file"]).name
    lines = [f'digraph "{_esc(name)}" {{',
             f'  label="{_esc(name)}: expectation graph ({mode} estimator)"; labelloc=t; fontname="Helvetica";',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']

    def node_line(k, pad):
        a = G.nodes[k]
        if a["kind"] == "random":
            return f'{pad}"{k}" [label="{_esc(a["label"])}\\nline {a["line"]}", shape=ellipse, fillcolor="{RV}"];'
        colour = COPY if a["independent"] else ORIG
        style = "rounded,filled,dashed" if a["jacobian"] else "rounded,filled"
        return (f'{pad}"{k}" [label="{_esc(a["role"])}\\nstream s{a["stream"]} {_esc(a["stream_label"])}'
                f'\\nline {a["line"]}", fillcolor="{colour}", style="{style}"];')

    def cluster(e, depth):
        pad = "  " * (depth + 1)
        a = G.nodes[e]
        out = [f"{pad}subgraph cluster_{e} {{",
               f'{pad}  label="{_esc(a["label"])}  line {a["line"]}"; style=rounded; color="#555555";']
        for k in _children(G, e, "binds") + _children(G, e, "appears"):
            out.append(node_line(k, pad + "  "))
        for k in _children(G, e, "nests"):
            out += cluster(k, depth + 1)
        out.append(f"{pad}}}")
        return out

    for e in _roots(G):
        lines += cluster(e, 0)
    for k, a in G.nodes(data=True):
        if a["kind"] == "random" and a["bound_by"] is None:
            lines.append(node_line(k, "  "))
    for u, v, a in G.edges(data=True):
        if a["kind"] == "depends":
            lines.append(f'  "{u}" -> "{v}" [label="depends", style=dashed];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _esc(s: str) -> str:
    return str(s).replace("\\", "\\\\").replace('"', '\\"')


def _children(G, k, kind) -> list:
    return [v for _, v, a in G.out_edges(k, data=True) if a["kind"] == kind]


def _roots(G) -> list:
    return [k for k, a in G.nodes(data=True) if a["kind"] == "expectation" and a["parent"] is None]


# ---------------------------------------------------------------------------------------------
# pictures

ORIG = "#cfe2f3"  # appearance on the original draws of its expectation
COPY = "#f6a04d"  # appearance on an independent copy
RV = "#d9ead3"
BOX = ["#fbfbfb", "#f1f1f6", "#e8e8f0", "#dfdfea"]

NODE_W, NODE_H, GAP, PAD, HEAD = 2.6, 0.85, 0.3, 0.3, 0.55
PER_ROW = 3


def _matplotlib(path: str):
    try:
        import matplotlib
    except ImportError:
        raise StochdiffError("drawing needs matplotlib, which is not installed; "
                             "install it with: pip install 'stochdiff[plot]'", Location(file=path)) from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def draw(model, path, mode: str = "independent") -> None:
    """Save a picture of the expectation graph to ``path`` (``.png`` or ``.svg``).

    Each expectation is a box around the random variables it binds, its appearances in the
    estimator of ``mode`` and the expectations nested in it.  Appearances on an independent copy of
    the draws are orange, those on the original draws blue; Jacobian appearances have a dashed
    border.  Every node shows its source line; the copies and why they exist are listed below.
    """
    path = str(path)
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise StochdiffError(f"cannot tell which picture format {path!r} should be: name it .png or .svg",
                             Location(file=path))
    G = expectation_graph(model, mode)
    plt = _matplotlib(path)
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
    from matplotlib.lines import Line2D

    size = {}

    def measure(e):
        rows = _rows(G, e)
        kids = _children(G, e, "nests")
        for k in kids:
            measure(k)
        w_rows = max((len(r) * NODE_W + (len(r) - 1) * GAP for r in rows), default=0)
        w_kids = sum(size[k][0] for k in kids) + GAP * max(len(kids) - 1, 0)
        h_rows = len(rows) * (NODE_H + GAP)
        h_kids = max((size[k][1] for k in kids), default=0)
        size[e] = (max(w_rows, w_kids, 2.4) + 2 * PAD, HEAD + h_rows + h_kids + PAD)

    roots = _roots(G)
    for e in roots:
        measure(e)
    free = [k for k, a in G.nodes(data=True) if a["kind"] == "random" and a["bound_by"] is None]
    width = max(sum(size[e][0] for e in roots) + GAP * max(len(roots) - 1, 0),
                len(free) * (NODE_W + GAP), 8.0)
    height = max((size[e][1] for e in roots), default=0) + (NODE_H + GAP if free else 0)

    copies = sorted({(a["stream"], a["stream_label"], a["why"]) for _, a in G.nodes(data=True)
                     if a["kind"] == "appearance" and a["independent"]})
    cert = ["value " + ("unbiased" if G.graph["value_unbiased"] else "BIASED"),
            "gradient " + ("unbiased" if G.graph["grad_unbiased"] else "BIASED")]
    notes = ["independent copies of the draws, and why they exist:"] if copies else []
    notes += [f"  s{sid} {label}: {why}" for sid, label, why in copies]
    notes += ["certificate:"] + [f"  - {r}" for r in G.graph["reasons"]] if G.graph["reasons"] else []
    top, bottom = 0.9, 1.4 + 0.3 * len(notes)
    fig_w, fig_h = width + 0.6, height + top + bottom
    fig = plt.figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.3, width + 0.3)
    ax.set_ylim(-bottom, height + top)
    ax.axis("off")

    centre = {}

    def node(k, x, y):
        a = G.nodes[k]
        if a["kind"] == "random":
            face, ls, text = RV, "-", f"{a['label']}\nline {a['line']}"
            style = "round,pad=0.02,rounding_size=0.35"
        else:
            face = COPY if a["independent"] else ORIG
            ls = "--" if a["jacobian"] else "-"
            text = f"{a['role']}\nstream s{a['stream']} {a['stream_label']}\nline {a['line']}"
            style = "round,pad=0.02,rounding_size=0.1"
        ax.add_patch(FancyBboxPatch((x, y - NODE_H), NODE_W, NODE_H, boxstyle=style, facecolor=face,
                                    edgecolor="#333333", linestyle=ls, linewidth=1.4 if ls == "--" else 1.0))
        ax.text(x + NODE_W / 2, y - NODE_H / 2, text, ha="center", va="center", fontsize=9.5)
        centre[k] = (x + NODE_W / 2, y - NODE_H / 2)

    def place(e, x, y):
        a = G.nodes[e]
        w, h = size[e]
        ax.add_patch(FancyBboxPatch((x, y - h), w, h, boxstyle="round,pad=0,rounding_size=0.15",
                                    facecolor=BOX[min(a["depth"] - 1, len(BOX) - 1)], edgecolor="#444466",
                                    linewidth=1.3))
        ax.text(x + 0.15, y - 0.27, f"{a['label']}   line {a['line']}:{a['column']}", ha="left", va="center",
                fontsize=12, fontweight="bold", color="#222244")
        yy = y - HEAD
        for row in _rows(G, e):
            for j, k in enumerate(row):
                node(k, x + PAD + j * (NODE_W + GAP), yy)
            yy -= NODE_H + GAP
        xx = x + PAD
        for k in _children(G, e, "nests"):
            place(k, xx, yy)
            xx += size[k][0] + GAP

    x = 0.0
    for e in roots:
        place(e, x, height)
        x += size[e][0] + GAP
    for j, k in enumerate(free):
        node(k, j * (NODE_W + GAP), NODE_H)

    for u, v, a in G.edges(data=True):
        if a["kind"] == "depends" and u in centre and v in centre:
            (x0, y0), (x1, y1) = centre[u], centre[v]
            down = y1 < y0
            a0 = (x0, y0 - NODE_H / 2) if down else (x0 + NODE_W / 2, y0)
            a1 = (x1, y1 + NODE_H / 2) if down else (x1 - NODE_W / 2, y1)
            ax.add_patch(FancyArrowPatch(a0, a1, arrowstyle="-|>", mutation_scale=16, linestyle="--",
                                         color="#2a6a2a", linewidth=1.5, shrinkA=1, shrinkB=1,
                                         connectionstyle="arc3,rad=0.0" if abs(x1 - x0) < 1e-6 else
                                         "angle3,angleA=-90,angleB=0" if down else "arc3,rad=0.2"))

    name = Path(G.graph["file"]).name
    ax.text(0, height + top - 0.3, f"{name}: expectation graph ({mode} estimator)", fontsize=13,
            fontweight="bold", va="center")
    ax.text(0, height + top - 0.68, "certificate: " + ", ".join(cert), fontsize=10, va="center",
            color="#222222" if "BIASED" not in cert[0] + cert[1] else "#a01010")
    handles = [Patch(facecolor=ORIG, edgecolor="#333333", label="appearance on the original draws"),
               Patch(facecolor=COPY, edgecolor="#333333", label="appearance on an independent copy"),
               Patch(facecolor="white", edgecolor="#333333", linestyle="--", label="Jacobian appearance"),
               Patch(facecolor=RV, edgecolor="#333333", label="random variable (bound by its box)"),
               Patch(facecolor=BOX[0], edgecolor="#444466", label="expectation E[...] (box = scope)"),
               Line2D([], [], color="#2a6a2a", linestyle="--", label="depends: used by the distribution of")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, (bottom - 0.15) / fig_h), ncol=3,
              fontsize=8.5, frameon=False)
    for j, line in enumerate(notes):
        ax.text(0, -1.2 - 0.3 * j, line, fontsize=9.5, va="center", family="monospace")
    try:
        fig.savefig(path, dpi=150 if suffix == ".png" else None, facecolor="white")
    except OSError as err:
        raise StochdiffError(f"cannot write {path}: {err.strerror or err}", Location(file=path)) from None
    finally:
        plt.close(fig)


def _rows(G, e) -> list:
    """The random variables an expectation binds, then its appearances, PER_ROW to a row."""
    rvs = _children(G, e, "binds")
    apps = sorted(_children(G, e, "appears"), key=lambda k: (G.nodes[k]["jacobian"], G.nodes[k]["stream"],
                                                             G.nodes[k]["node"]))
    both = rvs + apps
    return [both[i:i + PER_ROW] for i in range(0, len(both), PER_ROW)]
