"""``stochdiff inspect``, ``exact``, ``estimate`` and ``bias`` end to end, plus the data file loader.

Commands run as ``python -m stochdiff`` in a temporary directory, with the stochdiff this test
imports first on the path (the installed one, or the checkout under test).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stochdiff
from stochdiff.cli.datafiles import load_values

PKG_ROOT = str(Path(stochdiff.__file__).resolve().parent.parent)


def run_cli(*args, cwd):
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "stochdiff", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def ex(examples_dir):
    return examples_dir


def inputs(ex, name, data_suffix=".json"):
    d = ex / "data"
    out = ["--params", d / f"{name}_params.json"]
    if (d / f"{name}_data{data_suffix}").exists():
        out += ["--data", d / f"{name}_data{data_suffix}"]
    return out


def ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def user_error(result, *words):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() and all(w in result.stderr for w in words), result.stderr
    return result.stderr


# --- inspect --------------------------------------------------------------------------------


def test_inspect_text_dot_and_png(ex, tmp_path):
    out = ok(run_cli("inspect", ex / "tasks.sd", "--dot", "g.dot", "--png", "g.png", cwd=tmp_path))
    assert "expectation tree" in out and "E[z]" in out and "depends on t" in out
    assert "(independent copy: a factor of ^2 at line 5)" in out
    assert "certificate (independent): value unbiased, gradient unbiased" in out
    assert "subgraph cluster" in (tmp_path / "g.dot").read_text()
    data = (tmp_path / "g.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_inspect_json_schema(ex, tmp_path):
    doc = json.loads(ok(run_cli("inspect", ex / "maml_linear.sd", "--json", "--mode", "naive", cwd=tmp_path)))
    assert doc["version"] == "stochdiff.inspect/1" and doc["mode"] == "naive"
    assert {"file", "expectations", "random_variables", "appearances", "certificate"} <= set(doc)
    assert {e["label"] for e in doc["expectations"]} == {"E[z]", "E[zv]"}
    app = doc["appearances"][0]
    assert {"id", "expectation", "role", "jacobian", "line", "column", "stream"} <= set(app)
    assert {"id", "label", "copy", "why", "independent", "parent"} <= set(app["stream"])
    assert doc["certificate"]["unbiased"] is False and doc["certificate"]["reasons"]


@pytest.mark.parametrize("phase,expect", [("ast", "minimize E[zv](loss(theta1, zv)) wrt theta"),
                                           ("ir", "# ir maml_linear.sd"), ("grad", "# grad maml_linear.sd"),
                                           ("estimator", "def estimate(")])
def test_inspect_dump(ex, tmp_path, phase, expect, capsys):
    from stochdiff.cli.main import main  # in-process: four phases, one subprocess would do the same

    assert main(["inspect", str(ex / "maml_linear.sd"), "--dump", phase]) == 0
    assert expect in capsys.readouterr().out


def test_inspect_svg_by_suffix(ex, tmp_path):
    ok(run_cli("inspect", ex / "tasks.sd", "--png", "g.svg", cwd=tmp_path))
    head = (tmp_path / "g.svg").read_text()[:200].lstrip()
    assert head.startswith("<?xml") or head.startswith("<svg")


def test_inspect_bad_picture_name_is_a_user_error(ex, tmp_path):
    user_error(run_cli("inspect", ex / "tasks.sd", "--png", "g.jpg", cwd=tmp_path), "g.jpg", ".png or .svg")


# --- exact, estimate, bias ------------------------------------------------------------------


def test_exact_matches_the_api(ex, tmp_path):
    doc = json.loads(ok(run_cli("exact", ex / "tasks.sd", *inputs(ex, "tasks", ".npz"), "--json", cwd=tmp_path)))
    model = stochdiff.compile(stochdiff.load(ex / "tasks.sd"))
    r = model.exact(load_values(ex / "data/tasks_params.json"), load_values(ex / "data/tasks_data.json"))
    assert doc["version"] == "stochdiff.exact/1"
    assert doc["value"] == pytest.approx(r.value)
    assert doc["grad"]["theta"] == pytest.approx(list(r.grad["theta"]))
    text = ok(run_cli("exact", ex / "optimizer_choice.sd", *inputs(ex, "optimizer_choice"), cwd=tmp_path))
    assert "value" in text and "grad theta" in text


def test_estimate_json_equals_one_call(ex, tmp_path):
    args = ["--replicates", 120, "--seed", 5, "--samples", 2]
    doc = json.loads(ok(run_cli("estimate", ex / "maml_linear.sd", *inputs(ex, "maml_linear"), *args, "--json",
                                cwd=tmp_path)))
    assert doc["version"] == "stochdiff.estimate/1" and doc["replicates"] == 120
    model = stochdiff.compile(stochdiff.load(ex / "maml_linear.sd"))
    r = model.estimator("independent", samples=2)(load_values(ex / "data/maml_linear_params.json"),
                                                   load_values(ex / "data/maml_linear_data.json"),
                                                   seed=5, replicates=120)
    entries = {e["name"]: e for e in doc["entries"]}
    assert entries["value"]["mean"] == pytest.approx(np.mean(r.value), rel=1e-12)
    assert entries["value"]["stderr"] == pytest.approx(np.std(r.value, ddof=1) / np.sqrt(120), rel=1e-9)
    assert entries["grad theta[1]"]["mean"] == pytest.approx(np.mean(r.grad["theta"][:, 1]), rel=1e-12)
    assert doc["certificate"]["unbiased"] is True


def test_estimate_text(ex, tmp_path):
    out = ok(run_cli("estimate", ex / "multistep_dropout.sd", *inputs(ex, "multistep_dropout"), "--mode", "naive",
                     "--replicates", 50, cwd=tmp_path))
    assert "std. error" in out and "grad theta[0]" in out and "certificate (naive)" in out


def test_bias_table(ex, tmp_path):
    out = ok(run_cli("bias", ex / "maml_linear.sd", *inputs(ex, "maml_linear"), cwd=tmp_path))
    assert "naive bias" in out and "indep. MSE" in out and "grad theta[0]" in out
    value = next(line for line in out.splitlines() if line.startswith("value")).split()
    assert float(value[2]) != 0 and float(value[5]) == 0  # naive biased, independent exactly unbiased


# --- user errors ----------------------------------------------------------------------------


def test_missing_data_file(ex, tmp_path):
    user_error(run_cli("exact", ex / "maml_linear.sd", "--data", "nope.json", "--params",
                       ex / "data/maml_linear_params.json", cwd=tmp_path), "nope.json", "cannot read")


def test_bad_json_is_located(ex, tmp_path):
    (tmp_path / "p.json").write_text('{"theta": [1, 2\n')
    err = user_error(run_cli("exact", ex / "maml_linear.sd", "--data", ex / "data/maml_linear_data.json",
                             "--params", "p.json", cwd=tmp_path), "p.json:1:16", "not valid JSON")
    assert len(err.strip().splitlines()) == 3  # message, the line, the caret


def test_support_too_large_and_bad_options(ex, tmp_path):
    user_error(run_cli("bias", ex / "multistep_dropout.sd", *inputs(ex, "multistep_dropout"), "--limit", 100,
                       cwd=tmp_path), "multistep_dropout.sd:", "joint configurations")
    for r in (0, 10**23):
        user_error(run_cli("estimate", ex / "maml_linear.sd", *inputs(ex, "maml_linear"), "--replicates", r,
                           cwd=tmp_path), "--replicates must be from 1 to 1,000,000,000", f"not {r}")


def test_in_process_user_errors(ex, tmp_path, capsys):
    from stochdiff.cli.main import main

    p = ["--params", str(ex / "data/maml_linear_params.json")]
    assert main(["exact", str(ex / "maml_linear.sd"), *p]) == 1
    assert "pass --data FILE" in capsys.readouterr().err
    (tmp_path / "typo.json").write_text('{"thetaa": 1}')
    assert main(["exact", str(ex / "optimizer_choice.sd"), "--params", str(tmp_path / "typo.json")]) == 1
    assert "typo.json: error: the program declares no param named 'thetaa'; did you mean 'theta'?" in \
        capsys.readouterr().err
    assert main(["inspect", str(ex / "tasks.sd"), "--dot", str(tmp_path / "no" / "g.dot")]) == 1
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["inspect", "exact", "estimate", "bias"])
def test_help_has_an_example(command, capsys):
    from stochdiff.cli.main import main

    assert main([command, "--help"]) == 0
    assert f"stochdiff {command} examples/" in capsys.readouterr().out


# --- data files -----------------------------------------------------------------------------


def test_npz_and_json_describe_the_same_collection(ex):
    a = load_values(ex / "data/tasks_data.npz")
    b = load_values(ex / "data/tasks_data.json")
    assert isinstance(a["T"], list) and len(a["T"]) == len(b["T"]) == 2
    np.testing.assert_array_equal(a["T"][1]["val"]["x"], b["T"][1]["val"]["x"])


@pytest.mark.parametrize("keys,words", [
    ({"T.0.x": 1, "T.2.x": 1}, "no item 1"),
    ({"T.0.x": 1, "T.a": 1}, "mixes list indices"),
    ({"D": 1, "D.x": 1}, "already an array"),
    ({"D..x": 1}, "empty part"),
    ({"T.99999999999999999999.x": 1}, "'T' has no item 0"),  # used to build range(10**20)
    ({"T.0.x": 1, "T.1.x": 1, "T.3" + "0" * 5000 + ".x": 1}, "'T' has no item 2"),  # past int()'s digit limit
    ({"T.00.x": 1}, "key 'T.00.x' has '00' where a list index goes"),  # was KeyError '0'
    ({"T.\u00b2.x": 1}, "key 'T.\u00b2.x' has '\u00b2' where a list index goes"),  # was ValueError from int()
    ({"T.\u0663.x": 1}, "ASCII digits"),  # an Arabic-Indic three
])
def test_bad_npz_keys_name_the_file(tmp_path, keys, words):
    path = tmp_path / "bad.npz"
    np.savez(path, **{k: np.ones(2) * v for k, v in keys.items()})
    with pytest.raises(stochdiff.StochdiffError, match=words) as info:
        load_values(path)
    assert info.value.file == str(path)


def test_json_leaves_must_be_numbers(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('{"D": {"x": [1, "two"]}}')
    with pytest.raises(stochdiff.StochdiffError, match="D.x") as info:
        load_values(path)
    assert info.value.file == str(path)


# --- data files: what each format accepts ---------------------------------------------------


def load_error(path):
    """The one-line message ``load_values(path)`` raises, checked to name the file."""
    with pytest.raises(stochdiff.StochdiffError) as info:
        load_values(path)
    assert info.value.file == str(path)
    assert "\n" not in info.value.message
    return info.value.message


@pytest.mark.parametrize("text,message", [
    ('{"theta": 1, "theta": 2}', "the key 'theta' appears twice in one object; give each name once"),
    ('{"D": {"x": [1], "x": [2]}}', "the key 'x' appears twice in one object; give each name once"),
    ('{"theta": [1, 1' + "0" * 400 + ']}', "theta[1] is too large for a floating-point number"),
    ('{"theta": ' + "1" * 5000 + "}", "a number in the file has too many digits to read"),
    ('{"theta": ' + "[" * 100_000 + "]" * 100_000 + "}", "the arrays or objects are nested too deeply to read"),
    ('{"theta": ' + '{"a": ' * 950 + "1" + "}" * 950 + "}", "the arrays or objects are nested too deeply to read"),
    ('{"theta": ' + "[" * 70 + "1" + "]" * 70 + "}",
     "'theta' is not a rectangular array of numbers: it has more than 64 dimensions"),
    ('{"theta": [[1, 2], [3]]}', "'theta' is not a rectangular array of numbers: it has rows of different lengths"),
    ('{"theta": [1, "two"]}', "'theta' must contain only numbers, but theta[1] is a JSON string"),
    ('{"theta": [[1, 2], [3, true]]}', "'theta' must contain only numbers, but theta[1, 1] is a JSON boolean"),
    ('{"theta": [NaN, 1]}', "theta[0] is not finite (nan); params and data must be finite numbers"),
    ('{"D": {"x": [[1, 2], [3, -Infinity]]}}', "D.x[1, 1] is not finite (-inf); params and data must be finite"),
    ('{"theta": 1e400}', "theta is not finite (inf)"),
], ids=["duplicate", "duplicate-nested", "too-large", "too-many-digits", "deep-arrays", "deep-objects",
        "65-dims", "ragged", "string", "boolean", "nan", "-inf", "1e400"])
def test_json_problems_are_one_sentence(tmp_path, text, message):
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    assert message in load_error(path)


def test_json_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "p.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"theta": [1, 2]}')
    np.testing.assert_array_equal(load_values(path)["theta"], [1.0, 2.0])


@pytest.mark.parametrize("array,message", [
    (np.array([1 + 2j]), "array 'theta' holds complex numbers (dtype complex128); only integer and floating-point"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "holds dates"),
    (np.array([5], dtype="timedelta64[s]"), "holds time spans"),  # numpy files it under integers
    (np.array(["a"]), "holds strings"),
    (np.array([True]), "holds booleans"),
    (np.zeros(2, dtype=[("a", float)]), "holds records"),
    (np.array([{}], dtype=object), "cannot read array 'theta' from the archive"),
    (np.array([[1.0, np.nan]]), "theta[0, 1] is not finite (nan)"),
    (np.array([1e4000], dtype=np.longdouble), "theta[0] is not finite (inf)"),
], ids=["complex", "datetime", "timedelta", "string", "bool", "structured", "object", "nan", "inf"])
def test_npz_accepts_only_finite_integers_and_floats(tmp_path, array, message):
    path = tmp_path / "p.npz"
    np.savez(path, theta=array)
    assert message in load_error(path)


def test_npz_integer_and_small_float_dtypes_are_read(tmp_path):
    path = tmp_path / "p.npz"
    np.savez(path, a=np.array([3], dtype=np.int8), b=np.array([1.5], dtype=np.float16),
             c=np.array([7], dtype=np.uint64))
    got = load_values(path)
    assert {k: v.tolist() for k, v in got.items()} == {"a": [3.0], "b": [1.5], "c": [7.0]}
    assert all(v.dtype == np.float64 for v in got.values())


def test_npz_member_with_a_bad_crc_names_the_file(tmp_path):
    path = tmp_path / "p.npz"
    np.savez(path, theta=np.arange(100.0))
    raw = bytearray(path.read_bytes())
    raw[raw.index(b"theta.npy") + 200] ^= 0xFF  # a byte of the array's data, inside the first member
    path.write_bytes(bytes(raw))
    assert "cannot read array 'theta' from the archive (BadZipFile: Bad CRC-32" in load_error(path)


@pytest.mark.parametrize("member, content, key", [("theta.txt", b"1.0 2.0", "theta.txt"),
                                                  ("theta.npy", b"not an array", "theta")])
def test_npz_member_that_is_not_a_numpy_array(tmp_path, member, content, key):
    import zipfile

    path = tmp_path / "p.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, content)
    assert load_error(path) == f"member '{key}' of the archive is not an array written by numpy"


def test_non_finite_params_are_blamed_on_the_file(ex, tmp_path):
    (tmp_path / "p.json").write_text('{"theta": [NaN, 0.5]}')
    err = user_error(run_cli("exact", ex / "maml_linear.sd", "--data", ex / "data/maml_linear_data.json",
                             "--params", "p.json", cwd=tmp_path))
    assert err == "p.json: error: theta[0] is not finite (nan); params and data must be finite numbers\n"
