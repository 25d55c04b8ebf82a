"""Learning-rate hypergradients through one SGD step (examples/hypergradient.sd, `param theta, eta`).

    python examples/hypergradient.py [--out-dir DIR] [--tiny]

theta is held fixed; we descend on eta with the exact hypergradient dJ/deta, with the independent
estimator and with the naive one (one minibatch per step, Robbins-Monro step sizes), and show
where each lands.  The naive estimator's mean is the hypergradient of E_z[L'(theta - eta grad L_z)],
which also penalises the variance of the step, so it settles on a smaller learning rate.
"""

import argparse
import os
from pathlib import Path

import numpy as np

import stochdiff as sd

HERE = Path(__file__).resolve().parent
DATA = {"D": {"x": np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0]), "y": np.array([1.0, 0.5, 2.0, 1.5, 3.5, 2.0])},
        "Dv": {"x": np.array([1.0, 2.0]), "y": np.array([1.5, 2.5])}}
THETA = 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="fewer steps (for the tests)")
    ap.add_argument("--out-dir", default=".", help="where to save hypergradient.png")
    args = ap.parse_args()
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)  # before training, not after it
    tiny = args.tiny or os.environ.get("STOCHDIFF_EXAMPLES_TINY") == "1"
    steps = 100 if tiny else 2000
    model = sd.compile(sd.load(HERE / "hypergradient.sd"))
    est = {m: model.estimator(m) for m in ("independent", "naive")}

    def params(eta):
        return {"theta": THETA, "eta": eta}

    grads = {"exact": lambda eta, k: float(model.exact(params(eta), DATA).grad["eta"]),
             "independent": lambda eta, k: float(est["independent"](params(eta), DATA, seed=k).grad["eta"]),
             "naive": lambda eta, k: float(est["naive"](params(eta), DATA, seed=k).grad["eta"])}
    paths = {}
    for name, g in grads.items():
        eta, path = 0.05, [0.05]
        for k in range(steps):
            eta -= (0.02 if name == "exact" else 0.5 / (k + 20)) * g(eta, k)
            path.append(eta)
        paths[name] = np.array(path)
    tail = steps // 2
    print(f"descending on eta from 0.05 for {steps} steps (estimators: mean of the last {tail} iterates)")
    print(f"  {'hypergradient':<14}{'final eta':>10}{'J(eta) exact':>14}")
    finals = {}
    for name, path in paths.items():
        eta = float(path[-1]) if name == "exact" else float(path[-tail:].mean())
        finals[name] = eta
        print(f"  {name:<14}{eta:>10.4f}{model.exact(params(eta), DATA).value:>14.6f}")
    for m in ("independent", "naive"):
        print(f"  certificate of the {m} estimator: gradient "
              f"{'unbiased' if est[m].certificate.grad_unbiased else 'BIASED'}")
    print(f"summary: exact eta* = {finals['exact']:.4f}, independent lands at {finals['independent']:.4f}, "
          f"naive at {finals['naive']:.4f} (a smaller step: it also minimises the variance of the step)")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot: matplotlib is not installed; no plot saved")
        return
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    colors = {"exact": "k", "independent": "tab:blue", "naive": "tab:red"}
    for name, path in paths.items():
        ax1.plot(path, color=colors[name], lw=1.2 if name == "exact" else 0.8, label=name)
    ax1.set_xlabel("step")
    ax1.set_ylabel("η")
    ax1.set_title("Descent on the learning rate η")
    ax1.set_ylim(-0.1, 0.8)  # the first few noisy steps overshoot; the tail is what matters
    ax1.legend()
    etas = np.linspace(0.0, max(0.6, 1.3 * max(finals.values())), 61)
    ax2.plot(etas, [model.exact(params(e), DATA).value for e in etas], "k-", label="J(η), exact")
    for name, e in finals.items():
        ax2.axvline(e, color=colors[name], ls="--", lw=1, label=f"{name}: η = {e:.3f}")
    ax2.set_xlabel("η")
    ax2.set_ylabel("validation loss after one step")
    ax2.set_title("Where each run lands")
    ax2.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    out = Path(args.out_dir) / "hypergradient.png"
    fig.savefig(out, dpi=110)
    print(f"plot: saved {out}")


if __name__ == "__main__":
    main()
