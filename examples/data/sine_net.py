"""The network of examples/sine_maml.sd, for the command line: `--externs examples/data/sine_net.py`.

    python examples/data/sine_net.py OUT.npz     write initial weights w (a params file) to OUT.npz
    stochdiff estimate examples/sine_maml.sd --externs examples/data/sine_net.py --params OUT.npz

`net(w, x)` is the 1-40-40-1 ReLU network that examples/sine_maml.py calls NET, written with
autograd.numpy so that stochdiff can differentiate it. Importing this file only defines `net`.
(It lives with the data files because it is an input of the command line, not an example script.)
"""

import autograd.numpy as anp


def net(w, x):
    """The network's outputs at the points ``x``, for the weights ``w`` (a record W1, b1, ..., b3)."""
    h = anp.maximum(0.0, anp.outer(x, w["W1"]) + w["b1"])
    h = anp.maximum(0.0, anp.dot(h, w["W2"]) + w["b2"])
    return anp.dot(h, w["W3"]) + w["b3"]


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # examples/, for the weights of sine_maml.py
    from sine_maml import init_weights

    if len(sys.argv) != 2 or not sys.argv[1].endswith(".npz"):
        sys.exit("usage: python examples/data/sine_net.py OUT.npz")
    np.savez(sys.argv[1], **{f"w.{k}": v for k, v in init_weights(seed=0).items()})
    print(f"wrote the initial weights w ({', '.join(init_weights(seed=0))}) to {sys.argv[1]}")
