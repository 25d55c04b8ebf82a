"""stochdiff: differentiate objectives that contain expectations, without reusing draws.

Public API: :func:`parse`, :func:`load`, :func:`format`, :func:`compile`, and the errors:
:class:`StochdiffError` and its subclasses, one per kind of mistake.
"""

from __future__ import annotations

from .errors import (DataProblem, EvaluationProblem, Location, NameProblem, StochdiffError, StructureProblem,
                     SupportTooLarge, SyntaxProblem)

__version__ = "0.1.0"


def parse(text: str, filename: str | None = None):
    """Parse and check ``text``; return a :class:`~stochdiff.ir.program.Program`."""
    from .ir.program import Program
    from .syntax.depth import parse_then
    from .syntax.parser import source_name

    return parse_then(text, source_name(text, filename), Program.from_module)


def load(path):
    """Read, parse and check the program in the file ``path``."""
    import os
    from pathlib import Path

    if not isinstance(path, (str, os.PathLike)):
        raise StochdiffError(f"a program's path must be a str or a path, not {type(path).__name__}")
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise StochdiffError(f"cannot read the program: {e.strerror or e}", Location(str(path))) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        # point at the offending byte, as a syntax error would
        line = raw.count(b"\n", 0, e.start) + 1
        start = raw.rfind(b"\n", 0, e.start) + 1
        column = len(raw[start:e.start].decode("utf-8", "replace")) + 1
        raise SyntaxProblem(f"the file is not UTF-8 text: byte 0x{raw[e.start]:02x} cannot be decoded",
                            Location(str(path), line, column, line, column + 1, raw.decode("utf-8", "replace"))) from None
    return parse(text, str(path))


def format(text: str, filename: str | None = None) -> str:  # noqa: A001 - the public name is the contract
    """Pretty-print the source ``text`` in canonical layout (comments are not kept)."""
    from .syntax.formatter import format_source
    from .syntax.parser import source_name

    return format_source(text, source_name(text, filename))


def compile(program_or_text, externs=None):  # noqa: A001 - the public name is the contract
    """Compile a program (a :class:`Program` or source text) into a :class:`~stochdiff.estimators.model.Model`.

    ``externs`` maps the names declared with ``extern`` to Python functions written with
    ``autograd.numpy``; they may take and return arrays or dicts of arrays.
    """
    from .estimators.model import compile as _compile

    return _compile(program_or_text, externs)


__all__ = ["parse", "load", "format", "compile", "StochdiffError", "SyntaxProblem", "NameProblem",
           "StructureProblem", "DataProblem", "SupportTooLarge", "EvaluationProblem", "Location", "__version__"]
