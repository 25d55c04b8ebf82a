"""``stochdiff inspect``, ``exact``, ``estimate`` and ``bias``.

Each command is ``run_NAME(args) -> int`` plus ``add_NAME_arguments(parser)``; the table in
:mod:`stochdiff.cli.main` registers them.  User errors are raised as
:class:`~stochdiff.StochdiffError` and printed by ``main`` (exit status 1).

JSON output has a ``version`` field naming its schema (``stochdiff.inspect/1``,
``stochdiff.exact/1``, ``stochdiff.estimate/1``, ``stochdiff.bias/1``); docs/cli.md documents
every field.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

import stochdiff

from ..errors import Location, StochdiffError

MODES = ("independent", "naive")
DUMPS = ("ast", "ir", "grad", "estimator")


# ---------------------------------------------------------------------------------------------
# shared helpers


def _program_arg(parser):
    parser.add_argument("file", metavar="FILE", help="a stochdiff program, e.g. examples/maml_linear.sd")


def _run_args(parser, limit=None, limit_help="largest support to enumerate"):
    parser.add_argument("--data", metavar="DATA", help="the program's data: a .json or .npz file")
    parser.add_argument("--params", metavar="PARAMS", required=True, help="the params: a .json or .npz file")
    parser.add_argument("--externs", metavar="FILE.py",
                        help="a Python file defining a function for each extern the program declares")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    if limit is not None:
        parser.add_argument("--limit", type=int, default=limit, metavar="N",
                            help=f"{limit_help} (default {limit:,})")


def _model(path, externs_file=None, evaluate=True):
    """The compiled program; ``evaluate=False`` (inspect) compiles externs as placeholders."""
    from ..estimators.model import Model
    from .externs import externs_for, placeholders

    program = stochdiff.load(path)
    return Model(program, externs_for(program, externs_file) if evaluate else placeholders(program))


def _inputs(args, model):
    """Params and data from their files, with names checked here so errors name the file."""
    from .datafiles import load_values

    prog = model.program
    params = load_values(args.params)
    _names(params, prog.params, "param", args.params, "--params")
    data = load_values(args.data) if args.data is not None else {}
    _names(data, prog.data, "data", args.data, "--data")
    return params, data


def _loaded(args):
    """The compiled program and its params and data, for the commands that evaluate it."""
    _check_input_names(args)
    model = _model(args.file, args.externs)
    return (model, *_inputs(args, model))


def _check_limit(args) -> None:
    if args.limit < 1:
        raise _usage(f"--limit must be at least 1, not {args.limit}")


def _check_input_names(args) -> None:
    """``--params ''`` or ``--data ''`` is a mistake, not "no file": refuse it before any work."""
    from .main import check_given

    check_given(args.params, "--params")
    check_given(args.data, "--data")
    check_given(args.externs, "--externs")


def _names(given, declared, what, path, option):
    from ..errors import DataProblem, did_you_mean

    for name in given:
        if name not in declared:
            raise DataProblem(f"the program declares no {what} named '{name}'{did_you_mean(name, declared)}",
                              Location(file=path))
    missing = [n for n in declared if n not in given]
    if missing:
        if path is None:
            raise _usage(f"the program needs {what} {', '.join(missing)}: pass {option} FILE")
        raise DataProblem(f"missing {what} '{missing[0]}'", Location(file=path))


def _usage(message):
    from .main import CommandLineError

    return CommandLineError(message)


def _name(model) -> str:
    return Path(model.program.filename).name


def _entries(value, grad, lead: int = 0) -> list:
    """``[(name, array)]`` for the value and every gradient entry; ``lead`` leading axes are kept."""
    out = [("value", np.asarray(value, dtype=np.float64))]

    def walk(x, path):
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{path}.{k}")
            return
        x = np.asarray(x, dtype=np.float64)
        shape = x.shape[lead:]
        for idx in np.ndindex(*shape):
            name = f"grad {path}" + (f"[{', '.join(map(str, idx))}]" if shape else "")
            out.append((name, x[(slice(None),) * lead + idx]))

    for p, g in grad.items():
        walk(g, p)
    return out


def _nested(x):
    if isinstance(x, dict):
        return {k: _nested(v) for k, v in x.items()}
    x = np.asarray(x, dtype=np.float64)
    return x.tolist() if x.ndim else float(x)


def _table(header, rows) -> str:
    widths = [max(len(str(r[j])) for r in [header] + rows) for j in range(len(header))]
    lines = []
    for r in [header] + rows:
        cells = [str(c).ljust(w) if j == 0 else str(c).rjust(w) for j, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _num(x) -> str:
    return f"{float(x):.6g}"


def _print_json(obj) -> None:
    print(json.dumps(obj, indent=2))


def _write(path, text) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise StochdiffError(f"cannot write {path}: {err.strerror or err}", Location(file=str(path))) from None


# ---------------------------------------------------------------------------------------------
# inspect


def add_inspect_arguments(parser):
    _program_arg(parser)
    parser.add_argument("--mode", choices=MODES, default="independent",
                        help="which estimator to show (default: independent)")
    parser.add_argument("--json", action="store_true", help="print the graph as JSON (schema stochdiff.inspect/1)")
    parser.add_argument("--dot", metavar="OUT", help="write the expectation graph as Graphviz DOT to OUT")
    parser.add_argument("--png", metavar="OUT", help="write a picture of the expectation graph (.png or .svg)")
    parser.add_argument("--dump", choices=DUMPS, help="print one phase instead: the canonical source (ast), the "
                                                      "IR, the gradient IR, or the estimator's IR and Python code")


def run_inspect(args) -> int:
    _check_inspect_outputs(args)
    model = _model(args.file, evaluate=False)
    if args.dump:
        print(_dump(model, args.dump, args.mode), end="")
        return 0
    from ..estimators.graphview import draw, to_dot
    from ..estimators.report import inspect_json, inspect_text

    if args.dot:
        _write(args.dot, to_dot(model, args.mode))
    if args.png:
        draw(model, args.png, args.mode)
    if args.json:
        _print_json(inspect_json(model, args.mode))
    else:
        print(inspect_text(model, args.mode), end="")
    for out in (args.dot, args.png):
        if out:
            print(f"wrote {out}", file=sys.stderr)
    return 0


def _check_inspect_outputs(args) -> None:
    """Usage errors of ``inspect``'s output options, found before the program is compiled."""
    from .main import PICTURE_SUFFIXES, check_output

    if args.dump:
        # --dump prints one phase and nothing else, so these would be dropped without a word.
        given = [opt for opt, v in (("--json", args.json), ("--dot", args.dot), ("--png", args.png)) if v is not None
                 and v is not False]
        if given:
            raise _usage(f"--dump prints one phase only and cannot be combined with {' or '.join(given)}")
    if args.dot is not None:
        check_output(args.dot, "--dot", protect=[args.file])
    if args.png is not None:
        check_output(args.png, "--png", PICTURE_SUFFIXES, protect=[args.file])
    if args.dot is not None and args.png is not None and Path(args.dot).resolve() == Path(args.png).resolve():
        raise _usage(f"--dot and --png both name {args.dot}; the picture would overwrite the DOT text")


def _dump(model, what, mode) -> str:
    if what == "ast":
        return stochdiff.format(model.program.source, model.program.filename)
    if what == "ir":
        return model.ir_text()
    if what == "grad":
        return model.grad_text()
    est = model.estimator(mode)
    return est.ir_text().rstrip("\n") + "\n\n" + est.source.rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# exact


def add_exact_arguments(parser):
    from ..runtime.samplers import DEFAULT_LIMIT

    _program_arg(parser)
    _run_args(parser, DEFAULT_LIMIT)


def run_exact(args) -> int:
    model, params, data = _loaded(args)
    _check_limit(args)
    r = model.exact(params, data, limit=args.limit)
    if args.json:
        _print_json({"version": "stochdiff.exact/1", "file": model.program.filename, "value": float(r.value),
                     "grad": _nested(r.grad)})
        return 0
    print(f"exact: {_name(model)} (every expectation summed over its support)")
    print(_table(["", "exact"], [[n, _num(v)] for n, v in _entries(r.value, r.grad)]))
    return 0


# ---------------------------------------------------------------------------------------------
# estimate


def add_estimate_arguments(parser):
    _program_arg(parser)
    _run_args(parser)
    parser.add_argument("--mode", choices=MODES, default="independent", help="which estimator (default: independent)")
    parser.add_argument("--samples", type=int, default=1, metavar="N",
                        help="draws per expectation in one replicate (default 1)")
    parser.add_argument("--replicates", type=int, default=1000, metavar="R",
                        help="independent runs of the estimator to average (default 1000)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")


class _Progress:
    """A one-line progress bar on stderr, shown only once a run has taken more than a second."""

    def __init__(self, total, enabled):
        self.total, self.enabled, self.start, self.shown = total, enabled, time.monotonic(), False

    def update(self, done):
        if not self.enabled or time.monotonic() - self.start < 1.0:
            return
        width = 30
        fill = int(width * done / self.total)
        sys.stderr.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{self.total} replicates")
        sys.stderr.flush()
        self.shown = True

    def close(self):
        if self.shown:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def run_estimate(args) -> int:
    model, params, data = _loaded(args)
    R = args.replicates
    if not 1 <= R <= MAX_REPLICATES:
        raise _usage(f"--replicates must be from 1 to {MAX_REPLICATES:,} (a run of that many takes hours), "
                     f"not {R}")
    if args.samples < 1:
        raise _usage(f"--samples must be at least 1, not {args.samples}")
    if not 0 <= args.seed < 2 ** 63:
        raise _usage(f"--seed must be a whole number from 0 to 2**63 - 1, not {args.seed}")
    est = model.estimator(args.mode, samples=args.samples)
    first = est(params, data, seed=args.seed)  # validates seed, params and data before the long run
    width = len(_entries(first.value, first.grad))
    moments = _Moments()
    progress = _Progress(R, not args.json and sys.stderr.isatty())
    chunk = max(1, min(math.ceil(R / 50), CHUNK_REPLICATES, CHUNK_VALUES // width))
    try:
        for start in range(0, R, chunk):
            stop = min(R, start + chunk)
            part = est.replicate_range(params, data, args.seed, start, stop)
            names, columns = _columns(part.value, part.grad)
            moments.add(columns)
            progress.update(stop)
    finally:
        progress.close()
    se = moments.stderr()
    rows = [(n, float(moments.mean[j]), None if se is None else float(se[j])) for j, n in enumerate(names)]
    if args.json:
        _print_json({"version": "stochdiff.estimate/1", "file": model.program.filename, "mode": args.mode,
                     "samples": args.samples, "replicates": R, "seed": args.seed,
                     "entries": [{"name": n, "mean": m, "stderr": s} for n, m, s in rows],
                     "certificate": est.certificate.to_json()})
        return 0
    print(f"estimate: {_name(model)}, {args.mode} estimator, {R} replicate{'s' * (R != 1)} of "
          f"{args.samples} sample{'s' * (args.samples != 1)} per expectation, seed {args.seed}")
    print(_table(["", "mean", "std. error"], [[n, _num(m), "n/a" if s is None else _num(s)] for n, m, s in rows]))
    if se is None:
        print("(a standard error needs at least 2 replicates)")
    print(est.certificate)
    return 0


# Replicates per chunk: enough to keep numpy busy, few enough that memory does not grow with R.
CHUNK_REPLICATES = 10_000
MAX_REPLICATES = 10**9
CHUNK_VALUES = 4_000_000  # and at most this many numbers (replicates x entries) in one chunk


def _columns(value, grad):
    """The names of the value and every gradient entry, and a (replicates, entries) matrix of them."""
    entries = _entries(np.atleast_1d(value), grad, lead=1)
    return [n for n, _ in entries], np.stack([np.reshape(x, -1) for _, x in entries], axis=1)


class _Moments:
    """Mean and sum of squared deviations of each column, merged chunk by chunk.

    The pairwise update of Chan, Golub and LeVeque keeps the memory independent of the number of
    replicates and is as accurate as one pass of numpy over all of them.
    """

    def __init__(self):
        self.n, self.mean, self.m2 = 0, None, None

    def add(self, x: np.ndarray) -> None:
        """Merge the rows of ``x`` (one per replicate) into the running moments."""
        n_c = x.shape[0]
        mean_c = x.mean(axis=0)
        m2_c = ((x - mean_c) ** 2).sum(axis=0)
        if self.n == 0:
            self.n, self.mean, self.m2 = n_c, mean_c, m2_c
            return
        n = self.n + n_c
        delta = mean_c - self.mean
        self.mean = self.mean + delta * (n_c / n)
        self.m2 = self.m2 + m2_c + delta ** 2 * (self.n * n_c / n)
        self.n = n

    def stderr(self):
        """Sample standard deviation / sqrt(n) per column, or None for a single replicate."""
        if self.n < 2:
            return None
        return np.sqrt(self.m2 / (self.n - 1)) / math.sqrt(self.n)


# ---------------------------------------------------------------------------------------------
# bias


def add_bias_arguments(parser):
    from ..testing.enumerate import DEFAULT_LIMIT

    _program_arg(parser)
    _run_args(parser, DEFAULT_LIMIT, "most joint configurations of the draws to enumerate")


def run_bias(args) -> int:
    from ..testing import bias

    model, params, data = _loaded(args)
    _check_limit(args)
    reports = {mode: bias(model.estimator(mode), params, data, limit=args.limit) for mode in ("naive", "independent")}
    stats = {}
    for mode, rep in reports.items():
        def pick(field, m=rep):
            return _entries(getattr(m.value, field), _moments(m.grad, field))
        for what in ("target", "bias", "variance", "mse"):
            for name, x in pick(what):
                stats.setdefault(name, {}).setdefault(mode, {})[what] = float(x)
    if args.json:
        _print_json({"version": "stochdiff.bias/1", "file": model.program.filename,
                     "entries": [{"name": n, "exact": s["naive"]["target"],
                                  **{m: {k: s[m][k] for k in ("bias", "variance", "mse")} for m in s}}
                                 for n, s in stats.items()],
                     "certificates": {m: model.estimator(m).certificate.to_json() for m in reports}})
        return 0
    print(f"bias: {_name(model)}, one replicate of one sample per expectation, exact over every draw")
    header = ["", "exact", "naive bias", "naive var", "naive MSE", "indep. bias", "indep. var", "indep. MSE"]
    rows = [[n, _num(s["naive"]["target"])] + [_small(s[m][k]) for m in ("naive", "independent")
                                               for k in ("bias", "variance", "mse")] for n, s in stats.items()]
    print(_table(header, rows))
    for mode in ("naive", "independent"):
        print(model.estimator(mode).certificate)
    return 0


def _small(x) -> str:
    """Exact moments carry rounding noise: print |x| < 1e-12 as 0."""
    return "0" if abs(x) < 1e-12 else _num(x)


def _moments(grad, field):
    out = {}
    for k, v in grad.items():
        out[k] = _moments(v, field) if isinstance(v, dict) else getattr(v, field)
    return out
