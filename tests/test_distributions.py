"""Distributions: Monte Carlo draws agree with the exact supports, and the supports are exact."""

import math

import numpy as np
import pytest

import stochdiff as sd
from stochdiff.runtime.distributions import DISTS, ContinuousSupport, stack_collection
from stochdiff.runtime.kernels import KernelError, lift
from stochdiff.runtime.rng import uniforms

R = 4000  # draws for frequency checks; tolerances below are ~5 standard errors


def draw(name, static, args, batch=(R,), parent_d=1, seed=0):
    """MC draws with batch ``batch`` (d = len(batch) axes); args are given at parent_d axes."""
    d = len(batch)
    args = tuple(lift(a, parent_d, d) for a in args)
    dist = DISTS[name]
    k = dist.n_uniforms(static, args, d)
    u = uniforms(seed, (1, 2), 0, math.prod(batch), k).reshape(batch + (k,))
    return dist.from_uniforms(u, static, args, d)


def exact_mean(name, static, args, f, parent_d=1):
    """E[f(value)] by enumeration: values have parent_d + 1 batch axes."""
    values, probs = DISTS[name].support(static, args, parent_d + 1)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0)
    fv = f(values)
    return np.sum(fv * probs.reshape(probs.shape + (1,) * (fv.ndim - probs.ndim)), axis=parent_d)


def dataset(n):
    return {"x": np.arange(n * 2.0).reshape(1, n, 2), "y": np.arange(n, dtype=float).reshape(1, n)}


# ---------------------------------------------------------------------------------------
# minibatch


@pytest.mark.parametrize("b", [1, 2, 3])
def test_minibatch_draws_distinct_and_uniform_subsets(b):
    n = 5
    D = dataset(n)
    mb = draw("minibatch", (b,), (D,))
    assert mb["x"].shape == (R, b, 2) and mb["y"].shape == (R, b)
    y = mb["y"].astype(int)
    assert all(len(set(row)) == b for row in y)  # distinct examples
    np.testing.assert_array_equal(mb["x"][..., 0], 2 * mb["y"])  # fields gathered together
    counts = {}
    for row in map(tuple, np.sort(y, axis=1)):
        counts[row] = counts.get(row, 0) + 1
    N = math.comb(n, b)
    assert len(counts) == N
    p = 1 / N
    for c in counts.values():
        assert abs(c / R - p) < 5 * math.sqrt(p * (1 - p) / R)


@pytest.mark.parametrize("b", [1, 2, 4])
def test_minibatch_support(b):
    n = 4
    values, probs = DISTS["minibatch"].support((b,), (dataset(n),), 2)
    N = math.comb(n, b)
    assert values["x"].shape == (1, N, b, 2) and values["y"].shape == (1, N, b)
    assert probs.shape == (1, N) and probs.sum() == pytest.approx(1.0)
    rows = [tuple(r) for r in values["y"][0].astype(int)]
    assert rows == sorted(rows) and len(set(rows)) == N  # lexicographic, all subsets
    f = lambda v: v["y"].mean(axis=-1)
    mc = draw("minibatch", (b,), (dataset(n),), batch=(1, R))["y"].mean(axis=-1).mean(axis=1)
    assert mc[0] == pytest.approx(exact_mean("minibatch", (b,), (dataset(n),), f)[0], abs=0.1)


def test_minibatch_order_matches_support():
    # a non-symmetric function of the minibatch (its first example) has the same law in both
    D = dataset(4)
    first = lambda v: v["y"][..., 0]
    mc = draw("minibatch", (2,), (D,))["y"][:, 0].mean()
    assert mc == pytest.approx(exact_mean("minibatch", (2,), (D,), first)[0], abs=0.08)


def test_minibatch_errors():
    with pytest.raises(KernelError, match="a minibatch of 5 examples cannot be drawn from a dataset of 3"):
        draw("minibatch", (5,), (dataset(3),), batch=(2,))
    with pytest.raises(KernelError, match="empty"):
        DISTS["minibatch"].support((1,), (dataset(0),), 2)
    bad = {"x": np.ones((1, 3, 2)), "y": np.ones((1, 4))}
    with pytest.raises(KernelError, match="different numbers of examples"):
        DISTS["minibatch"].n_uniforms((2,), (bad,), 1)
    with pytest.raises(KernelError, match="5 examples"):
        DISTS["minibatch"].support((5,), (dataset(3),), 2)


def test_minibatch_batched_dataset_and_n_uniforms():
    assert DISTS["minibatch"].n_uniforms((1,), (dataset(7),), 1) == 1
    assert DISTS["minibatch"].n_uniforms((3,), (dataset(7),), 1) == 7
    # a dataset that itself varies along a batch axis (e.g. a task's training set)
    D = {"y": np.arange(6.0).reshape(2, 3) + np.array([[0.0], [100.0]])}
    mb = draw("minibatch", (2,), (D,), batch=(2, 50))
    assert (mb["y"][0] < 100).all() and (mb["y"][1] >= 100).all()


# ---------------------------------------------------------------------------------------
# dropout


def test_dropout_draws_and_support():
    static = ((2, 3), 0.25)
    m = draw("dropout", static, ())
    assert m.shape == (R, 2, 3) and set(np.unique(m)) == {0.0, 1 / 0.75}
    assert abs((m == 0).mean() - 0.25) < 0.02
    assert abs(m.mean() - 1.0) < 0.03
    values, probs = DISTS["dropout"].support(((3,), 0.25), (), 1)
    assert values.shape == (8, 3) and probs.shape == (8,)
    assert probs.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(values[1], [0, 0, 1 / 0.75])  # lexicographic
    assert probs[0] == pytest.approx(0.25**3) and probs[-1] == pytest.approx(0.75**3)
    np.testing.assert_allclose((values * probs[:, None]).sum(axis=0), 1.0)  # inverted dropout is unbiased
    assert DISTS["dropout"].n_uniforms(static, (), 1) == 6
    with pytest.raises(KernelError, match="dropout probability"):
        draw("dropout", ((2,), 1.0), ())


def test_dropout_scalar_shape():
    m = draw("dropout", ((), 0.5), (), batch=(10, 3))
    assert m.shape == (10, 3)
    values, probs = DISTS["dropout"].support(((), 0.5), (), 3)
    assert values.shape == (1, 1, 2) and probs.shape == (1, 1, 2)


# ---------------------------------------------------------------------------------------
# choice over a collection, labelled choice


def tasks():
    return [{"train": {"x": np.full((2, 2), float(i))}, "w": np.float64(i)} for i in range(3)]


def test_choice_collection():
    T = lift(stack_collection(tasks(), "T"), 0, 1)
    assert T["train"]["x"].shape == (1, 3, 2, 2)
    t = draw("choice", (), (T,))
    assert t["train"]["x"].shape == (R, 2, 2) and t["w"].shape == (R,)
    np.testing.assert_array_equal(t["train"]["x"][:, 0, 0], t["w"])
    freq = np.bincount(t["w"].astype(int), minlength=3) / R
    np.testing.assert_allclose(freq, 1 / 3, atol=0.04)
    values, probs = DISTS["choice"].support((), (T,), 2)
    assert values["train"]["x"].shape == (1, 3, 2, 2) and probs.shape == (1, 3)
    assert probs.sum() == pytest.approx(1.0)


def test_choice_labelled():
    static = (("sgd", "adam", "none", "rms"), (0.2, 0.5, 0.0, 0.3))
    i = draw("choice_labelled", static, (), batch=(R, 1))
    assert i.dtype == np.int64 and i.shape == (R, 1)
    freq = np.bincount(i.ravel(), minlength=4) / R
    assert freq[2] == 0.0
    np.testing.assert_allclose(freq, static[1], atol=0.04)
    values, probs = DISTS["choice_labelled"].support(static, (), 2)
    np.testing.assert_array_equal(values, [[0, 1, 2, 3]])
    np.testing.assert_allclose(probs, [static[1]])


# ---------------------------------------------------------------------------------------
# bernoulli


def test_bernoulli_batched_p():
    p = np.array([0.1, 0.5, 0.9])  # p varies along the parent's batch axis (d = 1)
    x = draw("bernoulli", (), (p,), batch=(3, R))
    assert x.shape == (3, R) and set(np.unique(x)) <= {0.0, 1.0}
    np.testing.assert_allclose(x.mean(axis=1), p, atol=0.03)
    values, probs = DISTS["bernoulli"].support((), (p,), 2)
    assert values.shape == (1, 2) and probs.shape == (3, 2)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0)
    np.testing.assert_allclose(exact_mean("bernoulli", (), (p,), lambda v: v), p)


def test_bernoulli_event_p():
    p = np.array([[0.2, 0.8]])
    assert DISTS["bernoulli"].n_uniforms((), (p,), 1) == 2
    x = draw("bernoulli", (), (p,), batch=(R,))
    assert x.shape == (R, 2)
    np.testing.assert_allclose(x.mean(axis=0), [0.2, 0.8], atol=0.03)
    values, probs = DISTS["bernoulli"].support((), (p,), 2)  # every 0/1 pattern of the two entries
    assert values.shape == (1, 4, 2) and probs.shape == (1, 4)
    np.testing.assert_allclose(probs[0], [0.8 * 0.2, 0.8 * 0.8, 0.2 * 0.2, 0.2 * 0.8])


# ---------------------------------------------------------------------------------------
# continuous


def test_uniform():
    lo, hi = np.array([[0.0, 10.0]]), np.array([[2.0, 12.0]])
    assert DISTS["uniform"].n_uniforms(((3, 2),), (lo, hi), 1) == 6
    x = draw("uniform", ((3, 2),), (lo, hi))
    assert x.shape == (R, 3, 2)
    assert (x[..., 0] >= 0).all() and (x[..., 0] < 2).all() and (x[..., 1] >= 10).all() and (x[..., 1] < 12).all()
    with pytest.raises(KernelError, match="uniform needs lo < hi, not 10 and 2"):
        draw("uniform", ((3, 2),), (lo, np.array([2.0])))
    assert x[..., 0].mean() == pytest.approx(1.0, abs=0.05)
    s = draw("uniform", (), (np.array([1.0]), np.array([3.0])))
    assert s.shape == (R,) and s.mean() == pytest.approx(2.0, abs=0.05)
    with pytest.raises(ContinuousSupport):
        DISTS["uniform"].support((), (lo, hi), 2)


@pytest.mark.parametrize("static", [(), ((3,),), (3,), ((2, 3),)])
def test_normal(static):
    mu, sigma = np.array([1.0]), np.array([2.0])
    k = DISTS["normal"].n_uniforms(static, (mu, sigma), 1)
    assert k % 2 == 0 and k >= math.prod(static[0] if static and isinstance(static[0], tuple) else static)
    x = draw("normal", static, (mu, sigma))
    assert x.shape[0] == R and np.isfinite(x).all()
    assert x.mean() == pytest.approx(1.0, abs=0.1)
    assert x.std() == pytest.approx(2.0, abs=0.1)
    with pytest.raises(ContinuousSupport):
        DISTS["normal"].support(static, (mu, sigma), 2)


def test_normal_event_from_args_and_independence():
    mu = np.zeros((1, 3))
    x = draw("normal", (), (mu, np.ones((1,))))
    assert x.shape == (R, 3)
    c = np.corrcoef(x.T)
    assert np.abs(c - np.eye(3)).max() < 0.1


# ---------------------------------------------------------------------------------------
# collections


def test_stack_collection():
    T = stack_collection(tasks(), "T")
    assert T["train"]["x"].shape == (3, 2, 2) and T["w"].shape == (3,)
    assert T["w"].dtype == np.float64
    with pytest.raises(KernelError, match=r"collection T is empty"):
        stack_collection([], "T")
    bad = tasks() + [{"train": {"x": np.ones((4, 2))}, "w": 1.0}]
    with pytest.raises(KernelError, match=r"task 3 of T has field train.x of shape \(4, 2\), task 0 has \(2, 2\)"):
        stack_collection(bad, "T")
    missing = tasks()
    del missing[2]["w"]
    with pytest.raises(KernelError, match=r"task 2 of T has no field w$"):
        stack_collection(missing, "T")
    extra = tasks()
    extra[1]["val"] = 1.0
    with pytest.raises(KernelError, match=r"task 1 of T has a field val"):
        stack_collection(extra, "T")


def test_every_discrete_support_sums_to_one():
    cases = {
        "minibatch": ((2,), (dataset(5),)),
        "dropout": (((2, 2), 0.3), ()),
        "choice": ((), (lift(stack_collection(tasks(), "T"), 0, 1),)),
        "choice_labelled": ((("a", "b"), (0.4, 0.6)), ()),
        "bernoulli": ((), (np.array([0.3, 0.7]),)),
    }
    sizes = {"minibatch": 10, "dropout": 16, "choice": 3, "choice_labelled": 2, "bernoulli": 2}
    for name, (static, args) in cases.items():
        values, probs = DISTS[name].support(static, args, 2)
        assert probs.shape[-1] == sizes[name]
        np.testing.assert_allclose(probs.sum(axis=-1), 1.0)


# ---------------------------------------------------------------- bernoulli with a vector of probabilities

BERN = "param theta\ndata p\nrandom m ~ bernoulli(p)\nminimize E[m](sum(m * theta) ^ 2) wrt theta\n"


def test_exact_enumerates_a_vector_bernoulli():
    import itertools

    th, p = np.array([0.5, -1.2, 2.0]), np.array([0.3, 0.6, 0.9])
    value, grad = 0.0, np.zeros(3)
    for bits in itertools.product((0.0, 1.0), repeat=3):
        b = np.array(bits)
        w, s = np.prod(np.where(b == 1.0, p, 1.0 - p)), (b * th).sum()
        value, grad = value + w * s**2, grad + w * 2 * s * b
    m = sd.compile(BERN)
    r = m.exact({"theta": th}, {"p": p})
    assert r.value == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(r.grad["theta"], grad, rtol=1e-12)
    from stochdiff.testing import exact_mean

    np.testing.assert_allclose(exact_mean(m.estimator(), {"theta": th}, {"p": p}).grad["theta"], grad, rtol=1e-12)


@pytest.mark.parametrize("src, data, culprit, line", [
    (BERN, {"p": np.array([0.3, 1.5, 0.2])}, "the bernoulli probability must be in [0, 1], not 1.5", 3),
    (BERN, {"p": np.array([0.3, -0.1, 0.2])}, "the bernoulli probability must be in [0, 1], not -0.1", 3),
    ("param theta\ndata lo\nrandom u ~ uniform(lo, 0)\nminimize E[u](theta * u) wrt theta\n", {"lo": np.array(1.0)},
     "uniform needs lo < hi, not 1 and 0", 3),
    ("param theta\ndata s\nrandom v ~ normal(0, s)\nminimize E[v](theta * v) wrt theta\n", {"s": np.array(-1.0)},
     "the normal's standard deviation must be positive, not -1", 3),
])
def test_distribution_arguments_from_data_are_checked(src, data, culprit, line):
    m = sd.compile(src)
    runs = [m.estimator()] + ([m.exact] if "bernoulli" in src else [])
    for run in runs:
        with pytest.raises(sd.EvaluationProblem) as info:
            run({"theta": np.ones(3) if "bernoulli" in src else 1.0}, data)
        assert culprit in info.value.message and info.value.line == line
