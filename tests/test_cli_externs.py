"""Externs on the command line: placeholders for ``inspect``, ``--externs FILE.py`` for the rest."""

import importlib.util
import json
import sys

import numpy as np
import pytest

import stochdiff
from stochdiff.cli.externs import placeholders
from stochdiff.cli.main import main


def import_file(path):
    spec = importlib.util.spec_from_file_location(f"test_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sine(examples_dir):
    return import_file(examples_dir / "sine_maml.py")


@pytest.fixture
def weights(sine, tmp_path):
    """Initial weights of examples/sine_maml.py as a params file (what `python examples/data/sine_net.py` writes)."""
    path = tmp_path / "w.npz"
    np.savez(path, **{f"w.{k}": v for k, v in sine.init_weights(seed=0).items()})
    return str(path)


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("extra", [[], ["--json"], ["--dump", "ast"], ["--dump", "ir"], ["--dump", "grad"],
                                   ["--dump", "estimator"]], ids=["text", "json", "ast", "ir", "grad", "estimator"])
def test_inspect_needs_no_externs(examples_dir, capsys, extra):
    status, out, err = run(capsys, "inspect", examples_dir / "sine_maml.sd", *extra)
    assert (status, err) == (0, "")
    assert out.strip()


def test_a_placeholder_says_what_it_is(examples_dir):
    net = placeholders(stochdiff.load(examples_dir / "sine_maml.sd"))["net"]
    with pytest.raises(stochdiff.StochdiffError, match="extern 'net' was called, but this command compiled the "
                                                       "program with a placeholder for it"):
        net(1.0, 2.0)


def test_sine_net_is_the_network_of_sine_maml(examples_dir, sine):
    net = import_file(examples_dir / "data/sine_net.py").net
    w, x = sine.init_weights(seed=0), np.linspace(-5, 5, 7)
    np.testing.assert_array_equal(net(w, x), sine.NET(w, x))


def test_estimate_with_externs_equals_the_api(examples_dir, sine, weights, capsys):
    status, out, err = run(capsys, "estimate", examples_dir / "sine_maml.sd", "--externs",
                           examples_dir / "data/sine_net.py", "--params", weights, "--replicates", 3, "--seed", 4, "--json")
    assert (status, err) == (0, "")
    doc = json.loads(out)
    model = stochdiff.compile(stochdiff.load(examples_dir / "sine_maml.sd"), externs={"net": sine.NET})
    r = model.estimator("independent")({"w": sine.init_weights(seed=0)}, seed=4, replicates=3)
    entries = {e["name"]: e for e in doc["entries"]}
    assert entries["value"]["mean"] == pytest.approx(np.mean(r.value), rel=1e-12)
    assert entries["grad w.W2[3, 5]"]["mean"] == pytest.approx(np.mean(r.grad["w"]["W2"][:, 3, 5]), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("command", ["exact", "estimate", "bias"])
def test_a_missing_extern_asks_for_the_option(examples_dir, weights, capsys, command):
    status, out, err = run(capsys, command, examples_dir / "sine_maml.sd", "--params", weights)
    assert (status, out) == (1, "")
    assert err.startswith(f"{examples_dir / 'sine_maml.sd'}:3:1: error: extern 'net' is declared but no Python "
                          f"function was given for it; pass --externs FILE.py, a Python file that defines 'net'\n")


@pytest.mark.parametrize("name,text,message", [
    ("missing.py", None, "missing.py: error: cannot read {path}: No such file or directory"),
    ("boom.py", "x = 1 / 0\n", "boom.py: error: importing the file failed: ZeroDivisionError: division by zero"),
    ("exits.py", "import sys\nsys.exit(2)\n", "exits.py: error: importing the file failed: SystemExit: 2"),
    ("syntax.py", "def net(:\n", "syntax.py:1:9: error: importing the file failed: invalid syntax"),
    ("number.py", "net = 3\n", "number.py: error: 'net' in the file is int, not a function"),
    ("other.py", "def other(w, x):\n    return x\n",
     "other.py: error: the file defines no function named 'net', which the program declares with extern at line 3"),
    ("net.txt", "def net(w, x):\n    return x\n", "net.txt: error: --externs takes a Python file whose name ends in .py"),
], ids=["missing", "raises", "exits", "syntax", "not-callable", "not-defined", "suffix"])
def test_bad_externs_files(examples_dir, weights, tmp_path, capsys, name, text, message):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    modules = set(sys.modules)
    status, out, err = run(capsys, "estimate", examples_dir / "sine_maml.sd", "--params", weights,
                           "--externs", path, "--replicates", 2)
    assert (status, out) == (1, "")
    assert err.startswith(f"{tmp_path}/{message.format(path=path)}\n"), err
    assert not any(m.startswith("stochdiff_externs_") for m in set(sys.modules) - modules)  # no half-imported file
    assert str(tmp_path) not in sys.path


def test_externs_for_a_program_without_externs(examples_dir, tmp_path, capsys):
    path = tmp_path / "f.py"
    path.write_text("def net(w, x):\n    return x\n")
    status, out, err = run(capsys, "exact", examples_dir / "optimizer_choice.sd", "--params",
                           examples_dir / "data/optimizer_choice_params.json", "--externs", path)
    assert (status, out) == (1, "")
    assert err == f"{examples_dir / 'optimizer_choice.sd'}: error: --externs {path} was given, but the program " \
                  f"declares no extern\n"


def test_an_externs_file_imports_its_neighbours(examples_dir, sine, weights, tmp_path, capsys):
    (tmp_path / "helper_for_net.py").write_text("SCALE = 0.0\n")
    (tmp_path / "f.py").write_text("import autograd.numpy as anp\nfrom helper_for_net import SCALE\n\n\n"
                                   "def net(w, x):\n    return SCALE * anp.sum(w['b3']) + 0.0 * x\n")
    status, out, err = run(capsys, "estimate", examples_dir / "sine_maml.sd", "--params", weights,
                           "--externs", tmp_path / "f.py", "--replicates", 2)
    assert (status, err) == (0, "")
    grads = [line.split() for line in out.splitlines() if line.startswith("grad ")]
    assert len(grads) == 1761 and all(g[-2] == "0" for g in grads)  # the file's net (zero, flat) was used
    assert str(tmp_path) not in sys.path  # the file's folder is on sys.path only while it is imported
