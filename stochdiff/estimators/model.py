"""``compile``: from a program to a model with exact answers and emitted estimators."""

from __future__ import annotations

import builtins
import contextlib
import gc
import itertools
import linecache
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..analysis.certify import Certificate, certify
from ..analysis.differentiate import gradient_program
from ..analysis.linearity import linear_minibatch_scopes
from ..analysis.records import check_records, signature
from ..analysis.streams import allocate
from ..errors import (DataProblem, EvaluationProblem, ShapeMismatch, StochdiffError, StructureProblem,
                      did_you_mean, is_whole)
from ..ir.graph import extern_of
from ..ir.lower import OPERATOR_NAMES
from ..ir.printer import print_graph
from ..runtime import kernels as K
from ..runtime.externs import EXTERN_KERNELS, resolve
from ..runtime.samplers import DEFAULT_LIMIT, Exact, MonteCarlo
from ..runtime.values import prepare, unbatch
from .emit import emit

MODES = ("independent", "naive")


@dataclass
class Result:
    """An objective value and its gradient (a dict param -> array, or -> dict of arrays for records)."""

    value: object
    grad: dict

    def __repr__(self) -> str:
        return f"Result(value={self.value!r}, grad={self.grad!r})"


def compile(program_or_text, externs=None):  # noqa: A001 - the public name is the contract
    """Compile a :class:`Program` (or source text) into a :class:`Model`."""
    from ..ir.program import Program
    from .. import parse

    program = program_or_text if isinstance(program_or_text, Program) else parse(program_or_text)
    return Model(program, externs)


class Model:
    """A compiled program: ``exact``, ``estimator``, ``report`` and IR listings."""

    def __init__(self, program, externs=None):
        self.program = program
        self.externs = _check_externs(program, externs or {})
        with _quiet_gc():
            self.grad_ir = gradient_program(program.ir)
        self._estimators: dict = {}
        self._exact_code = None
        self._whole_data = linear_minibatch_scopes(self.grad_ir)
        self._records_ok: set = set()  # structures of params and data already checked

    def check_records(self, params: dict, data: dict) -> None:
        """Refuse arithmetic between records with different fields (once per structure of the inputs)."""
        key = (signature(params), signature(data))
        if key not in self._records_ok:
            check_records(self.program.ir, params, data)
            self._records_ok.add(key)

    def estimator(self, mode: str = "independent", samples=1) -> "Estimator":
        """An estimator of the value and gradient; see the module docs for ``mode`` and ``samples``."""
        if mode not in MODES:
            raise StochdiffError(f"mode must be 'independent' or 'naive', not {mode!r}")
        if mode not in self._estimators:
            with _quiet_gc():
                g = allocate(self.grad_ir, mode)
                self._estimators[mode] = (g, certify(g, mode), _Code(g, self, f"{mode} estimator"))
        g, cert, code = self._estimators[mode]
        return Estimator(self, mode, g, cert, code, _samples(g, samples, self.program))

    def exact(self, params, data=None, limit: int = DEFAULT_LIMIT) -> Result:
        """The exact objective and gradient, by enumerating every finite support."""
        if not is_whole(limit):
            raise StochdiffError(f"limit must be a positive whole number, not {limit!r}")
        if self._exact_code is None:
            self._exact_code = _Code(self.grad_ir, self, "exact evaluation")

        def run(whole_data):
            return self._exact_code.run(params, data, Exact(self.grad_ir, limit, whole_data), None)

        if not self._whole_data:
            return run(frozenset())
        try:
            return run(self._whole_data)
        except ShapeMismatch:
            # The whole-data shortcut assumes a body does not depend on where an example sits in
            # the minibatch.  The only way it could is an array as long as the minibatch that does
            # not come from it (a constant or a param, as in mean(z.y * [1, 3])); on the whole
            # dataset such an array no longer fits, so the shortcut fails rather than being wrong,
            # and enumerating subsets gives the answer (or the same error, if it is a real one).
            return run(frozenset())

    def ir_text(self) -> str:
        """The IR listing of the program (before differentiation)."""
        return self.program.ir_text()

    def grad_text(self) -> str:
        """The IR listing of the gradient program (naive: every appearance shares its draws)."""
        return print_graph(self.grad_ir, f"grad {Path(self.program.filename).name}")

    def report(self) -> str:
        """Expectation tree, where each expectation is used, streams per mode and certificates."""
        from .report import report

        return report(self)

    def expectation_graph(self, mode: str = "independent"):
        """Expectations, random variables and appearances as a ``networkx.DiGraph`` (see graphview)."""
        from .graphview import expectation_graph

        return expectation_graph(self, mode)

    def draw(self, path, mode: str = "independent") -> None:
        """Save a picture of the expectation graph (PNG or SVG by suffix; needs matplotlib)."""
        from .graphview import draw

        draw(self, path, mode)


class Estimator:
    """A Monte Carlo estimator of the objective and its gradient.  Call it."""

    def __init__(self, model, mode, graph, certificate: Certificate, code, samples):
        self.model = model
        self.mode = mode
        self.graph = graph
        self.certificate = certificate
        self._code = code
        self.samples = samples  # scope id -> draws

    @property
    def source(self) -> str:
        """The emitted Python source of this estimator."""
        return self._code.emitted.source

    def ir_text(self) -> str:
        return print_graph(self.graph, f"{self.mode} estimator {Path(self.model.program.filename).name}")

    def __call__(self, params, data=None, seed: int = 0, replicates=None) -> Result:
        if replicates is not None and not is_whole(replicates):
            raise StochdiffError(f"replicates must be a positive whole number, not {replicates!r}")
        if not is_whole(seed, 0, 2**63):
            raise StochdiffError(f"seed must be a whole number from 0 to 2**63 - 1, not {seed!r}")
        R = 1 if replicates is None else int(replicates)
        sampler = MonteCarlo(self.graph, seed, R, self.samples)
        return self._code.run(params, data, sampler, replicates)

    def replicate_range(self, params, data, seed: int, start: int, stop: int) -> Result:
        """Replicates ``start .. stop-1`` of ``self(params, data, seed, replicates=N)`` for any N >= stop.

        Draws are keyed by (seed, stream, replicate), so a long run can be computed in
        chunks (for a progress bar, or across workers) and concatenated.
        """
        if not 0 <= start < stop:
            raise StochdiffError(f"need 0 <= start < stop, not start={start}, stop={stop}")
        sampler = MonteCarlo(self.graph, seed, stop - start, self.samples, start=start)
        return self._code.run(params, data, sampler, stop - start)


class _Code:
    """The emitted, compiled function for one graph, plus everything it needs to run."""

    _counter = itertools.count(1)

    def __init__(self, graph, model, title):
        self.graph = graph
        self.model = model
        prog = model.program
        self.emitted = emit(graph, f"stochdiff {title} for {Path(prog.filename).name}")
        self.filename = f"<stochdiff {title} #{next(self._counter)}>"
        # register the source so tracebacks (and our error mapping) can show it
        linecache.cache[self.filename] = (len(self.emitted.source), None,
                                          self.emitted.source.splitlines(True), self.filename)
        self.functions = tuple(resolve(key, model.externs) for key in self.emitted.functions)
        self._fn = None
        self._checked = None

    @property
    def fn(self):
        """The compiled function (compiled on first use: long programs emit long functions)."""
        if self._fn is None:
            self._fn = self._compile()
        return self._fn

    def _compile(self, wrap=None):
        ns = {f"k_{k}": wrap(f) if wrap else f for k, f in {**K.KERNELS, **EXTERN_KERNELS}.items()}
        ns["lift"] = K.lift
        exec(builtins.compile(self.emitted.source, self.filename, "exec"), ns)
        return ns["estimate"]

    def run(self, params, data, sampler, replicates) -> Result:
        prog = self.model.program
        loc = self.graph.meta_get("objective_loc")
        P = prepare("params", params, prog.declared("params"), loc)
        D = prepare("data", data, prog.declared("data"), loc)
        self.model.check_records(P, D)
        try:
            with np.errstate(all="ignore"):
                outs = self.fn(P, D, sampler, self.emitted.consts, self.functions)
        except StochdiffError:
            raise
        except Exception as e:  # map the failing line of emitted code back to the source
            raise self._located(e) from None
        if not all(_finite(v) for v in outs):
            self._locate_nonfinite(P, D, sampler)
        named = dict(zip(self.emitted.outputs, outs))
        value = unbatch(named["value"], replicates)
        if np.ndim(value) != (0 if replicates is None else 1):
            raise EvaluationProblem(f"the objective must be a scalar, but its shape is "
                                    f"{np.shape(value)[1 if replicates else 0:]}", loc)
        value = float(value) if replicates is None else value
        grads = {}
        for k, v in named.items():
            if k.startswith("grad."):
                grads[k[5:]] = unbatch(v, replicates)
        return Result(value, grads)

    def _locate_nonfinite(self, P, D, sampler):
        """Re-run with checked kernels to find the first operation that made a NaN or inf."""
        if self._checked is None:
            self._checked = self._compile(wrap=_checked)
        try:
            with np.errstate(all="ignore"):
                self._checked(P, D, sampler, self.emitted.consts, self.functions)
        except _NonFinite as e:
            raise self._located(e) from None
        except Exception:  # the checked run fails differently: report non-finiteness plainly
            pass
        raise EvaluationProblem("the result contains NaN or infinite values",
                                self.graph.meta_get("objective_loc"))

    def _located(self, e: Exception) -> StochdiffError:
        tb = e.__traceback__
        node, frame = None, None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.filename:
                node = self.emitted.lines.get(tb.tb_lineno)
                frame = tb.tb_frame
            tb = tb.tb_next
        msg = str(e).rstrip(".") or type(e).__name__
        if node is None:
            return EvaluationProblem(f"evaluation failed: {msg}")
        n = self.graph.nodes[node]
        what = _describe(n, self.graph)
        if isinstance(e, _NonFinite):
            return EvaluationProblem(f"{what} produced NaN or infinite values", n.loc)
        if isinstance(e, MemoryError) or (isinstance(e, ValueError) and _TOO_BIG.search(msg)):
            return EvaluationProblem(f"{what} needs more memory than this machine has", n.loc)
        if isinstance(e, K.ShapeError):
            return ShapeMismatch(msg if msg.startswith(what) else f"{what}: {msg}", n.loc)
        if isinstance(e, K.KernelError) or type(e).__name__ in ("KernelError", "ContinuousSupport"):
            if n.op == "seed":  # the kernel's sentence continues the subject: "... must be a scalar ..."
                return EvaluationProblem(f"{what} {msg}", n.loc)
            return EvaluationProblem(msg if msg.startswith(what) else f"{what}: {msg}", n.loc)
        if n.op == "call":
            return EvaluationProblem(f"{what} raised {type(e).__name__}: {msg}", n.loc)
        args = [frame.f_locals.get(f"v{a}") for a in n.args] if frame is not None else []
        if any(isinstance(a, dict) for a in args) and isinstance(e, (AttributeError, TypeError, KeyError)):
            return EvaluationProblem(f"{what} got a record where it needs an array", n.loc)
        if "broadcast" in msg and args:
            pairs = list(zip(args, n.args))[1 if n.op == "select" else 0:]  # a match's first is its label
            shapes = " and ".join(str(tuple(np.shape(a))[self.graph.nodes[x].depth + 1:])
                                  for a, x in pairs if not isinstance(a, dict))
            if n.op == "select":
                return ShapeMismatch(f"{what}: its arms have shapes {shapes}, which do not fit together", n.loc)
            return ShapeMismatch(f"{what}: shapes {shapes} do not fit together", n.loc)
        return EvaluationProblem(f"{what} failed: {msg}", n.loc)


@contextlib.contextmanager
def _quiet_gc():
    """Pause the cyclic garbage collector during a pass: passes allocate many small objects
    (and no cycles), and repeated full collections of a growing heap make long programs
    compile in superlinear time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# numpy's words for an array too large to allocate at all
_TOO_BIG = re.compile(r"Maximum allowed dimension exceeded|array is too big|Maximum allowed size exceeded")


class _NonFinite(Exception):
    pass


def _finite(x) -> bool:
    if isinstance(x, dict):
        return all(_finite(v) for v in x.values())
    return bool(np.all(np.isfinite(x)))


def _checked(f):
    def run(*args):
        out = f(*args)
        if not _finite(out):
            raise _NonFinite()
        return out
    return run


def _describe(n, g) -> str:
    if n.op == "seed":  # where reverse mode starts: the objective, or the expression of a grad(...)
        return "the objective" if n.loc == g.meta_get("objective_loc") else "the expression in grad(...)"
    if n.op == "call":
        return f"extern {extern_of(n.attrs[0])[0]}"
    if n.op == "sample":
        return f"drawing {n.attrs[4]} ~ {n.attrs[2].replace('_labelled', '')}"
    return {**OPERATOR_NAMES, "field": f"field access .{n.attrs[0] if n.attrs else ''}", "select": "match",
            "select_mask": "match"}.get(n.op, n.op)


def _check_externs(program, externs: dict) -> dict:
    declared = program.externs
    loc = program.ir.meta_get("objective_loc")
    if not hasattr(externs, "items"):
        raise DataProblem(f"externs must be a dict from extern names to Python functions, not "
                          f"{type(externs).__name__}", loc)
    for name in externs:
        if name not in declared:
            raise DataProblem(f"extern '{name}' is not declared in the program{did_you_mean(name, declared)}", loc)
    for name in declared:
        if name not in externs:
            decl = next(s for s in program.module.stmts if getattr(getattr(s, "name", None), "name", None) == name)
            raise DataProblem(f"extern '{name}' is declared but no Python function was given for it; "
                              f"pass externs={{'{name}': f}} to compile", decl.loc)
        if not callable(externs[name]):
            raise DataProblem(f"extern '{name}' must be a Python function, not {type(externs[name]).__name__}", loc)
    return dict(externs)


def _samples(g, samples, program) -> dict:
    """Draws per scope from an int, or from a dict keyed by random variable name."""
    names = {v.name for s in g.scopes[1:] for v in s.vars}
    if isinstance(samples, (int, np.integer)) and not isinstance(samples, bool):
        if samples < 1:
            raise StochdiffError(f"samples must be at least 1, not {samples}")
        return {s.id: int(samples) for s in g.scopes[1:]}
    if not isinstance(samples, dict):
        raise StochdiffError(f"samples must be a whole number or a dict from random variable names to counts, "
                             f"not {type(samples).__name__}")
    for k, v in samples.items():
        if k not in names:
            raise StochdiffError(f"samples names '{k}', which no expectation binds{did_you_mean(str(k), names)}")
        if not is_whole(v):
            raise StochdiffError(f"samples['{k}'] must be a whole number of at least 1, not {v!r}")
    out = {}
    for s in g.scopes[1:]:
        counts = {samples[v.name] for v in s.vars if v.name in samples}
        if len(counts) > 1:
            raise StructureProblem(f"{s.label} binds variables given different sample counts {sorted(counts)}; "
                                   f"they are drawn jointly, so give them one count", s.loc)
        out[s.id] = counts.pop() if counts else 1
    return out
