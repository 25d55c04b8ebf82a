"""Kernels against plain numpy on unbatched values, record semantics, and adjoint identities."""

import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from stochdiff.runtime import kernels as K
from stochdiff.runtime.kernels import KERNELS, KernelError

rng = np.random.default_rng(0)

# batch shapes for d = 1 and d = 2, including size-1 (broadcast) batch axes
BATCHES = [(3,), (1,), (2, 3), (1, 3), (2, 1)]


def rand(batch, event, positive=False):
    x = rng.standard_normal(batch + event)
    return np.abs(x) + 0.5 if positive else x


def at(x, ix):
    """Unbatched value at batch index ix (0 on size-1 axes), like the runtime's broadcasting."""
    if isinstance(x, dict):
        return {k: at(v, ix) for k, v in x.items()}
    return x[tuple(i if s != 1 else 0 for i, s in zip(ix, x.shape))]


def check_per_element(result, ref_fn, batch, *args):
    """result[ix] == ref_fn(args at ix) for every element of the broadcast batch."""
    d = len(batch)
    full = np.broadcast_shapes(batch, *(a.shape[:d] for a in args if isinstance(a, np.ndarray)))
    assert result.shape[:d] == full
    for ix in np.ndindex(*full):
        np.testing.assert_allclose(at(result, ix), ref_fn(*(at(a, ix) for a in args)), rtol=1e-12, atol=1e-12)


def ip(x, y):
    """Inner product of two values (arrays broadcast; records over common fields)."""
    if isinstance(x, dict):
        return sum(ip(x[k], y[k]) for k in x if k in y)
    x, y = np.broadcast_arrays(x, y)
    return float(np.sum(x * y))


def other_batch(batch):
    """A second batch shape broadcast-compatible with ``batch`` (size 1 on the first axis)."""
    return (1,) + batch[1:]


# ---------------------------------------------------------------------------------------
# lift


def test_lift_arrays_and_records():
    x = rand((4,), (2, 3))
    assert K.lift(x, 1, 3).shape == (4, 1, 1, 2, 3)
    r = K.lift({"a": x, "b": {"c": rand((4, 5), ())}}, 1, 2)
    assert r["a"].shape == (4, 1, 2, 3) and r["b"]["c"].shape == (4, 1, 5)


# ---------------------------------------------------------------------------------------
# elementwise

BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power}
EVENT_PAIRS = [((), ()), ((), (3,)), ((3,), ()), ((2, 3), (3,)), ((2, 1), (1, 4)), ((4,), (2, 3, 4))]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("ea,eb", EVENT_PAIRS)
@pytest.mark.parametrize("batch", BATCHES)
def test_binary_matches_numpy(op, ea, eb, batch):
    a = rand(batch, ea, positive=op == "pow")
    b = rand(other_batch(batch), eb)
    out = KERNELS[op](a, b, len(batch))
    check_per_element(out, BINARY[op], batch, a, b)


def test_event_alignment_example():
    a, b = rand((4, 5), ()), rand((1, 1), (3,))
    out = K.mul(a, b, 2)
    assert out.shape == (4, 5, 3)
    np.testing.assert_allclose(out, a[..., None] * b)


UNARY = {
    "neg": np.negative,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, 0),
    "abs": np.abs,
    "sign": np.sign,
    "step": lambda x: (x > 0) * 1.0,
}


@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("batch", [(3,), (2, 1)])
def test_unary_matches_numpy(op, batch):
    x = rand(batch, (2, 3), positive=op in ("log", "sqrt"))
    out = KERNELS[op](x, len(batch))
    assert out.dtype == np.float64
    check_per_element(out, UNARY[op], batch, x)


def test_sigmoid_is_stable_in_both_tails():
    x = np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = K.sigmoid(x, 1)
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s[0, 1], np.exp(-40.0), rtol=1e-12)
    assert s[0, 2] == 0.5 and s[0, 4] == 1.0 and s[0, 0] == 0.0


def test_step_at_zero_and_nonfinite_results_are_silent():
    np.testing.assert_array_equal(K.step(np.array([[-1.0, 0.0, 2.0]]), 1), [[0.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isinf(K.div(np.ones((1,)), np.zeros((1,)), 1)).all()
        assert np.isnan(K.log(-np.ones((1,)), 1)).all()
        assert np.isnan(K.sub(np.full((1,), np.inf), np.full((1,), np.inf), 1)).all()
        assert np.isinf(K.exp(np.full((1,), 1e4), 1)).all()


# ---------------------------------------------------------------------------------------
# records


def test_record_binary_union_semantics():
    a = {"x": np.ones((1, 2)), "y": np.full((1,), 2.0)}
    b = {"y": np.full((1,), 4.0), "z": np.full((1, 3), 3.0)}
    s = K.add(a, b, 1)
    assert set(s) == {"x", "y", "z"} and s["y"][0] == 6.0 and (s["z"] == 3.0).all()
    t = K.sub(a, b, 1)
    assert t["y"][0] == -2.0 and (t["z"] == -3.0).all() and (t["x"] == 1.0).all()
    m = K.mul(a, b, 1)
    assert set(m) == {"y"} and m["y"][0] == 8.0
    q = K.div({"y": np.full((1,), 4.0)}, a, 1)
    assert set(q) == {"y"} and q["y"][0] == 2.0
    with pytest.raises(KernelError, match="'z'"):
        K.div(b, a, 1)
    with pytest.raises(KernelError):
        K.pow(a, b, 1)
    assert K.pow(a, {"x": np.full((1,), 2.0), "y": np.full((1,), 2.0)}, 1)["y"][0] == 4.0


def test_record_with_array_and_nesting():
    r = {"w": rand((2,), (3,)), "n": {"b": rand((2,), ())}}
    c = rand((2,), ())
    out = K.mul(r, c, 1)
    np.testing.assert_allclose(out["w"], r["w"] * c[:, None])
    np.testing.assert_allclose(out["n"]["b"], r["n"]["b"] * c)
    out = K.sub(c, r, 1)
    np.testing.assert_allclose(out["w"], c[:, None] - r["w"])
    both = K.add(r, {"n": {"b": c, "e": c}}, 1)
    np.testing.assert_allclose(both["n"]["b"], r["n"]["b"] + c)
    np.testing.assert_allclose(both["n"]["e"], c)
    neg = K.sub({"w": r["w"]}, r, 1)
    np.testing.assert_allclose(neg["n"]["b"], -r["n"]["b"])
    assert "w" in r and set(r) == {"w", "n"}  # inputs untouched


def test_unary_on_records():
    r = {"a": rand((2,), (3,)), "b": {"c": rand((2,), ())}}
    out = K.tanh(r, 1)
    np.testing.assert_allclose(out["b"]["c"], np.tanh(r["b"]["c"]))
    assert out is not r


# ---------------------------------------------------------------------------------------
# reductions and their adjoints


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("event", [(), (3,), (2, 3)])
def test_sum_mean_expand(batch, event):
    d = len(batch)
    x = rand(batch, event)
    check_per_element(K.sum(x, d), np.sum, batch, x)
    check_per_element(K.mean(x, d), np.mean, batch, x)
    assert K.size(x, d).shape == (1,) * d and K.size(x, d).flat[0] == float(np.prod(event))
    g = rand(batch, ())
    e = K.expand(g, x, d)
    assert e.shape == batch + event
    assert ip(e, x) == pytest.approx(ip(g, K.sum(x, d)))
    # batch broadcast: g with a full batch, x with broadcast batch axes
    xs = rand((1,) * d, event)
    assert K.expand(g, xs, d).shape == batch + event


def test_sum_errors():
    with pytest.raises(KernelError, match="sum needs an array, not a record"):
        K.sum({"a": np.ones(1)}, 1)
    with pytest.raises(KernelError):
        K.sum_last(np.ones((2,)), 1)


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("event", [(3,), (2, 3)])
def test_sum_last_expand_last(batch, event):
    d = len(batch)
    x = rand(batch, event)
    check_per_element(K.sum_last(x, d), lambda v: v.sum(-1), batch, x)
    g = rand(batch, event[:-1])
    e = K.expand_last(g, x, d)
    assert e.shape == batch + event
    assert ip(e, x) == pytest.approx(ip(g, K.sum_last(x, d)))


UNBROADCAST_CASES = [((), (3,)), ((3,), (3,)), ((1,), (4,)), ((3,), (2, 3)), ((2, 1), (2, 5)), ((1, 1), (4, 2, 3)), ((), (2, 3))]


@pytest.mark.parametrize("ea,eg", UNBROADCAST_CASES)
@pytest.mark.parametrize("batch", BATCHES)
def test_unbroadcast_broadcast_to_adjoint(ea, eg, batch):
    d = len(batch)
    a = rand(other_batch(batch), ea)
    g = rand(batch, eg)
    u = K.unbroadcast(g, a, d)
    assert u.shape == batch + ea
    # unbatched reference: sum g down to a's shape
    def ref(gv):
        extra = gv.ndim - len(ea)
        gv = gv.sum(axis=tuple(range(extra)))
        return gv.sum(axis=tuple(i for i, s in enumerate(ea) if s == 1), keepdims=True)

    check_per_element(u, ref, batch, g)
    h = rand(batch, ea)
    b = K.broadcast_to(h, g, d)
    assert b.shape == batch + eg
    assert ip(b, g) == pytest.approx(ip(h, u))


def test_unbroadcast_records():
    a = {"w": rand((1,), (3,)), "b": rand((1,), ())}
    g = {"w": rand((2,), (4, 3)), "x": rand((2,), ())}
    u = K.unbroadcast(g, a, 1)
    assert set(u) == {"w"}
    np.testing.assert_allclose(u["w"], g["w"].sum(axis=1))
    u2 = K.unbroadcast(rand((2,), (3,)), a, 1)
    assert u2["b"].shape == (2,) and u2["w"].shape == (2, 3)
    with pytest.raises(KernelError):
        K.unbroadcast(g, np.ones((1, 3)), 1)
    b = K.broadcast_to({"w": rand((2,), (3,))}, {"w": rand((2,), (4, 3))}, 1)
    assert b["w"].shape == (2, 4, 3)


def test_unbroadcast_of_a_broadcast_zero():
    zero = K.adj_field(np.ones((1,)), "x", 2)
    u = K.unbroadcast(zero, np.ones((1, 1, 3)), 2)
    assert u.shape == (1, 1, 1) and (u == 0).all()


@pytest.mark.parametrize("pos", [-1, -2, -3])
@pytest.mark.parametrize("batch", [(3,), (2, 1)])
def test_unsq_squeeze_adjoint(pos, batch):
    d = len(batch)
    x = rand(batch, (2, 4))
    u = K.unsq(x, pos, d)
    ref = np.expand_dims(x[(0,) * d], 3 + pos)
    np.testing.assert_array_equal(u[(0,) * d], ref)
    g = rand(batch, u.shape[d:])
    s = K.squeeze(g, pos, d)
    assert s.shape == x.shape
    assert ip(s, x) == pytest.approx(ip(g, u))
    # the gradient may be broadcast along the inserted axis: squeeze sums it
    gb = np.repeat(g, 3, axis=g.ndim + pos)
    assert ip(K.squeeze(gb, pos, d), x) == pytest.approx(ip(gb, np.broadcast_to(u, gb.shape)))


def test_unsq_positions():
    x = np.ones((5, 2, 3))
    assert K.unsq(x, -1, 1).shape == (5, 2, 3, 1)
    assert K.unsq(x, -2, 1).shape == (5, 2, 1, 3)


# ---------------------------------------------------------------------------------------
# matmul

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((1, 2, 3), (5, 3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((6, 1, 2, 3), (5, 3, 4)),
]


@pytest.mark.parametrize("ea,eb", MATMUL_SHAPES)
@pytest.mark.parametrize("batch", [(1,), (3,), (2, 3), (2, 1)])
def test_matmul_and_adjoints_vs_autograd(ea, eb, batch):
    d = len(batch)
    a, b = rand(batch, ea), rand(other_batch(batch), eb)
    out = K.matmul(a, b, d)
    check_per_element(out, np.matmul, batch, a, b)
    g = rand(out.shape[:d], out.shape[d:])
    ga, gb = K.matmul_ga(g, a, b, d), K.matmul_gb(g, a, b, d)
    assert ga.shape[d:] == ea and gb.shape[d:] == eb
    for ix in np.ndindex(*out.shape[:d]):
        av, bv, gv = at(a, ix), at(b, ix), at(g, ix)
        ref_a = autograd.make_vjp(lambda x: anp.matmul(x, bv))(av)[0](gv)
        ref_b = autograd.make_vjp(lambda y: anp.matmul(av, y))(bv)[0](gv)
        np.testing.assert_allclose(at(ga, ix), ref_a, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(at(gb, ix), ref_b, rtol=1e-12, atol=1e-12)
    # adjoint identities, with the tangents at the full batch
    da, db = rand(out.shape[:d], ea), rand(out.shape[:d], eb)
    assert ip(K.matmul_ga(g, da, b, d), da) == pytest.approx(ip(g, K.matmul(da, b, d)))
    assert ip(K.matmul_gb(g, a, db, d), db) == pytest.approx(ip(g, K.matmul(a, db, d)))


def test_matmul_errors():
    with pytest.raises(KernelError, match=r"matmul of shapes \(2, 3\) and \(4,\) does not fit"):
        K.matmul(np.ones((1, 2, 3)), np.ones((1, 4)), 1)
    with pytest.raises(KernelError, match="does not fit"):
        K.matmul(np.ones((1, 2, 2, 3)), np.ones((1, 5, 3, 4)), 1)
    with pytest.raises(KernelError, match="use \\* for scalars"):
        K.matmul(np.ones((1,)), np.ones((1, 3)), 1)


# ---------------------------------------------------------------------------------------
# records: field access and its adjoint


def test_field_and_adjoints():
    r = {"W1": np.ones((1, 2)), "b1": np.zeros((1,))}
    assert K.field(r, "W1", 1) is r["W1"]
    with pytest.raises(KernelError, match="record has no field 'W9'; it has fields W1, b1"):
        K.field(r, "W9", 1)
    with pytest.raises(KernelError, match=r"field access \.x needs a record, not an array"):
        K.field(np.ones(1), "x", 1)
    assert K.adj_field(r, "b1", 1) is r["b1"]
    z = K.adj_field(r, "c", 2)
    assert z.shape == (1, 1) and z.dtype == np.float64 and (z == 0).all()
    assert K.adj_field(np.zeros((1,)), "c", 1).shape == (1,)
    assert K.record1(r["b1"], "b1", 1) == {"b1": r["b1"]}


def test_densify():
    like = {"W": np.ones((3, 2, 2)), "n": {"a": np.ones((3,)), "b": np.ones((3, 4))}}
    g = {"n": {"b": np.full((3, 4), 2.0)}}
    out = K.densify(g, like, 1)
    assert (out["W"] == 0).all() and out["W"].shape == (3, 2, 2)
    assert (out["n"]["a"] == 0).all() and out["n"]["b"] is g["n"]["b"]
    out = K.densify(np.zeros((1,)), like, 1)
    assert set(out) == {"W", "n"} and set(out["n"]) == {"a", "b"}


# ---------------------------------------------------------------------------------------
# select


@pytest.mark.parametrize("batch", [(4,), (3, 4)])
def test_select_and_select_mask(batch):
    d = len(batch)
    idx = rng.integers(0, 3, size=batch)
    branches = (rand((1,) * d, (2,)), rand(batch, ()), rand(other_batch(batch), (2,)))
    out = K.select(idx, branches, d)
    assert out.shape == batch + (2,)
    for ix in np.ndindex(*batch):
        np.testing.assert_allclose(out[ix], np.broadcast_to(at(branches[idx[ix]], ix), (2,)))
    # the masks split the gradient: <g, select(b)> = sum_k <mask_k(g), b_k>
    g = rand(batch, (2,))
    total = sum(ip(K.unbroadcast(K.select_mask(g, idx, k, d), b, d), b) for k, b in enumerate(branches))
    assert total == pytest.approx(ip(g, out))


def test_select_records():
    idx = np.array([0, 1, 1])
    a = {"x": np.zeros((1, 2)), "y": np.zeros((1,))}
    b = {"x": np.ones((3, 2)), "y": np.ones((3,))}
    out = K.select(idx, (a, b), 1)
    np.testing.assert_array_equal(out["x"][:, 0], [0, 1, 1])
    np.testing.assert_array_equal(out["y"], [0, 1, 1])
    m = K.select_mask({"x": np.ones((3, 2))}, idx, 1, 1)
    np.testing.assert_array_equal(m["x"][:, 1], [0, 1, 1])


# ---------------------------------------------------------------------------------------
# seed


def test_seed():
    s = K.seed(np.ones((3, 1)), 2)
    assert s.shape == (3, 1) and (s == 1).all()
    with pytest.raises(KernelError, match=r"must be a scalar to be differentiated, but its shape is \(3,\)"):
        K.seed(np.ones((2, 1, 3)), 2)


# ---------------------------------------------------------------------------------------
# closing expectations


def test_reduce_mean_and_weighted():
    x = rand((2, 3), (4,))
    np.testing.assert_allclose(K.reduce_mean(x, (1,), 2), x.mean(axis=1))
    r = K.reduce_mean({"a": x, "b": {"c": x[..., 0]}}, (1,), 2)
    np.testing.assert_allclose(r["b"]["c"], x[..., 0].mean(axis=1))
    w = rng.random((1, 3))
    w /= w.sum()
    np.testing.assert_allclose(K.reduce_weighted(x, w, (1,), 2), (x * w[..., None]).sum(axis=1))
    # a value constant along the enumerated axis is returned unchanged by its weights
    c = rand((2, 1), ())
    np.testing.assert_allclose(K.reduce_weighted(c, w, (1,), 2), c[:, 0])
    rec = K.reduce_weighted({"a": x}, w, (1,), 2)
    np.testing.assert_allclose(rec["a"], (x * w[..., None]).sum(axis=1))


def test_table_is_complete():
    names = """lift add sub mul div pow neg exp log sqrt sin cos tanh sigmoid relu abs sign step sum mean
        sum_last expand expand_last size unbroadcast broadcast_to unsq squeeze matmul matmul_ga matmul_gb
        field adj_field record1 densify select select_mask seed reduce_mean reduce_weighted""".split()
    assert set(names) <= set(KERNELS) and all(callable(f) for f in KERNELS.values())
    assert all(KERNELS[n] is getattr(K, n) for n in names)
