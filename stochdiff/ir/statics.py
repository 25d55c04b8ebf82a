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

# Whole numbers are folded exactly while float64 (what the program computes in) holds them
# exactly too; a larger result is folded as a float, which is the value numpy would use
# anyway.  This keeps the cost of folding bounded: an exact 9^9^9 has 370 million digits.
EXACT = 2 ** 53

# numpy refuses arrays of more than 32 dimensions (64 since numpy 2); no program needs them
MAX_DIMS = 32


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
            check_depth(e)
            return rectangular(e, tuple(static(i, env, what) for i in items))
        case A.BinOp(op=op, left=l, right=r):
            a, b = static(l, env, what), static(r, env, what)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and op in STATIC_OPS:
                return fold(op, a, b, what, e.loc)
    raise StructureProblem(f"{what} must be a number (or array of numbers) known before the program runs",
                           getattr(e, "loc", None))


def check_depth(e: A.ArrayLit) -> None:
    """Refuse a literal nested more than MAX_DIMS deep, at its outermost bracket (before evaluating it)."""
    depth, x = 0, e
    while isinstance(x, A.ArrayLit):
        depth, x = depth + 1, x.items[0]
    if depth > MAX_DIMS:
        raise too_many_dimensions(e, depth)


def rectangular(e: A.ArrayLit, items: tuple) -> tuple:
    """``items`` if every item has the first item's shape (an array is a box, not a ragged list)."""
    first = shape_of(items[0])
    for item, value in zip(e.items[1:], items[1:]):
        if shape_of(value) != first:
            raise StructureProblem(f"the array literal is ragged: this item is {describe(shape_of(value))}, "
                                   f"but the first item is {describe(first)}", item.loc)
    if len(first) + 1 > MAX_DIMS:  # deeper than it looks: an item is an array-valued const
        raise too_many_dimensions(e, len(first) + 1)
    return items


def shape_of(v) -> tuple:
    """The shape of a folded value; its items are already rectangular, so the first one speaks for all."""
    return (len(v),) + shape_of(v[0]) if isinstance(v, tuple) else ()


def describe(shape: tuple) -> str:
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"a list of {plural(shape[0], 'number')}"
    return f"an array of shape {fmt_value(shape)}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def too_many_dimensions(e: A.ArrayLit, depth: int) -> StructureProblem:
    return StructureProblem(f"the array literal has too many dimensions ({depth}; at most {MAX_DIMS})", e.loc)


def fold(op: str, a, b, what: str, loc):
    """``a op b`` for two numbers, at a cost that does not grow with the size of the result."""
    if op == "^" and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1 \
            and b * math.log2(abs(a)) > math.log2(EXACT):
        a = float(a)  # too large to be exact in float64: fold as a float (or overflow) instead
    try:
        v = STATIC_OPS[op](a, b)
        if isinstance(v, int) and abs(v) > EXACT:
            v = float(v)
    except ZeroDivisionError:
        raise StructureProblem(f"{what} divides by zero", loc) from None
    except OverflowError:
        raise too_large(what, loc) from None
    if isinstance(v, float) and not math.isfinite(v):
        raise too_large(what, loc)
    if isinstance(v, complex):
        raise StructureProblem(f"{what} is not a real number (a negative number to a fractional power)", loc)
    return v


def too_large(what: str, loc) -> StructureProblem:
    return StructureProblem(f"{what} is too large to represent (more than about 1.8e308 in size)", loc)


def static_int(e, env, what) -> int:
    """A whole number known statically, small enough to count with (a loop bound, a size)."""
    v = static(e, env, what)
    if isinstance(v, (int, float)) and abs(v) > EXACT:
        # far beyond any loop or size the compiler could unroll or allocate; refused here so
        # that no later message has to print (or count to) an astronomical number
        raise StructureProblem(f"{what} must be a whole number no larger than 2^53 in size, not {float(v):.6g}",
                               e.loc)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, int):
        raise StructureProblem(f"{what} must be a whole number, not {fmt_value(v)}", e.loc)
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
