"""Output files of the command line: ``inspect --dot/--png``, ``demo --out``, and empty file names.

Every bad output name is refused before any work is done, and no path is ever printed that was not
the one written.
"""

import os

import pytest

from stochdiff.cli import demo
from stochdiff.cli.main import main


@pytest.fixture
def no_work(monkeypatch):
    """Make the demo's computation fail the test: a bad --out must be refused before it starts."""
    def analyse(b):
        raise AssertionError("the demo computed its tables before checking --out")

    monkeypatch.setattr(demo, "analyse", analyse)


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("name,message", [
    ("x.txt", "stochdiff: error: cannot tell which picture format 'x.txt' should be: name it .png or .svg\n"),
    ("", "stochdiff: error: --out needs a file name, not an empty string\n"),
    ("adir", "stochdiff: error: --out adir is a directory; give the name of a file to write\n"),
    ("missing/x.png", "stochdiff: error: cannot write missing/x.png: the directory missing does not exist\n"),
], ids=["suffix", "empty", "directory", "no-directory"])
def test_demo_out_is_checked_before_the_work(tmp_path, monkeypatch, capsys, no_work, name, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    status, out, err = run(capsys, "demo", "--out", name)
    assert (status, out, err) == (1, "", message)
    assert sorted(os.listdir(tmp_path)) == ["adir"]  # nothing written: no adir.png, no .png


def test_demo_out_and_no_plot_contradict(capsys, no_work):
    status, out, err = run(capsys, "demo", "--no-plot", "--out", "x.png")
    assert (status, out) == (1, "")
    assert err == "stochdiff: error: --out and --no-plot contradict each other; give one of them\n"


def test_demo_prints_the_path_it_wrote(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "demo", "--out", "pics.SVG")
    assert status == 0, err
    assert "plot: saved pics.SVG\n" in out
    assert os.listdir(tmp_path) == ["pics.SVG"]
    assert (tmp_path / "pics.SVG").read_text()[:200].lstrip().startswith(("<?xml", "<svg"))


@pytest.mark.parametrize("extra,message", [
    (["--dump", "ir", "--dot", "g.dot"], "--dump prints one phase only and cannot be combined with --dot"),
    (["--dump", "ast", "--png", "g.png", "--json"],
     "--dump prints one phase only and cannot be combined with --json or --png"),
    (["--dot", ""], "--dot needs a file name, not an empty string"),
    (["--png", ""], "--png needs a file name, not an empty string"),
    (["--png", "g.txt"], "cannot tell which picture format 'g.txt' should be: name it .png or .svg"),
    (["--dot", "g.png", "--png", "g.png"], "--dot and --png both name g.png; the picture would overwrite the DOT text"),
], ids=["dump-dot", "dump-png-json", "empty-dot", "empty-png", "png-suffix", "dot-is-png"])
def test_inspect_output_usage_errors(examples_dir, tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "inspect", examples_dir / "tasks.sd", *extra)
    assert (status, out, err) == (1, "", f"stochdiff: error: {message}\n")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("option", ["--dot", "--png"])
def test_inspect_does_not_overwrite_its_program(tmp_path, capsys, option):
    program = tmp_path / "p.png"  # a program may have any name; .png lets --png reach the check
    text = "param theta\nminimize theta ^ 2 wrt theta\n"
    program.write_text(text)
    status, out, err = run(capsys, "inspect", program, option, tmp_path / "." / "p.png")
    assert (status, out) == (1, "")
    assert err == f"stochdiff: error: {option} {tmp_path / '.' / 'p.png'} is the program file itself; " \
                  f"writing there would overwrite it\n"
    assert program.read_text() == text


def test_inspect_refuses_a_hard_link_to_its_program(tmp_path, capsys):
    program = tmp_path / "p.sd"
    program.write_text("param theta\nminimize theta ^ 2 wrt theta\n")
    os.link(program, tmp_path / "g.dot")
    status, _, err = run(capsys, "inspect", program, "--dot", tmp_path / "g.dot")
    assert status == 1 and "is the program file itself" in err


@pytest.mark.parametrize("option", ["--params", "--data"])
@pytest.mark.parametrize("command", ["exact", "estimate", "bias"])
def test_empty_input_file_names_are_usage_errors(examples_dir, capsys, command, option):
    given = {"--params": str(examples_dir / "data/optimizer_choice_params.json"), "--data": None}
    given[option] = ""
    argv = [command, str(examples_dir / "optimizer_choice.sd")]
    for opt, value in given.items():
        if value is not None:
            argv += [opt, value]
    status, out, err = run(capsys, *argv)
    assert (status, out, err) == (1, "", f"stochdiff: error: {option} needs a file name, not an empty string\n")
