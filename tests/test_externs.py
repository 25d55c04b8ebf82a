"""Extern functions: first and second derivatives come from autograd and must agree with
the same function written in the language (whose derivatives stochdiff works out itself)."""

import itertools

import autograd.numpy as anp
import numpy as np
import pytest

import stochdiff as sd
from stochdiff.runtime.externs import EXTERN_KERNELS, call, call_back, call_taped, resolve

SRC = """
param w
extern f(w, x)
data D
random z ~ minibatch(D, 1)
random zv ~ minibatch(D, 1)
def l(w, b) = mean((f(w, b.x) - b.y) ^ 2)
minimize E[zv](l(w - 0.1 * E[z](grad(l(w, z), w)), zv)) wrt w
"""
NATIVE = SRC.replace("extern f(w, x)", "def f(w, x) = tanh(x * w.a) * w.b + x * w.c")


def ext(w, x):
    return anp.tanh(x * w["a"]) * w["b"] + x * w["c"]


PARAMS = {"w": {"a": np.array(0.7), "b": np.array(1.3), "c": np.array([0.2, -0.4])}}
DATA = {"D": {"x": np.array([[0.1, -0.5], [0.9, 0.3], [-0.7, 0.2]]), "y": np.array([[1.0, 0.0], [0.5, 1.0],
                                                                                  [0.0, -1.0]])}}


@pytest.mark.parametrize("mode", ["naive", "independent"])
def test_extern_second_order_matches_native(mode):
    a = sd.compile(SRC, externs={"f": ext}).estimator(mode)(PARAMS, DATA, seed=3, replicates=4)
    b = sd.compile(NATIVE).estimator(mode)(PARAMS, DATA, seed=3, replicates=4)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-12)
    for k in PARAMS["w"]:
        np.testing.assert_allclose(a.grad["w"][k], b.grad["w"][k], rtol=1e-10, atol=1e-12)


def test_extern_exact_gradient_matches_finite_differences():
    m = sd.compile(SRC, externs={"f": ext})
    g = m.exact(PARAMS, DATA).grad["w"]
    eps = 1e-6
    for k, v in PARAMS["w"].items():
        for ix in np.ndindex(np.shape(v)):
            up = {"w": {n: np.array(u, dtype=float) for n, u in PARAMS["w"].items()}}
            dn = {"w": {n: np.array(u, dtype=float) for n, u in PARAMS["w"].items()}}
            up["w"][k][ix] += eps
            dn["w"][k][ix] -= eps
            fd = (m.exact(up, DATA).value - m.exact(dn, DATA).value) / (2 * eps)
            assert g[k][ix] == pytest.approx(fd, rel=1e-5, abs=1e-8), (k, ix)


def test_taped_adjoints_equal_traced_adjoints_and_fall_back_on_other_shapes():
    vjps = resolve(("vjps", ("extern", "f"), 2, (0, 1)), {"f": ext})
    w = {k: np.asarray(v)[None] for k, v in PARAMS["w"].items()}
    x = np.array([[[0.1, -0.5]], [[0.9, 0.3]]])  # batch (2, 1)
    w2 = {k: v[None] for k, v in w.items()}  # batch (1, 1)
    g = np.array([[[1.0, -2.0]], [[0.5, 0.25]]])
    tapes = {}
    y = call_taped(vjps, (w2, x), 2, tapes, 7)
    np.testing.assert_allclose(y, call(ext, (w2, x), 2))
    taped, traced = call_back(vjps, (w2, x, g), 2, tapes, 7), call(vjps, (w2, x, g), 2)
    for k in traced["0"]:
        np.testing.assert_allclose(taped["0"][k], traced["0"][k], rtol=1e-12)
    np.testing.assert_allclose(taped["1"], traced["1"], rtol=1e-12)
    # a different batch shape (or no tape) traces afresh
    g3 = np.concatenate([g, g, g], axis=1)  # batch (2, 3)
    again = call_back(vjps, (w2, x, g3), 2, tapes, 7)
    np.testing.assert_allclose(again["1"], call(vjps, (w2, x, g3), 2)["1"], rtol=1e-12)


def test_second_order_adjoints_reuse_the_tape_of_the_first_order_call():
    first = ("vjps", ("extern", "f"), 2, (0,))
    vjps1, vjps2 = resolve(first, {"f": ext}), resolve(("vjps", first, 3, (0, 2)), {"f": ext})
    w = {k: np.asarray(v)[None, None] for k, v in PARAMS["w"].items()}
    x = np.array([[[0.1, -0.5]], [[0.9, 0.3]]])
    g = np.array([[[1.0, -2.0]], [[0.5, 0.25]]])
    a = {"0": {k: np.full((2, 1) + np.shape(v), 0.3) for k, v in PARAMS["w"].items()}}
    tapes = {}
    adj = call_taped(vjps2, (w, x, g), 2, tapes, 5)
    assert set(adj) == {"0"}  # the data argument x is not differentiated
    plain = call(vjps1, (w, x, g), 2)
    for k in plain["0"]:
        np.testing.assert_allclose(adj["0"][k], plain["0"][k], rtol=1e-12)
    taped, traced = call_back(vjps2, (w, x, g, a), 2, tapes, 5), call(vjps2, (w, x, g, a), 2)
    assert set(taped) == {"0", "2"}
    np.testing.assert_allclose(taped["2"], traced["2"], rtol=1e-12)
    for k in traced["0"]:
        np.testing.assert_allclose(taped["0"][k], traced["0"][k], rtol=1e-12)


def test_naive_extern_adjoints_all_run_recorded_tapes():
    # The speed of benchmark B1 rests on this: the inner gradient is traced once, taped, and
    # its Jacobian (second order) runs that tape backward instead of tracing it again.
    src = sd.compile(SRC, externs={"f": ext}).estimator("naive").source
    assert "k_call(" not in src
    assert "(derivative of order 2)" in src


# ---------------------------------------------------------------------------------------
# calling a python function once per batch element


def test_call_with_records():
    def fn(params, x, scale):
        return {"out": params["W"] @ x * scale, "norm": float(np.sum(x**2))}

    W = rand((1, 3), (2, 4))
    x = rand((5, 1), (4,))
    out = call(fn, ({"W": W}, x, 2.0), 2)
    assert out["out"].shape == (5, 3, 2) and out["norm"].shape == (5, 3)
    assert out["norm"].dtype == np.float64
    for i, j in itertools.product(range(5), range(3)):
        np.testing.assert_allclose(out["out"][i, j], W[0, j] @ x[i, 0] * 2.0)
        assert out["norm"][i, j] == pytest.approx(np.sum(x[i, 0] ** 2))


def test_call_scalar_results_and_event_arrays():
    out = call(lambda v: float(v.sum()), (rand((4,), (3,)),), 1)
    assert out.shape == (4,) and out.dtype == np.float64
    out = call(lambda v: np.outer(v, v), (rand((1, 2), (3,)),), 2)
    assert out.shape == (1, 2, 3, 3)

def rand(batch, event):
    return np.random.default_rng(7).standard_normal(batch + event)


def test_extern_kernels_are_the_call_functions():
    assert EXTERN_KERNELS == {"call": call, "call_taped": call_taped, "call_back": call_back}


@pytest.mark.parametrize("mode", ["naive", "independent"])
def test_an_extern_may_return_a_record(mode):
    # a plain dict of traced values is opaque to autograd: the runtime must trace the record
    def rec(w, x):
        return {"out": ext(w, x), "unused": {"deep": x * w["c"]}}

    via_record = SRC.replace("extern f(w, x)", "extern g(w, x)").replace("f(w, b.x)", "g(w, b.x).out")
    a = sd.compile(via_record, externs={"g": rec}).estimator(mode)(PARAMS, DATA, seed=3, replicates=4)
    b = sd.compile(SRC, externs={"f": ext}).estimator(mode)(PARAMS, DATA, seed=3, replicates=4)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-12)
    for k in PARAMS["w"]:
        np.testing.assert_allclose(a.grad["w"][k], b.grad["w"][k], rtol=1e-10, atol=1e-12)
    exact = sd.compile(via_record, externs={"g": rec}).exact(PARAMS, DATA)
    assert exact.value == pytest.approx(sd.compile(SRC, externs={"f": ext}).exact(PARAMS, DATA).value)


def test_an_extern_of_no_arguments():
    m = sd.compile("param theta\nextern f()\nminimize theta * f() wrt theta\n", externs={"f": lambda: 3.0})
    for r in (m.exact({"theta": 2.0}), m.estimator("naive")({"theta": 2.0})):
        assert (r.value, r.grad["theta"]) == (6.0, 3.0)


@pytest.mark.parametrize("run", ["exact", "naive", "independent"])
def test_adjoints_of_one_call_for_different_arguments(run):
    # grad(f(a, b), a) and grad(f(a, b), b) differentiate one call for different arguments:
    # a tape recorded for one must not answer the other
    src = "param a, b, c\nextern f(u, v)\nminimize c * c + f(a, b) + grad(f(a, b), a) * 3 + grad(f(a, b), b) wrt c\n"
    native = src.replace("extern f(u, v)", "def f(u, v) = sin(u) * v * v")
    p = {"a": 0.7, "b": 1.3, "c": 1.0}
    ext_model, nat_model = sd.compile(src, externs={"f": lambda u, v: anp.sin(u) * v * v}), sd.compile(native)
    got, want = ((m.exact(p) if run == "exact" else m.estimator(run)(p)) for m in (ext_model, nat_model))
    assert got.value == pytest.approx(want.value, rel=1e-12)
    assert got.value == pytest.approx(1 + np.sin(0.7) * 1.69 + 3 * np.cos(0.7) * 1.69 + 2 * np.sin(0.7) * 1.3)
