"""``stochdiff estimate``: statistics accumulated chunk by chunk, and a single replicate."""

import json
import tracemalloc

import numpy as np
import pytest

import stochdiff
from stochdiff.cli import commands
from stochdiff.cli.datafiles import load_values
from stochdiff.cli.main import main


@pytest.fixture
def optimizer_choice(examples_dir):
    return [str(examples_dir / "optimizer_choice.sd"), "--params",
            str(examples_dir / "data/optimizer_choice_params.json")]


def peak_bytes(argv, capsys) -> int:
    """Peak memory traced while ``main(argv)`` runs (its output is swallowed)."""
    tracemalloc.start()
    try:
        assert main(argv) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        capsys.readouterr()


def test_memory_does_not_grow_with_the_replicates(optimizer_choice, monkeypatch, capsys):
    monkeypatch.setattr(commands, "CHUNK_REPLICATES", 1000, raising=False)  # small chunks: a fast test
    argv = ["estimate", *optimizer_choice, "--json"]
    main(argv + ["--replicates", "10"])  # compile and warm up outside the measurement
    capsys.readouterr()
    small = peak_bytes(argv + ["--replicates", "50000"], capsys)
    large = peak_bytes(argv + ["--replicates", "500000"], capsys)
    # Keeping every replicate would add 450,000 x 2 entries x 8 bytes (7.2 MB), twice over.
    assert large - small < 1_000_000, (small, large)


def test_chunked_statistics_equal_one_pass(examples_dir, monkeypatch, capsys):
    monkeypatch.setattr(commands, "CHUNK_REPLICATES", 7, raising=False)  # many merges of uneven chunks
    path = examples_dir / "tasks.sd"
    params, data = examples_dir / "data/tasks_params.json", examples_dir / "data/tasks_data.npz"
    assert main(["estimate", str(path), "--params", str(params), "--data", str(data), "--replicates", "500",
                 "--seed", "3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    r = stochdiff.compile(stochdiff.load(path)).estimator("independent")(
        load_values(params), load_values(data), seed=3, replicates=500)
    columns = [r.value, r.grad["theta"][:, 0], r.grad["theta"][:, 1]]
    assert [e["name"] for e in doc["entries"]] == ["value", "grad theta[0]", "grad theta[1]"]
    for e, x in zip(doc["entries"], columns):
        assert e["mean"] == pytest.approx(np.mean(x), rel=1e-13, abs=1e-15)
        assert e["stderr"] == pytest.approx(np.std(x, ddof=1) / np.sqrt(500), rel=1e-12)


def test_one_replicate_has_no_standard_error(optimizer_choice, capsys):
    assert main(["estimate", *optimizer_choice, "--replicates", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["mean", "std.", "error"]
    assert [line.split()[-1] for line in lines[2:4]] == ["n/a", "n/a"]
    assert lines[4] == "(a standard error needs at least 2 replicates)"
    assert "nan" not in "\n".join(lines)
    assert main(["estimate", *optimizer_choice, "--replicates", "1", "--json"]) == 0
    assert [e["stderr"] for e in json.loads(capsys.readouterr().out)["entries"]] == [None, None]
