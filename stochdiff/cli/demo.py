"""``stochdiff demo``: GD-by-GD versus GD-by-SGD on a problem small enough to compute exactly.

The problem is 1-D linear regression used as a meta-learning objective (objective A):

    J(θ) = L'(θ − η E_z[∇L_z(θ)]),    L_z(θ) = mean over the minibatch z of ½(x_i θ − y_i)²

with a minibatch z of b examples drawn without replacement from n = 6 training examples and a
validation loss L' on two held-out examples.  The x_i are distinct, so the per-minibatch Hessian
(mean x_i²) is correlated with the per-minibatch gradient, and the naive estimator (one draw for the
step and its Jacobian) is biased by η² L'' Cov(∇L_z, ∇²L_z).  Everything printed is exact: the
estimators' means, biases and variances come from enumerating every draw they make
(:func:`stochdiff.testing.bias`), not from sampling.

matplotlib is optional: without it the demo prints the tables and a one-line note instead of the plot.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import stochdiff

# The program, with the minibatch size as a template slot (sizes must be known statically).
PROGRAM = """\
# 1-D linear regression, one SGD step inside the expectation (objective A)
param theta
data D, Dv
const eta = 0.1
def loss(w, d) = mean(0.5 * (d.x * w - d.y) ^ 2)
random z ~ minibatch(D, {b})
theta1 = theta - eta * E[z](grad(loss(theta, z), theta))
minimize loss(theta1, Dv) wrt theta
"""

X = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
Y = np.array([1.0, 0.5, 2.0, 1.5, 3.5, 2.0])
DATA = {"D": {"x": X, "y": Y}, "Dv": {"x": np.array([1.0, 2.0]), "y": np.array([1.5, 2.5])}}
PARAMS = {"theta": 0.0}
HEADLINE_B = 1
DEFAULT_OUT = "stochdiff-demo.png"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="PNG",
                        help=f"where to save the plot, .png or .svg (default: ./{DEFAULT_OUT})")
    parser.add_argument("--no-plot", action="store_true", help="print the tables only; save no plot")


def _plot_path(args: argparse.Namespace) -> str | None:
    """Where the plot goes (None with --no-plot), checked before the tables take their second."""
    from .main import PICTURE_SUFFIXES, CommandLineError, check_output

    if args.no_plot:
        if args.out is not None:
            raise CommandLineError("--out and --no-plot contradict each other; give one of them")
        return None
    out = DEFAULT_OUT if args.out is None else args.out
    check_output(out, "--out", PICTURE_SUFFIXES)
    return out


def analyse(b: int) -> dict:
    """Exact gradient, and exact mean/bias/variance/MSE of both estimators, for minibatch size ``b``."""
    from ..testing import bias

    model = stochdiff.compile(stochdiff.parse(PROGRAM.format(b=b), "demo.sd"))
    exact = float(model.exact(PARAMS, DATA).grad["theta"])
    row = {"b": b, "exact": exact, "model": model}
    for mode in ("naive", "independent"):
        est = model.estimator(mode)
        m = bias(est, PARAMS, DATA).grad["theta"]
        row[mode] = {k: float(getattr(m, k)) for k in ("mean", "bias", "variance", "mse")}
        row[mode]["certificate"] = "unbiased" if est.certificate.grad_unbiased else "BIASED"
    return row


def table(row: dict) -> str:
    head = f"  {'gradient dJ/dtheta at theta = 0':<43}{'mean':>11}{'bias':>11}{'variance':>11}{'MSE':>11}  certificate"
    lines = [head, "  " + "-" * (len(head) - 2),
             f"  {'exact       (GD-by-GD, model.exact)':<43}{row['exact']:>11.6f}{0.0:>11.6f}{0.0:>11.6f}{0.0:>11.6f}"]
    names = {"naive": "naive       (GD-by-SGD, one draw)", "independent": "independent (fresh draw for the Jacobian)"}
    for mode in ("naive", "independent"):
        r = row[mode]
        lines.append(f"  {names[mode]:<43}{r['mean']:>11.6f}{_z(r['bias']):>11.6f}{r['variance']:>11.6f}"
                     f"{r['mse']:>11.6f}  {r['certificate']}")
    return "\n".join(lines)


def _z(x: float) -> float:
    """Round float noise (|x| < 1e-12) to zero so the table reads as exact."""
    return 0.0 if abs(x) < 1e-12 else x


def sweep_table(rows: list) -> str:
    n = len(X)
    b1 = rows[0]["naive"]["bias"]
    lines = [f"  {'b':>3}{'naive bias':>13}{'theory':>13}{'indep. bias':>13}{'naive MSE':>12}{'indep. MSE':>12}",
             "  " + "-" * 66]
    for r in rows:
        b = r["b"]
        theory = b1 * (n - b) / (b * (n - 1))
        lines.append(f"  {b:>3}{r['naive']['bias']:>13.6f}{theory:>13.6f}{_z(r['independent']['bias']):>13.6f}"
                     f"{r['naive']['mse']:>12.6f}{r['independent']['mse']:>12.6f}")
    return "\n".join(lines)


def plot(rows: list, out: str) -> str | None:
    """Save the sweep as a PNG; return None (and print why) when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    bs = [r["b"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.axhline(0.0, color="0.6", lw=0.8)
    ax1.plot(bs, [r["naive"]["bias"] for r in rows], "o-", color="tab:red", label="naive (same draw twice)")
    ax1.plot(bs, [_z(r["independent"]["bias"]) for r in rows], "s-", color="tab:blue",
             label="independent (fresh draw)")
    ax1.set_xlabel("minibatch size b (of n = %d examples)" % len(X))
    ax1.set_ylabel("exact bias of dJ/dθ")
    ax1.set_title("Bias of the meta-gradient estimators")
    ax1.set_xticks(bs)
    ax1.legend()
    ax2.plot(bs, [r["naive"]["mse"] for r in rows], "o-", color="tab:red", label="naive")
    ax2.plot(bs, [r["independent"]["mse"] for r in rows], "s-", color="tab:blue", label="independent")
    ax2.set_xlabel("minibatch size b")
    ax2.set_ylabel("exact MSE of dJ/dθ (one draw)")
    ax2.set_title("Mean squared error")
    ax2.set_xticks(bs)
    ax2.legend()
    fig.tight_layout()
    try:
        fig.savefig(out, dpi=110)
    except OSError as err:  # e.g. no permission; the name itself was checked before the work
        from .main import CommandLineError

        raise CommandLineError(f"cannot write {out}: {err.strerror or err}") from None
    finally:
        plt.close(fig)
    return out


def run(args: argparse.Namespace) -> int:
    """Print the tables (and save the plot unless --no-plot); every number is computed exactly."""
    out = _plot_path(args)
    start = time.perf_counter()
    n = len(X)
    print("stochdiff demo: the meta-gradient of one SGD step, GD-by-GD versus GD-by-SGD")
    print(f"1-D linear regression, n = {n} training examples x = {X.tolist()}, eta = 0.1, theta = 0.")
    print("Every number is exact: the estimators' means and variances enumerate all of their draws.\n")
    rows = [analyse(b) for b in range(1, n)]
    head = rows[HEADLINE_B - 1]
    print(f"Minibatch size b = {HEADLINE_B}:")
    print(table(head))
    print("\nThe naive estimator reuses the step's minibatch in the step's Jacobian, so its mean picks up")
    print("eta^2 L'' Cov(grad, Hessian) of the minibatch; the independent one draws a second minibatch.\n")
    print("The naive bias shrinks with the minibatch size b (theory: bias(1) (n - b) / (b (n - 1))):")
    print(sweep_table(rows))
    print()
    if out is None:
        print("plot: skipped (--no-plot)")
    else:
        saved = plot(rows, out)
        if saved is None:
            print("plot: matplotlib is not installed, so no plot was saved "
                  "(pip install \"stochdiff[plot]\" or pip install matplotlib)")
        else:
            print(f"plot: saved {saved}")
    print(f"\nThe program (examples/maml_linear.sd is the same idea with a validation minibatch), b = {HEADLINE_B}:\n")
    print("    " + PROGRAM.format(b=HEADLINE_B).rstrip("\n").replace("\n", "\n    "))
    print("\nWhere next:")
    print("  docs/index.md, docs/language.md, docs/examples.md   the documentation")
    print("  stochdiff inspect examples/maml_linear.sd           expectations, streams and certificates")
    print("  python examples/maml_linear.py                      objective A versus objective B")
    print(f"\n({time.perf_counter() - start:.1f} s)")
    return 0
