"""The command line skeleton: ``stochdiff check``, ``--help``, ``--version`` and clean errors.

Subprocess tests run ``python -m stochdiff`` from a temporary directory so that they exercise the
installed package, not whatever ``stochdiff/`` happens to sit in the working directory.
"""

import subprocess
import sys

import pytest

import stochdiff
from stochdiff.cli.main import main

needs_load = pytest.mark.skipif(
    not hasattr(stochdiff, "load"), reason="stochdiff.load is not written yet"
)


def run_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "stochdiff", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- needs nothing but the CLI itself -------------------------------------------------------


def test_check_help_shows_an_example(capsys):
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "example:" in out
    assert "stochdiff check examples/maml_linear.sd" in out


def test_top_level_help_lists_check(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "check" in out and "usage: stochdiff" in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"stochdiff {stochdiff.__version__}"


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2
    assert "usage: stochdiff" in capsys.readouterr().err


def test_missing_file_is_one_clean_line(tmp_path):
    result = run_cli("check", "no_such_program.sd", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        "no_such_program.sd: error: cannot read the program: No such file or directory\n"
    )
    assert result.stdout == ""


def test_directory_is_a_clean_error(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{tmp_path}: error: cannot read the program: ")
    assert err.count("\n") == 1


def test_check_prints_the_summary(monkeypatch, tmp_path, capsys):
    class Program:
        def summary(self):
            return "one objective, two expectations"

    source = tmp_path / "p.sd"
    source.write_text("param theta\n")
    loaded = []
    monkeypatch.setattr(stochdiff, "load", lambda path: loaded.append(path) or Program(), raising=False)
    assert main(["check", str(source)]) == 0
    assert loaded == [str(source)]
    assert capsys.readouterr().out == "one objective, two expectations\n"


def test_stochdiff_error_is_printed_as_a_diagnostic(monkeypatch, tmp_path, capsys):
    source = tmp_path / "p.sd"
    source.write_text("param theta\nminimize thetta wrt theta\n")
    location = stochdiff.Location(str(source), 2, 10, 2, 16, source.read_text())

    def load(path):
        raise stochdiff.StochdiffError("undefined name 'thetta'", location)

    monkeypatch.setattr(stochdiff, "load", load, raising=False)
    assert main(["check", str(source)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{source}:2:10: error: undefined name 'thetta'")
    assert "minimize thetta wrt theta" in captured.err and "^^^^^^" in captured.err


# --- needs the real stochdiff.load ----------------------------------------------------------


@needs_load
def test_check_the_main_example(examples_dir, tmp_path):
    result = run_cli("check", examples_dir / "maml_linear.sd", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "check printed no summary"
    assert "Traceback" not in result.stderr


@needs_load
def test_check_a_bad_program_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.sd"
    bad.write_text("param theta\nminimize ((( wrt theta\n")
    result = run_cli("check", bad.name, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "bad.sd:2:" in result.stderr.splitlines()[0]
