"""Shared fixtures.

The suite runs against the installed package (``pip install ".[test]"`` then ``pytest``), so no
path manipulation happens here; the fixtures only locate files in the repository.
"""

from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top directory (holds pyproject.toml, grammar/, examples/)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def examples_dir(repo_root: Path) -> Path:
    """``examples/``: the canonical .sd programs."""
    return repo_root / "examples"


# The seven canonical programs of the language issue (examples/ holds more).
CANONICAL = ("maml_linear", "maml_linear_outside", "multistep_dropout", "tasks", "optimizer_choice",
             "sine_maml", "sine_maml_native")


# T1 of the compiler issue: one SGD step inside E[z]; l_i = ½(x_i θ − y_i)² with x = (1, 2, 3), y = (1, 0, 2),
# θ0 = 0, η = 0.1, outer ½(θ' − 1)².  Exact gradient −92/225; the naive estimator's mean −29/60.
T1 = """\
param theta
data D
const eta = 0.1
def l(w, b) = 0.5 * sum((b.x @ w - b.y) ^ 2)
random z ~ minibatch(D, 1)
theta1 = theta - eta * E[z](grad(l(theta, z), theta))
minimize 0.5 * sum((theta1 - 1) ^ 2) wrt theta
"""
T1_DATA = {"D": {"x": np.array([[1.0], [2.0], [3.0]]), "y": np.array([1.0, 0.0, 2.0])}}
T1_PARAMS = {"theta": np.array([0.0])}
