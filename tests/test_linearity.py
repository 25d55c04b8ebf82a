"""Exact expectations over minibatches from the whole dataset, when the body only averages.

The oracle is exhaustive enumeration of every subset (the same model with the shortcut off).
"""

import numpy as np
import pytest

import stochdiff as sd
from stochdiff.analysis.linearity import linear_minibatch_scopes

ONE_STEP = open(__file__.replace("tests/test_linearity.py", "examples/maml_linear.sd")).read()

LINEAR_BODIES = {
    "one_step_b2": ONE_STEP.replace("minibatch(D, 1)", "minibatch(D, 2)").replace("minibatch(Dv, 1)",
                                                                                 "minibatch(Dv, 3)"),
    "tanh_per_example": """
param theta
data D
random z ~ minibatch(D, 2)
minimize E[z](mean(tanh(z.x @ theta) * z.y) + 0.5 * sum(theta ^ 2)) wrt theta
""",
    "mean_then_affine": """
param theta
data D
random z ~ minibatch(D, 2)
minimize 3 * E[z](2 * mean(z.x @ theta - z.y) + 1) ^ 2 wrt theta
""",
}

NOT_LINEAR = {
    "square_of_average": """
param theta
data D
random z ~ minibatch(D, 2)
minimize E[z](mean(z.x @ theta - z.y) ^ 2) wrt theta
""",
    "sum_scales_with_batch": """
param theta
data D
random z ~ minibatch(D, 2)
minimize E[z](sum((z.x @ theta - z.y) ^ 2)) wrt theta
""",
    "product_of_averages": """
param theta
data D
random z ~ minibatch(D, 2)
minimize E[z](mean(z.x @ theta) * mean(z.y)) wrt theta
""",
}


def data(seed, n=5, d=3):
    rng = np.random.default_rng(seed)
    return ({"D": {"x": rng.normal(size=(n, d)), "y": rng.normal(size=n)},
             "Dv": {"x": rng.normal(size=(n, d)), "y": rng.normal(size=n)}},
            {"theta": rng.normal(size=d)})


def enumerated(model, params, d):
    saved = model._whole_data
    model._whole_data = frozenset()
    try:
        return model.exact(params, d)
    finally:
        model._whole_data = saved


@pytest.mark.parametrize("name", sorted(LINEAR_BODIES))
@pytest.mark.parametrize("seed", [0, 1])
def test_whole_data_shortcut_equals_enumeration(name, seed):
    m = sd.compile(LINEAR_BODIES[name])
    assert m._whole_data, "the shortcut should apply here"
    d, p = data(seed)
    if "Dv" not in m.program.data:
        d = {"D": d["D"]}
    fast, slow = m.exact(p, d), enumerated(m, p, d)
    assert fast.value == pytest.approx(slow.value, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(fast.grad["theta"], slow.grad["theta"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(NOT_LINEAR))
def test_non_averages_are_enumerated(name):
    m = sd.compile(NOT_LINEAR[name])
    assert not linear_minibatch_scopes(m.grad_ir)
    d, p = data(2)
    r = m.exact(p, {"D": d["D"]})
    # the enumerated answer differs from the whole-data plug-in: the shortcut would be wrong here
    x, y = d["D"]["x"], d["D"]["y"]
    plug = {"square_of_average": np.mean(x @ p["theta"] - y) ** 2,
            "sum_scales_with_batch": 2 * np.mean((x @ p["theta"] - y) ** 2),
            "product_of_averages": np.mean(x @ p["theta"]) * np.mean(y)}[name]
    if name == "sum_scales_with_batch":
        assert r.value == pytest.approx(plug, rel=1e-12)  # sum over 2 = 2 * the average: still exact
    else:
        assert abs(r.value - plug) > 1e-6


@pytest.mark.parametrize("body", ["mean((z.x @ theta - z.y) * [1, 3])", "mean(z.y @ [1, 3]) * sum(theta)"])
def test_bodies_that_depend_on_positions_in_the_minibatch_are_enumerated(body):
    # the abstract interpretation cannot see that [1, 3] runs along the examples; on the whole
    # dataset it no longer fits, and exact() enumerates instead of failing
    import itertools

    m = sd.compile(f"param theta\ndata D\nrandom z ~ minibatch(D, 2)\nminimize E[z]({body}) wrt theta\n")
    d, p = data(3)
    x, y, w = d["D"]["x"], d["D"]["y"], np.array([1.0, 3.0])
    terms = [np.mean((x[list(s)] @ p["theta"] - y[list(s)]) * w) if "* [1, 3]" in body
             else np.mean(y[list(s)] @ w) * p["theta"].sum() for s in itertools.combinations(range(len(y)), 2)]
    assert m.exact(p, {"D": d["D"]}).value == pytest.approx(np.mean(terms), rel=1e-12)


def test_a_real_shape_error_in_a_linear_body_is_still_reported():
    m = sd.compile("param theta\ndata D\nrandom z ~ minibatch(D, 2)\nminimize E[z](mean(z.x * [1, 2, 3, 4]) * theta) wrt theta\n")
    with pytest.raises(sd.EvaluationProblem, match="do not fit"):
        m.exact({"theta": 1.0}, {"D": data(0)[0]["D"]})


def test_large_dataset_exact_gradient_without_enumeration():
    m = sd.compile(ONE_STEP.replace("minibatch(D, 1)", "minibatch(D, 32)"))
    rng = np.random.default_rng(4)
    n = 10_000
    d = {"D": {"x": rng.normal(size=(n, 4)), "y": rng.normal(size=n)},
         "Dv": {"x": rng.normal(size=(n, 4)), "y": rng.normal(size=n)}}
    r = m.exact({"theta": np.zeros(4)}, d)
    # oracle: the full-batch formula written out by hand
    X, Y, Xv, Yv = d["D"]["x"], d["D"]["y"], d["Dv"]["x"], d["Dv"]["y"]
    th = np.zeros(4)
    g = 2 * X.T @ (X @ th - Y) / n
    th1 = th - 0.1 * g
    gv = 2 * Xv.T @ (Xv @ th1 - Yv) / n
    J = np.eye(4) - 0.1 * 2 * X.T @ X / n
    np.testing.assert_allclose(r.grad["theta"], J.T @ gv, rtol=1e-10)
    assert r.value == pytest.approx(np.mean((Xv @ th1 - Yv) ** 2), rel=1e-12)


# ---------------------------------------------------------------- property: shortcut == enumeration

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PER_EXAMPLE_LEAVES = ["(z.x @ theta)", "z.y", "sum(theta) * z.y", "1.5"]


@st.composite
def per_example(draw, depth=0):
    """An expression whose value has one row per example of z (or is a constant)."""
    if depth >= 2 or draw(st.booleans()):
        return draw(st.sampled_from(PER_EXAMPLE_LEAVES))
    op = draw(st.sampled_from(["+", "-", "*", "tanh", "sq", "sin"]))
    a = draw(per_example(depth + 1))
    if op in ("tanh", "sin"):
        return f"{op}({a})"
    if op == "sq":
        return f"({a}) ^ 2"
    return f"({a} {op} {draw(per_example(depth + 1))})"


@st.composite
def bodies(draw):
    """E[z] bodies: averages over the minibatch combined affinely, or (sometimes) not."""
    avg = f"mean({draw(per_example())})"
    shape = draw(st.sampled_from(["{a}", "2 * {a} - 1", "{a} + sum(theta ^ 2)", "{a} * {b}", "{a} ^ 2",
                                  "sum({p})", "exp({a})", "{a} / 3"]))
    return shape.format(a=avg, b=f"mean({draw(per_example())})", p=draw(per_example()))


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), st.sampled_from([1, 2, 3]))
def test_property_shortcut_agrees_with_enumeration(body, b):
    text = (f"param theta\ndata D\nrandom z ~ minibatch(D, {b})\n"
            f"theta1 = theta - 0.1 * E[z](grad({body}, theta))\n"
            f"minimize E[z]({body}) + 0.5 * sum(theta1 ^ 2) wrt theta\n")
    m = sd.compile(text)
    d, p = data(5, n=4, d=1)
    p = {"theta": np.array([0.3])}
    fast, slow = m.exact(p, {"D": d["D"]}), enumerated(m, p, {"D": d["D"]})
    assert fast.value == pytest.approx(slow.value, rel=1e-9, abs=1e-12), text
    np.testing.assert_allclose(fast.grad["theta"], slow.grad["theta"], rtol=1e-9, atol=1e-12, err_msg=text)


def test_a_genuine_evaluation_error_is_not_retried_by_enumeration():
    # only a shape mismatch sends exact() from the whole-data shortcut to enumeration: a NaN
    # on a large dataset is reported as such, not as a support too large to enumerate
    m = sd.compile("param theta\ndata D\nrandom z ~ minibatch(D, 2)\nminimize E[z](mean(log(z.x)) * theta) wrt theta\n")
    x = np.linspace(-1.0, 1.0, 3000)
    with pytest.raises(sd.EvaluationProblem, match="log produced NaN"):
        m.exact({"theta": 1.0}, {"D": {"x": x}})
