"""Emitted estimators: determinism, keyed streams, replicates, sample counts, externs,
certificates for objective B and for continuous programs, and the stream comments in the
emitted source."""

from __future__ import annotations

import re

import autograd.numpy as anp
import numpy as np
import pytest

import stochdiff as sd
from stochdiff import StochdiffError

from conftest import T1  # noqa: E402  (shared by the test modules)
T1_PARAMS = {"theta": np.array([0.0])}
T1_DATA = {"D": {"x": np.array([[1.0], [2.0], [3.0]]), "y": np.array([1.0, 0.0, 2.0])}}

MODES = ["independent", "naive"]


@pytest.fixture(scope="module")
def t1():
    return sd.compile(T1)


def _linear_inputs(seed=0, n=5, nv=4, d=2):
    rng = np.random.default_rng(seed)
    ds = lambda k: {"x": rng.normal(size=(k, d)), "y": rng.normal(size=k)}  # noqa: E731
    return {"theta": rng.normal(size=d)}, {"D": ds(n), "Dv": ds(nv)}


@pytest.fixture(scope="module")
def maml(examples_dir):
    return sd.compile(sd.load(examples_dir / "maml_linear.sd"))


# ---------------------------------------------------------------- determinism and streams

@pytest.mark.parametrize("mode", MODES)
def test_same_seed_same_result(t1, mode):
    est = t1.estimator(mode)
    a = est(T1_PARAMS, T1_DATA, seed=11, replicates=50)
    b = est(T1_PARAMS, T1_DATA, seed=11, replicates=50)
    np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_array_equal(a.grad["theta"], b.grad["theta"])
    # a fresh model of the same text draws the same numbers
    c = sd.compile(T1).estimator(mode)(T1_PARAMS, T1_DATA, seed=11, replicates=50)
    np.testing.assert_array_equal(a.grad["theta"], c.grad["theta"])


@pytest.mark.parametrize("mode", MODES)
def test_different_seeds_differ(t1, mode):
    est = t1.estimator(mode)
    a = est(T1_PARAMS, T1_DATA, seed=1, replicates=50)
    b = est(T1_PARAMS, T1_DATA, seed=2, replicates=50)
    assert not np.array_equal(a.grad["theta"], b.grad["theta"])
    assert not np.array_equal(a.value, b.value)


@pytest.mark.parametrize("mode", MODES)
def test_replicates_give_a_leading_axis(maml, mode):
    params, data = _linear_inputs()
    R = 13
    res = maml.estimator(mode)(params, data, seed=0, replicates=R)
    assert isinstance(res.value, np.ndarray) and res.value.shape == (R,)
    assert res.grad["theta"].shape == (R,) + params["theta"].shape
    one = maml.estimator(mode)(params, data, seed=0)
    assert isinstance(one.value, float)
    assert np.shape(one.grad["theta"]) == params["theta"].shape


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [1, 3, 8])
def test_first_replicates_do_not_depend_on_how_many_are_asked_for(maml, mode, k):
    params, data = _linear_inputs()
    est = maml.estimator(mode, samples=2)
    big = est(params, data, seed=42, replicates=20)
    small = est(params, data, seed=42, replicates=k)
    np.testing.assert_array_equal(big.value[:k], small.value)
    np.testing.assert_array_equal(big.grad["theta"][:k], small.grad["theta"])


@pytest.mark.parametrize("mode", MODES)
def test_no_replicates_is_replicate_zero(maml, mode):
    params, data = _linear_inputs()
    est = maml.estimator(mode)
    one = est(params, data, seed=9)
    many = est(params, data, seed=9, replicates=4)
    assert one.value == many.value[0]
    np.testing.assert_array_equal(one.grad["theta"], many.grad["theta"][0])


def test_replicates_are_not_all_the_same(maml):
    params, data = _linear_inputs()
    res = maml.estimator("independent")(params, data, seed=0, replicates=30)
    assert len(np.unique(res.value)) > 5


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3"])
def test_bad_replicates_raise(t1, bad):
    with pytest.raises(StochdiffError, match="replicates"):
        t1.estimator()(T1_PARAMS, T1_DATA, replicates=bad)


def test_unknown_mode_raises(t1):
    with pytest.raises(StochdiffError, match="mode"):
        t1.estimator("indepedent")


# ---------------------------------------------------------------- sample counts

@pytest.mark.parametrize("mode", MODES)
def test_more_samples_reduce_variance(maml, mode):
    params, data = _linear_inputs(n=6)
    R = 3000
    v1 = maml.estimator(mode, samples=1)(params, data, seed=3, replicates=R).grad["theta"].var(axis=0)
    v4 = maml.estimator(mode, samples=4)(params, data, seed=3, replicates=R).grad["theta"].var(axis=0)
    ratio = v1 / v4
    assert np.all(ratio > 2.0) and np.all(ratio < 8.0), ratio


def test_samples_by_name(maml):
    params, data = _linear_inputs()
    est = maml.estimator("independent", samples={"z": 3})
    res = est(params, data, seed=0, replicates=5)
    assert res.grad["theta"].shape == (5, 2)
    # z gets 3 draws, zv stays at 1: not the same estimator as samples=1 or samples=3
    r1 = maml.estimator("independent", samples=1)(params, data, seed=0, replicates=5)
    assert not np.array_equal(res.grad["theta"], r1.grad["theta"])


def test_unknown_sample_name_raises_with_did_you_mean(maml):
    with pytest.raises(StochdiffError) as info:
        maml.estimator("independent", samples={"zz": 3})
    msg = str(info.value)
    assert "'zz'" in msg and "did you mean 'z" in msg


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_bad_sample_counts_raise(maml, bad):
    with pytest.raises(StochdiffError):
        maml.estimator("independent", samples={"z": bad})
    with pytest.raises(StochdiffError):
        maml.estimator("independent", samples=bad)


# ---------------------------------------------------------------- objective B

@pytest.mark.parametrize("mode", MODES)
def test_objective_b_is_certified_unbiased_in_both_modes(examples_dir, mode):
    m = sd.compile(sd.load(examples_dir / "maml_linear_outside.sd"))
    cert = m.estimator(mode).certificate
    assert cert.value_unbiased and cert.grad_unbiased, str(cert)
    assert cert.reasons == ()


def test_objective_b_modes_agree_in_mean(examples_dir):
    m = sd.compile(sd.load(examples_dir / "maml_linear_outside.sd"))
    params, data = _linear_inputs()
    target = m.exact(params, data).grad["theta"]
    for mode in MODES:
        g = m.estimator(mode)(params, data, seed=5, replicates=20000).grad["theta"]
        se = g.std(axis=0, ddof=1) / np.sqrt(len(g))
        assert np.all(np.abs(g.mean(axis=0) - target) < 5 * se), mode


# ---------------------------------------------------------------- sine MAML with an extern network

SHAPES = {"W1": (40,), "b1": (40,), "W2": (40, 40), "b2": (40,), "W3": (40,), "b3": ()}


def net(w, x):
    h = anp.maximum(0.0, anp.outer(x, w["W1"]) + w["b1"])
    h = anp.maximum(0.0, anp.dot(h, w["W2"]) + w["b2"])
    return anp.dot(h, w["W3"]) + w["b3"]


def net_weights(seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=40), "b1": 0.1 * rng.normal(size=40),
            "W2": rng.normal(size=(40, 40)) / np.sqrt(40), "b2": 0.1 * rng.normal(size=40),
            "W3": rng.normal(size=40) / np.sqrt(40), "b3": np.array(0.3)}


@pytest.fixture(scope="module")
def sine(examples_dir):
    return sd.compile(sd.load(examples_dir / "sine_maml.sd"), externs={"net": net})


@pytest.fixture(scope="module")
def sine_native(examples_dir):
    return sd.compile(sd.load(examples_dir / "sine_maml_native.sd"))


@pytest.mark.parametrize("mode", MODES)
def test_sine_maml_with_extern_network(sine, mode):
    w = net_weights()
    res = sine.estimator(mode, samples={"amp": 5})({"w": w}, seed=0)
    assert np.isfinite(res.value)
    assert set(res.grad) == {"w"}
    g = res.grad["w"]
    assert set(g) == set(SHAPES)
    for k, shape in SHAPES.items():
        assert np.shape(g[k]) == shape, k
        assert np.all(np.isfinite(g[k]))
    assert any(np.any(g[k] != 0) for k in g)


@pytest.mark.parametrize("mode", MODES)
def test_sine_maml_is_certified_biased_with_a_line(sine, mode):
    cert = sine.estimator(mode, samples={"amp": 5}).certificate
    assert cert.grad_unbiased is False
    assert any(re.search(r"line \d+", r) for r in cert.reasons if r.startswith("gradient")), cert.reasons
    assert any("net" in r for r in cert.reasons), cert.reasons


def _same(a, b):
    np.testing.assert_allclose(a.value, b.value, rtol=1e-10, atol=1e-12)
    for k in SHAPES:
        np.testing.assert_allclose(a.grad["w"][k], b.grad["w"][k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_native_network_equals_extern_network_naive(sine, sine_native):
    w = net_weights(1)
    for seed in (0, 3):
        a = sine.estimator("naive", samples={"amp": 5})({"w": w}, seed=seed)
        b = sine_native.estimator("naive", samples={"amp": 5})({"w": w}, seed=seed)
        _same(a, b)


def test_native_network_equals_extern_network_independent(sine, sine_native):
    w = net_weights(1)
    a = sine.estimator("independent", samples={"amp": 5})({"w": w}, seed=0)
    b = sine_native.estimator("independent", samples={"amp": 5})({"w": w}, seed=0)
    _same(a, b)


def test_native_and_extern_networks_draw_the_same_streams(sine, sine_native):
    for mode in MODES:
        a = sine.estimator(mode, samples={"amp": 5})
        b = sine_native.estimator(mode, samples={"amp": 5})
        assert a.certificate.streams == b.certificate.streams, mode
        assert source_streams(a) == source_streams(b), mode


def test_native_and_extern_networks_declare_the_same_streams_independent(sine, sine_native):
    """Value-only part of the independent comparison: the forward value uses the shared streams."""
    w = net_weights(1)
    a = sine.estimator("independent", samples={"amp": 5})({"w": w}, seed=0)
    b = sine_native.estimator("independent", samples={"amp": 5})({"w": w}, seed=0)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-10)


def test_sine_maml_replicates(sine):
    res = sine.estimator("naive", samples={"amp": 2})({"w": net_weights()}, seed=0, replicates=3)
    assert res.value.shape == (3,)
    for k, shape in SHAPES.items():
        assert res.grad["w"][k].shape == (3,) + shape


# ---------------------------------------------------------------- the emitted source names its streams

STREAM_LINE = re.compile(r"^#\s+s(\d+): (E\[[^\]]*\](?:#\d+)?) at line (\d+)")


def source_streams(est):
    return [(m.group(2), int(m.group(3))) for m in map(STREAM_LINE.match, est.source.splitlines()) if m]


@pytest.mark.parametrize("mode", MODES)
def test_source_comments_name_each_stream_and_line(t1, mode):
    est = t1.estimator(mode)
    streams = source_streams(est)
    assert streams, est.source
    # every stream comment names E[z] and the line the expectation is on (line 6 of T1)
    assert all(label.startswith("E[z]") and line == 6 for label, line in streams), streams
    assert set(streams) == set(est.certificate.streams)
    # every stream's draws and averages say which stream they serve
    for sid in re.findall(r"^#\s+s(\d+):", est.source, flags=re.M):
        assert re.search(rf"stream s{sid}\b", est.source)
    compile(est.source, "<emitted>", "exec")  # the source is valid Python


def test_source_comments_name_each_stream_of_a_nested_program(examples_dir):
    est = sd.compile(sd.load(examples_dir / "tasks.sd")).estimator("independent")
    labels = {label.split("#")[0] for label, _ in source_streams(est)}
    assert {"E[t]", "E[z]", "E[zv]"} <= labels
    assert all(line == 9 for _, line in source_streams(est))


def test_independent_has_more_streams_than_naive(t1):
    ind, nai = t1.estimator("independent"), t1.estimator("naive")
    assert len(source_streams(ind)) > len(source_streams(nai)) == 1
    assert len(ind.certificate.streams) > len(nai.certificate.streams) == 1


def test_ir_text_is_available(t1):
    est = t1.estimator("independent")
    assert isinstance(est.ir_text(), str) and est.ir_text()
    assert isinstance(t1.ir_text(), str) and t1.ir_text()
