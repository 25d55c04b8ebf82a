"""Shared fixtures.

The suite runs against the installed package (``pip install ".[test]"`` then ``pytest``), so no
path manipulation happens here; the fixtures only locate files in the repository.
"""

from pathlib import Path

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
