"""The unrolling budget: how many loop iterations a program may unroll, counted before unrolling.

Loops are unrolled when a program is lowered, so a nest of loops costs the product of its
trip counts and sibling loops add up.  The limit is on that total, not on each loop: two
nested loops of 1000 iterations each unroll a million bodies even though neither loop is
long.  The total is counted by a walk that looks only at loops and consts (no lowering),
visits one loop iteration per unit of budget it spends and stops at the loop that crosses
the limit, so a refusal costs at most the budget's worth of cheap steps and comes before
any of the expensive unrolling.
"""

from __future__ import annotations

import dataclasses

from ..errors import StructureProblem
from ..syntax import ast as A
from . import names as N
from .names import Binding
from .statics import static, static_int

MAX_UNROLL = 100_000


class Unknown(Exception):
    """A bound or const the walk cannot evaluate; lowering will report it, so counting stops there."""


def trip_count(lo: int, hi: int) -> int:
    """Iterations of ``for k in lo..hi`` (both ends inclusive; none when ``hi < lo``)."""
    return max(0, hi - lo + 1)


def count_unrolled(loop: A.For, env: dict, left: int) -> int:
    """Loop-body iterations that unrolling ``loop`` costs, nested loops included.

    ``env`` is the environment at the loop; ``left`` is what remains of the program's budget.
    Raises a :class:`StructureProblem` at the first loop whose iterations exceed it.
    """
    try:
        return _count((loop,), dict(env), left, {}, outermost=True)
    except Unknown:
        # lowering fails at (or before) the bound that could not be evaluated, so nothing
        # beyond the loops counted so far is ever unrolled
        return 0


def _count(stmts, env: dict, left: int, relevant: dict, outermost: bool = False) -> int:
    used = 0
    for s in _relevant(stmts, relevant):
        if isinstance(s, A.ConstDecl):
            env[s.name.name] = Binding(N.CONST, static=_evaluate(static, s.expr, env))
            continue
        lo, hi = _evaluate(static_int, s.lo, env), _evaluate(static_int, s.hi, env)
        n = trip_count(lo, hi)
        if n > left - used:
            raise over_budget(s, n, outermost and left == MAX_UNROLL and used == 0)
        used += n
        if not _relevant(s.body, relevant):
            continue  # a body without loops or consts costs one unit per iteration
        saved = env.get(s.var.name)
        for k in range(lo, hi + 1):  # at most `left` iterations: each one spent a unit above
            env[s.var.name] = Binding(N.LOOP, k)
            used += _count(s.body, env, left - used, relevant)
        _restore(env, s.var.name, saved)
    return used


def _relevant(stmts, cache: dict) -> tuple:
    """The statements of ``stmts`` that the count depends on (loops and consts), cached per body."""
    key = id(stmts)
    if key not in cache:
        cache[key] = (stmts, tuple(s for s in stmts if isinstance(s, (A.For, A.ConstDecl))))
    return cache[key][1]


def _evaluate(fn, e, env):
    try:
        return fn(e, env, "")
    except StructureProblem:
        raise Unknown from None


def _restore(env: dict, key: str, saved) -> None:
    if saved is None:
        env.pop(key, None)
    else:
        env[key] = saved


def over_budget(loop: A.For, n: int, alone: bool) -> StructureProblem:
    """The error at ``loop``'s range: alone over the limit, or crossing the program's total."""
    at = dataclasses.replace(loop.lo.loc, end_line=loop.hi.loc.end_line, end_column=loop.hi.loc.end_column)
    if alone:
        return StructureProblem(f"the loop unrolls {n:,} times, more than the limit of {MAX_UNROLL:,} "
                                f"loop iterations", at)
    return StructureProblem(f"this loop takes the program past the limit of {MAX_UNROLL:,} unrolled loop "
                            f"iterations in total, counting a nested loop once per iteration of the loops "
                            f"around it", at)
