"""Python functions for a program's ``extern`` declarations, from the command line.

``exact``, ``estimate`` and ``bias`` call the externs, so they take ``--externs FILE.py``: a Python
file, imported by its path (its directory need not be a package, and is on ``sys.path`` while it
is imported, as for ``python FILE.py``), whose functions named like the declared externs are used.
``inspect`` (and every ``--dump``) never calls an extern, so it compiles with placeholders that say
so if they are ever called.

Every problem (no such file, an import that raises, a declared name the file does not define or
that is not callable, an extern with no file at all) is a one-sentence error naming the file.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

from ..errors import DataProblem, EvaluationProblem, Location

_modules = itertools.count(1)


def placeholders(program) -> dict:
    """A stand-in for every extern of ``program``, for commands that compile but never evaluate."""
    return {name: _placeholder(name) for name in program.externs}


def _placeholder(name: str):
    def extern(*args):
        raise EvaluationProblem(f"extern '{name}' was called, but this command compiled the program with a "
                                f"placeholder for it; pass --externs FILE.py to a command that evaluates")

    extern.__name__ = name
    return extern


def externs_for(program, path) -> dict:
    """The functions for ``program``'s externs: from the file ``path``, or an error if it is needed."""
    declared = program.externs
    if path is None:
        if declared:
            name = next(iter(declared))
            raise DataProblem(f"extern '{name}' is declared but no Python function was given for it; pass "
                              f"--externs FILE.py, a Python file that defines {_names(declared)}",
                              _declaration(program, name))
        return {}
    if not declared:
        raise DataProblem(f"--externs {path} was given, but the program declares no extern",
                          Location(file=program.filename))
    module = _import(str(path))
    try:
        return {name: _function(module, name, program, str(path)) for name in declared}
    except DataProblem:
        del sys.modules[module.__name__]  # an unusable file leaves nothing behind
        raise


def _function(module, name: str, program, path: str):
    """The callable ``module.NAME`` for the extern ``name``."""
    if not hasattr(module, name):
        raise DataProblem(f"the file defines no function named '{name}', which the program declares with "
                          f"extern at {_declaration(program, name).short}", Location(file=path))
    f = getattr(module, name)
    if not callable(f):
        raise DataProblem(f"'{name}' in the file is {type(f).__name__}, not a function", Location(file=path))
    return f


def _names(declared) -> str:
    names = [f"'{n}'" for n in declared]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _declaration(program, name: str) -> Location:
    """Where ``extern NAME(...)`` is written, so the error points at it."""
    from ..syntax.ast import ExternDecl

    for stmt in program.module.stmts:
        if isinstance(stmt, ExternDecl) and stmt.name.name == name:
            return stmt.loc
    return Location(file=program.filename)


def _import(path: str):
    """Import the Python file ``path`` as a fresh module; any failure is a DataProblem naming it."""
    here = Location(file=path)
    file = Path(path)
    if file.suffix != ".py":
        raise DataProblem("--externs takes a Python file whose name ends in .py", here)
    if not file.is_file():
        why = "it is a directory" if file.is_dir() else "No such file or directory"
        raise DataProblem(f"cannot read {path}: {why}", here)
    name = f"stochdiff_externs_{next(_modules)}"
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as importlib's recipe does: dataclasses and pickle look modules up here
    folder = str(file.resolve().parent)
    sys.path.insert(0, folder)  # its neighbours import as they do under `python FILE.py`
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        del sys.modules[name]
        loc = Location(path, err.lineno or 0, err.offset or 0, source=_text(file)) if err.lineno else here
        raise DataProblem(f"importing the file failed: {err.msg}", loc) from None
    except (Exception, SystemExit) as err:  # noqa: BLE001 - any failure of the user's code is theirs
        del sys.modules[name]
        raise DataProblem(f"importing the file failed: {type(err).__name__}: {err}", here) from None
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
    return module


def _text(file: Path) -> str | None:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
