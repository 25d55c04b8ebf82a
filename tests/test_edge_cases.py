"""Corners of the semantics, each checked against exact enumeration of the estimator's draws:
a body that never draws its variable, a joint conditional draw, a bernoulli inside a labelled
choice, a 2-D dropout mask in a product of expectations, and an expectation hoisted out of a
sibling (it depends on the task, not on the validation draw)."""

import sys

import numpy as np
import pytest

import stochdiff as sd
from stochdiff.testing import exact_mean

CASES = {
    "body_without_its_variable": (
        "param theta\ndata D\nrandom z ~ minibatch(D, 1)\nminimize E[z](sum(theta ^ 2)) * 2 wrt theta\n",
        {"D": {"x": np.arange(3.0)}}),
    "joint_conditional_draw": (
        "param theta\ndata T\nrandom t ~ choice(T)\nrandom z ~ minibatch(t.train, 1)\n"
        "minimize E[t, z](sum((z.x * theta - 1) ^ 2)) wrt theta\n",
        {"T": [{"train": {"x": np.array([[1.0], [2.0]])}}, {"train": {"x": np.array([[3.0], [-1.0]])}}]}),
    "bernoulli_in_a_labelled_choice": (
        "param theta\nrandom o ~ choice(a: 0.3, b: 0.7)\nrandom c ~ bernoulli(0.25)\n"
        "minimize E[o](match o { a => E[c](sum(theta * c)) ^ 2, b => sum(theta ^ 2) }) wrt theta\n", {}),
    "dropout_mask_2d_in_a_product": (
        "param theta\nrandom m ~ dropout([2, 2], 0.5)\n"
        "minimize E[m](sum((m * theta) ^ 2)) * E[m](sum(m * theta)) wrt theta\n", {}),
    "hoisted_inner_expectation": (
        "param theta\ndata T\nrandom t ~ choice(T)\nrandom z ~ minibatch(t.train, 1)\n"
        "random zv ~ minibatch(t.val, 1)\n"
        "minimize E[t](E[zv](sum((zv.x * (theta - 0.1 * E[z](sum(z.x * theta))) - 1) ^ 2))) wrt theta\n",
        {"T": [{"train": {"x": np.array([1.0, 2.0])}, "val": {"x": np.array([0.5, 1.5])}},
               {"train": {"x": np.array([3.0, -1.0])}, "val": {"x": np.array([2.0, 1.0])}}]}),
}
PARAMS = {"theta": np.array([0.4])}
PARAMS_2x2 = {"theta": np.array([[0.4, -0.2], [0.1, 0.3]])}


@pytest.mark.parametrize("name", sorted(CASES))
def test_independent_estimator_is_unbiased_and_exact_mean_agrees(name):
    text, data = CASES[name]
    params = PARAMS_2x2 if "2d" in name else PARAMS
    m = sd.compile(text)
    exact = m.exact(params, data)
    est = m.estimator("independent")
    assert est.certificate.value_unbiased and est.certificate.grad_unbiased
    mean = exact_mean(est, params, data)
    assert mean.value == pytest.approx(exact.value, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(mean.grad["theta"], exact.grad["theta"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_naive_certificate_is_sound(name):
    text, data = CASES[name]
    params = PARAMS_2x2 if "2d" in name else PARAMS
    m = sd.compile(text)
    exact = m.exact(params, data)
    est = m.estimator("naive")
    mean = exact_mean(est, params, data)
    if est.certificate.value_unbiased:
        assert mean.value == pytest.approx(exact.value, rel=1e-10, abs=1e-12)
    if est.certificate.grad_unbiased:
        np.testing.assert_allclose(mean.grad["theta"], exact.grad["theta"], rtol=1e-10, atol=1e-12)
    if not est.certificate.grad_unbiased:
        assert est.certificate.reasons and all("line" in r for r in est.certificate.reasons)


# ---------------------------------------------------------------- very long expressions

LONG_SUM = "param theta\nconst c = 2\nminimize {} wrt theta\n"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the recursion limit is raised only where it is safe")
def test_a_sum_of_thousands_of_terms_compiles_and_formats():
    src = LONG_SUM.format(" + ".join(["c * theta"] * 3000))
    assert sd.compile(src).exact({"theta": 1.5}).value == pytest.approx(9000.0)
    assert sd.format(src) == src


@pytest.mark.parametrize("run", [sd.parse, sd.format], ids=["parse", "format"])
def test_a_program_nested_too_deeply_names_the_statement(run, monkeypatch):
    from stochdiff.syntax import depth

    before = sys.getrecursionlimit()
    monkeypatch.setattr(depth, "FRAMES", before + 1000)  # so that a test needs only a small program
    src = LONG_SUM.format("-" * (before + 5000) + "theta")
    with pytest.raises(sd.SyntaxProblem, match="nested too deeply") as info:
        run(src)
    assert (info.value.line, info.value.column) == (3, 1)
    assert sys.getrecursionlimit() == before


# ---------------------------------------------------------------- grad with respect to a name

@pytest.mark.parametrize("src, value, grad", [
    # d/dw (w * theta) = theta, whatever w is another name for
    ("w = theta\nminimize grad(w * theta, w) wrt theta", 0.5, 1.0),
    ("w = theta * 1\nminimize grad(w * theta, w) wrt theta", 0.5, 1.0),
    ("def f(a, b) = grad(a * b, a)\nminimize f(theta, theta) wrt theta", 0.5, 1.0),
    # names defined from w do depend on w: d/dw (2w * theta) = 2 theta
    ("w = theta\nu = w * 2\nminimize grad(u * theta, w) wrt theta", 1.0, 2.0),
    # an expression written like w's definition is not w
    ("w = theta * 1\nminimize grad(w * (theta * 1), w) wrt theta", 0.5, 1.0),
    # and grad with respect to theta runs through w, which is a function of theta
    ("w = theta\nminimize grad(w * w, theta) wrt theta", 1.0, 2.0),
])
def test_grad_differentiates_with_respect_to_the_name(src, value, grad):
    r = sd.compile("param theta\n" + src + "\n").exact({"theta": 0.5})
    assert (r.value, r.grad["theta"]) == (value, grad)


def test_an_alias_leaves_no_trace_after_differentiation():
    m = sd.compile("param theta\nw = theta\nminimize grad(w * theta, w) wrt theta\n")
    assert "alias.w" in m.program.ir_text()
    assert "alias" not in m.grad_text() and "alias" not in m.estimator().source


def test_third_order_derivatives_of_a_record_param():
    # adjoints of partial records flow back only into the fields they have (a field missing from a
    # cotangent was a zero adjoint): this program failed with "broadcast_to got a record"
    m = sd.compile("param w\ndef f(w) = sum(w.a ^ 3) * w.b + w.b ^ 4\n"
                   "h = grad(sum(grad(f(w), w).a ^ 2) + grad(f(w), w).b ^ 2, w)\nminimize sum(h.a) + h.b wrt w\n")
    w = {"a": np.array([0.7, -0.4]), "b": np.array(0.5)}
    r = m.exact({"w": w})
    assert r.value == pytest.approx(12.6144, rel=1e-12)
    eps = 1e-6
    for k in w:
        for ix in np.ndindex(w[k].shape):
            up, dn = ({n: v.copy() for n, v in w.items()} for _ in range(2))
            up[k][ix] += eps
            dn[k][ix] -= eps
            fd = (m.exact({"w": up}).value - m.exact({"w": dn}).value) / (2 * eps)
            assert np.asarray(r.grad["w"][k])[ix] == pytest.approx(fd, rel=1e-6)
