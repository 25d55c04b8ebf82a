"""Check and lower a parsed module to the scoped IR.

Statements run in order, building an environment.  Assigned names are *thunks* (an
expression with the environment it was written in) and are lowered where they are used:
``x = f(z)`` may be used inside ``E[z](...)``, and each binding of ``z`` gives its own
copy.  A thunk is lowered once per binding of the random variables it mentions (memo),
so a loop of K steps lowers in O(K).  Defs are inlined with call-by-name arguments.

``E[z, m](body)`` opens a scope: its ``sample`` nodes draw z and m (in dependency order)
and a ``mean`` node closes it.  The scope's parent is the innermost scope among the
random variables the expectation depends on from outside (so an expectation that does
not depend on an enclosing draw is not recomputed per draw).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field

from ..errors import NameProblem, StructureProblem, did_you_mean
from ..runtime.distributions import ARG_RULES, check_args
from ..syntax import ast as A
from . import names as N
from .names import Binding
from .graph import Builder, Graph, Var
from .loops import MAX_UNROLL, count_unrolled
from .statics import static, static_int, static_shape, try_static


@dataclass(eq=False)
class Thunk:
    expr: object
    env: dict
    free: frozenset  # random instances it mentions (directly, through names or through their args)
    memo: dict = field(default_factory=dict)
    calls: tuple = ()  # defs being inlined where it was written (an argument is not a recursive call)
    alias: tuple = ()  # (name, serial) when the value gets a node of its own (see Lowerer.force)


@dataclass(eq=False)
class RandomInfo:
    name: str
    instance: int
    dist: str  # minibatch dropout choice choice_labelled bernoulli uniform normal
    static: tuple
    dyn: tuple  # thunks of the dynamic arguments
    free: frozenset  # random instances the arguments depend on
    loc: object
    decl: A.RandomDecl
    where: str = ""


class Ctx:
    """Which random instances are bound (to which sample node, in which scope) right now."""

    def __init__(self, bound=None, scope_of=None, calls=()):
        self.bound = bound or {}
        self.scope_of = scope_of or {}
        self.calls = calls  # names of defs being inlined, to refuse recursion


def _grad_targets(module: A.Module) -> frozenset:
    """Every name used as the variable of a ``grad`` anywhere in ``module`` (without recursion)."""
    return frozenset(x.wrt.name for x, _ in A.walk(module.stmts) if isinstance(x, A.Grad))


def lower_module(module: A.Module) -> Graph:
    """Check ``module`` and lower it to a :class:`Graph` with output ``objective``."""
    return Lowerer(module).run()


class Lowerer:
    def __init__(self, module: A.Module):
        self.module = module
        self.b = Builder()
        self.instances: list = []
        self.eids: dict = {}
        self.param_dep: list = []
        self.loops: list = []  # enclosing loop iterations, for naming random nodes
        self.free_stack: set = set()
        self.wrt_names = _grad_targets(module)  # names some grad(..., name) differentiates by
        self.serials = itertools.count()  # tells apart the aliases of one name
        self.randoms: list = []
        self.expectations: dict = {}  # eid -> info dict
        self.unrolled = 0  # loop-body iterations of the loops unrolled so far, against MAX_UNROLL

    # ----------------------------------------------------------------- statements
    def run(self) -> Graph:
        env: dict = {}
        minimize = None
        params, data, externs, consts = [], [], {}, {}
        declared_at: dict = {}

        def declare(ident: A.Ident, binding: Binding, reassignable=False):
            old = env.get(ident.name)
            if old is not None and not (reassignable and old.kind in (N.VALUE, N.RANDOM)):
                where = declared_at.get(ident.name)
                if old.kind == N.LOOP:
                    raise NameProblem(f"'{ident.name}' is the variable of the loop at line {where.line}, so the "
                                      f"loop's body cannot declare or assign it", ident.loc)
                raise NameProblem(
                    f"'{ident.name}' is already declared as {N.KIND_WORD[old.kind]}"
                    + (f" at line {where.line}" if where is not None else ""), ident.loc)
            env[ident.name] = binding
            declared_at[ident.name] = ident.loc

        def visible():
            out = {}
            for k, bnd in env.items():
                arity = None
                if bnd.kind == N.DEF or bnd.kind == N.EXTERN:
                    arity = len(bnd.value.params)
                out[k] = (bnd.kind, arity)
            return out

        def run_stmts(stmts):
            nonlocal minimize
            for s in stmts:
                match s:
                    case A.ParamDecl(names=ns):
                        for n in ns:
                            declare(n, Binding(N.PARAM, self.b.add("param", (), (n.name,), n.loc)))
                            params.append(n.name)
                    case A.DataDecl(names=ns):
                        for n in ns:
                            declare(n, Binding(N.DATA, self.b.add("data", (), (n.name,), n.loc)))
                            data.append(n.name)
                    case A.ConstDecl(name=n, expr=e):
                        N.check_expr(e, visible())
                        value = static(e, env, f"const {n.name}")
                        consts[n.name] = value
                        declare(n, Binding(N.CONST, self.b.add("const", (), (n.name, value), n.loc), static=value))
                    case A.ExternDecl(name=n, params=ps):
                        self.check_unique(ps, f"extern {n.name}")
                        declare(n, Binding(N.EXTERN, s))
                        externs[n.name] = tuple(p.name for p in ps)
                    case A.DefDecl(name=n, params=ps, body=body):
                        self.check_unique(ps, f"def {n.name}")
                        inner = visible()
                        inner[n.name] = (N.DEF, len(ps))
                        for p in ps:
                            inner[p.name] = (N.VALUE, None)
                        N.check_expr(body, inner)
                        declare(n, Binding(N.DEF, s, dict(env)))
                    case A.RandomDecl():
                        for a in s.args:
                            N.check_expr(a.expr if isinstance(a, A.Labelled) else a, visible())
                        declare(s.name, Binding(N.RANDOM, self.random_decl(s, env)), reassignable=True)
                    case A.Assign(name=n, expr=e):
                        N.check_expr(e, visible())
                        t = self.thunk(e, dict(env), n.name)
                        if not t.free:
                            # lower now, in program order: keeps node ids readable and avoids
                            # deep recursion when a long loop's last value is forced
                            self.force(t, Ctx())
                        declare(n, Binding(N.VALUE, t), reassignable=True)
                    case A.For(var=v, lo=lo, hi=hi, body=body):
                        a = static_int(lo, env, "the loop's lower bound")
                        z = static_int(hi, env, "the loop's upper bound")
                        if not self.loops:
                            # an outermost loop: count its whole nest before unrolling any of it
                            self.unrolled += count_unrolled(s, env, MAX_UNROLL - self.unrolled)
                        saved, saved_at = env.get(v.name), declared_at.get(v.name)
                        if saved is not None and saved.kind not in (N.LOOP, N.VALUE):
                            raise NameProblem(f"loop variable '{v.name}' hides {N.KIND_WORD[saved.kind]}", v.loc)
                        declared_at[v.name] = v.loc  # so a clash in the body names the loop, not what it hides
                        for k in range(a, z + 1):
                            env[v.name] = Binding(N.LOOP, k)
                            self.loops.append(f"{v.name}={k}")
                            run_stmts(body)
                            self.loops.pop()
                        if saved is None:
                            env.pop(v.name, None)
                            declared_at.pop(v.name, None)
                        else:
                            env[v.name], declared_at[v.name] = saved, saved_at
                    case A.Minimize(expr=e, wrt=wrt):
                        if minimize is not None:
                            raise StructureProblem(
                                f"a program has exactly one minimize; the first is at line {minimize[2].line}",
                                dataclasses.replace(s.loc, end_line=s.loc.line, end_column=s.loc.column + 8))
                        N.check_expr(e, visible())
                        self.check_unique(wrt, "minimize ... wrt")
                        for w in wrt:
                            bnd = env.get(w.name)
                            if bnd is None:
                                raise N.undefined(w.name, w.loc, env)
                            if bnd.kind != N.PARAM:
                                raise StructureProblem(
                                    f"minimize ... wrt needs params, but '{w.name}' is {N.KIND_WORD[bnd.kind]}", w.loc)
                        node = self.lower(e, env, Ctx())
                        minimize = (node, tuple(w.name for w in wrt), s.loc)

        run_stmts(self.module.stmts)
        if minimize is None:
            from ..errors import Location
            lines = self.module.source.splitlines() or [""]
            end = Location(self.module.filename, len(lines), len(lines[-1]) + 1, source=self.module.source)
            raise StructureProblem("the program has no 'minimize ... wrt ...' statement", end)
        node, wrt, loc = minimize
        return self.b.finish(
            outputs=(("objective", node),),
            params=tuple(params), wrt=wrt, data=tuple(data), externs=tuple(externs.items()),
            consts=tuple(consts.items()), objective_loc=loc, filename=self.module.filename,
            source=self.module.source, randoms=tuple(self.randoms),
            expectations=tuple(sorted(self.expectations.items())))

    def check_unique(self, idents, what):
        seen = set()
        for i in idents:
            if i.name in seen:
                raise NameProblem(f"{what} names '{i.name}' twice", i.loc)
            seen.add(i.name)

    # ------------------------------------------------------------ random declarations
    def random_decl(self, s: A.RandomDecl, env: dict) -> RandomInfo:
        dist = s.dist.name
        if dist not in A.DISTRIBUTIONS:
            hint = did_you_mean(dist, A.DISTRIBUTIONS) or "; the distributions are " + ", ".join(A.DISTRIBUTIONS)
            raise StructureProblem(f"unknown distribution '{dist}'{hint}", s.dist.loc)
        labelled = [a for a in s.args if isinstance(a, A.Labelled)]
        plain = [a for a in s.args if not isinstance(a, A.Labelled)]
        lo, hi = A.DISTRIBUTIONS[dist]
        if labelled:
            if dist != "choice":
                raise StructureProblem(f"{dist} takes no labelled arguments", labelled[0].loc)
            if plain:
                raise StructureProblem("choice takes either one collection or labelled probabilities, not both",
                                       plain[0].loc if hasattr(plain[0], "loc") else s.loc)
            return self.labelled_choice(s, labelled, env)
        n = len(plain)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else (f"{lo} or {hi}" if hi is not None else f"at least {lo}")
            noun = "argument" if want == "1" or want == "at least 1" else "arguments"
            raise StructureProblem(f"{dist} takes {want} {noun} but is given {n}", s.dist.loc)
        fixed: tuple = ()
        dyn: list = []
        if dist == "minibatch":
            b = static_int(plain[1], env, "the minibatch size")
            if b <= 0:
                raise StructureProblem(f"the minibatch size must be positive, not {b}", plain[1].loc)
            fixed, dyn = (b,), [plain[0]]
        elif dist == "dropout":
            shape = static_shape(plain[0], env)
            p = static(plain[1], env, "the dropout probability")
            if not isinstance(p, (int, float)) or not 0 <= p < 1:
                raise StructureProblem(f"the dropout probability must be in [0, 1), not {p}", plain[1].loc)
            fixed = (shape, float(p))
        elif dist == "choice":
            if n != 1:
                raise StructureProblem(f"choice takes one collection (or labelled probabilities), but is given {n} "
                                       f"arguments", plain[1].loc)
            dyn = [plain[0]]
        elif dist == "bernoulli":
            dyn = [plain[0]]
        else:  # uniform, normal
            dyn = plain[:2]
            shape = static_shape(plain[2], env) if n == 3 else ()
            fixed = (shape,)
        rule = ARG_RULES.get(dist)
        if rule is not None:  # arguments known now are checked now; the others when drawn
            known = [try_static(plain[i], env) for i in rule.args]
            if all(isinstance(v, (int, float)) for v in known) and (why := check_args(dist, known)):
                raise StructureProblem(why, plain[rule.args[0]].loc)
        thunks = tuple(self.thunk(e, dict(env)) for e in dyn)
        free = frozenset().union(*(t.free for t in thunks)) if thunks else frozenset()
        for t, e in zip(thunks, dyn):
            # arguments that depend on no random variable can be checked right here
            if not t.free and self.depends_on_param(self.force(t, Ctx())):
                raise StructureProblem(f"the arguments of {s.name.name} ~ {dist}(...) depend on a param, which is "
                                       f"not supported yet", e.loc)
        return self.new_random(s, dist, fixed, thunks, free)

    def labelled_choice(self, s, labelled, env) -> RandomInfo:
        labels, probs = [], []
        for a in labelled:
            if a.label.name in labels:
                raise StructureProblem(f"choice has label '{a.label.name}' twice", a.label.loc)
            p = static(a.expr, env, f"the probability of '{a.label.name}'")
            if not isinstance(p, (int, float)) or p < 0:
                raise StructureProblem(f"the probability of '{a.label.name}' must be a non-negative number, not {p}",
                                       a.expr.loc)
            labels.append(a.label.name)
            probs.append(float(p))
        if abs(sum(probs) - 1.0) > 1e-9:
            raise StructureProblem(f"choice probabilities must sum to 1, but they sum to {sum(probs):g}", s.dist.loc)
        return self.new_random(s, "choice_labelled", (tuple(labels), tuple(probs)), (), frozenset())

    def new_random(self, s, dist, fixed, thunks, free) -> RandomInfo:
        info = RandomInfo(s.name.name, len(self.instances) + 1, dist, fixed, thunks,
                          free, s.name.loc, s)
        self.instances.append(info)
        info.where = ", ".join(self.loops)
        self.randoms.append(Var(info.name, info.instance, dist, s.loc, info.where))
        return info

    # ---------------------------------------------------------------- expressions
    def thunk(self, e, env, name: str = "") -> Thunk:
        t = Thunk(e, env, self.free(e, env, {}))
        if name in self.wrt_names:
            t.alias = (name, next(self.serials))
        return t

    def free(self, e, env, params) -> frozenset:
        """Random instances an expression depends on (``params``: def parameters -> thunks)."""
        f = self.free
        match e:
            case A.Var(name=n):
                if n in params:
                    return params[n].free
                bnd = env.get(n)
                if bnd is None:
                    return frozenset()
                if bnd.kind == N.VALUE:
                    return bnd.value.free
                if bnd.kind == N.RANDOM:
                    return bnd.value.free | {bnd.value.instance}
                return frozenset()
            case A.BinOp(left=l, right=r):
                return f(l, env, params) | f(r, env, params)
            case A.Neg(operand=o) | A.Field(expr=o):
                return f(o, env, params)
            case A.Grad(expr=x, wrt=w):
                return f(x, env, params) | f(A.Var(w.name), env, params)
            case A.Match(var=v, arms=arms):
                out = f(A.Var(v.name), env, params)
                for arm in arms:
                    out |= f(arm.expr, env, params)
                return out
            case A.Expect(vars=vs, body=body):
                inner = f(body, env, params)
                bound = set()
                for v in vs:
                    bnd = env.get(v.name) if v.name not in params else None
                    if bnd is not None and bnd.kind == N.RANDOM:
                        bound.add(bnd.value.instance)
                        inner |= bnd.value.free
                return frozenset(inner - bound)
            case A.Call(func=fn, args=args):
                out = frozenset()
                for a in args:
                    out |= f(a, env, params)
                bnd = env.get(fn.name)
                if bnd is not None and bnd.kind == N.DEF and fn.name not in params \
                        and fn.name not in self.free_stack:
                    # a def body can mention global random variables too
                    self.free_stack.add(fn.name)
                    try:
                        out |= f(bnd.value.body, bnd.env, {p.name: Thunk(None, {}, frozenset())
                                                           for p in bnd.value.params})
                    finally:
                        self.free_stack.discard(fn.name)
                return out
        return frozenset()

    def force(self, t: Thunk, ctx: Ctx) -> int:
        key = tuple(sorted((i, ctx.bound[i]) for i in t.free if i in ctx.bound))
        hit = t.memo.get(key)
        if hit is None:
            hit = self.lower(t.expr, t.env, Ctx(ctx.bound, ctx.scope_of, t.calls))
            if t.alias:
                # grad(e, w) differentiates with respect to the name w alone.  Without a node of
                # its own, w = theta (or a def argument equal to another one) would be the very
                # node of theta, and the derivative would also run through theta's other uses.
                hit = self.b.add("alias", (hit,), t.alias, t.expr.loc)
            t.memo[key] = hit
        return hit

    def lower(self, e, env, ctx: Ctx) -> int:
        b = self.b
        match e:
            case A.Num(value=v, loc=loc):
                return b.add("lit", (), (v,), loc)
            case A.Pi(loc=loc):
                return b.add("lit", (), (math.pi,), loc)
            case A.ArrayLit(loc=loc):
                return b.add("lit", (), (static(e, env, "an array literal's items"),), loc)
            case A.Var(name=n, loc=loc):
                return self.lower_name(n, loc, env, ctx)
            case A.BinOp(op="^", left=l, right=r, loc=loc):
                return b.add("pow", (self.lower(l, env, ctx), self.exponent(r, env, ctx)), (), loc)
            case A.BinOp(op=op, left=l, right=r, loc=loc):
                return b.add(BINOPS[op], (self.lower(l, env, ctx), self.lower(r, env, ctx)), (), loc)
            case A.Neg(operand=o, loc=loc):
                return b.add("neg", (self.lower(o, env, ctx),), (), loc)
            case A.Field(expr=x, name=name, loc=loc):
                return b.add("field", (self.lower(x, env, ctx),), (name,), loc)
            case A.Call():
                return self.lower_call(e, env, ctx)
            case A.Expect():
                return self.lower_expect(e, env, ctx)
            case A.Grad(expr=x, wrt=w, loc=loc):
                wrt = self.lower_name(w.name, w.loc, env, ctx)
                return b.add("grad", (self.lower(x, env, ctx), wrt), (w.name,), loc)
            case A.Match():
                return self.lower_match(e, env, ctx)
        raise TypeError(f"cannot lower {e!r}")  # pragma: no cover

    def exponent(self, e, env, ctx) -> int:
        """The exponent of a power, as one literal when it is a constant expression.

        The analyses recognise a whole-number power (``E[m] ^ 2`` is a product of two estimates,
        which independent streams make unbiased) only when the exponent is a literal or a const,
        so ``E[m] ^ (1 + 1)`` or ``m ^ 2 ^ 2`` would otherwise be judged a non-polynomial power.
        Only compound expressions are folded: a number, a const or a loop variable is lowered
        as it always was.
        """
        if isinstance(e, (A.BinOp, A.Neg)):
            k = try_static(e, env)
            if isinstance(k, (int, float)):
                return self.b.add("lit", (), (k,), e.loc)
        return self.lower(e, env, ctx)

    def lower_name(self, n, loc, env, ctx) -> int:
        bnd = env.get(n)
        if bnd is None:
            raise N.undefined(n, loc, env)
        if bnd.kind in (N.PARAM, N.DATA, N.CONST):
            return bnd.value
        if bnd.kind == N.LOOP:
            return self.b.add("lit", (), (bnd.value,), loc)
        if bnd.kind == N.VALUE:
            return self.force(bnd.value, ctx)
        if bnd.kind == N.RANDOM:
            info = bnd.value
            if info.instance not in ctx.bound:
                raise StructureProblem(
                    f"random variable '{n}' is used outside any expectation over it; wrap its use in E[{n}](...)",
                    loc)
            return ctx.bound[info.instance]
        raise NameProblem(f"'{n}' is {N.KIND_WORD[bnd.kind]}; call it with arguments, as in {n}(...)", loc)

    def lower_call(self, e: A.Call, env, ctx) -> int:
        b, name, loc = self.b, e.func.name, e.loc
        bnd = env.get(name)
        if bnd is not None and bnd.kind == N.DEF:
            d: A.DefDecl = bnd.value
            if name in ctx.calls:
                raise StructureProblem(f"def '{name}' calls itself; recursion is not supported", e.func.loc)
            inner = dict(bnd.env)
            inner[name] = bnd
            for p, a in zip(d.params, e.args):
                arg = self.thunk(a, env, p.name)
                arg.calls = ctx.calls
                inner[p.name] = Binding(N.VALUE, arg)
            return self.lower(d.body, inner, Ctx(ctx.bound, ctx.scope_of, ctx.calls + (name,)))
        args = [self.lower(a, env, ctx) for a in e.args]
        if bnd is not None and bnd.kind == N.EXTERN:
            return b.add("call", args, (("extern", name),), loc)
        if name == "dot":
            return b.add("sum_last", (b.add("mul", args, (), loc),), (), loc)
        if name == "outer":
            x = b.add("unsq", (args[0],), (-1,), loc)
            y = b.add("unsq", (args[1],), (-2,), loc)
            return b.add("mul", (x, y), (), loc)
        return b.add(name, args, (), loc)

    def lower_expect(self, e: A.Expect, env, ctx: Ctx) -> int:
        b = self.b
        infos = []
        for v in e.vars:
            info = env[v.name].value
            if info.instance in ctx.bound:
                raise StructureProblem(f"E[{v.name}] rebinds '{v.name}', which an enclosing expectation already binds",
                                       v.loc)
            infos.append(info)
        # draw in dependency order; every dependency must be bound here or by an enclosing E
        order, pending = [], list(infos)
        mine = {i.instance for i in infos}
        while pending:
            ready = [i for i in pending if all(d in ctx.bound or d in {o.instance for o in order}
                                               for d in i.free)]
            if not ready:
                i = pending[0]
                missing = [d for d in i.free if d not in ctx.bound and d not in mine]
                dep = self.instances[missing[0] - 1] if missing else self.instances[
                    next(d for d in i.free if d in mine) - 1]
                raise StructureProblem(
                    f"E[{i.name}] must be enclosed by E[{dep.name}], because {i.name} depends on {dep.name}",
                    next(v.loc for v in e.vars if v.name == i.name))
            order.extend(ready)
            pending = [i for i in pending if i not in ready]
        free = self.free(e, env, {})
        parent = 0
        for inst in free:
            sid = ctx.scope_of.get(inst)
            if sid is not None and b.scope_depth(sid) > b.scope_depth(parent):
                parent = sid
        eid = self.eids.setdefault(id(e), len(self.eids) + 1)
        key = b.scopes[parent].key + ((len(order),) + tuple(i.instance for i in order) + (0,),)
        sid = b.new_scope(parent, tuple(Var(i.name, i.instance, i.dist, i.loc, i.where) for i in order),
                          eid, key, 0, e.loc)
        self.expectations.setdefault(eid, {"vars": tuple(i.name for i in infos), "loc": e.loc,
                                           "scopes": []})["scopes"].append(sid)
        bound, scope_of = dict(ctx.bound), dict(ctx.scope_of)
        for pos, info in enumerate(order):
            inner = Ctx(bound, scope_of, ctx.calls)
            args = [self.force(t, inner) for t in info.dyn]
            for t, a in zip(info.dyn, args):
                if self.depends_on_param(a):
                    raise StructureProblem(
                        f"the arguments of {info.name} ~ {info.decl.dist.name}(...) depend on a param, "
                        f"which is not supported yet",
                        getattr(t.expr, "loc", info.loc))
            node = b.add("sample", args, (sid, pos, info.dist, info.static, info.name), info.decl.loc)
            bound[info.instance] = node
            scope_of[info.instance] = sid
        body = self.lower(e.body, env, Ctx(bound, scope_of, ctx.calls))
        return b.add("expect", (body,), (sid,), e.loc)

    def lower_match(self, e: A.Match, env, ctx) -> int:
        info = env[e.var.name].value
        if info.dist != "choice_labelled":
            raise StructureProblem(f"match needs a random variable drawn from a labelled choice, but "
                                   f"'{info.name}' is drawn from {info.decl.dist.name}", e.var.loc)
        labels = info.static[0]
        arms = {}
        for arm in e.arms:
            lab = arm.label.name
            if lab in arms:
                raise StructureProblem(f"match has two arms for '{lab}'", arm.label.loc)
            if lab not in labels:
                raise StructureProblem(f"match on {info.name} has an arm for '{lab}', but {info.name}'s choice "
                                       f"(line {info.loc.line}) has no such label{did_you_mean(lab, labels)}",
                                       arm.label.loc)
            arms[lab] = arm
        missing = [lab for lab in labels if lab not in arms]
        if missing:
            raise StructureProblem(f"match on {info.name} has no arm for the label '{missing[0]}'", e.var.loc)
        idx = self.lower_name(e.var.name, e.var.loc, env, ctx)
        branches = [self.lower(arms[lab].expr, env, ctx) for lab in labels]
        return self.b.add("select", [idx] + branches, (labels,), e.loc)

    def depends_on_param(self, n: int) -> bool:
        pd, nodes = self.param_dep, self.b.nodes
        for i in range(len(pd), n + 1):  # ids are topological: extend the table in order
            node = nodes[i]
            pd.append(node.op == "param" or any(pd[a] for a in node.args))
        return pd[n]


BINOPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow", "@": "matmul"}
OPERATOR_NAMES = {op: f"'{sym}'" for sym, op in BINOPS.items()}  # how messages name a primitive: '+'

