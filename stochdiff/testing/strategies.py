"""Hypothesis strategies that generate well-formed stochdiff programs with matching inputs.

Every program drawn here parses, passes the static checks, and runs: it comes with a
``params`` dict and a ``data`` dict that fit it.  The programs are deliberately *small*
(datasets of 2-3 examples, minibatches of 1, dropout masks of 1-2 entries, a handful of
draws per estimator run) so that :func:`stochdiff.testing.exact_mean` can enumerate every
draw of an estimator, including the independent copies the compiler makes, in
milliseconds.

The main entry point is :func:`programs`, which draws a :class:`GeneratedProgram`::

    from hypothesis import given
    import stochdiff as sd
    from stochdiff.testing import exact_mean
    from stochdiff.testing.strategies import programs

    @given(programs(polynomial_only=True))
    def test_independent_is_unbiased(p):
        model = sd.compile(p.text)
        est = model.estimator("independent")
        assert est.certificate.unbiased
        np.testing.assert_allclose(exact_mean(est, p.params, p.data).value,
                                   model.exact(p.params, p.data).value)

Each record carries flags that say what a property may assume about it:

* ``polynomial`` — only polynomial operations are used anywhere (``+ - *``, whole powers,
  ``sum``/``mean``/``dot``, ``grad``, ``match``, division by constants), so the independent
  estimator *can* be made unbiased.
* ``repeated_expectation`` — some expectation's estimate enters the objective or its
  gradient non-linearly (``m * m``, ``(..E..) ^ 2``, a quadratic outer loss of a step that
  contains ``E[z]``, whose forward value then feeds its own Jacobian), so the naive
  estimator, which reuses draws, is biased by construction.
* ``family`` — which template produced the program (see :data:`FAMILIES`).
* ``randomness`` — the kinds of random nodes used (``minibatch``, ``dropout``, ``choice``
  (labelled, used with ``match``), ``task`` (``choice`` over a collection with a
  conditional ``minibatch`` of its tasks), ``bernoulli``).

The building blocks are public too, so you can combine them with your own program text:

* :data:`nice_numbers`, :func:`datasets`, :func:`collections_of_tasks` — small data values
  (a fixed set of "nice" numbers keeps exact sums free of near-cancellations);
* :func:`outer_losses` — a scalar expression of a placeholder ``w`` (see
  :class:`Outer`), polynomial or not, with its polynomial degree tracked;
* :func:`sgd_quadratic_programs` — the documented GD-by-SGD family whose naive estimator
  has a non-zero exact bias.

For instance, to test your own loss under generated data::

    @given(datasets(dim=1))
    def test_my_program(D):
        p = {"theta": np.zeros(1)}
        assert_unbiased(my_model.estimator("independent"), p, {"D": D})
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

INF = 1 << 30

FAMILIES = ("sgd_quadratic", "inside", "outside", "product", "nested_tasks", "conditional", "loop", "def_step")
"""Program templates:

* ``sgd_quadratic`` — one SGD step inside the expectation, ``l_i = ½(x_i·θ − y_i)²``, a
  quadratic outer loss (the documented biased-naive family);
* ``inside`` — ``theta1 = theta - eta * E[v](grad(loss, theta))``, then an outer loss of
  ``theta1`` (expectation inside the gradient step);
* ``outside`` — ``E[v, ...](outer(theta - eta * grad(loss, theta)))`` (expectation outside);
* ``product`` — ``m = E[v](feature)`` then a function of ``m`` (``m * m``, ``m ^ 2``, ...)
  or a product with an expectation over a different variable;
* ``nested_tasks`` — ``choice`` over a collection of tasks with conditional minibatches of
  each task's ``train``/``val`` datasets, expectations nested in ``E[t]``;
* ``conditional`` — expectations inside the arms of a ``match`` over a labelled choice;
* ``loop`` — two unrolled SGD steps, a fresh random node declared in every iteration;
* ``def_step`` — a ``def`` whose body contains an expectation over a global random
  variable, called once or twice in a chain.
"""

NICE = (-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)
nice_numbers = st.sampled_from(NICE)
"""Non-zero numbers with short binary expansions: exact sums of products stay clean."""

_targets = st.sampled_from((0.0, 0.5, 1.0, -1.0, 2.0))
_steps = st.sampled_from((0.05, 0.1, 0.25))


@dataclass(frozen=True)
class GeneratedProgram:
    """A generated program: source ``text``, matching ``params`` and ``data``, and flags."""

    text: str
    params: dict
    data: dict
    family: str
    polynomial: bool
    repeated_expectation: bool
    randomness: tuple = ()
    notes: dict = field(default_factory=dict, compare=False)

    def compile(self):
        """``sd.compile(self.text)``."""
        import stochdiff as sd

        return sd.compile(self.text)

    def __repr__(self) -> str:  # hypothesis prints failing examples with this
        return (f"GeneratedProgram(family={self.family!r}, polynomial={self.polynomial}, "
                f"repeated_expectation={self.repeated_expectation}, randomness={self.randomness},\n"
                f"text=\n{self.text}\nparams={self.params!r},\ndata={self.data!r})")


@dataclass(frozen=True)
class Outer:
    """A scalar expression of the placeholder ``w``: ``template.format(w=...)``.

    ``degree`` is its polynomial degree in ``w`` (:data:`INF` when a non-polynomial
    operation touches ``w``); ``polynomial`` says whether it uses only polynomial operations.
    """

    template: str
    degree: int
    polynomial: bool

    def __call__(self, w: str) -> str:
        return self.template.replace("{w}", w)


# ---------------------------------------------------------------- data

@st.composite
def datasets(draw, n_examples=st.integers(2, 3), dim: int = 1):
    """A dataset ``{"x": (n, dim), "y": (n,)}`` with distinct rows of ``x`` (nice numbers)."""
    n = draw(n_examples) if not isinstance(n_examples, int) else n_examples
    if dim == 1:  # distinct examples without rejection sampling
        rows = [(v,) for v in draw(st.permutations(NICE))[:n]]
    else:
        rows = draw(st.lists(st.tuples(*[nice_numbers] * dim), min_size=n, max_size=n, unique=True))
    y = draw(st.lists(_targets, min_size=n, max_size=n))
    return {"x": np.array(rows, dtype=np.float64), "y": np.array(y, dtype=np.float64)}


@st.composite
def collections_of_tasks(draw, n_tasks: int = 2, dim: int = 1):
    """A collection (list) of tasks ``{"train": dataset, "val": dataset}``, 2 examples each."""
    return [{"train": draw(datasets(2, dim)), "val": draw(datasets(2, dim))} for _ in range(n_tasks)]


def param_values(shape):
    """A param of ``shape`` (``()`` for a scalar) with entries from a small set."""
    vals = st.sampled_from((0.0, 0.25, 0.5, -0.5, 1.0))
    if shape == ():
        return vals.map(float)
    return st.lists(vals, min_size=shape[0], max_size=shape[0]).map(lambda v: np.array(v, dtype=np.float64))


# ---------------------------------------------------------------- outer losses

# Non-polynomial forms keep their arguments inside their domain for *every* draw, not just on
# average.  We avoid log/sqrt/division applied to a square of an estimate: the independent
# estimator turns ``s ^ 2`` into a product of two independent copies, which can be negative
# (see test_properties.py::test_regression_independent_copies_leave_the_domain_of_log).
_NONPOLY_SCALAR = ("exp(0.5 * ({s}))", "tanh({s})", "sin({s})", "log(2 + tanh({s}))",
                   "({s}) / (3 + tanh({s}))", "sigmoid({s})")
_NONPOLY_LEAF = ("sum(relu({w} - 0.25))", "sum(tanh({w}))", "sum(exp(0.5 * {w}))", "sum(abs({w}))",
                 "1 / (3 + sum(tanh({w})))")


@st.composite
def outer_losses(draw, polynomial_only: bool = False, max_depth: int = 2, max_degree: int = 3,
                 allow_linear: bool = True):
    """A scalar :class:`Outer` expression of ``w``; polynomial degree at most ``max_degree``."""

    def leaf():
        options = ["sum({w} ^ 2)", "0.5 * sum(({w} - C) ^ 2)", "mean({w} * {w})"]
        degrees = [2, 2, 2]
        if allow_linear:
            options += ["sum({w})", "C * sum({w})"]
            degrees += [1, 1]
        if max_degree >= 3:
            options.append("sum({w} ^ 3)")
            degrees.append(3)
        if not polynomial_only:
            options += list(_NONPOLY_LEAF)
            degrees += [INF] * len(_NONPOLY_LEAF)
        i = draw(st.integers(0, len(options) - 1))
        text = options[i].replace("C", str(draw(_targets.filter(bool))))
        return Outer(text, degrees[i], degrees[i] < INF)

    def build(depth):
        if depth == 0 or draw(st.integers(0, 2)) == 0:
            return leaf()
        kind = draw(st.sampled_from(("add", "scale", "mul", "pow", "nonpoly") if not polynomial_only
                                    else ("add", "scale", "mul", "pow")))
        a = build(depth - 1)
        if kind == "scale":
            return Outer(f"{draw(_steps) * 10:g} * ({a.template})", a.degree, a.polynomial)
        if kind == "nonpoly":
            f = draw(st.sampled_from(_NONPOLY_SCALAR))
            return Outer(f.replace("{s}", a.template), INF, False)
        if kind == "pow":
            if a.degree * 2 > max_degree:
                return a
            return Outer(f"({a.template}) ^ 2", a.degree * 2, a.polynomial)
        b = build(depth - 1)
        if kind == "add":
            return Outer(f"{a.template} + {b.template}", max(a.degree, b.degree), a.polynomial and b.polynomial)
        deg = a.degree + b.degree if max(a.degree, b.degree) < INF else INF
        if deg > max_degree and deg < INF:
            return Outer(f"{a.template} + {b.template}", max(a.degree, b.degree), a.polynomial and b.polynomial)
        return Outer(f"({a.template}) * ({b.template})", min(deg, INF), a.polynomial and b.polynomial)

    return build(max_depth)


# ---------------------------------------------------------------- the program builder

class _Prog:
    """Collects declarations and statements, then renders them in a valid order."""

    def __init__(self):
        self.params: dict = {}
        self.data: dict = {}
        self.consts: list = []
        self.defs: dict = {}
        self.randoms: list = []
        self.body: list = []
        self.kinds: list = []
        self.counter = 0

    def fresh(self, base: str) -> str:
        self.counter += 1
        return f"{base}{self.counter}"

    def define(self, name, text):
        self.defs.setdefault(name, text)

    def render(self, objective: str, wrt) -> str:
        lines = [f"param {', '.join(self.params)}"]
        if self.data:
            lines.append(f"data {', '.join(self.data)}")
        lines += self.consts
        lines += self.randoms  # before the defs: a def may use a global random variable
        lines += list(self.defs.values())
        lines += self.body
        lines.append(f"minimize {objective} wrt {', '.join(wrt)}")
        return "\n".join(lines) + "\n"


@dataclass
class _Source:
    """A random node (or a few) with a per-sample loss and a linear feature of ``w``."""

    decls: list  # `random ...` lines
    binds: tuple  # names for E[...]
    loss: object  # w -> scalar text, quadratic in w, depends on the draw
    feature: object  # w -> scalar text, linear in w, depends on the draw
    kind: str


def _source(draw, prog: _Prog, dim: int, kinds=("minibatch", "dropout", "choice", "bernoulli")) -> _Source:
    kind = draw(st.sampled_from(kinds))
    prog.kinds.append(kind)
    if kind == "minibatch":
        dname = "D" if "D" not in prog.data else prog.fresh("D")
        prog.data[dname] = draw(datasets(st.integers(2, 3), dim))
        prog.define("l", "def l(w, b) = 0.5 * sum((dot(b.x, w) - b.y) ^ 2)")
        z = prog.fresh("z")
        return _Source([f"random {z} ~ minibatch({dname}, 1)"], (z,), lambda w: f"l({w}, {z})",
                       lambda w: f"sum(dot({z}.x, {w}))", kind)
    if kind == "dropout":
        m = prog.fresh("m")
        p = draw(st.sampled_from((0.25, 0.5)))
        c = draw(_targets)
        return _Source([f"random {m} ~ dropout({dim}, {p})"], (m,), lambda w: f"0.5 * sum(({m} * {w} - {c}) ^ 2)",
                       lambda w: f"sum({m} * {w})", kind)
    if kind == "bernoulli":
        b = prog.fresh("b")
        p = draw(st.sampled_from((0.25, 0.5)))
        return _Source([f"random {b} ~ bernoulli({p})"], (b,), lambda w: f"0.5 * (1 + {b}) * sum(({w} - 1) ^ 2)",
                       lambda w: f"(1 + {b}) * sum({w})", kind)
    o = prog.fresh("o")
    pa = draw(st.sampled_from((0.25, 0.5)))
    return _Source([f"random {o} ~ choice(a: {pa}, b: {1 - pa})"], (o,),
                   lambda w: f"match {o} {{ a => 0.5 * sum(({w} - 1) ^ 2), b => sum({w} ^ 2) }}",
                   lambda w: f"match {o} {{ a => sum({w}), b => 2 * sum({w}) }}", kind)


def _E(src: _Source, body: str) -> str:
    return f"E[{', '.join(src.binds)}]({body})"


def _theta(draw, prog: _Prog, allow_scalar=True):
    dim = draw(st.sampled_from((1, 2)))
    scalar = allow_scalar and dim == 1 and draw(st.booleans())
    shape = () if scalar else (dim,)
    prog.params["theta"] = draw(param_values(shape))
    return dim


def _step_size(draw, prog: _Prog) -> str:
    """``eta`` as a const, or as a scalar param ``s`` that the objective is also minimized over."""
    if draw(st.integers(0, 3)) == 0:
        prog.params["s"] = draw(st.sampled_from((0.05, 0.1, 0.25)))
        return "s"
    prog.consts.append(f"const eta = {draw(_steps)}")
    return "eta"


def _finish(prog: _Prog, objective: str, family: str, polynomial: bool, repeated: bool, **notes):
    text = prog.render(objective, list(prog.params))
    return GeneratedProgram(text, dict(prog.params), dict(prog.data), family, polynomial, repeated,
                            tuple(prog.kinds), notes)


# ---------------------------------------------------------------- families

@st.composite
def sgd_quadratic_programs(draw):
    """The documented family: one SGD step inside ``E[z]``, ``l_i = ½(x_i θ − y_i)²``, quadratic outer.

    The Hessian ``x_i²`` of the per-example loss is correlated with its gradient, so the
    naive estimator (one minibatch for the step and for its Jacobian) is biased: its exact
    value bias is ``½η²·Var_z(g_z)`` and its gradient bias ``η²·Cov_z(g_z, x_z²)`` (scalar
    θ), where ``g_z = x_z(x_z θ − y_z)``.  ``notes`` holds ``eta`` and the outer ``target``.
    """
    prog = _Prog()
    prog.params["theta"] = draw(st.one_of(param_values(()), param_values((1,))))
    prog.data["D"] = draw(datasets(st.integers(2, 3), 1))
    eta = draw(_steps)
    target = draw(_targets)
    prog.consts.append(f"const eta = {eta}")
    prog.define("l", "def l(w, b) = 0.5 * sum((dot(b.x, w) - b.y) ^ 2)")
    prog.randoms.append("random z ~ minibatch(D, 1)")
    prog.kinds.append("minibatch")
    prog.body.append("theta1 = theta - eta * E[z](grad(l(theta, z), theta))")
    return _finish(prog, f"0.5 * sum((theta1 - {target}) ^ 2)", "sgd_quadratic", True, True,
                   eta=eta, target=target)


@st.composite
def _inside(draw, polynomial_only, max_depth):
    prog = _Prog()
    dim = _theta(draw, prog)
    eta = _step_size(draw, prog)
    src = _source(draw, prog, dim)
    prog.randoms += src.decls
    step = _E(src, f"grad({src.loss('theta')}, theta)")
    prog.body.append(f"theta1 = theta - {eta} * {step}")
    outer = draw(outer_losses(polynomial_only, max_depth))
    objective = outer("theta1")
    degree = outer.degree
    if draw(st.booleans()):  # a validation expectation over an independent variable
        val = _source(draw, prog, dim)
        prog.randoms += val.decls
        objective = f"{objective} + {_E(val, val.loss('theta1'))}"
        degree = max(degree, 2)
    if draw(st.booleans()):  # via a def
        prog.define("outer", f"def outer(w) = {objective.replace('theta1', 'w')}")
        objective = "outer(theta1)"
    return _finish(prog, objective, "inside", outer.polynomial, degree >= 2)


@st.composite
def _outside(draw, polynomial_only, max_depth):
    prog = _Prog()
    dim = _theta(draw, prog)
    eta = _step_size(draw, prog)
    srcs = [_source(draw, prog, dim)]
    if draw(st.booleans()):  # a joint expectation E[v1, v2]
        srcs.append(_source(draw, prog, dim, ("dropout", "bernoulli", "choice")))
    for s in srcs:
        prog.randoms += s.decls
    loss = " + ".join(s.loss("theta") for s in srcs)
    binds = ", ".join(b for s in srcs for b in s.binds)
    outer = draw(outer_losses(polynomial_only, max_depth))
    objective = f"E[{binds}]({outer(f'(theta - {eta} * grad({loss}, theta))')})"
    return _finish(prog, objective, "outside", outer.polynomial, False)


@st.composite
def _product(draw, polynomial_only, max_depth):
    prog = _Prog()
    dim = _theta(draw, prog)
    src = _source(draw, prog, dim)
    prog.randoms += src.decls
    prog.body.append(f"m = {_E(src, src.feature('theta'))}")
    shape = draw(st.sampled_from(("m * m", "m ^ 2", "outer", "other")))
    if shape == "other":  # a product with an expectation over a different variable: not repeated
        other = _source(draw, prog, dim)
        prog.randoms += other.decls
        objective = f"m * {_E(other, other.feature('theta'))} + sum(theta ^ 2)"
        return _finish(prog, objective, "product", True, False)
    if shape == "outer":
        outer = draw(outer_losses(polynomial_only, max_depth))
        return _finish(prog, outer("m"), "product", outer.polynomial, outer.degree >= 2)
    return _finish(prog, shape, "product", True, True)


@st.composite
def _nested_tasks(draw, polynomial_only, max_depth):
    prog = _Prog()
    dim = _theta(draw, prog)
    eta = _step_size(draw, prog)
    prog.data["T"] = draw(collections_of_tasks(2, dim))
    prog.define("l", "def l(w, b) = 0.5 * sum((dot(b.x, w) - b.y) ^ 2)")
    prog.randoms += ["random t ~ choice(T)", "random z ~ minibatch(t.train, 1)"]
    prog.kinds.append("task")
    placement = draw(st.sampled_from(("inside", "outside")))
    if placement == "outside":
        outer = draw(outer_losses(polynomial_only, max_depth))
        objective = f"E[t](E[z]({outer(f'(theta - {eta} * grad(l(theta, z), theta))')}))"
        return _finish(prog, objective, "nested_tasks", outer.polynomial, False)
    prog.body.append(f"theta1 = theta - {eta} * E[z](grad(l(theta, z), theta))")  # z depends on t
    w = "theta1"
    if draw(st.booleans()):
        prog.randoms.append("random zv ~ minibatch(t.val, 1)")
        return _finish(prog, f"E[t](E[zv](l({w}, zv)))", "nested_tasks", True, True)
    outer = draw(outer_losses(polynomial_only, max_depth))
    return _finish(prog, f"E[t]({outer(w)})", "nested_tasks", outer.polynomial, outer.degree >= 2)


@st.composite
def _conditional(draw, polynomial_only, max_depth):
    prog = _Prog()
    dim = _theta(draw, prog, allow_scalar=False)
    eta = _step_size(draw, prog)
    prog.randoms.append("random o ~ choice(a: 0.5, b: 0.5)")
    prog.kinds.append("choice")
    src = _source(draw, prog, dim, ("minibatch", "dropout", "bernoulli"))
    prog.randoms += src.decls
    outer = draw(outer_losses(polynomial_only, max_depth))
    arm_a = _E(src, src.loss("theta"))
    step = _E(src, f"grad({src.loss('theta')}, theta)")
    prog.body.append(f"theta1 = theta - {eta} * {step}")  # a recipe: evaluated inside E[o]
    arm_b = outer("theta1")
    return _finish(prog, f"E[o](match o {{ a => {arm_a}, b => {arm_b} }})", "conditional",
                   outer.polynomial, outer.degree >= 2)


@st.composite
def _loop(draw, polynomial_only, max_depth):
    prog = _Prog()
    dim = _theta(draw, prog)
    eta = _step_size(draw, prog)
    prog.body.append("w = theta")
    src = _source(draw, prog, dim, ("minibatch", "dropout", "bernoulli", "choice"))
    if src.kind == "dropout":  # keep a mask's support small: it is re-drawn every step and copied
        src.decls[0] = src.decls[0].replace(f"dropout({dim},", "dropout(1,")
    step = _E(src, f"grad({src.loss('w')}, w)")
    body = src.decls + [f"w = w - {eta} * {step}"]
    prog.body.append("for k in 1..2 {\n" + "\n".join("  " + b for b in body) + "\n}")
    outer = draw(outer_losses(polynomial_only, min(max_depth, 1), max_degree=2))
    return _finish(prog, outer("w"), "loop", outer.polynomial, outer.degree >= 2)


@st.composite
def _def_step(draw, polynomial_only, max_depth):
    prog = _Prog()
    dim = _theta(draw, prog)
    eta = _step_size(draw, prog)
    src = _source(draw, prog, dim, ("minibatch", "bernoulli", "choice"))
    prog.randoms += src.decls
    step = _E(src, f"grad({src.loss('w')}, w)")
    prog.define("step", f"def step(w) = w - {eta} * {step}")
    calls = draw(st.sampled_from(("step(theta)", "step(step(theta))")))
    prog.body.append(f"theta1 = {calls}")
    outer = draw(outer_losses(polynomial_only, min(max_depth, 1), max_degree=2))
    # two chained calls: the second step's E depends on the first one's estimate (same variable)
    repeated = outer.degree >= 2 or calls.count("step") == 2
    return _finish(prog, outer("theta1"), "def_step", outer.polynomial, repeated)


_BUILDERS = {"sgd_quadratic": lambda p, d: sgd_quadratic_programs(), "inside": _inside, "outside": _outside,
             "product": _product, "nested_tasks": _nested_tasks, "conditional": _conditional,
             "loop": _loop, "def_step": _def_step}


def programs(polynomial_only: bool = False, max_depth: int = 2, families=FAMILIES,
             repeated_expectation: bool | None = None):
    """Well-formed programs (:class:`GeneratedProgram`) from the templates in ``families``.

    ``polynomial_only`` restricts every operation to polynomial ones (then every record has
    ``polynomial=True``).  ``max_depth`` bounds the nesting of the outer-loss expression.
    ``repeated_expectation=True`` (or ``False``) keeps only programs with (without) an
    expectation whose estimate is used twice multiplicatively.
    """
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown families {sorted(unknown)}; choose from {FAMILIES}")
    strategy = st.one_of([_BUILDERS[f](polynomial_only, max_depth) for f in families])
    if polynomial_only:
        strategy = strategy.filter(lambda p: p.polynomial)
    if repeated_expectation is not None:
        strategy = strategy.filter(lambda p: p.repeated_expectation == repeated_expectation)
    return strategy


__all__ = ["GeneratedProgram", "Outer", "programs", "sgd_quadratic_programs", "outer_losses", "datasets",
           "collections_of_tasks", "param_values", "nice_numbers", "FAMILIES", "INF"]
