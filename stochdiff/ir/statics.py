"""Evaluating constant expressions: const values, sizes, shapes, probabilities, loop bounds.

A constant expression is built from numbers, ``pi``, consts, loop variables, array
literals and arithmetic; anything else (a param, data, a random variable) is refused
with a sentence that says what the value must be.
"""

from __future__ import annotations

import math

from ..errors import StructureProblem
from ..syntax import ast as A
from . import names as N
from .printer import fmt_value

STATIC_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b, "^": lambda a, b: a ** b}


def try_static(e, env):
    """The value of ``e`` if it is constant, else None."""
    try:
        return static(e, env, "")
    except StructureProblem:
        return None


def static(e, env, what):
    """Evaluate a constant expression (numbers, pi, consts, loop variables, arithmetic)."""
    match e:
        case A.Num(value=v):
            return v
        case A.Pi():
            return math.pi
        case A.Var(name=n):
            bnd = env.get(n)
            if bnd is not None and bnd.kind in (N.LOOP, N.CONST):
                return bnd.value if bnd.kind == N.LOOP else bnd.static
            if bnd is not None:
                raise StructureProblem(f"{what} must be a number (or array of numbers) known before the program "
                                       f"runs, but '{n}' is {N.KIND_WORD[bnd.kind]}", e.loc)
        case A.Neg(operand=o):
            v = static(o, env, what)
            if isinstance(v, (int, float)):
                return -v
        case A.ArrayLit(items=items):
            return tuple(static(i, env, what) for i in items)
        case A.BinOp(op=op, left=l, right=r):
            a, b = static(l, env, what), static(r, env, what)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and op in STATIC_OPS:
                try:
                    v = STATIC_OPS[op](a, b)
                except ZeroDivisionError:
                    raise StructureProblem(f"{what} divides by zero", e.loc) from None
                except (OverflowError, ValueError):
                    raise StructureProblem(f"{what} is not a finite real number", e.loc) from None
                if isinstance(v, complex) or (isinstance(v, float) and not math.isfinite(v)):
                    raise StructureProblem(f"{what} is not a finite real number", e.loc)
                return v
    raise StructureProblem(f"{what} must be a number (or array of numbers) known before the program runs",
                           getattr(e, "loc", None))


def static_int(e, env, what) -> int:
    v = static(e, env, what)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, int):
        raise StructureProblem(f"{what} must be a whole number, not {v}", e.loc)
    return v


def static_shape(e, env) -> tuple:
    v = static(e, env, "a shape")
    dims = v if isinstance(v, tuple) else (v,)
    out = []
    for d in dims:
        if isinstance(d, float) and d.is_integer():
            d = int(d)
        if not isinstance(d, int) or d <= 0:
            at = e.items[len(out)] if isinstance(e, A.ArrayLit) and isinstance(v, tuple) else e
            raise StructureProblem(f"a shape must be a positive whole number or a list of them, not "
                                   f"{fmt_value(v)}", at.loc)
        out.append(d)
    return tuple(out)
