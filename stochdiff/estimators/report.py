"""``model.report()``: expectation tree, appearances and their streams, certificates."""

from __future__ import annotations

from pathlib import Path

from ..estimators.emit import needed_nodes


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


def stream_text(s) -> str:
    text = f"s{s.id} {s.label}"
    if s.copy:
        text += f"  (independent copy: {s.why})" if s.why else "  (independent copy)"
    return text


def report(model) -> str:
    prog = model.program
    out = [f"stochdiff report: {Path(prog.filename).name}", "", "expectation tree"]
    tree = prog.expectation_tree()
    out += ["  " + line for line in tree.splitlines()] or ["  (none)"]
    for mode in ("naive", "independent"):
        est = model.estimator(mode)
        g = est.graph
        rows = appearances(g)
        out += ["", f"appearances ({mode})"]
        width = max((len(f"{s.label.split('#')[0]} line {s.loc.line}") for s, _, _ in rows), default=0)
        for s, role, i in rows:
            what = f"{s.label.split('#')[0]} line {s.loc.line}".ljust(width)
            used = f"used at line {g.nodes[i].loc.line}" if role == "value" else "in the gradient"
            out.append(f"  {what}  {role:<8}  {used:<16}  stream {stream_text(s)}")
        if not rows:
            out.append("  (no expectations)")
    out += ["", "certificates"]
    for mode in ("naive", "independent"):
        out += ["  " + line for line in str(model.estimator(mode).certificate).splitlines()]
    return "\n".join(out) + "\n"
