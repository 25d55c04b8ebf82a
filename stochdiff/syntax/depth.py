"""Deeply nested programs.

A long expression is a deep tree: ``a + b + c + ...`` nests to the left, one level per term.
The passes over the AST (name checks, lowering, the formatter) recurse over it, which keeps
them short and clear, so a sum of a few thousand terms needs a deep Python stack.  From
Python 3.11 a call from Python to Python no longer grows the C stack, so the recursion
limit can safely be raised while those passes run; beyond it (and on 3.10 beyond the
default limit) the error points at the deepest statement instead of failing with a
``RecursionError``.
"""

from __future__ import annotations

import contextlib
import sys

from ..errors import Location, SyntaxProblem
from .ast import walk

FRAMES = 200_000  # enough for expressions of some tens of thousands of terms


@contextlib.contextmanager
def deep_recursion():
    """Run a recursive pass over the AST with a recursion limit fit for long expressions."""
    old = sys.getrecursionlimit()
    if sys.version_info >= (3, 11):
        sys.setrecursionlimit(max(old, FRAMES))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def too_deep(module) -> SyntaxProblem:
    """The error for a program too deeply nested to process, at its deepest statement."""
    stmt = max(module.stmts, key=nesting, default=None)
    loc = stmt.loc if stmt is not None else Location(module.filename, 1, 1, 1, 2, module.source)
    return SyntaxProblem("this statement is nested too deeply to process; split it into named parts", loc)


def nesting(node) -> int:
    """How deeply AST dataclasses nest under ``node`` (computed without recursion)."""
    return max((d for _, d in walk(node)), default=0)


def parse_then(text: str, filename: str, then):
    """``then(parse_module(text, filename))`` for a recursive pass ``then``, with the stack it
    needs, and with a located error for a program too deep even for that."""
    from .parser import parse_module

    with deep_recursion():
        module = parse_module(text, filename)
        try:
            return then(module)
        except RecursionError:
            raise too_deep(module) from None
