"""The ``stochdiff`` command line.

Each subcommand is a small function ``run_NAME(args) -> int`` plus an entry in :data:`COMMANDS`
saying what arguments it takes, a one-line help and an example for ``--help``.  Adding a
subcommand (inspect, exact, estimate, bias, demo) means writing one function and one table row.

User errors never show a traceback: a :class:`~stochdiff.StochdiffError` is printed as the
compiler diagnostic it renders to (``file:line:column: error: ...`` with a caret), and a file that
cannot be read is one line, ``stochdiff: error: cannot read FILE: reason``.  Both exit with 1.
Anything else is a bug in stochdiff and is allowed to show its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import stochdiff

PROG = "stochdiff"


class CommandLineError(Exception):
    """A user error found by the command line itself (for example an unreadable file)."""


@dataclass(frozen=True)
class Command:
    run: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None]
    help: str
    example: str


# ---------------------------------------------------------------------------------------------
# helpers shared by subcommands


def add_program_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a stochdiff program, e.g. examples/maml_linear.sd")


PICTURE_SUFFIXES = (".png", ".svg")


def check_output(path, option: str, suffixes=None, protect=()) -> None:
    """Refuse an output file before any work is done, so a long run never ends in a failed save.

    ``path`` must be a non-empty name whose directory exists and that is not itself a directory;
    with ``suffixes`` its suffix must be one of them (matplotlib would otherwise append ``.png`` to
    a bare name, or reject the format after the work); it must not be one of the files ``protect``
    (the program being read).  ``inspect --png``/``--dot`` and ``demo --out`` all use this check.
    """
    if not path:
        raise CommandLineError(f"{option} needs a file name, not an empty string")
    target = Path(path)
    if target.is_dir():
        raise CommandLineError(f"{option} {path} is a directory; give the name of a file to write")
    if suffixes and target.suffix.lower() not in suffixes:
        raise CommandLineError(f"cannot tell which picture format {path!r} should be: name it "
                               f"{' or '.join(suffixes)}")
    parent = target.parent
    if not parent.is_dir():
        raise CommandLineError(f"cannot write {path}: the directory {parent} does not exist")
    for other in protect:
        if target.resolve() == Path(other).resolve() or _same_file(target, Path(other)):
            raise CommandLineError(f"{option} {path} is the program file itself; writing there would "
                                   f"overwrite it")


def _same_file(a: Path, b: Path) -> bool:
    """Whether two existing names are one file (a hard link included)."""
    try:
        return a.samefile(b)
    except OSError:  # one of them does not exist (yet)
        return False


def check_given(path, option: str) -> None:
    """An option that names a file must not be given an empty string (it would look like no file)."""
    if path is not None and not path:
        raise CommandLineError(f"{option} needs a file name, not an empty string")


# ---------------------------------------------------------------------------------------------
# subcommands


def run_check(args: argparse.Namespace) -> int:
    program = stochdiff.load(args.file)
    print(program.summary())
    return 0


def _module(name):
    """A subcommand module, imported on use: they pull in the compiler (and matplotlib for pictures)."""
    return importlib.import_module(f"{__package__}.{name}")


def _lazy(name) -> dict:
    """``run`` and ``add_arguments`` of command ``name`` in :mod:`stochdiff.cli.commands`."""
    return {"run": lambda args: getattr(_module("commands"), f"run_{name}")(args),
            "add_arguments": lambda parser: getattr(_module("commands"), f"add_{name}_arguments")(parser)}


COMMANDS: dict[str, Command] = {
    "check": Command(
        run=run_check,
        add_arguments=add_program_file,
        help="parse and check a program, then summarise it",
        example="stochdiff check examples/maml_linear.sd",
    ),
    "demo": Command(
        run=lambda args: _module("demo").run(args),
        add_arguments=lambda parser: _module("demo").add_arguments(parser),
        help="show GD-by-GD versus GD-by-SGD on a small problem, exactly (tables and a plot)",
        example="stochdiff demo --out stochdiff-demo.png",
    ),
    "inspect": Command(
        **_lazy("inspect"),
        help="show the expectation graph, the stream of every appearance and the certificate",
        example="stochdiff inspect examples/tasks.sd --png tasks.png",
    ),
    "exact": Command(
        **_lazy("exact"),
        help="compute the exact objective and gradient by enumerating every finite support",
        example="stochdiff exact examples/maml_linear.sd --data examples/data/maml_linear_data.json "
                "--params examples/data/maml_linear_params.json",
    ),
    "estimate": Command(
        **_lazy("estimate"),
        help="run an estimator many times: mean and standard error of the value and gradient",
        example="stochdiff estimate examples/tasks.sd --data examples/data/tasks_data.npz "
                "--params examples/data/tasks_params.json --replicates 2000",
    ),
    "bias": Command(
        **_lazy("bias"),
        help="exact bias, variance and MSE of the naive and the independent estimators",
        example="stochdiff bias examples/maml_linear.sd --data examples/data/maml_linear_data.json "
                "--params examples/data/maml_linear_params.json",
    ),
}


# ---------------------------------------------------------------------------------------------
# entry point


def build_parser() -> argparse.ArgumentParser:
    examples = "\n".join(f"  {c.example}" for c in COMMANDS.values())
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Compile objectives that contain expectations into Monte Carlo estimators.",
        epilog=f"examples:\n{examples}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {stochdiff.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(
            name,
            help=command.help,
            description=command.help[:1].upper() + command.help[1:] + ".",
            epilog=f"example:\n  {command.example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


# A reader that stopped reading (``stochdiff ... | head -1``) is not an error worth a traceback;
# 128 + SIGPIPE is the status a shell reports for a command that a closed pipe stopped.
BROKEN_PIPE_STATUS = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    try:
        status = _run(argv)
        sys.stdout.flush()  # inside the try: buffered output to a closed pipe fails only here
        return status
    except BrokenPipeError:
        _discard_stdout()
        return BROKEN_PIPE_STATUS


def _run(argv) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and usage errors (argparse exits itself)
        return exit_.code if isinstance(exit_.code, int) else 1
    try:
        return args.run(args)
    except stochdiff.StochdiffError as err:
        print(str(err), file=sys.stderr)
        return 1
    except CommandLineError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _discard_stdout() -> None:
    """Point stdout at devnull, so the interpreter's own flush at exit does not fail a second time.

    This is the recipe of the Python documentation (library/signal.html, "Note on SIGPIPE"); a
    stdout without a file descriptor (a test's capture) has nothing left to flush.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
