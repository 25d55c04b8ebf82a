"""Static name and arity checks, run on every statement whether or not it reaches the objective.

Lowering is lazy (a name's expression is lowered where it is used, inside the expectations
that bind its random variables), so without this pass a typo in an unused line would never
be reported.  Here every expression is walked once with the names visible at its statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NameProblem, StructureProblem, did_you_mean
from ..syntax import ast as A

# what a name can be bound to; values are (kind, arity-or-None)
PARAM, DATA, CONST, VALUE, RANDOM, DEF, EXTERN, LOOP = (
    "param", "data", "const", "value", "random", "def", "extern", "loop variable")

KIND_WORD = {PARAM: "a param", DATA: "data", CONST: "a const", VALUE: "a value",
             RANDOM: "a random variable", DEF: "a def", EXTERN: "an extern function",
             LOOP: "a loop variable"}


@dataclass(frozen=True)
class Binding:
    """What a name is bound to while a program is lowered (and while its loops are counted)."""

    kind: str
    value: object = None  # node id, Thunk, RandomInfo, DefDecl, ExternDecl or int
    env: object = None  # defining environment of a def
    loc: object = None
    static: object = None  # a const's value


def undefined(name: str, loc, names) -> NameProblem:
    hint = did_you_mean(name, list(names) + list(A.BUILTINS))
    return NameProblem(f"undefined name '{name}'{hint}", loc)


def check_expr(e, names: dict) -> None:
    """Raise the first name or arity mistake in ``e``; ``names`` maps name -> (kind, arity)."""
    match e:
        case A.Num() | A.Pi():
            return
        case A.ArrayLit(items=items):
            for it in items:
                check_expr(it, names)
        case A.Var(name=n, loc=loc):
            if n not in names:
                raise undefined(n, loc, names)
            kind = names[n][0]
            if kind in (DEF, EXTERN):
                raise NameProblem(f"'{n}' is {KIND_WORD[kind]}; call it with arguments, as in {n}(...)", loc)
        case A.BinOp(left=l, right=r):
            check_expr(l, names)
            check_expr(r, names)
        case A.Neg(operand=o):
            check_expr(o, names)
        case A.Field(expr=x):
            check_expr(x, names)
        case A.Call(func=f, args=args, loc=loc):
            check_call(f, len(args), names)
            for a in args:
                check_expr(a, names)
        case A.Expect(vars=vs, body=body):
            seen = set()
            for v in vs:
                if v.name not in names:
                    raise undefined(v.name, v.loc, names)
                if names[v.name][0] != RANDOM:
                    raise StructureProblem(
                        f"E[{v.name}] needs a random variable, but '{v.name}' is {KIND_WORD[names[v.name][0]]}",
                        v.loc)
                if v.name in seen:
                    raise StructureProblem(f"E binds '{v.name}' twice", v.loc)
                seen.add(v.name)
            check_expr(body, names)
        case A.Grad(expr=x, wrt=w):
            check_expr(x, names)
            if w.name not in names:
                raise undefined(w.name, w.loc, names)
            kind = names[w.name][0]
            if kind not in (PARAM, CONST, VALUE):
                raise StructureProblem(
                    f"grad needs a named value to differentiate with respect to, but '{w.name}' is "
                    f"{KIND_WORD[kind]}", w.loc)
        case A.Match(var=v, arms=arms):
            if v.name not in names:
                raise undefined(v.name, v.loc, names)
            if names[v.name][0] != RANDOM:
                raise StructureProblem(
                    f"match needs a random variable drawn from a labelled choice, but '{v.name}' is "
                    f"{KIND_WORD[names[v.name][0]]}", v.loc)
            for arm in arms:
                check_expr(arm.expr, names)
        case _:  # pragma: no cover - the parser only builds the cases above
            raise TypeError(f"unknown expression {e!r}")


def check_call(f: A.Ident, nargs: int, names: dict) -> None:
    name = f.name
    if name in names:
        kind, arity = names[name]
        if kind not in (DEF, EXTERN):
            raise NameProblem(f"'{name}' is {KIND_WORD[kind]}, not a function", f.loc)
        if arity != nargs:
            raise StructureProblem(f"{name} takes {plural(arity, 'argument')} but is given {nargs}", f.loc)
        return
    if name in A.BUILTINS:
        arity = A.BUILTINS[name]
        if arity != nargs:
            raise StructureProblem(f"{name} takes {plural(arity, 'argument')} but is given {nargs}", f.loc)
        return
    if name in A.DISTRIBUTIONS:
        raise StructureProblem(f"'{name}' is a distribution; use it in a declaration: random v ~ {name}(...)",
                               f.loc)
    hint = did_you_mean(name, [n for n, (k, _) in names.items() if k in (DEF, EXTERN)] + list(A.BUILTINS))
    raise NameProblem(f"undefined function '{name}'{hint}", f.loc)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
