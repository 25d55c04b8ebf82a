"""Text to AST.

One grammar file (``grammar/stochdiff.lark``) drives a lark LALR parser that is built
once per process.  A small postlexer decides which newlines end statements, a lark
Transformer turns the parse tree into the dataclasses of :mod:`stochdiff.syntax.ast`
(the parse tree never leaves this module), and every lark failure is translated into a
:class:`~stochdiff.errors.SyntaxProblem` with one sentence saying what was expected.
"""

from __future__ import annotations

import importlib.resources
import sys
from pathlib import Path

from lark import Lark, Token, v_args
from lark.visitors import Transformer_NonRecursive
from lark.exceptions import (LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput,
                             UnexpectedToken, VisitError)

from . import ast
from ..errors import Location, StochdiffError, SyntaxProblem

__all__ = ["parse_module"]

_GRAMMAR_RESOURCE = "grammar/stochdiff.lark"


def _grammar_text() -> str:
    """The grammar: shipped as package data when installed, else read from the source tree."""
    try:
        resource = importlib.resources.files("stochdiff").joinpath(_GRAMMAR_RESOURCE)
        if resource.is_file():
            return resource.read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError, TypeError):
        pass
    return (Path(__file__).resolve().parents[2] / "grammar" / "stochdiff.lark").read_text(encoding="utf-8")


# ------------------------------------------------------------------- layout


_OPENERS = {"LPAR": ")", "LSQB": "]", "LBRACE": "}"}
_CLOSERS = {"RPAR", "RSQB", "RBRACE"}


class _Layout:
    """Postlexer: keep only the newlines that separate statements.

    Newlines are dropped inside (), [] and ``match`` braces (an expression continues
    there), but kept inside a ``for`` body's braces, where they separate statements.
    Runs of newlines collapse to one, and newlines at the start or end of the input,
    right after a ``for`` body's ``{`` or right before any brace are dropped, so the
    grammar sees exactly one ``_NL`` between two statements and nowhere else.
    """

    always_accept = ("_NL",)

    def process(self, stream):
        stack = []  # "paren", "match" or "for", innermost last
        pending = None  # a statement-ending newline waiting to see what follows it
        prev = prev2 = None  # types of the last two tokens passed on
        after_for_brace = False
        for tok in stream:
            kind = tok.type
            if kind == "_NL":
                if (stack and stack[-1] != "for") or prev is None or after_for_brace:
                    continue
                if pending is None:
                    pending = tok
                continue
            if pending is not None:
                if kind not in ("LBRACE", "RBRACE"):
                    yield pending
                pending = None
            after_for_brace = False
            if kind in ("LPAR", "LSQB"):
                stack.append("paren")
            elif kind == "LBRACE":
                # `match v {` is the only brace that opens an expression; any other is a for body.
                is_match = prev == "NAME" and prev2 == "MATCH"
                stack.append("match" if is_match else "for")
                after_for_brace = not is_match
            elif kind in _CLOSERS and stack:
                stack.pop()
            yield tok
            prev2, prev = prev, kind


# ------------------------------------------------------------------- tree to AST


def _token_location(tok: Token, filename: str, text: str) -> Location:
    return Location(filename, tok.line, tok.column, tok.end_line, tok.end_column, text)


def _binop(op: str, ch, loc: Location) -> ast.BinOp:
    return ast.BinOp(op, ch[0], ch[1], loc)


@v_args(meta=True)
class _ToAst(Transformer_NonRecursive):  # non-recursive: long expressions make deep trees
    """Parse tree -> AST.  Method names are the rule aliases of the grammar."""

    def __init__(self, filename: str, text: str):
        super().__init__()
        self.filename = filename
        self.text = text

    def _loc(self, meta) -> Location:
        return Location(self.filename, meta.line, meta.column, meta.end_line, meta.end_column, self.text)

    def _ident(self, tok: Token) -> ast.Ident:
        return ast.Ident(str(tok), _token_location(tok, self.filename, self.text))

    def _idents(self, toks) -> tuple:
        return tuple(self._ident(t) for t in toks)

    # statements

    def start(self, meta, ch):
        return tuple(ch)

    def param_decl(self, meta, ch):
        return ast.ParamDecl(self._idents(ch), self._loc(meta))

    def data_decl(self, meta, ch):
        return ast.DataDecl(self._idents(ch), self._loc(meta))

    def const_decl(self, meta, ch):
        return ast.ConstDecl(self._ident(ch[0]), ch[1], self._loc(meta))

    def extern_decl(self, meta, ch):
        return ast.ExternDecl(self._ident(ch[0]), self._idents(ch[1:]), self._loc(meta))

    def def_decl(self, meta, ch):
        return ast.DefDecl(self._ident(ch[0]), self._idents(ch[1:-1]), ch[-1], self._loc(meta))

    def random_decl(self, meta, ch):
        return ast.RandomDecl(self._ident(ch[0]), self._ident(ch[1]), tuple(ch[2:]), self._loc(meta))

    def labelled(self, meta, ch):
        return ast.Labelled(self._ident(ch[0]), ch[1], self._loc(meta))

    def assign(self, meta, ch):
        return ast.Assign(self._ident(ch[0]), ch[1], self._loc(meta))

    def for_stmt(self, meta, ch):
        return ast.For(self._ident(ch[0]), ch[1], ch[2], tuple(ch[3:]), self._loc(meta))

    def minimize(self, meta, ch):
        return ast.Minimize(ch[0], self._idents(ch[1:]), self._loc(meta))

    # expressions

    def add(self, meta, ch):
        return _binop("+", ch, self._loc(meta))

    def sub(self, meta, ch):
        return _binop("-", ch, self._loc(meta))

    def mul(self, meta, ch):
        return _binop("*", ch, self._loc(meta))

    def div(self, meta, ch):
        return _binop("/", ch, self._loc(meta))

    def matmul(self, meta, ch):
        return _binop("@", ch, self._loc(meta))

    def pow(self, meta, ch):
        return _binop("^", ch, self._loc(meta))

    def neg(self, meta, ch):
        return ast.Neg(ch[0], self._loc(meta))

    def field(self, meta, ch):
        return ast.Field(ch[0], str(ch[1]), self._loc(meta))

    def num(self, meta, ch):
        tok = ch[0]
        loc = self._loc(meta)
        text = str(tok)
        if any(c in text for c in ".eE"):
            value = float(text)
            if value == float("inf"):
                raise SyntaxProblem(f"the number '{_clip(text)}' is too large to represent", loc)
            return ast.Num(value, loc)
        try:
            value = int(text)
        except ValueError:  # Python refuses to convert integers of more than ~4300 digits
            raise SyntaxProblem("this integer has too many digits", loc) from None
        if value > sys.float_info.max:  # the program computes in float64, like a too-large '1e999'
            raise SyntaxProblem(f"the number '{_clip(text)}' is too large to represent", loc)
        return ast.Num(value, loc)

    def pi(self, meta, ch):
        return ast.Pi(self._loc(meta))

    def array(self, meta, ch):
        return ast.ArrayLit(tuple(ch), self._loc(meta))

    def var(self, meta, ch):
        return ast.Var(str(ch[0]), self._loc(meta))

    def call(self, meta, ch):
        return ast.Call(self._ident(ch[0]), tuple(ch[1:]), self._loc(meta))

    def expect(self, meta, ch):
        return ast.Expect(self._idents(ch[:-1]), ch[-1], self._loc(meta))

    def grad(self, meta, ch):
        return ast.Grad(ch[0], self._ident(ch[1]), self._loc(meta))

    def match(self, meta, ch):
        return ast.Match(self._ident(ch[0]), tuple(ch[1:]), self._loc(meta))

    def arm(self, meta, ch):
        return ast.Arm(self._ident(ch[0]), ch[1], self._loc(meta))


# ------------------------------------------------------------------- errors in words

# Sets of terminals that are described together ("an expression" instead of nine tokens).
_EXPR_START = frozenset({"NUMBER", "PI", "LSQB", "NAME", "LPAR", "E", "GRAD", "MATCH", "MINUS"})
_STMT_START = frozenset({"PARAM", "DATA", "CONST", "EXTERN", "DEF", "RANDOM", "NAME", "FOR", "MINIMIZE"})
_OPERATORS = frozenset({"PLUS", "MINUS", "STAR", "SLASH", "AT", "CIRCUMFLEX"})
_POSTFIX = frozenset({"DOT", "LPAR"})

_REGEX_WORDS = {"NAME": "a name", "NUMBER": "a number", "_NL": "a new line", "$END": "the end of the input"}


def _clip(text: str, width: int = 20) -> str:
    return text if len(text) <= width else text[:width] + "..."


def _char_words(ch: str) -> str:
    """A character as it can be shown inside a sentence."""
    if ch.isprintable() and ch not in " '":
        return f"'{ch}'"
    return f"U+{ord(ch):04X}"


class _Describer:
    """Translates lark's terminal names into words, using the literal text of each terminal."""

    def __init__(self, parser: Lark):
        self.literal = {}
        for term in parser.terminals:
            if term.pattern.type == "str":
                self.literal[term.name] = term.pattern.value

    def is_keyword(self, kind: str) -> bool:
        return self.literal.get(kind, "").isalpha()

    def expected_word(self, kind: str) -> str:
        if kind in self.literal:
            return f"'{self.literal[kind]}'"
        return _REGEX_WORDS.get(kind, kind.lower())

    def found_words(self, tok: Token) -> str:
        kind = tok.type
        if kind == "_NL":
            return "end of line"
        if kind == "$END":
            return "end of input"
        if kind == "NAME":
            return f"name '{_clip(str(tok))}'"
        if kind == "NUMBER":
            return f"number '{_clip(str(tok))}'"
        if self.is_keyword(kind):
            return f"keyword '{tok}'"
        return f"'{tok}'"

    def expected_words(self, expected, found: str) -> list:
        """What the parser would have accepted, grouped and in a stable order.

        ``found`` is the type of the token that was there instead; operators are only
        suggested when it could start an operand (two operands side by side), because
        after a stray ')' or ']' an operator is rarely the fix.
        """
        rest = set(expected)
        words = []
        if _STMT_START <= rest:
            words.append("a statement")
            rest -= _STMT_START | {"$END"}
        if _EXPR_START - {"MINUS"} <= rest:
            words.append("an expression")
            rest -= _EXPR_START
        operators = rest & _OPERATORS
        if operators:
            # After an operand: '.' and '(' are possible too but rarely what was meant.
            rest -= _OPERATORS | _POSTFIX
        if "_NL" in rest:
            # A newline is only acceptable where a statement may end, which is also where
            # the input or a for body may end.
            words.append("the end of the statement")
            rest -= {"_NL", "$END", "RBRACE"}
        order = ["NAME", "NUMBER", "$END"]  # words first, then punctuation alphabetically by name
        rank = {kind: i for i, kind in enumerate(order)}
        words += [self.expected_word(k) for k in sorted(rest, key=lambda k: (rank.get(k, len(order)), k))]
        if operators and (found in _OPERAND_START or self.is_keyword(found) or not words):
            words.insert(0, "an operator")
        return words


# Tokens that begin an operand: finding one where an operator could go means two operands
# were written side by side.
_OPERAND_START = _EXPR_START - {"MINUS"}


def _innermost_open_bracket(tokens, inside_expression=False):
    """The last bracket among ``tokens`` still open at their end, or None.

    With ``inside_expression``, only a bracket that an expression is written in counts
    (any but a ``for`` body's brace): None when the innermost open one is a for body.
    """
    open_brackets = []  # (token, is a for body)
    for i, tok in enumerate(tokens):
        if tok.type in _OPENERS:
            is_for = tok.type == "LBRACE" and not (i >= 2 and tokens[i - 1].type == "NAME"
                                                   and tokens[i - 2].type == "MATCH")
            open_brackets.append((tok, is_for))
        elif tok.type in _CLOSERS and open_brackets:
            open_brackets.pop()
    if not open_brackets or (inside_expression and open_brackets[-1][1]):
        return None
    return open_brackets[-1][0]


def _or(words) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


class _ErrorTranslator:
    """Turns a lark exception into a located, one-sentence SyntaxProblem."""

    def __init__(self, parser: Lark, describer: _Describer, text: str, filename: str):
        self.parser = parser
        self.words = describer
        self.text = text
        self.filename = filename

    def at(self, line, column, end_line=None, end_column=None) -> Location:
        return Location(self.filename, line, column, end_line or line, end_column or column + 1, self.text)

    def at_token(self, tok: Token) -> Location:
        return _token_location(tok, self.filename, self.text)

    def tokens_before(self, pos: int | None) -> list:
        """The tokens the parser saw before position ``pos`` (all of them when ``pos`` is None)."""
        seen = []
        try:
            for tok in self.parser.lex(self.text):
                if pos is not None and tok.start_pos >= pos:
                    break
                seen.append(tok)
        except LarkError:
            pass
        return seen

    def acceptable_after(self, tokens, exc: UnexpectedInput) -> set:
        """The terminals the parser could really have taken after ``tokens``.

        ``exc.expected`` is not precise: LALR merges lookaheads across contexts and may
        already have reduced on the offending token.  Replaying the tokens that were
        accepted and asking the parser state right after the last shift is exact.
        """
        try:
            replay = self.parser.parse_interactive("")
            for tok in tokens:
                replay.feed_token(tok)
            return set(replay.accepts())
        except LarkError:
            return set(getattr(exc, "expected", ()) or ())

    def translate(self, exc: Exception) -> SyntaxProblem:
        if isinstance(exc, UnexpectedCharacters):
            ch = self.text[exc.pos_in_stream] if 0 <= exc.pos_in_stream < len(self.text) else "?"
            return SyntaxProblem(f"unknown character {_char_words(ch)}", self.at(exc.line, exc.column))
        if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
            return self.unexpected_token(exc.token, exc)
        if isinstance(exc, (UnexpectedToken, UnexpectedEOF)):
            return self.unexpected_end(exc)
        line, column = getattr(exc, "line", 1), getattr(exc, "column", 1)
        return SyntaxProblem("the text does not follow the grammar", self.at(max(line, 1), max(column, 1)))

    def unexpected_token(self, tok: Token, exc: UnexpectedInput) -> SyntaxProblem:
        words = self.words
        before = self.tokens_before(tok.start_pos)
        expected = self.acceptable_after(before, exc)
        prev = before[-1] if before else None
        if words.is_keyword(tok.type) and "NAME" in expected:
            # ...unless an expression is missing before a separator: `minimize wrt p`.
            if not ("NUMBER" in expected and tok.type in ("WRT", "IN")):
                return SyntaxProblem(f"'{tok}' is a keyword and cannot be used as a name", self.at_token(tok))
        if tok.type == "EQUAL" and prev is not None and words.is_keyword(prev.type):
            # `data = ...`: the keyword started a declaration, but the user meant a name.
            return SyntaxProblem(f"'{prev}' is a keyword and cannot be used as a name", self.at_token(prev))
        unclosed = _innermost_open_bracket(before, inside_expression=True)
        if unclosed is not None and self.starts_statement(tok):
            # Inside brackets newlines are dropped, so a forgotten ')' surfaces only at the
            # next statement; the bracket is the place to point at.
            return SyntaxProblem(f"this '{unclosed}' is never closed", self.at_token(unclosed))
        wanted = words.expected_words(expected, tok.type)
        if tok.type in _OPERATORS and prev is not None and prev.type == "_NL" and "a statement" in wanted:
            # The usual cause is an expression continued on the next line outside brackets.
            return SyntaxProblem(f"a statement cannot start with '{tok}'; to continue an expression on the "
                                 "next line, put it inside parentheses", self.at_token(tok))
        after = f" after '{_clip(str(prev))}'" if prev is not None and prev.type != "_NL" else ""
        if after and (wanted == ["an expression"] or (tok.type == "_NL" and len(wanted) <= 2)):
            return SyntaxProblem(f"expected {_or(wanted)}{after}", self.at_token(tok))
        return SyntaxProblem(f"unexpected {words.found_words(tok)}; expected {_or(wanted)}", self.at_token(tok))

    def starts_statement(self, tok: Token) -> bool:
        """Whether ``tok`` looks like the start of a new statement (``param``, ``w =`` ...)."""
        if tok.type in _STMT_START - {"NAME"}:
            return True
        if tok.type != "NAME":
            return False
        return self.token_after(tok) in ("EQUAL", "TILDE")

    def token_after(self, tok: Token) -> str | None:
        """The type of the token that follows ``tok``, if it can be lexed."""
        try:
            for other in self.parser.lex(self.text):
                if other.start_pos >= tok.end_pos:
                    return other.type
        except LarkError:
            pass
        return None

    def unexpected_end(self, exc: UnexpectedInput) -> SyntaxProblem:
        seen = self.tokens_before(None)
        unclosed = _innermost_open_bracket(seen)
        if unclosed is not None:
            return SyntaxProblem(f"this '{unclosed}' is never closed", self.at_token(unclosed))
        last = seen[-1] if seen else None
        where = self.at(last.end_line, last.end_column) if last is not None else self.at(1, 1)
        wanted = self.words.expected_words(self.acceptable_after(seen, exc), "$END")
        if last is not None and len(wanted) == 1:
            return SyntaxProblem(f"expected {wanted[0]} after '{_clip(str(last))}'", where)
        return SyntaxProblem("unexpected end of input; the statement is incomplete", where)


# ------------------------------------------------------------------- entry point

_PARSER: Lark | None = None
_DESCRIBER: _Describer | None = None


def _parser() -> tuple[Lark, _Describer]:
    """The LALR parser, built on first use and then shared (building it takes ~100 ms)."""
    global _PARSER, _DESCRIBER
    if _PARSER is None:
        parser = Lark(_grammar_text(), parser="lalr", lexer="basic", postlex=_Layout(),
                      propagate_positions=True, maybe_placeholders=False)
        _DESCRIBER = _Describer(parser)
        _PARSER = parser
    return _PARSER, _DESCRIBER


def source_name(text, filename) -> str:
    """The file name errors report for ``text``, once the arguments of ``sd.parse``/``sd.format`` are checked.

    They are checked at the API boundary because a program that is not a str fails deep
    inside lark, and a file name that is not a str fails later still, when an error or a
    summary prints it.
    """
    if filename is not None and not isinstance(filename, str):
        raise StochdiffError(f"a filename must be a str or None, not {type(filename).__name__}")
    name = filename or "<string>"
    if not isinstance(text, str):
        raise StochdiffError(f"a program must be text (a str), not {type(text).__name__}", Location(name))
    return name


def parse_module(text: str, filename: str = "<string>") -> ast.Module:
    """Parse a whole stochdiff program.

    Returns an :class:`ast.Module` whose nodes all carry a :class:`Location` in ``filename``.
    Raises :class:`SyntaxProblem` (and never anything else) when ``text`` is not a program.
    """
    parser, describer = _parser()
    # one line ending for the lexer and for locations: Windows (CRLF) and old Mac (CR) files too
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        tree = parser.parse(text)
        stmts = _ToAst(filename, text).transform(tree)
        return ast.Module(stmts, filename=filename, source=text)
    except VisitError as exc:
        # lark wraps whatever a Transformer method raised; our own errors pass through.
        if isinstance(exc.orig_exc, StochdiffError):
            raise exc.orig_exc from None
        if isinstance(exc.orig_exc, RecursionError):
            raise _too_deep(text, filename) from None
        raise _internal(exc.orig_exc, text, filename) from None
    except StochdiffError:
        raise
    except UnexpectedInput as exc:
        raise _ErrorTranslator(parser, describer, text, filename).translate(exc) from None
    except RecursionError:
        raise _too_deep(text, filename) from None
    except Exception as exc:  # the contract is that only StochdiffError escapes, whatever the text
        raise _internal(exc, text, filename) from None


def _too_deep(text: str, filename: str) -> SyntaxProblem:
    return SyntaxProblem("the program is nested too deeply to process",
                         Location(filename, 1, 1, 1, 2, text))


def _internal(exc: Exception, text: str, filename: str) -> SyntaxProblem:
    return SyntaxProblem(f"the parser failed unexpectedly ({type(exc).__name__}: {exc})",
                         Location(filename, 1, 1, 1, 2, text))
