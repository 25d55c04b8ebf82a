"""Text and JSON views of the expectation graph: ``stochdiff inspect`` and ``model.report()``.

Both read the graph of :func:`~stochdiff.estimators.graphview.expectation_graph`, so the
command line, the report and the pictures name every expectation, appearance and stream
the same way.
"""

from __future__ import annotations

from pathlib import Path

from .graphview import expectation_graph

MODES = ("naive", "independent")


def inspect_text(model, mode: str = "independent") -> str:
    """What ``stochdiff inspect`` prints: the tree, the appearances of one estimator, its certificate."""
    G = expectation_graph(model, mode)
    out = [f"stochdiff inspect: {Path(model.program.filename).name} ({mode} estimator)"]
    out += _tree(G) + ["", "appearances"] + _appearances(G) + [""]
    out += str(model.estimator(mode).certificate).splitlines()
    return "\n".join(out) + "\n"


def report(model) -> str:
    """``model.report()``: the tree once, then the appearances and certificate of each estimator."""
    graphs = {mode: expectation_graph(model, mode) for mode in MODES}
    out = [f"stochdiff report: {Path(model.program.filename).name}"] + _tree(graphs["independent"])
    for mode in MODES:
        out += ["", f"appearances ({mode})"] + _appearances(graphs[mode])
    out += ["", "certificates"]
    for mode in MODES:
        out += ["  " + line for line in str(model.estimator(mode).certificate).splitlines()]
    return "\n".join(out) + "\n"


def inspect_json(model, mode: str = "independent") -> dict:
    """The ``stochdiff.inspect/1`` document (documented in docs/cli.md)."""
    G = expectation_graph(model, mode)
    es = _tree_order(G)
    exps = []
    for e in es:
        a = G.nodes[e]
        exps.append({"id": e, "label": a["label"], "vars": list(a["vars"]), "where": a["where"],
                     "line": a["line"], "column": a["column"], "parent": a["parent"],
                     "children": _kids(G, e, "nests"), "appearances": _kids(G, e, "appears")})
    rvs = []
    for k, a in G.nodes(data=True):
        if a["kind"] == "random":
            rvs.append({"id": k, "name": a["name"], "dist": a["dist"], "where": a["where"], "line": a["line"],
                        "column": a["column"], "bound_by": a["bound_by"],
                        "depends_on": [u for u, _, d in G.in_edges(k, data=True) if d["kind"] == "depends"]})
    apps = []
    for k in _appearance_order(G, es):
        a = G.nodes[k]
        apps.append({"id": k, "expectation": a["expectation"], "role": a["role"], "jacobian": a["jacobian"],
                     "line": a["line"], "column": a["column"],
                     "stream": {"id": a["stream"], "label": a["stream_label"], "copy": a["copy"], "why": a["why"],
                                "independent": a["independent"], "parent": a["parent_stream"]}})
    return {"version": "stochdiff.inspect/1", "file": model.program.filename, "mode": mode,
            "expectations": exps, "random_variables": rvs, "appearances": apps,
            "certificate": model.estimator(mode).certificate.to_json()}


# ---------------------------------------------------------------------------------------------
# sections


def _tree(G) -> list:
    heads = []
    for e in _tree_order(G):
        a = G.nodes[e]
        binds = []
        for r in _kids(G, e, "binds"):
            ra = G.nodes[r]
            deps = [G.nodes[u]["name"] for u, _, d in G.in_edges(r, data=True) if d["kind"] == "depends"]
            binds.append(f"{ra['name']} ~ {ra['dist']} (line {ra['line']}"
                         + (f"; depends on {', '.join(deps)}" if deps else "") + ")")
        heads.append(("  " * (a["depth"] - 1) + _label(a), f"line {a['line']}:{a['column']}",
                      "binds " + ", ".join(binds)))
    return ["", "expectation tree"] + (_columns(heads, "  ") or ["  (none)"])


def _appearances(G) -> list:
    rows = []
    for k in _appearance_order(G, _tree_order(G)):
        a = G.nodes[k]
        stream = f"stream s{a['stream']} {a['stream_label']}"
        if a["independent"]:
            stream += f"  (independent copy: {a['why']})" if a["why"] else "  (independent copy)"
        rows.append((_label(G.nodes[a["expectation"]]), a["role"], f"line {a['line']}:{a['column']}", stream))
    return _columns(rows, "  ") or ["  (no expectations)"]


def _label(a) -> str:
    return a["label"] + ("{" + a["where"] + "}" if a["where"] else "")


def _tree_order(G) -> list:
    order = []

    def walk(e):
        order.append(e)
        for _, k, a in G.out_edges(e, data=True):
            if a["kind"] == "nests":
                walk(k)

    for k, a in G.nodes(data=True):
        if a["kind"] == "expectation" and a["parent"] is None:
            walk(k)
    return order


def _appearance_order(G, es) -> list:
    rank = {e: j for j, e in enumerate(es)}
    apps = [k for k, a in G.nodes(data=True) if a["kind"] == "appearance"]
    return sorted(apps, key=lambda k: (rank.get(G.nodes[k]["expectation"], len(rank)), G.nodes[k]["jacobian"],
                                       G.nodes[k]["stream"], G.nodes[k]["node"]))


def _kids(G, k, kind) -> list:
    return [v for _, v, a in G.out_edges(k, data=True) if a["kind"] == kind]


def _columns(rows, indent) -> list:
    if not rows:
        return []
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]) - 1)]
    return [(indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1]).rstrip() for r in rows]
