"""The worked examples and ``stochdiff demo`` run end to end (examples at their --tiny size)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import stochdiff
from stochdiff.cli.main import main

# The scripts import the same stochdiff as this test run (installed, or the checkout when not installed).
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(Path(stochdiff.__file__).resolve().parent.parent)] + [p for p in [os.environ.get("PYTHONPATH")] if p])}

# script -> a line its output must contain
EXAMPLES = {
    "maml_linear": "summary: objective A naive bias",
    "multistep_dropout": "summary: naive bias grows",
    "tasks": "summary: naive bias",
    "optimizer_choice": "summary: on A the independent estimator",
    "hypergradient": "summary: exact eta*",
    "sine_maml": "summary: final post-adaptation test loss",
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_tiny(name, repo_root, tmp_path):
    out_dir = tmp_path / "not" / "yet"  # the scripts create it
    result = subprocess.run([sys.executable, f"examples/{name}.py", "--tiny", "--out-dir", str(out_dir)],
                            cwd=repo_root, capture_output=True, text=True, timeout=120, env=ENV)
    assert result.returncode == 0, result.stderr
    assert EXAMPLES[name] in result.stdout, result.stdout
    for png in re.findall(r"plot: saved (\S+)", result.stdout):
        with open(png, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_every_example_script_is_tested(repo_root):
    scripts = {p.stem for p in (repo_root / "examples").glob("*.py")}
    assert scripts == set(EXAMPLES)


def _row(out, label):
    line = next(line for line in out.splitlines() if line.strip().startswith(label))
    return [float(v) for v in re.findall(r"[-+]?\d+\.\d+", line)]


def test_demo_table_without_plot(capsys):
    assert main(["demo", "--no-plot"]) == 0
    out = capsys.readouterr().out
    exact, naive, indep = _row(out, "exact"), _row(out, "naive"), _row(out, "independent")
    # columns: mean, bias, variance, MSE
    assert abs(naive[1]) > 0.01 and abs(naive[0] - exact[0]) > 0.01
    assert abs(indep[1]) < 1e-9 and abs(indep[0] - exact[0]) < 1e-9
    assert "plot: skipped" in out
    assert "minimize" in out and "stochdiff inspect" in out


def test_demo_saves_a_png(tmp_path, capsys):
    out_png = tmp_path / "tmp.png"
    assert main(["demo", "--out", str(out_png)]) == 0
    assert f"plot: saved {out_png}" in capsys.readouterr().out
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
