"""The benchmark problems B1-B5.  Each returns a list of result rows (dicts).

Every comparison is measured side by side in one run: the two contenders alternate,
each timed ``reps`` times, and the medians are compared.  Sizes shrink with ``tiny``
so the suite can run the whole script in CI without timing anything.
"""

from __future__ import annotations

import math
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np

import stochdiff as sd

from . import handwritten as hw

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def timed(fn, reps):
    """Median wall time of ``fn()`` over ``reps`` runs (after one warm-up)."""
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def side_by_side(fns: dict, reps: int) -> dict:
    """Median times of several functions, measured interleaved so load affects all alike."""
    for f in fns.values():
        f()
    ts = {k: [] for k in fns}
    for _ in range(reps):
        for k, f in fns.items():
            t = time.perf_counter()
            f()
            ts[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in ts.items()}


def slope(xs, ys) -> float:
    """Least-squares slope of log y against log x (the fitted exponent)."""
    lx, ly = np.log(xs), np.log(ys)
    return float(np.polyfit(lx, ly, 1)[0])


def sine_weights(rng):
    return {"W1": rng.normal(size=40), "b1": np.zeros(40), "W2": rng.normal(size=(40, 40)) / 6,
            "b2": np.zeros(40), "W3": rng.normal(size=40) / 6, "b3": np.zeros(())}


def b1_sine(tiny: bool, reps: int) -> list:
    """Sine MAML, K=5 inner steps, 10-shot, meta-batch 25: stochdiff vs hand-written autograd."""
    tasks_n = 3 if tiny else 25
    steps = 5
    rng = np.random.default_rng(0)
    w = sine_weights(rng)
    tasks = [(rng.uniform(0.1, 5), rng.uniform(0, np.pi), rng.uniform(-5, 5, 10), rng.uniform(-5, 5, 10),
              [rng.uniform(-5, 5, 10) for _ in range(steps)]) for _ in range(tasks_n)]
    ext = sd.compile(sd.load(HERE / "sine_k5.sd"), externs={"net": hw.net})
    nat = sd.compile(sd.load(HERE / "sine_k5_native.sd"))
    est = {(kind, mode): m.estimator(mode, samples={"amp": tasks_n})
           for kind, m in (("extern", ext), ("native", nat)) for mode in ("naive", "independent")}
    params = {"w": w}
    fns = {
        "hand naive": lambda: hw.sine_naive_grad(w, tasks, steps),
        "hand independent": lambda: hw.sine_independent_grad(w, tasks, steps),
        "stochdiff extern naive": lambda: est[("extern", "naive")](params),
        "stochdiff extern independent": lambda: est[("extern", "independent")](params),
        "stochdiff native naive": lambda: est[("native", "naive")](params),
        "stochdiff native independent": lambda: est[("native", "independent")](params),
    }
    t = side_by_side(fns, reps)
    return [
        {"id": "B1", "what": "sine MAML, extern net, naive: stochdiff / hand-written",
         "ratio": t["stochdiff extern naive"] / t["hand naive"], "target": "<= 1.15",
         "met": t["stochdiff extern naive"] / t["hand naive"] <= 1.15, "times": t},
        {"id": "B1", "what": "sine MAML, extern net, independent: stochdiff / hand-written",
         "ratio": t["stochdiff extern independent"] / t["hand independent"], "target": "<= 1.15",
         "met": t["stochdiff extern independent"] / t["hand independent"] <= 1.15},
        {"id": "B1n", "what": "sine MAML, net in the language, independent: hand-written / stochdiff (speed-up)",
         "ratio": t["hand independent"] / t["stochdiff native independent"], "target": ">= 10",
         "met": t["hand independent"] / t["stochdiff native independent"] >= 10},
        {"id": "B1n", "what": "sine MAML, net in the language, naive: hand-written naive / stochdiff (speed-up)",
         "ratio": t["hand naive"] / t["stochdiff native naive"], "target": "(info)", "met": None},
    ]


LINEAR = """
param theta
data D, Dv
const eta = 0.05
def loss(w, b) = mean((b.x @ w - b.y) ^ 2)
w = theta
for k in 1..{K} {{
  random z ~ minibatch(D, 4)
  w = w - eta * E[z](grad(loss(w, z), w))
}}
random zv ~ minibatch(Dv, 4)
minimize E[zv](loss(w, zv)) wrt theta
"""


def b2_linear(tiny: bool, reps: int) -> list:
    """Linear-regression MAML with K inner steps: time and peak memory per estimate against K."""
    ks = [1, 2, 4, 8] if tiny else [1, 4, 16, 64]
    rng = np.random.default_rng(1)
    data = {"D": {"x": rng.normal(size=(64, 8)), "y": rng.normal(size=64)},
            "Dv": {"x": rng.normal(size=(32, 8)), "y": rng.normal(size=32)}}
    params = {"theta": rng.normal(size=8)}
    rows = []
    for mode in ("naive", "independent"):
        times, mems = [], []
        for k in ks:
            est = sd.compile(LINEAR.format(K=k)).estimator(mode)
            times.append(timed(lambda: est(params, data), reps))
            tracemalloc.start()
            est(params, data)
            mems.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        ts, ms = slope(ks, times), slope(ks, mems)
        rows.append({"id": "B2", "what": f"linear MAML, {mode}: fitted exponent of time in K ({ks})",
                     "ratio": ts, "target": "< 1.1", "met": ts < 1.1,
                     "times": dict(zip(map(str, ks), times))})
        rows.append({"id": "B2", "what": f"linear MAML, {mode}: fitted exponent of peak memory in K",
                     "ratio": ms, "target": "< 1.1", "met": ms < 1.1, "bytes": dict(zip(map(str, ks), mems))})
    return rows


MULTISTEP = (ROOT / "examples" / "multistep_dropout.sd").read_text().replace("for k in 1..2", "for k in 1..{K}")


def b3_compile(tiny: bool, reps: int) -> list:
    """Compile time (parse to emitted estimator source) of the multistep program against K."""
    ks = [25, 50, 100] if tiny else [125, 250, 500, 1000]

    def build(k):
        m = sd.compile(MULTISTEP.replace("{K}", str(k)))
        return m.estimator("independent").source

    times = [timed(lambda k=k: build(k), max(1, reps // 2)) for k in ks]
    exp = slope(ks, times)
    return [{"id": "B3", "what": f"compile time for K = {ks[-1]} unrolled steps (s)", "ratio": times[-1],
             "target": "< 5 s" if not tiny else "(tiny)", "met": times[-1] < 5 if not tiny else None,
             "times": dict(zip(map(str, ks), times))},
            {"id": "B3", "what": f"compile time: fitted exponent in K ({ks})", "ratio": exp,
             "target": "linear (< 1.2)", "met": exp < 1.2}]


ONE_STEP = (ROOT / "examples" / "maml_linear.sd").read_text().replace("minibatch(D, 1)", "minibatch(D, {B})")


def b4_exact(tiny: bool, reps: int) -> list:
    """Exact gradient of the one-step program on a large dataset (needs no subset enumeration)."""
    n, b = (200, 2) if tiny else (10_000, 32)
    rng = np.random.default_rng(2)
    data = {"D": {"x": rng.normal(size=(n, 4)), "y": rng.normal(size=n)},
            "Dv": {"x": rng.normal(size=(n, 4)), "y": rng.normal(size=n)}}
    m = sd.compile(ONE_STEP.replace("{B}", str(b)))
    try:
        t = timed(lambda: m.exact({"theta": np.zeros(4)}, data), 1)
        return [{"id": "B4", "what": f"exact gradient, n = {n}, b = {b} (s)", "ratio": t, "target": "< 1 s",
                 "met": t < 1}]
    except sd.StochdiffError as e:
        return [{"id": "B4", "what": f"exact gradient, n = {n}, b = {b}", "ratio": math.nan, "target": "< 1 s",
                 "met": False, "note": f"not supported yet: {e.message}"}]


def b5_replicates(tiny: bool, reps: int) -> list:
    """R replicates in one vectorised call against R separate calls."""
    R = 200 if tiny else 10_000
    rng = np.random.default_rng(3)
    data = {"D": {"x": rng.normal(size=(20, 3)), "y": rng.normal(size=20)},
            "Dv": {"x": rng.normal(size=(10, 3)), "y": rng.normal(size=10)}}
    params = {"theta": rng.normal(size=3)}
    est = sd.compile(sd.load(ROOT / "examples" / "maml_linear.sd")).estimator()

    def separate():
        for r in range(R):
            est(params, data, seed=r)

    t = side_by_side({"vectorised": lambda: est(params, data, seed=0, replicates=R), "separate": separate}, 1)
    return [{"id": "B5", "what": f"{R} replicates: separate calls / one vectorised call (speed-up)",
             "ratio": t["separate"] / t["vectorised"], "target": ">= 20", "met": t["separate"] / t["vectorised"] >= 20,
             "times": t}]


PROBLEMS = {"B1": b1_sine, "B2": b2_linear, "B3": b3_compile, "B4": b4_exact, "B5": b5_replicates}
