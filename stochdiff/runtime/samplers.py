"""Samplers: what a ``sample`` node draws and how a ``mean`` node averages.

The emitted estimator calls ``S.draw(scope, pos, dist, static, args)`` and
``S.mean(x, scope)``; the sampler decides what that means:

* :class:`MonteCarlo` draws ``samples`` independent values per expectation, keyed by
  ``(seed, stream key)`` with a counter-based generator so that replicate r's draws are
  the same whether 1 or 10,000 replicates are computed at once; ``mean`` averages.
* :class:`Exact` enumerates each variable's finite support along its axis; ``mean`` is
  the probability-weighted sum.  Run on the naive program it gives the exact objective
  and gradient.

Axis layout (see :mod:`stochdiff.ir.graph`): axis 0 holds replicates, then one axis per
random variable bound by the enclosing scopes, outermost first.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import SupportTooLarge
from .distributions import DISTS, _dataset_n
from .kernels import lift, reduce_mean, reduce_weighted
from .rng import uniforms

DEFAULT_LIMIT = 1_000_000


class Sampler:
    def __init__(self, graph):
        self.scopes = graph.scopes
        self.first_axis = {0: 1}  # scope id -> batch-axis index of its first variable
        self.chain = {0: ()}  # scope id -> ((scope, pos), ...) of every enclosing variable axis
        for s in graph.scopes[1:]:
            p = s.parent
            self.first_axis[s.id] = 1 + len(self.chain[p])
            self.chain[s.id] = self.chain[p] + tuple((s.id, j) for j in range(len(s.vars)))
        self.size: dict = {}

    def axes(self, sid: int) -> tuple:
        a = self.first_axis[sid]
        return tuple(range(a, a + len(self.scopes[sid].vars)))

    def batch_shape(self, sid: int, pos: int) -> tuple:
        """Batch shape of a draw of variable ``pos`` of scope ``sid`` (its own axis last)."""
        p = self.scopes[sid].parent
        outer = tuple(self.size.get(ax, 1) for ax in self.chain[p])  # undrawn axes are singletons
        own = tuple(self.size.get((sid, j), 1) for j in range(pos))
        return (self.replicates,) + outer + own


class MonteCarlo(Sampler):
    """Independent draws: ``samples[sid]`` per scope, for ``replicates`` replicates from ``start``."""

    def __init__(self, graph, seed: int, replicates: int, samples: dict, start: int = 0):
        super().__init__(graph)
        self.seed = int(seed)
        self.replicates = replicates
        self.start = start
        for s in graph.scopes[1:]:
            for j in range(len(s.vars)):
                # a scope's variables are drawn jointly: one axis of `samples` draws, the
                # later variables conditioned on the earlier ones along the same axis
                self.size[(s.id, j)] = samples.get(s.id, 1) if j == 0 else 1

    def draw(self, sid, pos, dist, static, args):
        shape = self.batch_shape(sid, pos) + (self.size[(sid, pos)],)
        d = len(shape)
        args = tuple(lift(a, d - 1, d) for a in args)
        D = DISTS[dist]
        k = D.n_uniforms(static, args, d)
        per = math.prod(shape[1:]) * k
        key = _key_ints(self.scopes[sid].key) + (pos,)
        u = uniforms(self.seed, key, self.start, self.replicates, per).reshape(shape + (k,))
        return D.from_uniforms(u, static, args, d)

    def mean(self, x, sid):
        ax = self.axes(sid)
        return reduce_mean(x, ax, ax[-1] + 1)


class Exact(Sampler):
    """Enumerate finite supports; ``mean`` weights by probabilities."""

    def __init__(self, graph, limit: int = DEFAULT_LIMIT, whole_data: frozenset = frozenset()):
        super().__init__(graph)
        self.replicates = 1
        self.limit = limit
        self.probs: dict = {}
        self.whole_data = whole_data  # minibatch scopes whose bodies only average over the minibatch

    def draw(self, sid, pos, dist, static, args):
        shape = self.batch_shape(sid, pos)
        d = len(shape) + 1
        var = self.scopes[sid].vars[pos]
        if sid in self.whole_data:
            # E over a uniformly drawn subset of an average over it = the average over all the data
            _dataset_n(args[0], static[0], d - 1)  # the same checks as a real draw (size, emptiness)
            self.size[(sid, pos)] = 1
            self.probs[(sid, pos)] = np.ones((1,) * d)
            return lift(args[0], d - 1, d)
        n = support_size(dist, static, args, d - 1)
        if n is None:
            raise SupportTooLarge(
                f"{var.name} ~ {dist} is continuous, so its expectation cannot be computed exactly; "
                f"use an estimator instead", var.loc)
        total = math.prod(shape) * n
        if total > self.limit:
            inall = f" ({count_text(total)} in all with the enclosing expectations)" if total != n else ""
            raise SupportTooLarge(
                f"exact evaluation would enumerate {count_text(n)} values of {var.name} ~ "
                f"{dist.replace('_labelled', '')}{inall}, more than the limit of {self.limit:,} (raise it with "
                f"limit= in Python or --limit on the command line)", var.loc)
        values, probs = DISTS[dist].support(static, args, d)
        self.size[(sid, pos)] = n
        self.probs[(sid, pos)] = probs
        return values

    def mean(self, x, sid):
        ax = self.axes(sid)
        d = ax[-1] + 1
        w = None
        for j in range(len(ax)):
            p = self.probs.get((sid, j))
            if p is None:  # the body never drew this variable: its axis is a singleton
                continue
            p = p.reshape(p.shape + (1,) * (d - p.ndim))
            w = p if w is None else w * p
        if w is None:
            return reduce_mean(x, ax, d)
        return reduce_weighted(x, w, ax, d)


# Support sizes past this are never counted exactly (2 ** (10 ** 10) masks would take
# gigabytes to write down): they are ``math.inf``, which exceeds every limit.
COUNTABLE = 2**62


def support_size(dist, static, args, d):
    """How many values a finite distribution takes (None when continuous, ``math.inf`` when
    more than :data:`COUNTABLE`), without enumerating."""
    if dist == "minibatch":
        n, b = _first_event_len(args[0], d), static[0]
        if n < b:
            return 0
        log_count = math.lgamma(n + 1) - math.lgamma(b + 1) - math.lgamma(n - b + 1)
        return math.comb(n, b) if log_count < math.log(COUNTABLE) - 1 else math.inf
    if dist == "dropout":
        return _patterns(math.prod(static[0]))
    if dist == "choice":
        return _first_event_len(args[0], d)
    if dist == "choice_labelled":
        return len(static[0])
    if dist == "bernoulli":
        return _patterns(math.prod(np.shape(args[0])[d:]))
    return None


def _patterns(k):
    """2 ** k, the 0/1 patterns of k entries, or ``math.inf`` past :data:`COUNTABLE`."""
    return 2**k if 2**min(k, 63) < COUNTABLE else math.inf


def count_text(n) -> str:
    """A support size or count for a message: ``1,024``, or ``more than 4,611,686,018,427,387,904``."""
    return f"{n:,}" if n < COUNTABLE else f"more than {COUNTABLE:,}"


def _first_event_len(x, d):
    while isinstance(x, dict):
        if not x:
            return 0
        x = next(iter(x.values()))
    x = np.asarray(x)
    return x.shape[d] if x.ndim > d else 0


def _key_ints(key: tuple) -> tuple:
    out = []
    for elem in key:
        out.extend(elem)
        out.append(0x5D)  # separator, so ((1, 2),) and ((1,), (2,)) differ
    return tuple(int(v) for v in out)
