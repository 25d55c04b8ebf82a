"""The abstract syntax tree of a stochdiff program.

Plain frozen dataclasses.  Locations are carried but excluded from equality, so
``parse(format(parse(x))) == parse(x)`` compares structure only.

Statements                                   Expressions
-----------                                  -----------
ParamDecl(names)        param a, b           Num(value)             1, 0.5, 1e-3
DataDecl(names)         data D, Dv           Pi()                   pi
ConstDecl(name, expr)   const eta = 0.1      ArrayLit(items)        [1.0, 0.2]
ExternDecl(name, args)  extern net(w, x)     Var(name)              theta
DefDecl(name,args,body) def f(a, b) = e      BinOp(op, left, right) a + b  (op in + - * / ^ @)
RandomDecl(name, dist,  random z ~ d(args)   Neg(operand)           -a
           args)                             Field(expr, name)      b.x
Assign(name, expr)      w = e                Call(func, args)       mean(e), f(a, b)
For(var, lo, hi, body)  for k in 1..3 {...}  Expect(vars, body)     E[z, m](e)
Minimize(expr, wrt)     minimize e wrt p     Grad(expr, wrt)        grad(e, theta)
                                             Match(var, arms)       match v { a => e, ... }

Distribution arguments are expressions, or ``Labelled(label, expr)`` for ``choice(gd: 0.5)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Union

from ..errors import Location, UNKNOWN


def _loc():
    return field(default=UNKNOWN, compare=False, repr=False)


@dataclass(frozen=True)
class Ident:
    """A name as written, with where it was written."""

    name: str
    loc: Location = _loc()


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Num:
    value: Union[int, float]  # int when written without '.', 'e' or 'E'
    loc: Location = _loc()


@dataclass(frozen=True)
class Pi:
    loc: Location = _loc()


@dataclass(frozen=True)
class ArrayLit:
    items: tuple  # of Expr (nested ArrayLit for matrices)
    loc: Location = _loc()


@dataclass(frozen=True)
class Var:
    name: str
    loc: Location = _loc()


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * / ^ @
    left: "Expr"
    right: "Expr"
    loc: Location = _loc()


@dataclass(frozen=True)
class Neg:
    operand: "Expr"
    loc: Location = _loc()


@dataclass(frozen=True)
class Field:
    expr: "Expr"
    name: str
    loc: Location = _loc()


@dataclass(frozen=True)
class Call:
    func: Ident  # a builtin, a def or an extern
    args: tuple  # of Expr
    loc: Location = _loc()


@dataclass(frozen=True)
class Expect:
    vars: tuple  # of Ident
    body: "Expr"
    loc: Location = _loc()


@dataclass(frozen=True)
class Grad:
    expr: "Expr"
    wrt: Ident
    loc: Location = _loc()


@dataclass(frozen=True)
class Arm:
    label: Ident
    expr: "Expr"
    loc: Location = _loc()


@dataclass(frozen=True)
class Match:
    var: Ident
    arms: tuple  # of Arm
    loc: Location = _loc()


Expr = Union[Num, Pi, ArrayLit, Var, BinOp, Neg, Field, Call, Expect, Grad, Match]


@dataclass(frozen=True)
class Labelled:
    """``label: expr`` inside ``choice(...)``."""

    label: Ident
    expr: Expr
    loc: Location = _loc()


# ----------------------------------------------------------------- statements


@dataclass(frozen=True)
class ParamDecl:
    names: tuple  # of Ident
    loc: Location = _loc()


@dataclass(frozen=True)
class DataDecl:
    names: tuple  # of Ident
    loc: Location = _loc()


@dataclass(frozen=True)
class ConstDecl:
    name: Ident
    expr: Expr
    loc: Location = _loc()


@dataclass(frozen=True)
class ExternDecl:
    name: Ident
    params: tuple  # of Ident
    loc: Location = _loc()


@dataclass(frozen=True)
class DefDecl:
    name: Ident
    params: tuple  # of Ident
    body: Expr
    loc: Location = _loc()


@dataclass(frozen=True)
class RandomDecl:
    name: Ident
    dist: Ident
    args: tuple  # of Expr or Labelled
    loc: Location = _loc()


@dataclass(frozen=True)
class Assign:
    name: Ident
    expr: Expr
    loc: Location = _loc()


@dataclass(frozen=True)
class For:
    var: Ident
    lo: Expr
    hi: Expr
    body: tuple  # of Stmt
    loc: Location = _loc()


@dataclass(frozen=True)
class Minimize:
    expr: Expr
    wrt: tuple  # of Ident
    loc: Location = _loc()


Stmt = Union[ParamDecl, DataDecl, ConstDecl, ExternDecl, DefDecl, RandomDecl, Assign, For, Minimize]


@dataclass(frozen=True)
class Module:
    """A whole source file: its statements in order."""

    stmts: tuple  # of Stmt
    filename: str = field(default="<string>", compare=False)
    source: str = field(default="", compare=False, repr=False)


BUILTINS = {
    # name: number of arguments
    "mean": 1, "sum": 1, "exp": 1, "log": 1, "sqrt": 1, "sin": 1, "cos": 1, "tanh": 1,
    "sigmoid": 1, "relu": 1, "abs": 1, "sign": 1, "outer": 2, "dot": 2,
}

DISTRIBUTIONS = {
    # name: (min args, max args)
    "minibatch": (2, 2), "dropout": (2, 2), "choice": (1, None), "bernoulli": (1, 1),
    "uniform": (2, 3), "normal": (2, 3),
}

KEYWORDS = {"param", "data", "const", "extern", "def", "random", "for", "in", "minimize", "wrt",
            "E", "grad", "match", "pi"}


def walk(node):
    """Every AST node under ``node`` (itself included) with its depth, 1 for ``node``.

    Iterative, so that the very deep trees of long expressions need no deep stack.
    """
    stack = [(node, 1)]
    while stack:
        x, d = stack.pop()
        if is_dataclass(x):
            yield x, d
            stack.extend((getattr(x, f.name), d + 1) for f in fields(x) if f.name != "loc")
        elif isinstance(x, (list, tuple)):
            stack.extend((y, d) for y in x)
