"""Located errors.

Every user-facing failure is a :class:`StochdiffError` (or a subclass) that carries the
source location it is about.  ``str(err)`` renders like a compiler diagnostic::

    prog.sd:3:12: error: undefined name 'thetta'; did you mean 'theta'?
        theta1 = thetta - eta * g
                 ^

The message is one sentence; the location and the caret come from :class:`Location`.
"""

from __future__ import annotations

import difflib
import numbers
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A position in a source text: 1-based line and column, plus the text for carets."""

    file: str = "<string>"
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    source: str | None = None  # the whole text, kept so errors can show the line

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def short(self) -> str:
        """``line L`` (used inside sentences such as certificate reasons)."""
        return f"line {self.line}"

    def source_line(self) -> str | None:
        if not isinstance(self.source, str) or self.line < 1:
            return None  # rendering an error must never raise, whatever the location holds
        lines = self.source.splitlines()
        return lines[self.line - 1] if self.line <= len(lines) else None


UNKNOWN = Location()

TAB = 8  # tab stops in rendered source lines, as terminals show them


class StochdiffError(Exception):
    """Base class of every error a user can cause.  Carries a location and one sentence."""

    kind = "error"

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location or UNKNOWN

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def __str__(self) -> str:
        loc = self.location
        if loc.line < 1:
            return f"{loc.file}: {self.kind}: {self.message}"
        head = f"{loc}: {self.kind}: {self.message}"
        text = loc.source_line()
        if text is None:
            return head
        end = loc.end_column if loc.end_line == loc.line and loc.end_column > loc.column else loc.column + 1
        # columns count characters, but a tab is displayed wider than one: expand the tabs in the
        # shown line and measure the caret on the expanded text, so the two lines stay aligned
        start, stop = (len(text[:c - 1].expandtabs(TAB)) for c in (loc.column, end))
        caret = " " * start + "^" * max(1, stop - start)
        return f"{head}\n    {text.expandtabs(TAB)}\n    {caret}"


class SyntaxProblem(StochdiffError):
    """The text does not follow the grammar."""


class NameProblem(StochdiffError):
    """An undefined, misspelled or misused name."""


class StructureProblem(StochdiffError):
    """A program that parses but is not well formed (arity, E scoping, minimize, ...)."""


class DataProblem(StochdiffError):
    """Params, data or externs supplied at run time do not fit the program."""


class SupportTooLarge(StochdiffError):
    """Exact enumeration was asked for a support larger than the limit."""


class EvaluationProblem(StochdiffError):
    """An operation failed while evaluating a program (shapes, non-finite values, externs)."""


class ShapeMismatch(EvaluationProblem):
    """An operation whose operands' shapes do not fit together."""


def is_whole(v, least: int = 1, below=None) -> bool:
    """Whether ``v`` is a whole number (not a bool) with ``least <= v`` (and ``v < below``)."""
    return (isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= least
            and (below is None or v < below))


def did_you_mean(name: str, candidates) -> str:
    """``"; did you mean 'x'?"`` for the nearest candidate, or ``""``."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
