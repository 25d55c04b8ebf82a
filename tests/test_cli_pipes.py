"""A reader that stops early (``stochdiff ... | head -1``) ends the command quietly with status 141.

The commands run as subprocesses whose stdout is a pipe with its reading end already closed, so
every write fails at once, whatever the size of the output and the speed of the machine.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import stochdiff
from stochdiff.cli.main import BROKEN_PIPE_STATUS, main

PKG_ROOT = str(Path(stochdiff.__file__).resolve().parent.parent)


def run_into_closed_pipe(args, cwd):
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = dict(os.environ, PYTHONPATH=PKG_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        return subprocess.run([sys.executable, "-m", "stochdiff", *map(str, args)], check=False, cwd=cwd, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120, env=env)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [
    ["demo", "--no-plot"],
    ["inspect", "examples/multistep_dropout.sd", "--json"],
    ["bias", "examples/maml_linear.sd", "--data", "examples/data/maml_linear_data.json",
     "--params", "examples/data/maml_linear_params.json"],
    ["estimate", "examples/maml_linear.sd", "--data", "examples/data/maml_linear_data.json",
     "--params", "examples/data/maml_linear_params.json", "--replicates", "10"],
], ids=["demo", "inspect", "bias", "estimate"])
def test_closed_pipe_is_quiet(repo_root, args):
    result = run_into_closed_pipe(args, repo_root)
    assert (result.returncode, result.stderr) == (BROKEN_PIPE_STATUS, "")


def test_broken_pipe_in_process(monkeypatch, capsys):
    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["--version"]) == BROKEN_PIPE_STATUS
