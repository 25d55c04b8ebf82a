"""The formatter: canonical layout, minimal parentheses, and parse(format(m)) == m."""

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings

from stochdiff.syntax import ast, format_module, format_source, parse_module
from stochdiff.syntax.ast import BinOp, Field, Ident, Module, Neg, Num, Var
from stochdiff.syntax.formatter import format_expr

# The strategies live beside the tests; make them importable whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from strategies_ast import modules  # noqa: E402

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.sd"))


def without_comments(text):
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_round_trip(path):
    text = path.read_text()
    module = parse_module(text)
    out = format_module(module)
    assert parse_module(out) == module
    assert format_source(out) == out  # idempotent
    # The examples are written in the canonical style already, apart from their comments.
    assert out == without_comments(text)


CANONICAL = [
    ("x=a-(b-c)", "x = a - (b - c)"),
    ("x = (a - b) - c", "x = a - b - c"),
    ("x = (a ^ b) ^ c", "x = (a ^ b) ^ c"),
    ("x = a ^ (b ^ c)", "x = a ^ b ^ c"),
    ("x = -(a) ^ 2", "x = -a ^ 2"),
    ("x = (-a) ^ 2", "x = (-a) ^ 2"),
    ("x = 2^-1", "x = 2 ^ -1"),
    ("x = 2^(-1)", "x = 2 ^ -1"),
    ("x = -(-a)", "x = --a"),
    ("x = a - (-b)", "x = a - -b"),
    ("x = (a * b) / c", "x = a * b / c"),
    ("x = a / (b * c)", "x = a / (b * c)"),
    ("x = (a + b) * (c - d)", "x = (a + b) * (c - d)"),
    ("x = -(a + b)", "x = -(a + b)"),
    ("x = -(a * b)", "x = -(a * b)"),
    ("x = (-a) * b", "x = -a * b"),
    ("x = (a.b).c", "x = a.b.c"),
    ("x = (a + b).c", "x = (a + b).c"),
    ("x = (1).c + (2.5).d", "x = (1).c + (2.5).d"),
    ("x = (f(a)) ^ (2)", "x = f(a) ^ 2"),
    ("x = [ [1,2] ,[3 , 4] ]", "x = [[1, 2], [3, 4]]"),
    ("x = E[ z ,m ]( z*m )", "x = E[z, m](z * m)"),
    ("x = grad( l(w) ,w )", "x = grad(l(w), w)"),
    ("x = match v {\n a=>1,\n b => 2,\n}", "x = match v { a => 1, b => 2 }"),
    ("x = (match v { a => 1 }) + 1", "x = match v { a => 1 } + 1"),
    ("x = pi*.5", "x = pi * 0.5"),
    ("x = 1e3 + 1E-300 + 12", "x = 1000.0 + 1e-300 + 12"),
    ("random c ~ choice( gd:0.5 , nt : 0.5 )", "random c ~ choice(gd: 0.5, nt: 0.5)"),
    ("param a,b", "param a, b"),
    ("data D,Dv", "data D, Dv"),
    ("extern f( )", "extern f()"),
    ("def f( a ) = a", "def f(a) = a"),
    ("minimize f(p)wrt p,q", "minimize f(p) wrt p, q"),
    ("for k in 1 .. n+1 { }", "for k in 1..n + 1 {}"),
]


@pytest.mark.parametrize("text,canonical", CANONICAL, ids=[c for _, c in CANONICAL])
def test_canonical_text(text, canonical):
    assert format_source(text) == canonical + "\n"
    assert parse_module(canonical) == parse_module(text)


def test_for_bodies_are_indented():
    text = "for i in 1..2 {\nfor j in 1..i { x = j }\ny = i }\nz = 1"
    assert format_source(text) == ("for i in 1..2 {\n"
                                   "  for j in 1..i {\n"
                                   "    x = j\n"
                                   "  }\n"
                                   "  y = i\n"
                                   "}\n"
                                   "z = 1\n")


def test_comments_and_blank_lines_are_dropped():
    assert format_source("# head\n\nparam a  # why\n\n\nx = a\n") == "param a\nx = a\n"
    assert format_module(Module(())) == ""


@pytest.mark.parametrize("value", [0, 7, 10**40, 0.0, 0.1, 1.5, 1e16, 1e-300, 5e-324, 1.7976931348623157e308,
                                   123456.789, 2.0**-1074, 1e22, 3.0])
def test_numbers_keep_value_and_kind(value):
    text = format_expr(Num(value))
    back = parse_module(f"x = {text}").stmts[0].expr
    assert back == Num(value) and type(back.value) is type(value)


def test_constructed_trees_get_the_parentheses_they_need():
    a, b, c = Var("a"), Var("b"), Var("c")
    cases = {
        BinOp("-", a, BinOp("-", b, c)): "a - (b - c)",
        BinOp("^", BinOp("^", a, b), c): "(a ^ b) ^ c",
        BinOp("^", Neg(a), Num(2)): "(-a) ^ 2",
        Neg(BinOp("^", a, Num(2))): "-a ^ 2",
        BinOp("^", Num(2), Neg(Num(1))): "2 ^ -1",
        BinOp("@", a, BinOp("@", b, c)): "a @ (b @ c)",
        BinOp("*", a, BinOp("/", b, c)): "a * (b / c)",
        Field(Neg(a), "x"): "(-a).x",
        Field(Num(1.5), "x"): "(1.5).x",
        ast.Call(Ident("f"), (BinOp("+", a, b),)): "f(a + b)",
    }
    for tree, text in cases.items():
        assert format_expr(tree) == text
        assert parse_module(f"x = {text}").stmts[0].expr == tree


def test_labelled_argument_is_an_expression_form():
    assert format_expr(ast.Labelled(Ident("gd"), Num(0.5))) == "gd: 0.5"


def test_not_an_ast_is_a_type_error():
    with pytest.raises(TypeError):
        format_expr("a")


@settings(max_examples=200, deadline=None)
@given(modules)
def test_format_then_parse_is_the_identity(module):
    text = format_module(module)
    assert parse_module(text) == module
    assert format_module(parse_module(text)) == text
