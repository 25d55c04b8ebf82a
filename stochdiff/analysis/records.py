"""Records combine field by field only when their fields agree.

The kernels combine two records over the union of their fields, a missing field counting as
zero: adjoints need that (the adjoint of ``w.W1`` is a record with the field ``W1`` only).
In the user's program it would silently turn ``w + v`` with different fields into something
nobody wrote, so the program IR is checked against the structure of the given params and
data before it runs: which values are records, with which fields, follows from the params
and data through field access, arithmetic and the other primitives.  Whatever the check
cannot follow (an extern's result) is unknown, and unknown never makes an error.
"""

from __future__ import annotations

from ..errors import EvaluationProblem
from ..ir.lower import OPERATOR_NAMES as BINARY
# primitives whose result has the structure of their first argument
FIRST = {"neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "sign", "step", "sum",
         "mean", "sum_last", "unsq", "squeeze", "expect", "alias"}


def structure(x):
    """A record's fields (and theirs), as a dict; ``None`` for an array."""
    return {k: structure(v) for k, v in x.items()} if isinstance(x, dict) else None


def signature(x):
    """A hashable form of the structure of ``x`` (for caching the check)."""
    return tuple(sorted((k, signature(v)) for k, v in x.items())) if isinstance(x, dict) else None


def check_records(g, params: dict, data: dict) -> None:
    """Raise an :class:`EvaluationProblem` at the first operation of ``g`` (a program IR)
    that combines two records with different fields, given the params and data."""
    st: dict = {}
    for i, n in enumerate(g.nodes):
        a = [st.get(j) for j in n.args]
        op = n.op
        if op in ("param", "data"):
            s = structure((params if op == "param" else data).get(n.attrs[0]))
        elif op == "field":
            s = a[0].get(n.attrs[0]) if isinstance(a[0], dict) else None
        elif op == "sample":  # a minibatch is a record like its dataset, a task like its collection
            s = a[0] if n.attrs[2] in ("minibatch", "choice") and a else None
        elif op in BINARY:
            s = _combine(BINARY[op], a[0], a[1], n.loc)
        elif op in FIRST:
            s = a[0] if a else None
        elif op == "grad":
            s = a[1]
        elif op == "select":  # the arms of a match: the label comes first
            s = None
            for arm in a[1:]:
                s = _combine("match", s, arm, n.loc) if s is not None else arm
        else:
            s = None
        if s is not None:
            st[i] = s


def _combine(what, left, right, loc):
    if isinstance(left, dict) and isinstance(right, dict):
        path = _difference(left, right)
        if path is not None:
            fields, other = path
            raise EvaluationProblem(f"{what} combines records with different fields: {{{fields}}} and {{{other}}}",
                                    loc)
        return left
    return left if isinstance(left, dict) else right


def _difference(left: dict, right: dict, prefix: str = ""):
    """The field lists of the first (nested) records that differ, or None."""
    if set(left) != set(right):
        return (", ".join(prefix + k for k in sorted(left)), ", ".join(prefix + k for k in sorted(right)))
    for k in left:
        if isinstance(left[k], dict) and isinstance(right[k], dict):
            d = _difference(left[k], right[k], f"{prefix}{k}.")
            if d is not None:
                return d
    return None
