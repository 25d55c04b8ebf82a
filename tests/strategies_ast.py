"""Hypothesis strategies for well-formed-by-grammar ASTs (used by the round-trip property).

The trees respect what the grammar can express and nothing more: numbers are non-negative
(a minus sign is always a ``Neg``), names avoid keywords, arrays and ``E[...]`` variable
lists are non-empty, and call arguments are plain expressions while distribution
arguments may be ``Labelled``.  Semantics (arity, scoping) is deliberately ignored.
"""

from hypothesis import strategies as st

from stochdiff.syntax import ast

_FIRST = "adefgimprwxzEZ_"
_REST = _FIRST + "019"

# A small alphabet keeps generation fast and still hits keywords-as-prefixes such as `Ex`.
names = st.builds(lambda first, rest: first + rest, st.sampled_from(_FIRST),
                  st.text(_REST, max_size=4)).filter(lambda n: n not in ast.KEYWORDS)
idents = names.map(ast.Ident)


def _ident_tuple(min_size=1, max_size=3):
    return st.lists(idents, min_size=min_size, max_size=max_size).map(tuple)


numbers = st.one_of(
    st.integers(min_value=0, max_value=10**30),
    # abs() turns -0.0 into 0.0: the parser can only produce non-negative literals.
    st.floats(min_value=0.0, allow_nan=False, allow_infinity=False).map(abs),
).map(ast.Num)

_leaves = st.one_of(numbers, st.just(ast.Pi()), names.map(ast.Var))


def _extend(sub):
    small = lambda lo, hi: st.lists(sub, min_size=lo, max_size=hi).map(tuple)  # noqa: E731
    arms = st.lists(st.builds(ast.Arm, idents, sub), min_size=1, max_size=3).map(tuple)
    return st.one_of(
        st.builds(ast.BinOp, st.sampled_from("+-*/@^"), sub, sub),
        st.builds(ast.Neg, sub),
        st.builds(ast.Field, sub, names),
        st.builds(ast.Call, idents, small(0, 3)),
        st.builds(ast.ArrayLit, small(1, 3)),
        st.builds(ast.Expect, _ident_tuple(), sub),
        st.builds(ast.Grad, sub, idents),
        st.builds(ast.Match, idents, arms),
    )


exprs = st.recursive(_leaves, _extend, max_leaves=10)

dist_args = st.one_of(exprs, st.builds(ast.Labelled, idents, exprs))


def _simple_statements():
    return st.one_of(
        st.builds(ast.ParamDecl, _ident_tuple()),
        st.builds(ast.DataDecl, _ident_tuple()),
        st.builds(ast.ConstDecl, idents, exprs),
        st.builds(ast.ExternDecl, idents, _ident_tuple(0, 3)),
        st.builds(ast.DefDecl, idents, _ident_tuple(0, 3), exprs),
        st.builds(ast.RandomDecl, idents, idents, st.lists(dist_args, max_size=3).map(tuple)),
        st.builds(ast.Assign, idents, exprs),
        st.builds(ast.Minimize, exprs, _ident_tuple()),
    )


statements = st.recursive(
    _simple_statements(),
    lambda body: st.builds(ast.For, idents, exprs, exprs, st.lists(body, max_size=3).map(tuple)),
    max_leaves=6,
)

modules = st.lists(statements, max_size=5).map(lambda stmts: ast.Module(tuple(stmts)))
