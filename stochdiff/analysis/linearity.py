"""Which minibatch expectations can be computed exactly from the whole dataset.

If an expectation's body depends on its minibatch ``z`` only as an average over the
examples of ``z`` (plus terms that do not depend on ``z``), its exact value needs no
enumeration of subsets: a uniformly drawn subset's average has expectation equal to the
full data's average, so evaluating the body once with the whole dataset as the minibatch
gives the exact expectation.

The check is an abstract interpretation over the nodes of the scope, with states

    C  does not depend on z           P  per example: row i depends on example i only
    Q  per example, scaled by 1/|z|   L  affine in the empirical measure of z (no example axis)
    S  the size of a per-example value (proportional to |z|)          X  anything else

and rules in a table.  Anything not covered is X, so the answer is conservative: a scope
is only treated this way when *every* expectation drawing from it has a body in C or L.
Shapes that would make a rule wrong (a constant aligned with the example axis, say)
cannot silently pass: with the whole dataset such a constant no longer fits, the evaluation
fails with a shape mismatch, and ``Model.exact`` enumerates subsets instead.
"""

from __future__ import annotations

C, P, Q, L, S, X = "C", "P", "Q", "L", "S", "X"

_PER_EXAMPLE_UNARY = {"neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "sign", "step"}


def _elementwise(op, a, b):
    if a == C and b == C:
        return C
    pair = {a, b}
    if pair <= {C, P}:
        return P
    if op in ("mul", "div") and Q in pair and pair <= {C, P, Q} and not (op == "div" and b == Q):
        return Q if pair != {Q} else X  # Q * Q scales by 1/|z|^2
    if op in ("add", "sub") and pair == {Q}:
        return Q
    if pair <= {C, L}:
        if op in ("add", "sub"):
            return L
        if op == "mul" and C in pair:
            return L
        if op == "div" and b == C:
            return L
    if op == "div" and a in (P, Q) and b == S:
        return Q if a == P else X
    return X


def _rule(op, s, node):
    """State of a node from the states ``s`` of its arguments."""
    if all(x == C for x in s):
        return C
    if op in ("add", "sub", "mul", "div", "pow"):
        if op == "pow":
            return P if s[0] == P and s[1] == C else X
        return _elementwise(op, s[0], s[1])
    if op in _PER_EXAMPLE_UNARY:
        if op == "neg":
            return s[0]
        return P if s[0] == P else X
    if op == "field":
        return s[0] if s[0] in (P, Q, L) else X
    if op == "mean":
        return {P: L, L: L}.get(s[0], X)
    if op == "sum":
        return {Q: L, L: L}.get(s[0], X)
    if op == "size":
        return S if s[0] == P else X
    if op == "expand":  # broadcast g to a's shape: a carries the example axis, or not
        g, a = s
        if a in (P, Q):  # a constant spread over the examples is per-example (a sum of it scales)
            return P if g == C else X
        return g if g in (C, L) else X
    if op in ("unbroadcast", "broadcast_to"):  # reduce to / broadcast to the second's shape
        g, a = s
        if a in (P, Q):
            return P if g == C else (g if g in (P, Q) else X)
        return {C: C, Q: L, L: L}.get(g, X)  # a reduction to a shape without examples sums them
    if op == "matmul":
        return P if s[0] == P and s[1] == C else (Q if s[0] == Q and s[1] == C else X)
    if op == "matmul_ga":  # g @ b^T shaped like a: stays per example
        g, _a, b = s
        return g if g in (P, Q) and b == C else X
    if op == "matmul_gb":  # a^T @ g: contracts the example axis
        g, a, _b = s
        if g == Q and a in (P, C):
            return L
        if g == C and a == Q:
            return L
        return X
    if op in ("seed", "zeros"):
        return C
    if op in ("densify", "adj_field", "record1"):  # record plumbing: the value passes through
        return s[0] if s[0] in (C, P, Q, L) else X
    return X


def linear_minibatch_scopes(g) -> frozenset:
    """Ids of minibatch scopes whose every expectation is affine in the minibatch's average."""
    candidates = {s.id for s in g.scopes[1:] if len(s.vars) == 1 and s.vars[0].dist == "minibatch"}
    if not candidates:
        return frozenset()
    state: dict = {}
    ok = {sid: True for sid in candidates}
    for i, n in enumerate(g.nodes):
        if n.op == "expect" and n.attrs[0] in candidates:
            if state.get(n.args[0], C) not in (C, L):
                ok[n.attrs[0]] = False
            continue
        if n.scope not in candidates:
            continue  # outside the scope (or in a nested one): not analysed, counts as C for its users
        if n.op == "sample":
            state[i] = P
            continue
        args = [state[a] if a in state else _outer(g, a, n.scope) for a in n.args]
        state[i] = _rule(n.op, args, n)
    return frozenset(sid for sid, good in ok.items() if good)


def _outer(g, a, sid) -> str:
    """A value from outside the scope is a constant for it, unless it lives in a nested scope."""
    s = g.nodes[a].scope
    while s:
        if s == sid:
            return X  # produced inside a scope nested in this one
        s = g.scopes[s].parent
    return C
