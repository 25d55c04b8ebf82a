"""The optimizer folded into the randomness: inside the step (A) or outside the objective (B).

    python examples/optimizer_choice.py [--out-dir DIR] [--tiny]

examples/optimizer_choice.sd (A) takes the step u = E[opt](step of gd or newton) and minimizes the
loss after the *average* step; examples/optimizer_choice_outside.sd (B) minimizes the *average*
loss after a step by a random optimizer (an initialisation robust to the optimizer).  We train theta
by gradient descent on A with the exact gradient, with the independent estimator and with the naive
one, and on B with its exact gradient, and report where each run ends and both objectives there.
"""

import argparse
import os
from pathlib import Path

import numpy as np

import stochdiff as sd

HERE = Path(__file__).resolve().parent


def train(grad, steps, lr=1.0, theta=2.0):
    path = [theta]
    for k in range(steps):
        theta = theta - lr * grad(theta, k)
        path.append(theta)
    return np.array(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="fewer steps (for the tests)")
    ap.add_argument("--out-dir", default=".", help="where to save optimizer_choice.png")
    args = ap.parse_args()
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)  # before training, not after it
    tiny = args.tiny or os.environ.get("STOCHDIFF_EXAMPLES_TINY") == "1"
    steps = 100 if tiny else 2000
    A = sd.compile(sd.load(HERE / "optimizer_choice.sd"))
    B = sd.compile(sd.load(HERE / "optimizer_choice_outside.sd"))
    est = {m: A.estimator(m) for m in ("independent", "naive")}

    def exact_grad(model):
        return lambda th, k: float(model.exact({"theta": th}).grad["theta"])

    def est_grad(mode):
        # one draw per step (seed k); Robbins-Monro step sizes 10 / (k + 20)
        return lambda th, k: float(est[mode]({"theta": th}, seed=k).grad["theta"]) * 10 / (k + 20)

    runs = {"A exact": train(exact_grad(A), steps), "A independent": train(est_grad("independent"), steps, lr=1.0),
            "A naive": train(est_grad("naive"), steps, lr=1.0), "B exact": train(exact_grad(B), steps)}
    tail = max(1, steps // 2)
    print(f"gradient descent from theta = 2 for {steps} steps (estimators: final = mean of the last {tail} iterates)")
    print(f"  {'run':<16}{'final theta':>12}{'objective A':>13}{'objective B':>13}")
    finals = {}
    for name, path in runs.items():
        th = float(path[-tail:].mean()) if "exact" not in name else float(path[-1])
        finals[name] = th
        print(f"  {name:<16}{th:>12.4f}{A.exact({'theta': th}).value:>13.5f}{B.exact({'theta': th}).value:>13.5f}")
    for m in ("independent", "naive"):
        print(f"  certificate of the {m} estimator of A: gradient "
              f"{'unbiased' if est[m].certificate.grad_unbiased else 'BIASED'}")
    print(f"summary: on A the independent estimator ends at theta = {finals['A independent']:.3f} "
          f"(A's minimizer {finals['A exact']:.3f}); the naive one ends at {finals['A naive']:.3f}, "
          f"which is B's minimizer ({finals['B exact']:.3f}): reusing the draw optimizes the other objective")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot: matplotlib is not installed; no plot saved")
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    styles = {"A exact": ("k", "-"), "A independent": ("tab:blue", "-"), "A naive": ("tab:red", "-"),
              "B exact": ("0.5", "--")}
    for name, path in runs.items():
        col, ls = styles[name]
        ax.plot(path, color=col, ls=ls, lw=1.2 if "exact" in name else 0.8, label=name)
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("θ")
    ax.set_title("Training θ on objective A (optimizer inside) and B (outside)")
    ax.legend()
    fig.tight_layout()
    out = Path(args.out_dir) / "optimizer_choice.png"
    fig.savefig(out, dpi=110)
    print(f"plot: saved {out}")


if __name__ == "__main__":
    main()
