"""AST to canonical text.

One statement per line, two spaces of indentation per ``for`` body, spaces around binary
operators and after commas, and only the parentheses that precedence and associativity
require.  The output re-parses to an equal AST: ``parse_module(format_module(m)) == m``.

Comments are not part of the AST, so formatting drops them.
"""

from __future__ import annotations

import math

from . import ast

__all__ = ["format_module", "format_source", "format_expr"]

# Binding strength of each expression form; higher binds tighter.  These mirror the
# grammar's layers: expr (+ -), product (* / @), unary (-x), power (^), postfix/atoms.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5

_BINARY = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "@": _PRODUCT, "^": _POWER}

_INDENT = "  "


def format_module(module: ast.Module) -> str:
    """The canonical text of a program: one statement per line, ending with a newline."""
    lines = []
    for stmt in module.stmts:
        _statement(stmt, 0, lines)
    return "".join(line + "\n" for line in lines)


def format_source(text: str, filename: str = "<string>") -> str:
    """Parse ``text`` and print it canonically (comments are dropped).

    Raises :class:`~stochdiff.errors.SyntaxProblem` when ``text`` does not parse.
    """
    from .depth import parse_then  # imported here so the formatter has no parser cost

    return parse_then(text, filename, format_module)


def format_expr(expr) -> str:
    """The canonical text of one expression (or ``label: expr`` distribution argument)."""
    return _expr(expr)


# ------------------------------------------------------------------ statements


def _names(idents) -> str:
    return ", ".join(i.name for i in idents)


def _statement(stmt, depth: int, lines: list) -> None:
    pad = _INDENT * depth
    if isinstance(stmt, ast.For):
        head = f"{pad}for {stmt.var.name} in {_expr(stmt.lo)}..{_expr(stmt.hi)} {{"
        if not stmt.body:
            lines.append(head + "}")
            return
        lines.append(head)
        for inner in stmt.body:
            _statement(inner, depth + 1, lines)
        lines.append(f"{pad}}}")
        return
    lines.append(pad + _simple_statement(stmt))


def _simple_statement(stmt) -> str:
    if isinstance(stmt, ast.ParamDecl):
        return f"param {_names(stmt.names)}"
    if isinstance(stmt, ast.DataDecl):
        return f"data {_names(stmt.names)}"
    if isinstance(stmt, ast.ConstDecl):
        return f"const {stmt.name.name} = {_expr(stmt.expr)}"
    if isinstance(stmt, ast.ExternDecl):
        return f"extern {stmt.name.name}({_names(stmt.params)})"
    if isinstance(stmt, ast.DefDecl):
        return f"def {stmt.name.name}({_names(stmt.params)}) = {_expr(stmt.body)}"
    if isinstance(stmt, ast.RandomDecl):
        args = ", ".join(_expr(a) for a in stmt.args)
        return f"random {stmt.name.name} ~ {stmt.dist.name}({args})"
    if isinstance(stmt, ast.Assign):
        return f"{stmt.name.name} = {_expr(stmt.expr)}"
    if isinstance(stmt, ast.Minimize):
        return f"minimize {_expr(stmt.expr)} wrt {_names(stmt.wrt)}"
    raise TypeError(f"not a statement: {stmt!r}")


# ------------------------------------------------------------------ expressions


def _number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a number literal: {value!r}")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} cannot be written as a literal")
    # repr is the shortest text that reads back as the same float, and it always
    # contains '.', 'e' or 'E', so the literal re-parses as a float, not an int.
    return repr(value)


def _strength(expr) -> int:
    if isinstance(expr, ast.BinOp):
        return _BINARY[expr.op]
    if isinstance(expr, ast.Neg):
        return _UNARY
    if isinstance(expr, ast.Num) and expr.value < 0:
        return _UNARY  # prints as "-1"; never produced by the parser, handled for safety
    return _ATOM


def _wrap(expr, at_least: int) -> str:
    """``expr``'s text, parenthesised when it binds more loosely than its position needs."""
    text = _expr(expr)
    return text if _strength(expr) >= at_least else f"({text})"


def _expr(expr) -> str:
    if isinstance(expr, ast.BinOp):
        level = _BINARY[expr.op]
        if expr.op == "^":
            # Right associative, and the left side is a postfix expression: (-a) ^ 2,
            # (a ^ b) ^ c; the right side may be a unary minus: 2 ^ -1.
            return f"{_wrap(expr.left, _ATOM)} ^ {_wrap(expr.right, _UNARY)}"
        # Left associative: a - (b - c) keeps its parentheses, (a - b) - c loses them.
        return f"{_wrap(expr.left, level)} {expr.op} {_wrap(expr.right, level + 1)}"
    if isinstance(expr, ast.Neg):
        return f"-{_wrap(expr.operand, _UNARY)}"
    if isinstance(expr, ast.Num):
        return _number(expr.value)
    if isinstance(expr, ast.Pi):
        return "pi"
    if isinstance(expr, ast.Var):
        return expr.name
    if isinstance(expr, ast.ArrayLit):
        return "[" + ", ".join(_expr(item) for item in expr.items) + "]"
    if isinstance(expr, ast.Field):
        inner = expr.expr
        # A number before '.' would read as a decimal point: write (1).x.
        text = f"({_expr(inner)})" if isinstance(inner, ast.Num) else _wrap(inner, _ATOM)
        return f"{text}.{expr.name}"
    if isinstance(expr, ast.Call):
        return f"{expr.func.name}(" + ", ".join(_expr(a) for a in expr.args) + ")"
    if isinstance(expr, ast.Expect):
        return f"E[{_names(expr.vars)}]({_expr(expr.body)})"
    if isinstance(expr, ast.Grad):
        return f"grad({_expr(expr.expr)}, {expr.wrt.name})"
    if isinstance(expr, ast.Match):
        arms = ", ".join(f"{arm.label.name} => {_expr(arm.expr)}" for arm in expr.arms)
        return f"match {expr.var.name} {{ {arms} }}"
    if isinstance(expr, ast.Labelled):
        return f"{expr.label.name}: {_expr(expr.expr)}"
    raise TypeError(f"not an expression: {expr!r}")
