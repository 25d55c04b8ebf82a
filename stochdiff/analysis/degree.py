"""Polynomial degree of every node in each stream's sample mean, as bitsets.

A node's degree map says, for every stream of draws, how the node depends on that
stream's *estimate*: 0 (not at all, or only through per-sample draws), 1 (affine), k
(a polynomial of degree k) or ``INF`` (not polynomial).  Long unrolled programs depend on
thousands of streams, so maps are stored as Python-int bitsets (``lin`` for degree 1,
``inf`` for INF) plus a small dict ``hi`` for degrees 2..; an unchanged map is shared,
never copied.  Rules follow :data:`stochdiff.analysis.rules.DEGREE`.

Each node also carries up to :data:`MAX_REASONS` located reasons, ``(mask, sentence)``,
for streams whose degree became 2 or more; certification reports those that reach an
output.
"""

from __future__ import annotations

from ..ir.graph import extern_of
from .rules import DEGREE, LINEAR, NONPOLY, SHAPE

INF = 1 << 30
MAX_REASONS = 6
BIAS_KEY = ("bias",)  # pseudo-stream: bias introduced inside a nested expectation

OPWORD = {"exp": "exp", "log": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tanh": "tanh",
          "sigmoid": "sigmoid", "relu": "relu", "abs": "abs", "sign": "sign", "step": "the derivative of relu",
          "sample": "a distribution's argument"}


class Deg:
    """An immutable degree map: ``lin`` (bits of degree 1), ``levels`` {degree >= 2: bits}, ``inf`` bits.

    Grouping the bits by degree keeps every operation a handful of big-integer bit
    operations, however many streams a node depends on.
    """

    __slots__ = ("lin", "levels", "hib", "inf")

    def __init__(self, lin=0, levels=None, inf=0):
        out, taken = {}, inf
        for d in sorted(levels or {}, reverse=True):  # a bit keeps its highest degree
            if d >= INF:
                inf |= levels[d]
                taken |= levels[d]
                continue
            m = levels[d] & ~taken
            if m:
                out[d] = m
                taken |= m
        self.levels = out
        self.inf = inf
        self.hib = taken & ~inf
        self.lin = lin & ~taken

    @property
    def any(self) -> int:
        return self.lin | self.hib | self.inf

    @property
    def bad(self) -> int:
        """Bits of degree 2 or more."""
        return self.hib | self.inf

    @property
    def finite(self) -> int:
        """Bits of finite positive degree."""
        return self.lin | self.hib

    def groups(self):
        """(degree, bits) pairs, degree 1 included."""
        if self.lin:
            yield 1, self.lin
        yield from self.levels.items()

    def get(self, bit: int) -> int:
        if (self.lin >> bit) & 1:
            return 1
        if (self.inf >> bit) & 1:
            return INF
        for d, m in self.levels.items():
            if (m >> bit) & 1:
                return d
        return 0

    def __repr__(self):
        return f"Deg(lin={self.lin:b}, levels={self.levels}, inf={self.inf:b})"


ZERO = Deg()


def _iter_bits(m: int):
    while m:
        low = m & -m
        yield low.bit_length() - 1
        m ^= low


class StreamIndex:
    """Numbers stream keys (bit positions) and knows which keys are nested in which."""

    def __init__(self):
        self.bit_of: dict = {}
        self.keys: list = []
        self.children: dict = {}
        self.bit(BIAS_KEY)

    def bit(self, key) -> int:
        b = self.bit_of.get(key)
        if b is None:
            b = len(self.keys)
            self.bit_of[key] = b
            self.keys.append(key)
            if key != BIAS_KEY and len(key) > 1:
                self.children.setdefault(key[:-1], []).append(key)
        return b

    def inner_mask(self, key) -> int:
        """Bits of every registered key nested strictly inside ``key``."""
        m = 0
        for c in self.children.get(key, ()):
            m |= (1 << self.bit_of[c]) | self.inner_mask(c)
        return m


def linear(ds) -> Deg:
    nz = [d for d in ds if d is not ZERO and d.any]
    if not nz:
        return ZERO
    if len(nz) == 1:
        return nz[0]
    lin = inf = 0
    levels: dict = {}
    for d in nz:
        lin |= d.lin
        inf |= d.inf
        for k, m in d.levels.items():
            levels[k] = levels.get(k, 0) | m
    return Deg(lin, levels, inf)


def product(a: Deg, b: Deg) -> Deg:
    if not a.any:
        return b
    if not b.any:
        return a
    levels: dict = {}
    only_a, only_b = a.finite & ~b.any, b.finite & ~a.any
    for da, ma in a.groups():
        if ma & only_a:
            levels[da] = levels.get(da, 0) | (ma & only_a)
        for db, mb in b.groups():
            both = ma & mb
            if both:
                levels[da + db] = levels.get(da + db, 0) | both
    for db, mb in b.groups():
        if mb & only_b:
            levels[db] = levels.get(db, 0) | (mb & only_b)
    lin = levels.pop(1, 0)
    return Deg(lin, levels, a.inf | b.inf)


def nonpoly(ds) -> Deg:
    m = 0
    for d in ds:
        m |= d.any
    return Deg(0, None, m) if m else ZERO


def power(a: Deg, k: int) -> Deg:
    if k == 0 or not a.any:
        return ZERO
    if k == 1:
        return a
    return Deg(0, {d * k: m for d, m in a.groups()}, a.inf)


def whole_power(node):
    """The exponent of ``x ^ k`` when k is a non-negative whole-number constant, else None."""
    if node.op in ("lit", "const"):
        v = node.attrs[-1]
        if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() and v >= 0:
            return int(v)
    return None


class Degrees:
    """Degree maps and reasons for the nodes of a graph that grows (the allocator adds nodes)."""

    def __init__(self, index: StreamIndex | None = None, names=None):
        self.index = index or StreamIndex()
        self.names = names
        self.deg: list = []
        self.why: list = []

    def key_bit(self, key) -> int:
        return self.index.bit(key)

    def extend(self, g) -> None:
        """Compute maps for every node of ``g`` not yet covered (ids are topological)."""
        for i in range(len(self.deg), len(g.nodes)):
            d, w = self.node(g, g.nodes[i])
            self.deg.append(d)
            self.why.append(w)

    def node(self, g, n):
        op, args, deg = n.op, n.args, self.deg
        ds = [deg[a] for a in args]
        reasons = _merge_reasons([self.why[a] for a in args])
        if op == "expect":
            return self._expect(g, n, ds[0], reasons)
        spec = DEGREE.get(op)
        if op == "div":
            out = linear([ds[0], nonpoly([ds[1]])])
        elif op == "pow":
            k = whole_power(g.nodes[args[1]])
            out = power(ds[0], k) if k is not None and not ds[1].any else nonpoly(ds)
        elif op == "select":
            out = linear([nonpoly([ds[0]])] + ds[1:])
        elif op == "sample" or spec == NONPOLY:
            out = nonpoly(ds)
        elif spec == SHAPE:
            return ZERO, ()
        elif spec == LINEAR:
            out = linear(ds)
        elif isinstance(spec, tuple) and spec[0] == LINEAR:
            out = linear([ds[p] for p in spec[1]])
        elif isinstance(spec, tuple):  # product over the listed positions
            p, q = spec[1]
            out = product(ds[p], ds[q])
        else:
            raise KeyError(f"no degree rule for {op}")
        before = 0
        for d in ds:
            before |= d.bad
        new = out.bad & ~before
        if new:
            reasons = _add_reason(reasons, new, self._sentence(g, n, new))
        return out, reasons

    def _expect(self, g, n, body: Deg, reasons):
        s = g.scopes[n.attrs[0]]
        own = self.key_bit(s.key)
        inner = self.index.inner_mask(s.key)
        out = body
        if inner & body.any:
            bad_inner = inner & body.bad
            keep = ~inner
            out = Deg(body.lin & keep, {d: m & keep for d, m in body.levels.items()}, body.inf & keep)
            if bad_inner:
                bias = self.key_bit(BIAS_KEY)
                out = linear([out, Deg(0, None, 1 << bias)])
                # the inner streams are averaged away here: their reasons now explain the bias
                carried = tuple((1 << bias, text) for mask, text in reasons if mask & bad_inner)
                rest = tuple((mask, text) for mask, text in reasons if not mask & bad_inner)
                reasons = rest + (carried or ((1 << bias, f"an expectation nested in {s.label} (line "
                                                          f"{s.loc.line}) is used non-linearly"),))
        d = out.get(own)
        bit = 1 << own
        levels = {k: m & ~bit for k, m in out.levels.items()}
        lin, inf = out.lin & ~bit, out.inf
        if d == 0:
            lin |= bit
        elif d < INF:
            levels[d + 1] = levels.get(d + 1, 0) | bit
        else:
            inf |= bit
        out = Deg(lin, levels, inf)
        if d and d < INF and not (body.bad >> own) & 1:
            reasons = _add_reason(reasons, 1 << own,
                                  f"{self.name(s.key)} reuses its draws in a term that already depends on its "
                                  f"own estimate (its forward value feeds its Jacobian)")
        return out, reasons

    def name(self, key) -> str:
        return self.names(key) if self.names else str(key)

    def _sentence(self, g, n, mask) -> str:
        key = self.index.keys[next(_iter_bits(mask))]
        what = self.name(key)
        op, line = n.op, n.loc.line
        if op == "div":
            return f"division at line {line} divides by an estimate of {what}"
        if op == "pow":
            k = whole_power(g.nodes[n.args[1]])
            if k is not None:
                factors = "both factors" if k == 2 else f"all {k} factors"
                return f"{what} enters {factors} of ^{k} at line {line} with the same draws"
            return f"the power at line {line} is not a whole-number power of an estimate of {what}"
        if op == "select":
            return f"match at line {line} selects by a value that depends on an estimate of {what}"
        if op in ("mul", "matmul", "matmul_ga", "matmul_gb"):
            return f"{what} enters both factors of the product at line {line} with the same draws"
        if op == "call":
            name = extern_of(n.attrs[0])[0]
            return f"the extern function {name} at line {line} is applied to an estimate of {what}, " \
                   f"which is not polynomial"
        return f"{OPWORD.get(op, op)} at line {line} is applied to an estimate of {what}, which is not polynomial"


def _merge_reasons(lists) -> tuple:
    nz = [r for r in lists if r]
    if not nz:
        return ()
    if len(nz) == 1:
        return nz[0]
    out, seen = [], set()
    for r in nz:
        for mask, text in r:
            if text not in seen and len(out) < MAX_REASONS:
                seen.add(text)
                out.append((mask, text))
    return tuple(out)


def _add_reason(reasons, mask, text) -> tuple:
    if any(t == text for _, t in reasons) or len(reasons) >= MAX_REASONS:
        return reasons
    return reasons + ((mask, text),)
