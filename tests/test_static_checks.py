"""Static checks beyond the goldens: error classes and locations for a table of mistakes, errors
that never leak a traceback, and the :class:`~stochdiff.ir.program.Program` API."""

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import stochdiff as sd
from stochdiff.errors import NameProblem, StructureProblem

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# (id, source, error class, line, column, words the message must contain)
CASES = [
    ("undefined", "param theta\nminimize thetta ^ 2 wrt theta\n",
     NameProblem, 2, 10, "did you mean 'theta'"),
    ("undefined_in_def", "param theta\ndef f(w) = w * q\nminimize f(theta) wrt theta\n",
     NameProblem, 2, 16, "undefined name 'q'"),
    ("undefined_wrt", "param theta\nminimize theta ^ 2 wrt thta\n",
     NameProblem, 2, 24, "did you mean 'theta'"),
    ("undefined_in_E", "param theta\nminimize E[q](theta) wrt theta\n",
     NameProblem, 2, 12, "undefined name 'q'"),
    ("unused_line_typo", "param theta\nx = thetaa\nminimize theta ^ 2 wrt theta\n",
     NameProblem, 2, 5, "undefined name 'thetaa'"),
    ("param_called", "param theta\nminimize theta(1) wrt theta\n",
     NameProblem, 2, 10, "not a function"),
    ("def_as_value", "param theta\ndef f(w) = w\nminimize f + theta wrt theta\n",
     NameProblem, 3, 10, "call it with arguments"),
    ("distribution_called", "param theta\nminimize normal(0, 1) wrt theta\n",
     StructureProblem, 2, 10, "is a distribution"),
    ("builtin_arity", "param theta\nminimize outer(theta) wrt theta\n",
     StructureProblem, 2, 10, "outer takes 2 arguments but is given 1"),
    ("uniform_arity", "param theta\nrandom u ~ uniform(0)\nminimize E[u](theta * u) wrt theta\n",
     StructureProblem, 2, 12, "uniform takes 2 or 3 arguments"),
    ("duplicate_def", "param theta\ndef f(w) = w\ndef f(w) = 2 * w\nminimize f(theta) wrt theta\n",
     NameProblem, 3, 5, "already declared as a def at line 2"),
    ("assign_over_param", "param theta\ntheta = 2\nminimize theta wrt theta\n",
     NameProblem, 2, 1, "already declared as a param"),
    ("def_param_twice", "param theta\ndef f(w, w) = w\nminimize f(theta, theta) wrt theta\n",
     NameProblem, 2, 10, "names 'w' twice"),
    ("loop_hides_param", "param theta\nfor theta in 1..2 {\n  w = theta\n}\nminimize theta wrt theta\n",
     NameProblem, 2, 5, "hides a param"),
    ("assign_loop_variable", "param theta\nw = theta\nfor w in 1..2 {\n  w = w * 2\n}\nminimize theta wrt theta\n",
     NameProblem, 4, 3, "'w' is the variable of the loop at line 3, so the loop's body cannot declare or assign it"),
    ("random_named_like_loop_variable", "param theta\nfor k in 1..2 {\n  random k ~ normal(0, 1)\n}\n"
     "minimize theta wrt theta\n", NameProblem, 3, 10, "variable of the loop at line 2"),
    ("after_loop_hiding_a_value", "param theta\nw = theta\nfor w in 1..2 {\n}\nconst w = 3\nminimize theta wrt theta\n",
     NameProblem, 5, 7, "already declared as a value at line 2"),
    ("loop_bound", "param theta\nfor k in 1..2.5 {\n  w = theta\n}\nminimize theta wrt theta\n",
     StructureProblem, 2, 13, "whole number"),
    ("E_binds_twice", "param theta\nrandom u ~ normal(0, 1)\nminimize E[u, u](theta * u) wrt theta\n",
     StructureProblem, 3, 15, "binds 'u' twice"),
    ("E_over_param", "param theta\nminimize E[theta](theta) wrt theta\n",
     StructureProblem, 2, 12, "'theta' is a param"),
    ("random_outside_E", "param theta\nrandom u ~ normal(0, 1)\nx = theta - u\nminimize x ^ 2 wrt theta\n",
     StructureProblem, 3, 13, "outside any expectation"),
    ("random_outside_E_in_def", "param theta\nrandom u ~ normal(0, 1)\ndef f(w) = w - u\n"
     "minimize f(theta) ^ 2 wrt theta\n", StructureProblem, 3, 16, "wrap its use in E[u]"),
    ("not_enclosed", "param theta\ndata T\nrandom t ~ choice(T)\nrandom z ~ minibatch(t.train, 1)\n"
     "minimize E[t](mean(t.y)) * E[z](mean(z.x @ theta)) wrt theta\n",
     StructureProblem, 5, 30, "E[z] must be enclosed by E[t]"),
    ("rebind_through_value", "param theta\nrandom u ~ normal(0, 1)\nx = E[u](u * theta)\n"
     "minimize E[u](x * u) wrt theta\n", None, 0, 0, ""),  # a value's own E is a separate integral: fine
    ("grad_wrt_loop_variable", "param theta\nfor k in 1..2 {\n  w = grad(theta ^ 2, k)\n}\n"
     "minimize theta wrt theta\n", StructureProblem, 3, 23, "'k' is a loop variable"),
    ("match_non_labelled", "param theta\nrandom u ~ normal(0, 1)\nminimize E[u](match u { a => theta }) wrt theta\n",
     StructureProblem, 3, 21, "labelled choice"),
    ("match_two_arms", "param theta\nrandom o ~ choice(a: 0.5, b: 0.5)\n"
     "minimize E[o](match o { a => theta, a => theta, b => 1 }) wrt theta\n", StructureProblem, 3, 37, "two arms"),
    ("choice_label_twice", "param theta\nrandom o ~ choice(a: 0.5, a: 0.5)\n"
     "minimize E[o](match o { a => theta }) wrt theta\n", StructureProblem, 2, 27, "label 'a' twice"),
    ("choice_mixed", "param theta\ndata T\nrandom u ~ choice(T, a: 1)\nminimize E[u](theta) wrt theta\n",
     StructureProblem, 3, 19, "not both"),
    ("labelled_non_choice", "param theta\nrandom u ~ normal(m: 0, 1)\nminimize E[u](theta * u) wrt theta\n",
     StructureProblem, 2, 19, "no labelled arguments"),
    ("uniform_order", "param theta\nrandom u ~ uniform(1, 0)\nminimize E[u](theta * u) wrt theta\n",
     StructureProblem, 2, 20, "lo < hi"),
    ("normal_scale", "param theta\nrandom u ~ normal(0, -1)\nminimize E[u](theta * u) wrt theta\n",
     StructureProblem, 2, 22, "standard deviation must be positive"),
    ("bernoulli_p", "param theta\nrandom u ~ bernoulli(1.5)\nminimize E[u](theta * u) wrt theta\n",
     StructureProblem, 2, 22, "[0, 1]"),
    ("dropout_negative_p", "param theta\nrandom m ~ dropout(3, -0.1)\nminimize E[m](sum(m * theta)) wrt theta\n",
     StructureProblem, 2, 23, "[0, 1)"),
    ("uniform_shape", "param theta\nrandom u ~ uniform(0, 1, [2, 0])\nminimize E[u](sum(theta * u)) wrt theta\n",
     StructureProblem, 2, 30, "not [2, 0]"),
    ("minibatch_size_from_data", "param theta\ndata D, B\nrandom z ~ minibatch(D, B)\n"
     "minimize E[z](theta) wrt theta\n", StructureProblem, 3, 25, "'B' is data"),
    ("param_dependent_via_value", "param theta\nw = 2 * theta\nrandom u ~ normal(w, 1)\n"
     "minimize E[u](u ^ 2) wrt theta\n", StructureProblem, 3, 19, "not supported yet"),
    ("wrt_twice", "param theta\nminimize theta ^ 2 wrt theta, theta\n",
     NameProblem, 2, 31, "names 'theta' twice"),
    ("wrt_def", "param theta\ndef f(w) = w\nminimize theta wrt f\n",
     StructureProblem, 3, 20, "'f' is a def"),
    ("no_minimize_empty", "", StructureProblem, 1, 1, "no 'minimize"),
]


@pytest.mark.parametrize("source, cls, line, column, words",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_class_and_location(source, cls, line, column, words):
    if cls is None:
        sd.parse(source, "case.sd")
        return
    with pytest.raises(sd.StochdiffError) as info:
        sd.parse(source, "case.sd")
    err = info.value
    assert type(err) is cls, str(err)
    assert (err.file, err.line, err.column) == ("case.sd", line, column), str(err)
    assert words in err.message
    text = str(err)
    assert text.startswith(f"case.sd:{line}:{column}: error: {err.message}")
    assert "Traceback" not in text


@pytest.mark.parametrize("source", [c[1] for c in CASES if c[2] is not None], ids=[c[0] for c in CASES if c[2]])
def test_rendered_error_shows_the_line_and_a_caret(source):
    with pytest.raises(sd.StochdiffError) as info:
        sd.parse(source, "case.sd")
    lines = str(info.value).split("\n")
    assert "Traceback" not in str(info.value)
    if len(lines) == 1:  # only an empty file has no line to show
        assert source == ""
        return
    assert len(lines) == 3
    err = info.value
    assert lines[1] == "    " + source.splitlines()[err.line - 1]
    assert lines[2].index("^") == 4 + err.column - 1


def test_errors_in_unused_statements_are_reported():
    # lowering is lazy, but every statement is checked
    with pytest.raises(StructureProblem, match="mean takes 1 argument"):
        sd.parse("param theta\nunused = mean(theta, theta)\nminimize theta ^ 2 wrt theta\n")


# ------------------------------------------------------------------------ the Program API


@pytest.fixture(scope="module")
def tasks():
    return sd.load(EXAMPLES / "tasks.sd")


def test_declarations(tasks):
    assert tasks.params == ("theta",)
    assert tasks.wrt == ("theta",)
    assert tasks.data == ("T",)
    assert tasks.externs == {}
    sine = sd.load(EXAMPLES / "sine_maml.sd")
    assert sine.externs == {"net": ("w", "x")}


def test_random_nodes(tasks):
    assert [(v.name, v.dist) for v in tasks.random_nodes] == [
        ("t", "choice"), ("z", "minibatch"), ("zv", "minibatch")]
    assert [v.loc.line for v in tasks.random_nodes] == [6, 7, 8]


def test_random_nodes_are_fresh_per_loop_iteration():
    p = sd.load(EXAMPLES / "multistep_dropout.sd")
    nodes = p.random_nodes
    assert [(v.name, v.dist) for v in nodes] == [
        ("z", "minibatch"), ("m", "dropout"), ("z", "minibatch"), ("m", "dropout"), ("zv", "minibatch")]
    assert len({v.instance for v in nodes}) == 5


def test_labelled_choice_is_a_choice_in_the_summary():
    p = sd.load(EXAMPLES / "optimizer_choice.sd")
    assert [(v.name, v.dist) for v in p.random_nodes] == [("opt", "choice_labelled")]
    assert "opt ~ choice" in p.summary()


def test_expectations_and_their_nesting(tasks):
    es = {e.label: e for e in tasks.expectations}
    assert set(es) == {"E[t]", "E[zv]", "E[z]"}
    assert es["E[t]"].parent is None
    assert es["E[zv]"].parent == es["E[t]"].eid
    assert es["E[z]"].parent == es["E[t]"].eid
    assert es["E[z]"].vars == ("z",)
    assert (es["E[z]"].loc.line, es["E[z]"].loc.column) == (9, 40)


def test_expectation_tree(tasks):
    assert tasks.expectation_tree() == "E[t]  line 9\n  E[zv]  line 9\n  E[z]  line 9"


def test_independent_expectation_is_hoisted_out_of_an_enclosing_one():
    p = sd.parse("param theta\ndata T\nrandom t ~ choice(T)\nrandom x ~ normal(0, 1)\n"
                 "minimize E[t](mean(t.y) * E[x](exp(theta * x))) wrt theta\n")
    parents = {e.label: e.parent for e in p.expectations}
    assert parents == {"E[t]": None, "E[x]": None}


def test_expectation_over_two_variables():
    p = sd.load(EXAMPLES / "maml_linear_outside.sd")
    (e,) = p.expectations
    assert e.vars == ("z", "zv") and e.label == "E[z, zv]" and e.parent is None


def test_networkx_view(tasks):
    g = tasks.networkx()
    assert isinstance(g, nx.DiGraph)
    assert nx.is_directed_acyclic_graph(g)
    assert g.number_of_nodes() == len(tasks.ir.nodes)
    expects = [i for i, d in g.nodes(data=True) if d["op"] == "expect"]
    assert len(expects) == 3
    samples = {d["attrs"][4]: i for i, d in g.nodes(data=True) if d["op"] == "sample"}
    bodies = {}
    for i in expects:
        body = g.nodes[i]["body"]
        assert body and all(isinstance(j, int) and j in g for j in body)
        assert i not in body
        bodies[tuple(v.name for v in tasks.ir.scopes[g.nodes[i]["attrs"][0]].vars)] = set(body)
    # each scope holds its own draws, and E[t]'s scope holds the nested ones too
    assert samples["t"] in bodies[("t",)] and samples["z"] in bodies[("z",)]
    assert bodies[("z",)] < bodies[("t",)] and bodies[("zv",)] < bodies[("t",)]
    assert not bodies[("z",)] & bodies[("zv",)]
    assert all(g.has_edge(a, b) for b in g for a in tasks.ir.nodes[b].args)


def test_summary(tasks):
    assert tasks.summary() == (
        "tasks.sd: ok. Minimizes over theta (params: theta; data: T). 3 random variables "
        "(t ~ choice, z ~ minibatch, zv ~ minibatch), 3 expectations nested 2 deep; the IR has 27 nodes.")


def test_repr_and_filename(tasks):
    assert tasks.filename.endswith("tasks.sd")
    assert repr(tasks) == "<Program tasks.sd: 27 nodes>"


def test_load_of_a_missing_file_is_a_stochdiff_error(tmp_path):
    with pytest.raises(sd.StochdiffError, match="cannot read the program"):
        sd.load(tmp_path / "nope.sd")
    bad = tmp_path / "latin1.sd"
    bad.write_bytes("param théta\nminimize th".encode() + b"\xe9ta wrt th\xe9ta\n")
    with pytest.raises(sd.SyntaxProblem, match="not UTF-8 text: byte 0xe9") as info:
        sd.load(bad)
    assert (info.value.line, info.value.column) == (2, 12)  # columns count characters, not bytes
    assert "minimize th" in str(info.value)


def test_every_error_class_is_exported_and_raised_as_documented():
    # docs/language.md and docs/testing.md name these; users catch them as sd.<Name>
    with pytest.raises(sd.SyntaxProblem):
        sd.parse("param theta\nminimize theta +\n")
    with pytest.raises(sd.NameProblem):
        sd.parse("param theta\nminimize thetaa wrt theta\n")
    with pytest.raises(sd.StructureProblem):
        sd.parse("param theta\nrandom z ~ normal(0, 1)\nminimize z * theta wrt theta\n")
    model = sd.compile("param theta\ndata D\nrandom z ~ minibatch(D, 2)\n"
                       "minimize E[z](mean(z.x * z.x) * theta) wrt theta\n")
    with pytest.raises(sd.DataProblem):
        model.exact({"theta": 1.0}, {})
    with pytest.raises(sd.EvaluationProblem):
        model.exact({"theta": 1.0}, {"D": {"x": np.zeros(1)}})
    square = sd.compile("param theta\ndata D\nrandom z ~ minibatch(D, 2)\n"
                        "minimize E[z](mean(z.x) ^ 2 * theta) wrt theta\n")
    with pytest.raises(sd.SupportTooLarge):  # C(40, 2) subsets; a mean's square is not a mean
        square.exact({"theta": 1.0}, {"D": {"x": np.arange(40.0)}}, limit=10)
    assert all(issubclass(getattr(sd, n), sd.StochdiffError) for n in
               ("SyntaxProblem", "NameProblem", "StructureProblem", "DataProblem", "SupportTooLarge",
                "EvaluationProblem"))
