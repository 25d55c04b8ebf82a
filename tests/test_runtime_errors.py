"""Bad input at compile and run time: every failure is a located StochdiffError that names
the culprit, and the caller's arrays are never modified."""

from __future__ import annotations

import copy
import re

import autograd.numpy as anp
import numpy as np
import pytest

import stochdiff as sd
from stochdiff.testing import exact_mean
from stochdiff import StochdiffError

LOC = re.compile(r":\d+:\d+:")

RUNNERS = ["exact", "independent", "naive"]


def deep_copy(x):
    return copy.deepcopy(x)


def assert_same(a, b):
    """Deep equality of nested dicts/lists of arrays, including NaN positions, dtypes and shapes."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    else:
        assert (a == b) or (a != a and b != b), (a, b)


def run(model, how, params, data, **kw):
    if how == "exact":
        return model.exact(params, data, **kw)
    return model.estimator(how)(params, data, seed=0, **kw)


def expect_error(fn, *culprits, params=None, data=None, located=True):
    """Call ``fn`` and check the error; check ``params`` and ``data`` are unchanged."""
    before = (deep_copy(params), deep_copy(data))
    with pytest.raises(StochdiffError) as info:
        fn()
    err = info.value
    text = str(err)
    for c in culprits:
        assert c in text, f"{c!r} not in {text!r}"
    if located:
        assert LOC.search(text), f"no line:col in {text!r}"
        assert err.line >= 1 and err.column >= 1
    assert "Traceback" not in text
    assert_same(params, before[0])
    assert_same(data, before[1])
    return err


@pytest.fixture(scope="module")
def maml(examples_dir):
    return sd.compile(sd.load(examples_dir / "maml_linear.sd"))


def inputs(n=4, nv=3, d=2, seed=0):
    rng = np.random.default_rng(seed)
    ds = lambda k: {"x": rng.normal(size=(k, d)), "y": rng.normal(size=k)}  # noqa: E731
    return {"theta": rng.normal(size=d)}, {"D": ds(n), "Dv": ds(nv)}


# ---------------------------------------------------------------- params and data

@pytest.mark.parametrize("how", RUNNERS)
def test_missing_param(maml, how):
    _, data = inputs()
    expect_error(lambda: run(maml, how, {}, data), "theta", "missing", params={}, data=data)


@pytest.mark.parametrize("how", RUNNERS)
def test_extra_param_did_you_mean(maml, how):
    params, data = inputs()
    params["thetaa"] = np.ones(2)
    expect_error(lambda: run(maml, how, params, data), "'thetaa'", "did you mean 'theta'",
                 params=params, data=data)


@pytest.mark.parametrize("how", RUNNERS)
def test_missing_data(maml, how):
    params, data = inputs()
    del data["Dv"]
    expect_error(lambda: run(maml, how, params, data), "Dv", params=params, data=data)


@pytest.mark.parametrize("how", RUNNERS)
def test_wrong_field_name_in_dataset(maml, how):
    params, data = inputs()
    data["D"] = {"xx": data["D"]["x"], "y": data["D"]["y"]}
    err = expect_error(lambda: run(maml, how, params, data), "'x'", "xx", params=params, data=data)
    assert err.line == 5  # the b.x in loss


@pytest.mark.parametrize("how", RUNNERS)
def test_shapes_that_do_not_fit(maml, how):
    params, data = inputs()
    params["theta"] = np.zeros(3)
    err = expect_error(lambda: run(maml, how, params, data), params=params, data=data)
    assert "'@'" in str(err) or "matmul" in str(err)
    assert "(3,)" in str(err)


@pytest.mark.parametrize("how", RUNNERS)
def test_minibatch_larger_than_dataset(examples_dir, how):
    text = (examples_dir / "maml_linear.sd").read_text().replace("minibatch(D, 1)", "minibatch(D, 5)")
    m = sd.compile(text)
    params, data = inputs(n=4)
    err = expect_error(lambda: run(m, how, params, data), "minibatch", "5", "4", params=params, data=data)
    assert err.line == 6


@pytest.mark.parametrize("how", RUNNERS)
def test_empty_dataset(maml, how):
    params, data = inputs()
    data["D"] = {"x": np.zeros((0, 2)), "y": np.zeros(0)}
    err = expect_error(lambda: run(maml, how, params, data), "empty", params=params, data=data)
    assert err.line == 6  # random z ~ minibatch(D, 1)


@pytest.mark.parametrize("how", RUNNERS)
def test_empty_collection(examples_dir, how):
    m = sd.compile(sd.load(examples_dir / "tasks.sd"))
    params = {"theta": np.zeros(2)}
    data = {"T": []}
    expect_error(lambda: run(m, how, params, data), "'T'", "empty", params=params, data=data)


@pytest.mark.parametrize("how", RUNNERS)
def test_nan_in_data(maml, how):
    params, data = inputs()
    data["D"]["x"][1, 0] = np.nan
    expect_error(lambda: run(maml, how, params, data), "D.x[1, 0] is not finite (nan)", params=params, data=data)


@pytest.mark.parametrize("how", RUNNERS)
def test_inf_in_params(maml, how):
    params, data = inputs()
    params["theta"][0] = np.inf
    expect_error(lambda: run(maml, how, params, data), "theta[0] is not finite (inf)", params=params, data=data)


@pytest.mark.parametrize("how", RUNNERS)
def test_successful_runs_leave_inputs_alone(maml, how):
    params, data = inputs()
    before = (deep_copy(params), deep_copy(data))
    res = run(maml, how, params, data)
    assert_same(params, before[0])
    assert_same(data, before[1])
    # and the result does not alias the caller's arrays
    res.grad["theta"][...] = 123.0
    assert_same(params, before[0])


# ---------------------------------------------------------------- externs

SINE_NAME = "sine_maml.sd"


def test_missing_extern_at_compile(examples_dir):
    err = expect_error(lambda: sd.compile(sd.load(examples_dir / SINE_NAME)), "net", "externs=")
    assert err.line == 3  # extern net(w, x)


def test_unknown_extern_at_compile(examples_dir):
    expect_error(lambda: sd.compile(sd.load(examples_dir / SINE_NAME), externs={"net": abs, "nett": abs}),
                 "'nett'", "did you mean 'net'")


@pytest.mark.parametrize("mode", ["independent", "naive"])
def test_extern_that_raises(examples_dir, mode):
    def net(w, x):
        raise ValueError("boom from the network")

    m = sd.compile(sd.load(examples_dir / SINE_NAME), externs={"net": net})
    params = {"w": np.zeros(3)}
    err = expect_error(lambda: m.estimator(mode)(params, seed=0), "net", "boom from the network", params=params)
    assert err.line == 9  # the call net(w, x) in task_loss


@pytest.mark.parametrize("mode", ["independent", "naive"])
def test_extern_that_returns_nan_is_blamed(examples_dir, mode):
    # the extern's own value (a taped call) is where the NaN starts, not the '-' after it
    m = sd.compile(sd.load(examples_dir / SINE_NAME), externs={"net": lambda w, x: anp.log(w[0] - 1.0) * x})
    params = {"w": np.zeros(3)}
    err = expect_error(lambda: m.estimator(mode)(params, seed=0), "extern net", "NaN", params=params)
    assert (err.line, err.column) == (9, 35)  # the call net(w, x) in task_loss


# ---------------------------------------------------------------- objective and exact()

@pytest.mark.parametrize("how", RUNNERS)
@pytest.mark.parametrize("objective, n, words, at", [
    ("theta * 2", 3, "the objective must be a scalar", (2, 1)),
    ("sum(grad(theta * theta, theta))", 2, "the expression in grad(...) must be a scalar", (2, 14)),
])
def test_what_is_differentiated_must_be_a_scalar(how, objective, n, words, at):
    m = sd.compile(f"param theta\nminimize {objective} wrt theta\n")
    params = {"theta": np.zeros(n)}
    err = expect_error(lambda: run(m, how, params, None), words, f"({n},)", params=params)
    assert (err.line, err.column) == at
    assert "seed" not in err.message  # no internal op names


def test_a_zeroth_power_has_a_zero_derivative_everywhere():
    m = sd.compile("param theta\nminimize theta ^ 0 + 2 * theta wrt theta\n")
    for r in (m.exact({"theta": 0.0}), m.estimator()({"theta": 0.0})):
        assert (r.value, r.grad["theta"]) == (1.0, 2.0)


@pytest.mark.filterwarnings("ignore:Output seems independent of input")
def test_exact_on_a_continuous_program(examples_dir):
    m = sd.compile(sd.load(examples_dir / SINE_NAME), externs={"net": lambda w, x: w[0] * x})
    params = {"w": np.ones(3)}
    err = expect_error(lambda: m.exact(params), "continuous", "estimator", params=params)
    assert re.search(r"\b(amp|phase|x|xv)\b", err.message), err.message
    assert err.line in (5, 6, 7, 8)  # a random declaration
    # and the estimator does work on it
    assert np.isfinite(m.estimator("naive")(params, seed=0).value)


def test_exact_support_above_limit(examples_dir):
    # objective B: the expectation is not an average over the minibatch, so exact() enumerates
    m = sd.compile(sd.load(examples_dir / "maml_linear_outside.sd"))
    params, data = inputs(n=10)
    err = expect_error(lambda: m.exact(params, data, limit=5), "limit", "z", params=params, data=data)
    assert "limit=" in err.message  # says how to raise it
    assert err.line == 6
    # raising the limit makes it work
    assert np.isfinite(m.exact(params, data, limit=1000).value)


def test_exact_limit_counts_the_joint_support(examples_dir):
    # multistep_dropout: each step enumerates C(4,2) minibatches x 4 masks = 24 joint values
    m = sd.compile(sd.load(examples_dir / "multistep_dropout.sd"))
    params, data = inputs(n=4)
    expect_error(lambda: m.exact(params, data, limit=10), "limit", params=params, data=data)
    assert np.isfinite(m.exact(params, data, limit=10_000).value)


# ---------------------------------------------------------------- syntax

@pytest.mark.parametrize("text", [
    "param theta\nminimize theta + wrt theta\n",
    "param theta\nminimize (theta * 2 wrt theta\n",
    "param theta\nminimize theta ^ 2\n",
])
def test_compile_syntax_error(text):
    err = expect_error(lambda: sd.compile(text))
    assert err.line == 2
    assert isinstance(err, StochdiffError)


def test_compile_undefined_name_did_you_mean():
    expect_error(lambda: sd.compile("param theta\nminimize thetta ^ 2 wrt theta\n"), "thetta", "theta")


# ---------------------------------------------------------------- seeds

def test_non_integer_seed(maml):
    params, data = inputs()
    expect_error(lambda: maml.estimator()(params, data, seed="a"), "seed", located=False)


def test_negative_seed(maml):
    params, data = inputs()
    expect_error(lambda: maml.estimator()(params, data, seed=-1), "seed", located=False)


@pytest.mark.parametrize("call, words", [
    (lambda: sd.compile(123), "str"),
    (lambda: sd.parse(None), "str"),
    (lambda: sd.compile("param t\nextern f(x)\nminimize f(t) wrt t\n", externs=[1]), "dict"),
])
def test_api_misuse_is_a_stochdiff_error(call, words):
    with pytest.raises(sd.StochdiffError, match=words):
        call()


HUGE_MASK = "param theta\nrandom m ~ dropout([1000, 1000], 0.5)\nminimize E[m](sum(m) * theta) wrt theta\n"


def test_astronomical_supports_are_refused_without_being_counted():
    # 2 ** 1,000,000 masks: counting them exactly would be slow, and printing the count fails
    m = sd.compile(HUGE_MASK)
    err = expect_error(lambda: m.exact({"theta": 1.0}), "more than 4,611,686,018,427,387,904", "m ~ dropout",
                       "--limit")
    assert err.line == 2
    err = expect_error(lambda: exact_mean(m.estimator(), {"theta": 1.0}), "joint configurations", "draws of m",
                       "--limit")
    assert err.line == 2


@pytest.mark.parametrize("T", [[], {"y": np.zeros((0, 3))}], ids=["no tasks", "no rows"])
@pytest.mark.parametrize("how", ["exact", "estimator"])
def test_choice_from_an_empty_collection(T, how):
    m = sd.compile("param theta\ndata T\nrandom t ~ choice(T)\nminimize E[t](mean(t.y) * theta) wrt theta\n")
    run = m.exact if how == "exact" else m.estimator()
    err = expect_error(lambda: run({"theta": 1.0}, {"T": T}), "empty", data={"T": T})
    assert err.line in (2, 3)  # the data declaration (a list) or the draw (a stacked record)


def test_running_out_of_memory_is_located(monkeypatch):
    from stochdiff.runtime import kernels as K

    def exhausted(*args):
        raise MemoryError()

    monkeypatch.setitem(K.KERNELS, "mul", exhausted)
    m = sd.compile("param theta\nminimize theta * theta wrt theta\n")
    err = expect_error(lambda: m.estimator()({"theta": 1.0}), "'*'", "more memory")
    assert (err.line, err.column) == (2, 10)


def test_exact_limit_must_be_positive(maml):
    params, data = inputs()
    with pytest.raises(sd.StochdiffError, match="limit"):
        maml.exact(params, data, limit=0)


# ---------------------------------------------------------------- values that are not arrays of numbers

VALUES = "param w\ndata T\nminimize sum(w) * mean(T) wrt w\n"


@pytest.mark.parametrize("params, data, words, line", [
    ({"w": None}, {"T": [1.0]}, "'w' is None, not a number or an array", 1),
    ({"w": [None, 1.0]}, {"T": [1.0]}, "'w' contains a non-number, None", 1),
    ({"w": ["a", 1.0]}, {"T": [1.0]}, "'w' contains a non-number, 'a'", 1),
    ({"w": 1.0}, {"T": [np.ones(2), np.zeros(3)]}, "'T' is a list whose items have different shapes, (2,) and (3,)",
     2),
])
def test_values_that_are_not_arrays_of_numbers(params, data, words, line):
    m = sd.compile(VALUES)
    err = expect_error(lambda: m.exact(params, data), words, params=params, data=data)
    assert err.line == line


# ---------------------------------------------------------------- misuse of the testing API and of replicates

def test_the_testing_functions_need_an_estimator():
    from stochdiff.testing import assert_unbiased, bias

    m = sd.compile("param theta\nrandom u ~ bernoulli(0.3)\nminimize E[u](u * theta) wrt theta\n")
    for call in (lambda: exact_mean(m, {"theta": 1.0}), lambda: bias(m, {"theta": 1.0}),
                 lambda: assert_unbiased(m, {"theta": 1.0}),
                 lambda: assert_unbiased(m, {"theta": 1.0}, method="statistical")):
        expect_error(call, "must be an estimator, not a Model", "model.estimator(", located=False)
    expect_error(lambda: exact_mean(m.estimator(), {"theta": 1.0}, limit=0), "limit must be a positive",
                 located=False)


@pytest.mark.parametrize("replicates, words", [(True, "positive whole number"), (2**70, "more memory")])
def test_replicates_that_cannot_be_run(replicates, words):
    m = sd.compile("param theta\nrandom u ~ bernoulli(0.3)\nminimize E[u](u * theta) wrt theta\n")
    expect_error(lambda: m.estimator()({"theta": 1.0}, replicates=replicates), words,
                 located=replicates is not True)


def test_match_arms_of_different_shapes():
    m = sd.compile("param theta\nrandom o ~ choice(a: 0.5, b: 0.5)\n"
                   "minimize E[o](sum(match o { a => [1.0, 2.0], b => [1.0, 2.0, 3.0] } * theta)) wrt theta\n")
    err = expect_error(lambda: m.exact({"theta": 1.0}), "match: its arms have shapes (2,) and (3,)")
    assert (err.line, err.column) == (3, 19)


# ---------------------------------------------------------------- records with different fields

RECORDS = "param w, v\nx = w {op} v\nminimize sum(x.a) wrt w\n"


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
@pytest.mark.parametrize("how", RUNNERS)
def test_arithmetic_between_records_with_different_fields(op, how):
    # the kernels' "missing field = 0" is for adjoints; in a program it would be silently wrong
    m = sd.compile(RECORDS.format(op=op))
    params = {"w": {"a": np.ones(2)}, "v": {"b": np.ones(2)}}
    err = expect_error(lambda: run(m, how, params, None), f"'{op}' combines records with different fields: "
                                                         "{a} and {b}", params=params)
    assert (err.line, err.column) == (2, 5)


def test_nested_records_are_compared_field_by_field():
    m = sd.compile(RECORDS.format(op="+").replace("sum(x.a)", "sum(x.a.p)"))
    params = {"w": {"a": {"p": np.ones(2), "q": np.ones(2)}}, "v": {"a": {"p": np.ones(2)}}}
    expect_error(lambda: m.exact(params), "{a.p, a.q} and {a.p}", params=params)


def test_records_with_the_same_fields_and_records_with_arrays_still_combine():
    m = sd.compile("param w, v\nx = (w + v) * 2 + 1\nminimize sum(x.a) + sum(x.b) wrt w\n")
    r = m.exact({"w": {"a": np.ones(2), "b": np.zeros(2)}, "v": {"a": np.ones(2), "b": np.ones(2)}})
    assert r.value == 2 * 5 + 2 * 3


def test_the_limit_is_the_users_to_raise():
    # 2 ** 20 masks: past the default limit of exact(), and computed when the limit allows it
    m = sd.compile("param theta\nrandom m ~ dropout(20, 0.5)\nminimize E[m](sum(m) * theta) wrt theta\n")
    expect_error(lambda: m.exact({"theta": 0.7}), "1,048,576 values", "limit of 1,000,000")
    assert m.exact({"theta": 0.7}, limit=2**20).value == pytest.approx(14.0)


def test_the_limit_message_gives_the_real_count():
    m = sd.compile("param theta\nrandom m ~ dropout(3, 0.5)\nminimize E[m](sum(m * theta)) ^ 2 wrt theta\n")
    est = m.estimator("naive", samples=2)
    expect_error(lambda: exact_mean(est, {"theta": np.ones(3)}, limit=10), "would take 64 joint configurations")
    assert np.isfinite(exact_mean(est, {"theta": np.ones(3)}, limit=64).value)


@pytest.mark.parametrize("w, words", [
    (np.array([1 + 2j]), "'w' is an array of complex128, not of real numbers"),
    (np.array(["1.5"]), "'w' is an array of <U3, not of real numbers"),
    (1 + 2j, "'w' is a complex number, not a real one"),
])
def test_values_that_are_not_real_numbers(w, words):
    # numpy would drop the imaginary part (with a warning) or read the string as a number
    m = sd.compile("param w\nminimize sum(w) wrt w\n")
    expect_error(lambda: m.exact({"w": w}), words, params={"w": w})


def test_an_argument_just_out_of_range_is_shown_unrounded():
    m = sd.compile("param theta\ndata p\nrandom m ~ bernoulli(p)\nminimize E[m](m * theta) wrt theta\n")
    expect_error(lambda: m.exact({"theta": 1.0}, {"p": 1.0000001}), "must be in [0, 1], not 1.0000001")
