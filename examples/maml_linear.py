"""Objective A (expectation inside the step) versus objective B (expectation outside), side by side.

    python examples/maml_linear.py          # prints the comparison
    python examples/maml_linear.py --tiny   # the same (it is already tiny); used by the tests

For each program: the exact gradient (model.exact), the exact means of the naive and independent
estimators (stochdiff.testing.bias enumerates every draw), and the certificates.
"""

import argparse
from pathlib import Path

import numpy as np

import stochdiff as sd
from stochdiff.testing import bias

HERE = Path(__file__).resolve().parent
# 1-D linear regression (x is an (n, 1) design matrix, theta a length-1 vector); distinct x values
# make the per-example Hessian x^2 correlate with the per-example gradient.
DATA = {"D": {"x": np.array([[0.5], [1.0], [2.0], [3.0]]), "y": np.array([1.0, 0.0, 2.5, 2.0])},
        "Dv": {"x": np.array([[1.0], [2.5]]), "y": np.array([1.5, 2.0])}}
PARAMS = {"theta": np.array([0.0])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="test size (the example is tiny already)")
    ap.add_argument("--out-dir", default=".", help="unused: this example prints only")
    ap.parse_args()
    rows, exacts = [], []
    for name, what in [("maml_linear.sd", "A: L'(theta - eta E_z[grad L_z])"),
                       ("maml_linear_outside.sd", "B: E_z[L'(theta - eta grad L_z)]")]:
        model = sd.compile(sd.load(HERE / name))
        exact = float(model.exact(PARAMS, DATA).grad["theta"][0])
        exacts.append(exact)
        print(f"objective {what}   ({name})")
        print(f"  exact gradient at theta = 0      {exact:+.6f}")
        for mode in ("naive", "independent"):
            est = model.estimator(mode)
            m = bias(est, PARAMS, DATA).grad["theta"]
            b = float(m.bias[0])
            b = 0.0 if abs(b) < 1e-12 else b
            print(f"  {mode:<12} exact mean {float(m.mean[0]):+.6f}   bias {b:+.6f}   variance {float(m.variance[0]):.6f}"
                  f"   certificate: gradient {'unbiased' if est.certificate.grad_unbiased else 'BIASED'}")
            rows.append((name, mode, b))
        cert = model.estimator("naive").certificate
        for r in cert.reasons:
            if r.startswith("gradient"):
                print(f"    naive: {r}")
        print()
    (a_naive, a_ind, b_naive, b_ind) = [b for _, _, b in rows]
    exact_a, exact_b = exacts
    print(f"summary: objective A naive bias {a_naive:+.6f}, independent {a_ind:+.6f}; "
          f"objective B naive bias {b_naive:+.6f}, independent {b_ind:+.6f}")
    print(f"The naive estimator of A has mean {a_naive + exact_a:+.6f}, which is the exact gradient of B "
          f"({exact_b:+.6f}): reusing the draw optimizes B.")
    print("The same code (one draw, step, backpropagate) is unbiased for B and biased for A: "
          "the program says which objective is meant.")


if __name__ == "__main__":
    main()
