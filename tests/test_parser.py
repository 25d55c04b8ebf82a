"""The parser: every construct, precedence, layout, locations and error messages."""

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from stochdiff.errors import StochdiffError, SyntaxProblem
from stochdiff.syntax import ast, parse_module
from stochdiff.syntax import parser as parser_module
from stochdiff.syntax.ast import (Arm, ArrayLit, Assign, BinOp, Call, ConstDecl, DataDecl, DefDecl, Expect,
                                  ExternDecl, Field, For, Grad, Ident, Labelled, Match, Minimize, Neg, Num,
                                  ParamDecl, Pi, RandomDecl, Var)

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.sd"))


def stmts(text):
    return parse_module(text).stmts


def expr(text):
    """The expression on the right of ``x = text``."""
    (stmt,) = stmts("x = " + text)
    return stmt.expr


def I(name):  # noqa: E743 - short builders keep the expected trees readable
    return Ident(name)


def V(name):
    return Var(name)


def B(op, left, right):
    return BinOp(op, left, right)


# ------------------------------------------------------------------ statements


def test_declarations():
    assert stmts("param a, b") == (ParamDecl((I("a"), I("b"))),)
    assert stmts("data D, Dv") == (DataDecl((I("D"), I("Dv"))),)
    assert stmts("const eta = 0.1") == (ConstDecl(I("eta"), Num(0.1)),)
    assert stmts("extern net(w, x)") == (ExternDecl(I("net"), (I("w"), I("x"))),)
    assert stmts("extern seed()") == (ExternDecl(I("seed"), ()),)
    assert stmts("def f(a, b) = a + b") == (DefDecl(I("f"), (I("a"), I("b")), B("+", V("a"), V("b"))),)


def test_random_declarations():
    assert stmts("random z ~ minibatch(D, 1)") == (RandomDecl(I("z"), I("minibatch"), (V("D"), Num(1))),)
    assert stmts("random opt ~ choice(gd: 0.5, newton: 1 - 0.5)") == (
        RandomDecl(I("opt"), I("choice"), (Labelled(I("gd"), Num(0.5)),
                                           Labelled(I("newton"), B("-", Num(1), Num(0.5))))),)
    assert stmts("random x ~ uniform(-5, 5, [10])") == (
        RandomDecl(I("x"), I("uniform"), (Neg(Num(5)), Num(5), ArrayLit((Num(10),)))),)


def test_assign_for_minimize():
    assert stmts("w = theta") == (Assign(I("w"), V("theta")),)
    assert stmts("for k in 1..3 {\n  w = w + k\n}") == (
        For(I("k"), Num(1), Num(3), (Assign(I("w"), B("+", V("w"), V("k"))),)),)
    assert stmts("for k in a + 1..n * 2 { w = k }") == (
        For(I("k"), B("+", V("a"), Num(1)), B("*", V("n"), Num(2)), (Assign(I("w"), V("k")),)),)
    assert stmts("for k in 1..2 {}") == (For(I("k"), Num(1), Num(2), ()),)
    assert stmts("minimize f(p) wrt p, q") == (Minimize(Call(I("f"), (V("p"),)), (I("p"), I("q"))),)


def test_nested_for():
    text = "for i in 1..2 {\n  for j in 1..i {\n    x = i * j\n  }\n  y = i\n}\nz = 1"
    inner = For(I("j"), Num(1), V("i"), (Assign(I("x"), B("*", V("i"), V("j"))),))
    assert stmts(text) == (For(I("i"), Num(1), Num(2), (inner, Assign(I("y"), V("i")))), Assign(I("z"), Num(1)))


# ------------------------------------------------------------------ expressions


def test_atoms():
    assert expr("3") == Num(3) and isinstance(expr("3").value, int)
    assert isinstance(expr("3.0").value, float)
    assert expr("1e-3") == Num(0.001) and isinstance(expr("1E3").value, float)
    assert expr(".5") == Num(0.5)
    assert expr("123456789012345678901234567890").value == 123456789012345678901234567890
    assert expr("pi") == Pi()
    assert expr("theta_1") == V("theta_1")
    assert expr("[1.0, 0.2]") == ArrayLit((Num(1.0), Num(0.2)))
    assert expr("[[1, 2], [3, 4]]") == ArrayLit((ArrayLit((Num(1), Num(2))), ArrayLit((Num(3), Num(4)))))
    assert expr("(a)") == V("a")


def test_compound_expressions():
    assert expr("b.x") == Field(V("b"), "x")
    assert expr("t.train.x") == Field(Field(V("t"), "train"), "x")
    assert expr("f(a).y") == Field(Call(I("f"), (V("a"),)), "y")
    assert expr("f()") == Call(I("f"), ())
    assert expr("f(a, b)") == Call(I("f"), (V("a"), V("b")))
    assert expr("E[z](f(z))") == Expect((I("z"),), Call(I("f"), (V("z"),)))
    assert expr("E[z, m](1)") == Expect((I("z"), I("m")), Num(1))
    assert expr("grad(l(w), w)") == Grad(Call(I("l"), (V("w"),)), I("w"))
    assert expr("match v { a => 1, b => 2 }") == Match(I("v"), (Arm(I("a"), Num(1)), Arm(I("b"), Num(2))))
    assert expr("match v { a => 1, }") == Match(I("v"), (Arm(I("a"), Num(1)),))


PRECEDENCE = [
    ("a + b * c", B("+", V("a"), B("*", V("b"), V("c")))),
    ("a * b + c", B("+", B("*", V("a"), V("b")), V("c"))),
    ("a - b - c", B("-", B("-", V("a"), V("b")), V("c"))),
    ("a - (b - c)", B("-", V("a"), B("-", V("b"), V("c")))),
    ("a / b * c", B("*", B("/", V("a"), V("b")), V("c"))),
    ("a @ b * c", B("*", B("@", V("a"), V("b")), V("c"))),
    ("a + b @ c", B("+", V("a"), B("@", V("b"), V("c")))),
    ("a ^ b ^ c", B("^", V("a"), B("^", V("b"), V("c")))),
    ("(a ^ b) ^ c", B("^", B("^", V("a"), V("b")), V("c"))),
    ("-x ^ 2", Neg(B("^", V("x"), Num(2)))),
    ("-(x) ^ 2", Neg(B("^", V("x"), Num(2)))),
    ("(-x) ^ 2", B("^", Neg(V("x")), Num(2))),
    ("2 ^ -1", B("^", Num(2), Neg(Num(1)))),
    ("2^-x^2", B("^", Num(2), Neg(B("^", V("x"), Num(2))))),
    ("-a * b", B("*", Neg(V("a")), V("b"))),
    ("a * -b", B("*", V("a"), Neg(V("b")))),
    ("--a", Neg(Neg(V("a")))),
    ("a - -b", B("-", V("a"), Neg(V("b")))),
    ("a * b ^ c", B("*", V("a"), B("^", V("b"), V("c")))),
    ("b.x ^ 2", B("^", Field(V("b"), "x"), Num(2))),
    ("f(x) ^ 2", B("^", Call(I("f"), (V("x"),)), Num(2))),
    ("(1).x", Field(Num(1), "x")),
    ("(a + b).x", Field(B("+", V("a"), V("b")), "x")),
]


@pytest.mark.parametrize("text,tree", PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence(text, tree):
    assert expr(text) == tree


# ------------------------------------------------------------------ layout


def test_examples_parse():
    assert len(EXAMPLES) >= 7  # the seven canonical programs and the worked examples
    for path in EXAMPLES:
        module = parse_module(path.read_text(), str(path))
        assert module.stmts and isinstance(module.stmts[-1], Minimize), path.name
        assert module.filename == str(path)


def test_example_structure():
    (path,) = [p for p in EXAMPLES if p.name == "optimizer_choice.sd"]
    module = parse_module(path.read_text())
    assert module.stmts[4] == RandomDecl(I("opt"), I("choice"), (Labelled(I("gd"), Num(0.5)),
                                                                  Labelled(I("newton"), Num(0.5))))
    g = Grad(Call(I("l"), (V("theta"),)), I("theta"))
    assert module.stmts[5] == Assign(I("u"), Expect((I("opt"),), Match(I("opt"), (
        Arm(I("gd"), B("*", Num(0.1), g)), Arm(I("newton"), B("/", g, V("a")))))))


def test_blank_lines_comments_and_line_endings():
    expected = (ParamDecl((I("a"),)), Assign(I("x"), V("a")))
    for text in ["param a\nx = a", "\n\n# c\nparam a  # trailing\n\n\n# more\nx = a\n\n", "param a\r\nx = a\r\n",
                 "\tparam a \t\n  x = a", "# only\nparam a\nx = a# c"]:
        assert stmts(text) == expected, repr(text)
    assert stmts("") == () and stmts("\n\n# nothing\n") == ()


def test_newlines_inside_brackets():
    assert expr("f(a,\n  b\n)") == Call(I("f"), (V("a"), V("b")))
    assert expr("[1,\n 2]") == ArrayLit((Num(1), Num(2)))
    assert expr("(a\n + b)") == B("+", V("a"), V("b"))
    assert expr("E[z,\n m](\n  z\n)") == Expect((I("z"), I("m")), V("z"))
    assert expr("match v {\n  a => 1,\n  b => 2,\n}") == Match(I("v"), (Arm(I("a"), Num(1)), Arm(I("b"), Num(2))))


def test_for_body_layouts():
    body = (Assign(I("x"), Num(1)), Assign(I("y"), Num(2)))
    expected = (For(I("k"), Num(1), Num(2), body),)
    for text in ["for k in 1..2 {\nx = 1\ny = 2\n}", "for k in 1..2 { x = 1\n y = 2 }",
                 "for k in 1..2\n{\n\n  x = 1 # c\n\n  y = 2\n\n}\n",
                 "for k in 1..2 {\n x = f(\n1) - f(1) + 1 - 1\n y = 2}"]:
        got = stmts(text)
        assert got[0].var == I("k") and len(got[0].body) == 2, repr(text)
    assert stmts("for k in 1..2 {\nx = 1\ny = 2\n}") == expected
    inner_match = "for k in 1..2 {\n  x = match v {\n    a => 1\n  }\n  y = 2\n}"
    assert stmts(inner_match)[0].body[1] == Assign(I("y"), Num(2))


def test_bounds_with_floats_and_names():
    (loop,) = stmts("for k in 1.5..n.m {}")
    assert loop.lo == Num(1.5) and loop.hi == Field(V("n"), "m")


def test_keywords_are_not_names():
    for kw in sorted(ast.KEYWORDS):
        with pytest.raises(SyntaxProblem):
            parse_module(f"param {kw}")


def test_names_containing_keywords_are_names():
    assert stmts("params = inx + Ex + grad_ + pi2") == (
        Assign(I("params"), B("+", B("+", B("+", V("inx"), V("Ex")), V("grad_")), V("pi2"))),)


# ------------------------------------------------------------------ locations


def test_locations():
    text = "param theta\n\nw = theta - 0.1 * f(theta)\nminimize E[z](w.x) wrt theta\n"
    module = parse_module(text, "prog.sd")
    param, assign, minimize = module.stmts
    assert (param.loc.file, param.loc.line, param.loc.column) == ("prog.sd", 1, 1)
    assert param.names[0].loc.column == 7 and param.names[0].loc.end_column == 12
    assert (assign.loc.line, assign.loc.column, assign.loc.end_line, assign.loc.end_column) == (3, 1, 3, 27)
    sub = assign.expr
    assert (sub.loc.line, sub.loc.column) == (3, 5)
    assert (sub.right.loc.column, sub.right.left.loc.column, sub.right.right.loc.column) == (13, 13, 19)
    assert sub.right.right.func.loc.column == 19 and sub.right.right.args[0].loc.column == 21
    expect = minimize.expr
    assert (expect.loc.line, expect.loc.column, expect.loc.end_column) == (4, 10, 19)
    assert expect.vars[0].loc.column == 12 and expect.body.loc.column == 15
    assert minimize.wrt[0].loc.column == 24
    assert module.source == text and sub.loc.source == text
    assert sub.loc.source_line() == "w = theta - 0.1 * f(theta)"


def test_location_of_unary_minus_includes_the_sign():
    neg = expr("-a")
    assert (neg.loc.column, neg.loc.end_column) == (5, 7)


def test_locations_inside_for_body():
    (loop,) = stmts("for k in 1..2 {\n  w = k\n}")
    assert (loop.loc.line, loop.loc.end_line) == (1, 3)
    assert (loop.body[0].loc.line, loop.body[0].loc.column) == (2, 3)


# ------------------------------------------------------------------ errors

BAD = [
    # (text, message, line, column)
    ("x = 1 *", "expected an expression after '*'", 1, 8),
    ("x = 1 * )", "expected an expression after '*'", 1, 9),
    ("x = [1, 2)", "unexpected ')'; expected ',' or ']'", 1, 10),
    ("x = (1 + 2]", "unexpected ']'; expected ')'", 1, 11),
    ("x = f(a", "this '(' is never closed", 1, 6),
    ("x = [1,\n 2,\n", "this '[' is never closed", 1, 5),
    ("for k in 1..2 {\n  x = 1\n", "this '{' is never closed", 1, 15),
    ("minimize x", "expected 'wrt' after 'x'", 1, 11),
    ("minimize x wrt", "expected a name after 'wrt'", 1, 15),
    ("minimize wrt p", "expected an expression after 'minimize'", 1, 10),
    ("x = E[z] + 1", "unexpected '+'; expected '('", 1, 10),
    ("x = E[](1)", "unexpected ']'; expected a name", 1, 7),
    ("for = 3", "'for' is a keyword and cannot be used as a name", 1, 1),
    ("param theta, for", "'for' is a keyword and cannot be used as a name", 1, 14),
    ("data = 3", "'data' is a keyword and cannot be used as a name", 1, 1),
    ("x = b.in", "'in' is a keyword and cannot be used as a name", 1, 7),
    ("def E(x) = x", "'E' is a keyword and cannot be used as a name", 1, 5),
    ("x = 1 $ 2", "unknown character '$'", 1, 7),
    ("x = 'a'", "unknown character U+0027", 1, 5),
    ("x = \x00", "unknown character U+0000", 1, 5),
    ("x = 1\ry", "expected '=' after 'y'", 2, 2),  # a lone CR (old Mac) ends a line, as CRLF does
    ("x = 1 2", "unexpected number '2'; expected an operator or the end of the statement", 1, 7),
    ("param a b", "unexpected name 'b'; expected the end of the statement or ','", 1, 9),
    ("param a param b", "unexpected keyword 'param'; expected the end of the statement or ','", 1, 9),
    ("param a,\nx = 1", "expected a name after ','", 1, 9),
    ("param", "expected a name after 'param'", 1, 6),
    ("const eta 0.1", "unexpected number '0.1'; expected '='", 1, 11),
    ("x ~ 1", "unexpected '~'; expected '='", 1, 3),
    ("def f(a b) = 1", "unexpected name 'b'; expected ',' or ')'", 1, 9),
    ("def f(x) x", "unexpected name 'x'; expected '='", 1, 10),
    ("random z ~ choice(gd 0.5)", "unexpected number '0.5'; expected an operator, ':', ',' or ')'", 1, 22),
    ("x = match v { a => 1 b => 2 }", "unexpected name 'b'; expected an operator, ',' or '}'", 1, 22),
    ("x = match v { a = 1 }", "unexpected '='; expected '=>'", 1, 17),
    ("x = match v {}", "unexpected '}'; expected a name", 1, 14),
    ("x = grad(a)", "unexpected ')'; expected ','", 1, 11),
    ("x = f(1,)", "expected an expression after ','", 1, 9),
    ("x = a.", "expected a name after '.'", 1, 7),
    ("for k 1..2 {}", "unexpected number '1'; expected 'in'", 1, 7),
    ("for k in 1 {}", "unexpected '{'; expected '..'", 1, 12),
    ("for k in 1..2 { x = 1 y = 2 }", "unexpected name 'y'; expected an operator or the end of the statement", 1, 23),
    ("x = 1\n)", "unexpected ')'; expected a statement", 2, 1),
    ("}", "unexpected '}'; expected a statement", 1, 1),
    ("x = y\n  + 1", "a statement cannot start with '+'", 2, 3),
    ("x = 1 +\ny = 2", "expected an expression after '+'", 1, 8),
    ("x = 1e999", "the number '1e999' is too large to represent", 1, 5),
    ("x = " + "9" * 5000, "this integer has too many digits", 1, 5),
    ("x = []", "expected an expression after '['", 1, 6),
]


@pytest.mark.parametrize("text,message,line,column", BAD, ids=[repr(b[0][:30]) for b in BAD])
def test_bad_input(text, message, line, column):
    with pytest.raises(SyntaxProblem) as info:
        parse_module(text, "bad.sd")
    err = info.value
    assert message in err.message
    assert (err.file, err.line, err.column) == ("bad.sd", line, column)
    assert str(err).startswith(f"bad.sd:{line}:{column}: error: ")


def test_error_rendering_shows_the_line_and_a_caret():
    with pytest.raises(SyntaxProblem) as info:
        parse_module("param theta\nw = theta *\n", "p.sd")
    assert str(info.value) == ("p.sd:2:12: error: expected an expression after '*'\n"
                               "    w = theta *\n"
                               "               ^")


def test_deep_nesting_is_handled():
    assert expr("(" * 200 + "a" + ")" * 200) == V("a")
    assert expr("-" * 100 + "a") is not None
    assert expr("f(" * 100 + "a" + ")" * 100) is not None
    # the tree transformer is not recursive: depth is limited by the passes after parsing
    # (tests/test_edge_cases.py), not by the parser
    deep = ["x = " + "-" * 20000 + "1", "x = " + "+".join(["a"] * 20000), "x = " + "[" * 20000 + "1" + "]" * 20000]
    for text in deep:
        assert len(parse_module(text).stmts) == 1


def test_parser_is_built_once():
    assert parser_module._parser()[0] is parser_module._parser()[0]


def test_grammar_is_found():
    assert "minimize" in parser_module._grammar_text()


# ------------------------------------------------------------------ properties


def _only_stochdiff_errors(text):
    try:
        parse_module(text)
    except StochdiffError as err:
        assert isinstance(err, SyntaxProblem)
        assert err.line >= 1 and err.column >= 1
        assert "failed unexpectedly" not in err.message  # the safety net must never be what catches it
        str(err)  # rendering must not fail either


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_stochdiff_errors(text):
    _only_stochdiff_errors(text)


_PIECES = ["param", "data", "const", "extern", "def", "random", "for", "in", "minimize", "wrt", "E", "grad", "match",
           "pi", "x", "y", "1", "2.5", ".5", "1e3", "(", ")", "[", "]", "{", "}", ",", "=", "~", ":", "=>", "..", ".",
           "+", "-", "*", "/", "@", "^", "\n", " ", "# c\n", "\r\n", "$"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.sampled_from(["", " "]))
def test_token_soup_raises_only_stochdiff_errors(pieces, sep):
    _only_stochdiff_errors(sep.join(pieces))


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_endings(newline):
    text = "param theta\nrandom z ~ bernoulli(0.5)\nminimize E[z](theta * z) wrt theta\n"
    assert parse_module(text.replace("\n", newline)) == parse_module(text)
    with pytest.raises(SyntaxProblem) as info:
        parse_module(f"param theta{newline}x = 1 +{newline}")
    assert info.value.line == 2
